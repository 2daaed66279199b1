"""The chair's highlights in the store (issue #16), on SQLite and PostgreSQL.

Every save is a new revision of the whole set, based on the one the chair opened; a save
over a newer one is refused, and so are text the store cannot keep, a heading or source
the cycle does not have, and anyone but the partnership's chair or an administrator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support import data
from tests.support.factories import installed
from workbook.access import Identity, Role
from workbook.errors import AccessDenied, HighlightsError
from workbook.schema.highlights import HeadingHighlights, Highlights, Point
from workbook.store import Store, provision

CYCLES = data.partnership(
    [
        data.cycle("c1", "Cycle one", 2020, agencies=["alpha", "beta"]),
        data.cycle("c2", "Cycle two", 2021, agencies=["alpha", "beta"]),
    ]
)
OTHER = {
    **data.partnership([data.cycle("o1", "Their cycle", 2020, agencies=["alpha"])]),
    "id": "other",
    "name": "Another partnership",
}
AT = dt.datetime(2020, 3, 20, 10, 30, tzinfo=dt.UTC)


@pytest.fixture
def store(db_url: str, write_yaml: Callable[..., Path]) -> Iterator[Store]:
    """``tp`` (c1, c2 inviting alpha and beta) and ``other`` (o1), both of test-fw."""
    templates = write_yaml("templates/test-fw.yaml", data.framework()).parent
    ours = write_yaml("partnership.yaml", CYCLES)
    theirs = write_yaml("other/partnership.yaml", OTHER)
    with installed(db_url, ours, templates) as opened:
        provision.install(opened, theirs, templates)
        yield opened


def acting(store: Store, role: Role, partnership: str = "tp", *agencies: str) -> Store:
    cycle = "c1" if role is Role.MEMBER else None
    who = Identity(
        f"link:{role}-{partnership}", f"A {role}", role, partnership, frozenset(agencies), cycle
    )
    return store.as_identity(who)


def points(*texts: str, sources: tuple[str, ...] = ("alpha",)) -> HeadingHighlights:
    return HeadingHighlights(going_well=tuple(Point(text=t, sources=sources) for t in texts))


FIRST = Highlights(
    key_messages=("Training reaches most frontline staff",),
    recommendations=("Audit the referral pathway",),
    to_note=("The returns' completion",),
    to_agree=("The three priorities",),
    headings={"prevent": points("Training is recorded", sources=("alpha", "beta"))},
)


def test_each_save_is_a_revision_with_its_author_and_time(store: Store) -> None:
    chair = acting(store, Role.CHAIR)
    assert chair.highlights.latest("c1") is None
    assert chair.highlights.history("c1") == []
    first = chair.highlights.save("c1", FIRST, based_on=None, author="MASE chair", at=AT)
    assert (first.number, first.author, first.saved_at) == (1, "MASE chair", AT)
    second_set = FIRST.model_copy(update={"key_messages": ("One message",)})
    second = chair.highlights.save("c1", second_set, based_on=1, at=AT + dt.timedelta(hours=1))
    assert (second.number, second.author) == (2, "A chair")  # the identity's name by default
    latest = chair.highlights.latest("c1")
    assert latest is not None
    assert latest.highlights == second_set
    assert latest.highlights.heading("prevent").going_well[0].sources == ("alpha", "beta")
    assert [(r.number, r.highlights.key_messages) for r in chair.highlights.history("c1")] == [
        (1, FIRST.key_messages),
        (2, ("One message",)),
    ]
    assert chair.highlights.latest("c2") is None  # each cycle its own


def test_a_save_over_a_newer_revision_is_refused_and_nothing_is_saved(store: Store) -> None:
    chair = acting(store, Role.CHAIR)
    chair.highlights.save("c1", FIRST, based_on=None)
    chair.highlights.save("c1", FIRST, based_on=1)  # someone else's tab
    with pytest.raises(HighlightsError) as refused:
        chair.highlights.save("c1", Highlights(key_messages=("Mine",)), based_on=1)
    assert refused.value.reason == "stale"
    assert "changed since you opened them" in str(refused.value)
    with pytest.raises(HighlightsError, match="changed since"):
        chair.highlights.save("c1", FIRST, based_on=None)  # a first save, but there is one
    assert [r.number for r in chair.highlights.history("c1")] == [1, 2]


@pytest.mark.parametrize(
    ("highlights", "reason", "words"),
    [
        (Highlights(key_messages=("Nul\x00in the middle",)), "bad_text", "key_messages 1"),
        (Highlights(headings={"prevent": points("Fine", "Nul\x00")}), "bad_text", "going_well 2"),
        (Highlights(headings={"nowhere": points("A point")}), "wrong", "no heading 'nowhere'"),
        (
            Highlights(headings={"prevent": points("A point", sources=("gamma",))}),
            "wrong",
            "source 'gamma' is not an agency invited",
        ),
    ],
    ids=["nul-message", "nul-point", "unknown-heading", "uninvited-source"],
)
def test_text_and_references_the_cycle_cannot_keep_are_refused(
    store: Store, highlights: Highlights, reason: str, words: str
) -> None:
    chair = acting(store, Role.CHAIR)
    with pytest.raises(HighlightsError) as refused:
        chair.highlights.save("c1", highlights, based_on=None)
    assert refused.value.reason == reason
    assert words in str(refused.value)
    assert chair.highlights.history("c1") == []


def test_only_the_partnerships_chair_and_administrators_read_and_save(store: Store) -> None:
    acting(store, Role.CHAIR).highlights.save("c1", FIRST, based_on=None)
    admin = acting(store, Role.ADMIN)
    saved = admin.highlights.save("c1", FIRST, based_on=1)
    assert saved.number == 2
    for who in (
        acting(store, Role.MEMBER, "tp", "alpha"),
        acting(store, Role.ANALYST),
        acting(store, Role.CHAIR, "other"),  # the chair of another partnership
    ):
        with pytest.raises(AccessDenied):
            who.highlights.latest("c1")
        with pytest.raises(AccessDenied):
            who.highlights.history("c1")
        with pytest.raises(AccessDenied):
            who.highlights.save("c1", FIRST, based_on=2)
    assert [r.number for r in store.highlights.history("c1")] == [1, 2]
