"""Schema 1 -> 2: the moderation and action-mark tables (existing data untouched).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from workbook.store import tables as T

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    T.metadata.create_all(op.get_bind(), tables=list(T.V2_TABLES))
