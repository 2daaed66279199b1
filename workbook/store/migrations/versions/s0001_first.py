"""Schema 1: the first store (returns, revisions and answers), before Alembic kept count.

Revision ID: 0001
Revises:
"""

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing: a store this old was made whole by the workbook that wrote it."""
