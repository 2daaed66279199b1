"""Alembic's revisions of the store's schema, one file per step (Alembic skips this file)."""
