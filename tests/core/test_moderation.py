"""Moderated ratings, challenge comments and top-action marks (issue #4): append-only."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, insert, inspect, select

from workbook.errors import ModerationError
from workbook.schema.responses import Action, Answer
from workbook.store import Store, moderation, tables

CHAIR = "MASE chair"


def at(day: int) -> dt.datetime:
    return dt.datetime(2020, 3, day, 10, tzinfo=dt.UTC)


def test_a_moderation_keeps_the_self_rating_it_was_made_against(store: Store, make_answers):
    store.save("c1", "alpha", make_answers(rating="green"), author="a", based_on=None)
    saved = moderation.record(
        store, "c1", "alpha", "p-1", rating="amber", comment="Show the audit", author=CHAIR
    )
    assert (saved.rating, saved.self_rating, saved.revision) == ("amber", "green", 1)
    current = moderation.current(store, "c1")
    assert current[("alpha", "p-1")].comment == "Show the audit"
    assert current[("alpha", "p-1")].saved_at.tzinfo is not None


def test_moderations_are_appended_and_the_latest_is_current(store: Store) -> None:
    moderation.record(store, "c1", "alpha", "p-1", rating="red", comment="", author=CHAIR, at=at(3))
    moderation.record(
        store,
        "c1",
        "alpha",
        "p-1",
        rating="amber",
        comment="On reflection",
        author="Vice chair",
        at=at(4),
    )
    moderation.record(store, "c1", "beta", "p-1", rating=None, comment="Why?", author=CHAIR)
    history = moderation.history(store, "c1", "alpha", "p-1")
    assert [(m.rating, m.author) for m in history] == [("red", CHAIR), ("amber", "Vice chair")]
    assert history[0].saved_at == at(3)
    current = moderation.current(store, "c1")
    assert current[("alpha", "p-1")].rating == "amber"
    assert current[("beta", "p-1")].rating is None  # a challenge without a different rating
    assert len(moderation.history(store, "c1")) == 3
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(tables.moderation)) == 3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rating": None, "comment": "  "}, "needs a moderated rating or a challenge"),
        ({"rating": "purple", "comment": ""}, "No rating 'purple'.*red, amber, green"),
        ({"rating": "red", "comment": "", "author": " "}, "needs an author"),
        ({"rating": "red", "comment": "x" * 10_001}, "10001 characters"),
        ({"rating": "red", "comment": "", "criterion": "zz-9"}, "No criterion 'zz-9'"),
        ({"rating": "red", "comment": "", "agency": "gamma"}, "not invited"),
    ],
)
def test_bad_moderations_are_refused_and_nothing_is_written(store: Store, kwargs, match) -> None:
    kwargs = dict(kwargs)  # the parameters are shared with the other database's run
    agency = kwargs.pop("agency", "alpha")
    criterion = kwargs.pop("criterion", "p-1")
    kwargs.setdefault("author", CHAIR)
    with pytest.raises(ModerationError, match=match):
        moderation.record(store, "c1", agency, criterion, **kwargs)
    assert moderation.history(store, "c1") == []


def _with_actions(store: Store, agency: str, count: int) -> list[str]:
    texts = [f"Action {agency} {n}" for n in range(count)]
    answers = {
        "p-1": Answer(
            rating="amber",
            actions=tuple(Action(text=t, owner="Lead", due=dt.date(2020, 6, 1)) for t in texts),
        )
    }
    store.save("c1", agency, answers, author="a", based_on=None)
    return texts


def test_the_partnership_top_five_and_each_agencys_top_three(store: Store) -> None:
    alpha = _with_actions(store, "alpha", 4)
    beta = _with_actions(store, "beta", 3)
    for text in alpha[:3]:
        moderation.mark_action(store, "c1", "alpha", "p-1", text, scope="agency", author=CHAIR)
    with pytest.raises(ModerationError, match="'alpha' already has 3 top actions"):
        moderation.mark_action(store, "c1", "alpha", "p-1", alpha[3], scope="agency", author=CHAIR)
    # another agency has its own three
    moderation.mark_action(store, "c1", "beta", "p-1", beta[0], scope="agency", author=CHAIR)
    for agency, text in [("alpha", t) for t in alpha] + [("beta", beta[0])]:
        moderation.mark_action(store, "c1", agency, "p-1", text, scope="partnership", author=CHAIR)
    with pytest.raises(ModerationError, match="partnership already has 5"):
        moderation.mark_action(
            store, "c1", "beta", "p-1", beta[1], scope="partnership", author=CHAIR
        )
    # marking again what is marked is allowed (no new slot), unmarking frees one
    moderation.mark_action(store, "c1", "alpha", "p-1", alpha[0], scope="partnership", author=CHAIR)
    moderation.mark_action(
        store, "c1", "alpha", "p-1", alpha[0], scope="partnership", author=CHAIR, marked=False
    )
    moderation.mark_action(store, "c1", "beta", "p-1", beta[1], scope="partnership", author=CHAIR)
    current = moderation.marks(store, "c1")
    partnership = [m.action_text for m in current if m.scope == "partnership"]
    assert len(partnership) == 5
    assert alpha[0] not in partnership
    assert beta[1] in partnership
    history = moderation.mark_history(store, "c1")
    assert [
        m.marked for m in history if m.action_text == alpha[0] and m.scope == "partnership"
    ] == [
        True,
        True,
        False,
    ]


def test_only_actions_in_the_return_can_be_marked(store: Store) -> None:
    _with_actions(store, "alpha", 1)
    with pytest.raises(ModerationError, match="not in alpha's return for p-1"):
        moderation.mark_action(store, "c1", "alpha", "p-1", "Made up", scope="agency", author=CHAIR)
    with pytest.raises(ValueError, match="scope"):
        moderation.mark_action(store, "c1", "alpha", "p-1", "x", scope="board", author=CHAIR)  # type: ignore[arg-type]


def test_a_version_1_store_migrates_and_keeps_its_data(db_url: str) -> None:
    """A store made by the first workbook (only the v1 tables) opens, gains the new ones."""
    from sqlalchemy import create_engine

    engine = create_engine(db_url)
    later = (*tables.V2_TABLES, *tables.V3_TABLES)
    v1 = [t for t in tables.metadata.sorted_tables if t not in later]
    with engine.begin() as conn:
        tables.metadata.create_all(conn, tables=v1)
        conn.exec_driver_sql("ALTER TABLE revision DROP COLUMN saved_by")  # added in v3
        conn.execute(insert(tables.meta).values(key="schema_version", value="1"))
        conn.execute(insert(tables.partnership).values(id="tp", name="Old partnership"))
        conn.execute(insert(tables.agency).values(id="alpha", name="Alpha", sector="health"))
    engine.dispose()
    with Store.open(db_url) as store:
        assert store.schema_version() == tables.SCHEMA_VERSION
        inspector = inspect(store.engine)
        assert inspector.has_table("moderation")
        assert inspector.has_table("action_mark")
        assert inspector.has_table("access_link")
        assert "saved_by" in {c["name"] for c in inspector.get_columns("revision")}
        assert store.partnerships() == [("tp", "Old partnership")]
        assert store.agency("alpha").name == "Alpha"
    with Store.open(db_url) as store:
        assert store.schema_version() == tables.SCHEMA_VERSION
