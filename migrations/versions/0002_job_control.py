"""job control: batches, history indexes, idempotency keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("api_key_id", sa.UUID(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.Text(), nullable=False),
        sa.Column("job_ids", postgresql.ARRAY(sa.UUID()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=op.f("fk_idempotency_keys_api_key_id_api_keys")
        ),
        sa.PrimaryKeyConstraint("api_key_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(
        "ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"], unique=False
    )
    op.drop_constraint(op.f("fk_job_leads_lead_id_leads"), "job_leads", type_="foreignkey")
    op.create_foreign_key(
        op.f("fk_job_leads_lead_id_leads"), "job_leads", "leads", ["lead_id"], ["id"]
    )
    op.add_column("jobs", sa.Column("batch_id", sa.UUID(), nullable=True))
    op.create_index(
        "ix_jobs_api_key_id_batch_id_created_at",
        "jobs",
        [
            "api_key_id",
            "batch_id",
            sa.literal_column("created_at DESC"),
            sa.literal_column("id DESC"),
        ],
        unique=False,
        postgresql_where=sa.text("batch_id IS NOT NULL"),
    )
    op.create_index(
        "ix_jobs_api_key_id_kind_created_at",
        "jobs",
        ["api_key_id", "kind", sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_jobs_api_key_id_status_created_at",
        "jobs",
        [
            "api_key_id",
            "status",
            sa.literal_column("created_at DESC"),
            sa.literal_column("id DESC"),
        ],
        unique=False,
    )
    op.create_index(
        "ix_jobs_api_key_id_status_kind_created_at",
        "jobs",
        [
            "api_key_id",
            "status",
            "kind",
            sa.literal_column("created_at DESC"),
            sa.literal_column("id DESC"),
        ],
        unique=False,
    )
    op.create_index(
        "ix_jobs_due",
        "jobs",
        ["run_at"],
        unique=False,
        postgresql_where=sa.text("status = 'scheduled'"),
    )
    op.create_index(
        "ix_jobs_finished_at",
        "jobs",
        ["finished_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('succeeded', 'failed', 'cancelled')"),
    )
    op.create_check_constraint(
        op.f("ck_jobs_scheduled_run_at"), "jobs", "status <> 'scheduled' OR run_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_jobs_scheduled_run_at"), "jobs", type_="check")
    op.drop_index(
        "ix_jobs_finished_at",
        table_name="jobs",
        postgresql_where=sa.text("status IN ('succeeded', 'failed', 'cancelled')"),
    )
    op.drop_index(
        "ix_jobs_due", table_name="jobs", postgresql_where=sa.text("status = 'scheduled'")
    )
    op.drop_index("ix_jobs_api_key_id_status_created_at", table_name="jobs")
    op.drop_index("ix_jobs_api_key_id_status_kind_created_at", table_name="jobs")
    op.drop_index("ix_jobs_api_key_id_kind_created_at", table_name="jobs")
    op.drop_index(
        "ix_jobs_api_key_id_batch_id_created_at",
        table_name="jobs",
        postgresql_where=sa.text("batch_id IS NOT NULL"),
    )
    op.drop_column("jobs", "batch_id")
    op.drop_constraint(op.f("fk_job_leads_lead_id_leads"), "job_leads", type_="foreignkey")
    op.create_foreign_key(
        op.f("fk_job_leads_lead_id_leads"),
        "job_leads",
        "leads",
        ["lead_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
