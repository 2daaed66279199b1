"""Schema 7 -> 8: returns shared between partnerships, and notes for one (issue #17).

No cycle accepted shared returns before, so no return is shared and none moves: the new
column's default and the empty tables say exactly that.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

from workbook.store import tables as T
from workbook.store.migrations.helpers import add_columns

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    T.metadata.create_all(op.get_bind(), tables=list(T.V8_TABLES))
    add_columns(op.get_bind(), T.V8_COLUMNS)
