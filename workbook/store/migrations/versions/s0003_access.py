"""Schema 2 -> 3: personal links, cycle sharing, and who saved each revision.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from workbook.store import tables as T
from workbook.store.migrations.helpers import add_columns

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    T.metadata.create_all(op.get_bind(), tables=list(T.V3_TABLES))
    add_columns(op.get_bind(), (("revision", "saved_by", "TEXT"),))
