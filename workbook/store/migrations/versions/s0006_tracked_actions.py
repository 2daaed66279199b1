"""Schema 5 -> 6: every action already written in a return becomes a tracked one (#15).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from workbook.store.migrate_actions import track_existing_actions

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    track_existing_actions(op.get_bind())
