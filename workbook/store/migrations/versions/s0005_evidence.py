"""Schema 4 -> 5: indicators, case audits and dismissed contradictions (issue #14).

Frameworks gained contradiction rules (with defaults), so they are written again.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from workbook.store import tables as T
from workbook.store.migrations.helpers import rewrite_frameworks

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    T.metadata.create_all(op.get_bind(), tables=list(T.V5_TABLES))
    rewrite_frameworks(op.get_bind())
