"""per-key limits: token buckets, held jobs

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_buckets",
        sa.Column("api_key_id", sa.UUID(), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column(
            "refilled_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("rejected", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_rate_buckets_api_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("api_key_id", name=op.f("pk_rate_buckets")),
    )
    op.add_column("jobs", sa.Column("held_since", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_jobs_held",
        "jobs",
        ["api_key_id", "held_since"],
        unique=False,
        postgresql_where=sa.text("held_since IS NOT NULL"),
    )
    op.create_check_constraint(
        op.f("ck_jobs_held_only_queued"), "jobs", "held_since IS NULL OR status = 'queued'"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_jobs_held_only_queued"), "jobs", type_="check")
    op.drop_index(
        "ix_jobs_held", table_name="jobs", postgresql_where=sa.text("held_since IS NOT NULL")
    )
    op.drop_column("jobs", "held_since")
    op.drop_table("rate_buckets")
