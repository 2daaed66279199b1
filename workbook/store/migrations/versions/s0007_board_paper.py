"""Schema 6 -> 7: highlights, "not applicable", the partnership's words (issue #16).

Older answers were all applicable, older partnerships use the default words and no
cycle had a board-meeting date: the new columns' defaults say exactly that. Frameworks
gained short titles and sector scopes (with defaults), so they are written again.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

from workbook.store import tables as T
from workbook.store.migrations.helpers import add_columns, rewrite_frameworks

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    T.metadata.create_all(op.get_bind(), tables=list(T.V7_TABLES))
    add_columns(op.get_bind(), T.V7_COLUMNS)
    rewrite_frameworks(op.get_bind())
