"""The store reads a return's state by folding its revisions in SQL (issue #8).

``workbook.store.revisions.states`` asks the database for each agency's newest revision and, per
criterion, the newest answer row, instead of reading every revision's rows. These tests
hold that to the plain definition (the state at revision n is what was saved at n) over
many interleaved saves, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from workbook.schema.responses import Action, Answer, Status
from workbook.store import Store

CRITERIA = ("p-1", "p-2", "i-1")
RATINGS = ("red", "amber", "green")


def _random_answers(rng: random.Random, before: dict[str, Answer]) -> dict[str, Answer]:
    """The next full state: each criterion kept, changed, cleared or newly answered."""
    after = dict(before)
    for cid in CRITERIA:
        roll = rng.random()
        if roll < 0.15:
            after.pop(cid, None)  # cleared: the revision stores an empty answer
        elif roll < 0.6:
            actions: tuple[Action, ...] = ()
            if rng.random() < 0.3:
                due = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
                actions = (Action(text=f"Action {rng.randint(1, 9)}", owner="Lead", due=due),)
            after[cid] = Answer(
                rating=rng.choice((None, *RATINGS)),
                evidence=rng.choice(("", "Audit", "Training log")),
                actions=actions,
            )
    return {cid: a for cid, a in after.items() if not a.is_empty}


def test_states_equal_what_each_revision_saved(store: Store) -> None:
    rng = random.Random(8)
    saved: dict[str, list[dict[str, Answer]]] = {"alpha": [], "beta": []}
    current: dict[str, dict[str, Answer]] = {"alpha": {}, "beta": {}}
    for _ in range(40):
        agency = rng.choice(("alpha", "beta"))
        answers = _random_answers(rng, current[agency])
        based_on = len(saved[agency]) or None
        state = store.save("c1", agency, answers, author="Lead", based_on=based_on)
        if state.revision == len(saved[agency]):
            continue  # nothing changed: no revision added
        saved[agency].append(dict(state.answers))  # as saved: each action with its id
        current[agency] = dict(state.answers)
    assert all(len(revisions) > 5 for revisions in saved.values())

    returns = store.returns("c1")
    assert set(returns) == {"alpha", "beta"}
    for agency, revisions in saved.items():
        latest = store.latest("c1", agency)
        assert latest is not None
        assert latest.revision == len(revisions)
        assert latest.answers == revisions[-1]
        assert returns[agency].answers == revisions[-1]
        assert returns[agency].revision == len(revisions)
        for number, answers in enumerate(revisions, start=1):
            at = store.at("c1", agency, number)
            assert (at.revision, at.answers) == (number, answers)
        # history still lists every revision, from the same rows
        assert [r.number for r in store.history("c1", agency)] == list(range(1, len(revisions) + 1))

    # the dashboard's read of many cycles folds the same rows to the same answers (#19),
    # its actions already in the form the frame keeps them (as Action.model_dump gives)
    current = store.current(["c1"])["c1"].returns
    for agency, revisions in saved.items():
        assert current[agency].revision == len(revisions)
        stored = {
            cid: a
            for cid, a in current[agency].answers.items()
            if (a.rating, a.evidence, a.action_records) != (None, "", ())
        }
        assert stored.keys() == revisions[-1].keys()
        for cid, answer in revisions[-1].items():
            assert stored[cid].action_records == tuple(a.model_dump() for a in answer.actions)
            as_saved = answer.model_dump(exclude={"carried_forward", "actions"})
            assert stored[cid].actions == answer.actions
            assert {k: getattr(stored[cid], k) for k in as_saved} == as_saved


def test_state_carries_the_newest_revisions_status_author_and_time(store: Store) -> None:
    first = {"p-1": Answer(rating="amber")}
    store.save("c1", "alpha", first, author="A", based_on=None, at=_when(1))
    store.save("c1", "alpha", {}, author="B", based_on=1, at=_when(2))  # everything cleared
    store.save("c1", "beta", first, author="C", based_on=None, at=_when(3))
    alpha = store.latest("c1", "alpha")
    assert alpha is not None
    assert (alpha.revision, alpha.author, alpha.answers) == (2, "B", {})
    assert alpha.saved_at == _when(2)
    assert alpha.status == Status.DRAFT
    assert store.at("c1", "alpha", 1).answers == first
    assert set(store.returns("c1")) == {"alpha", "beta"}


def _when(day: int) -> dt.datetime:
    return dt.datetime(2020, 2, day, 9, 30, tzinfo=dt.UTC)


# ---------------------------------------------------------------------------- snapshots


def test_reads_in_a_snapshot_share_one_state_and_look_each_cycle_up_once(
    store: Store, db_url: str
) -> None:
    """What a dashboard's frame puts together comes from one state of the store (#19)."""
    from sqlalchemy import event

    from workbook.analysis import frame

    store.save("c1", "alpha", {"p-1": Answer(rating="red")}, author="Lead", based_on=None)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    with Store.open(db_url) as other, store.snapshot():
        before = frame.load(store, ["c1"])
        looked_up = sum("FROM cycle JOIN partnership" in s for s in statements)
        other.save("c1", "alpha", {"p-1": Answer(rating="green")}, author="Lead", based_on=1)
        assert store.latest("c1", "alpha").answers["p-1"].rating == "red"  # not yet seen
        assert frame.load(store, ["c1"]).equals(before)
    event.remove(store.engine, "before_cursor_execute", count)
    # the cycle asked for and its partnership's others in one statement, which later
    # reads of them find: not once for every read that checks access to a cycle
    assert looked_up == 1
    assert store.latest("c1", "alpha").answers["p-1"].rating == "green"  # seen after it


def test_a_snapshot_checks_access_as_every_read_does(store: Store) -> None:
    from workbook.access import Identity, Role
    from workbook.errors import AccessDenied

    store.save("c1", "alpha", {"p-1": Answer(rating="red")}, author="Lead", based_on=None)
    member = store.as_identity(Identity("link:m", "B", Role.MEMBER, "tp", frozenset({"beta"})))
    with member.snapshot():
        assert "alpha" not in member.returns("c1")  # a draft of another agency's
        with pytest.raises(AccessDenied):
            member.latest("c1", "alpha")
