"""The chair's highlights of a cycle in the store (issue #16).

Each save is a new revision of the whole set, based on the one the chair opened: a save
over someone else's newer revision is refused, so two tabs cannot silently undo each
other. Reading and writing are the chair's and administrators' (the same rule as
moderation): the highlights are the chair's draft until the board paper prints them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from workbook.access import Identity
from workbook.errors import HighlightsError
from workbook.schema import highlights as schema
from workbook.schema.highlights import Highlights, HighlightsRevision
from workbook.schema.responses import text_problem
from workbook.store import tables as T
from workbook.store.catalog import Catalog
from workbook.store.engine import Database, utc
from workbook.store.sharing import Sharing


class HighlightStore:
    """A cycle's highlights as ``identity`` may read and save them.

    Parameters
    ----------
    database, catalog, sharing, identity
        The store's connections, its catalogue and sharing as ``identity`` sees them.
    """

    def __init__(
        self, database: Database, catalog: Catalog, sharing: Sharing, identity: Identity
    ) -> None:
        self.database = database
        self.catalog = catalog
        self.sharing = sharing
        self.identity = identity

    def latest(self, cycle_id: str) -> HighlightsRevision | None:
        """The current highlights (None before the first save)."""
        revisions = self._rows(cycle_id, newest_only=True)
        return revisions[-1] if revisions else None

    def history(self, cycle_id: str) -> list[HighlightsRevision]:
        """Every saved revision, oldest first."""
        return self._rows(cycle_id, newest_only=False)

    def _rows(self, cycle_id: str, *, newest_only: bool) -> list[HighlightsRevision]:
        self.sharing.require_moderator(cycle_id)
        h = T.highlight
        query = select(h).where(h.c.cycle_id == cycle_id).order_by(h.c.number)
        if newest_only:
            newest = select(func.max(h.c.number)).where(h.c.cycle_id == cycle_id)
            query = query.where(h.c.number == newest.scalar_subquery())
        with self.database.reading() as conn:
            rows = conn.execute(query).all()
        return [
            HighlightsRevision(
                cycle_id=r.cycle_id,
                number=r.number,
                highlights=Highlights.model_validate_json(r.body),
                author=r.author,
                saved_at=utc(r.saved_at),
            )
            for r in rows
        ]

    def save(
        self,
        cycle_id: str,
        highlights: Highlights,
        *,
        based_on: int | None,
        author: str | None = None,
        at: dt.datetime | None = None,
    ) -> HighlightsRevision:
        """Keep ``highlights`` as the next revision; ``based_on`` is the one the chair opened.

        Refused, with nothing saved, when another save came first, when a text cannot be
        stored, or when a heading or a source is not the cycle's.
        """
        info = self.sharing.require_moderator(cycle_id)
        for where, text in highlights.texts():
            problem = text_problem(text)
            if problem:
                raise HighlightsError("bad_text", where=where, problem=problem)
        framework = self.catalog.framework(info.framework_id, info.framework_version)
        wrong = schema.problems(highlights, {h.id for h in framework.headings}, set(info.agencies))
        if wrong:
            where, problem = wrong[0]
            raise HighlightsError("wrong", where=where, problem=problem)
        who = self.identity
        when = at or dt.datetime.now(dt.UTC)
        h = T.highlight
        try:
            with self.database.writing() as conn:
                latest = conn.scalar(select(func.max(h.c.number)).where(h.c.cycle_id == cycle_id))
                if (latest or None) != based_on:
                    raise HighlightsError("stale", cycle=cycle_id, latest=latest, based_on=based_on)
                number = (latest or 0) + 1
                conn.execute(
                    insert(h).values(
                        cycle_id=cycle_id,
                        number=number,
                        body=highlights.model_dump_json(),
                        author=author or who.name,
                        saved_by=who.key,
                        saved_at=when,
                    )
                )
        except IntegrityError:  # another save took the same number between our read and write
            raise HighlightsError(
                "stale", cycle=cycle_id, latest=(based_on or 0) + 1, based_on=based_on or 0
            ) from None
        return HighlightsRevision(
            cycle_id=cycle_id,
            number=number,
            highlights=highlights,
            author=author or who.name,
            saved_at=when,
        )
