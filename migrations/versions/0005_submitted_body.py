"""jobs.submitted: the job's request body as the client sent it

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: jobs created before it show their decoded parameters instead.
    op.add_column("jobs", sa.Column("submitted", JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("jobs", "submitted")
