"""Schema 3 -> 4: users who sign in through JupyterHub, mapped to roles and agencies.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from workbook.store import tables as T

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    T.metadata.create_all(op.get_bind(), tables=list(T.V4_TABLES))
