"""The store reads a return's state by folding its revisions in SQL (issue #8).

``workbook.store.revisions.states`` asks the database for each agency's newest revision and, per
criterion, the newest answer row, instead of reading every revision's rows. These tests
hold that to the plain definition (the state at revision n is what was saved at n) over
many interleaved saves, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random

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
