"""`workbook demo`: a synthetic partnership whose returns differ, reproducibly, naming no one."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.servers import copy_store
from workbook import demo
from workbook.cli import cli
from workbook.schema.responses import Status
from workbook.store import Store

PERSON = re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b")
"""'Firstname Lastname': two capitalised words in a row."""
ROLES = ("Return lead, ", "MASE chair", "MACE chair", "Section 11 panel chair")
"""Who writes: agencies' leads, and the chairs the two partnerships' words name."""


def run_demo(url: str, *extra: str) -> str:
    result = CliRunner().invoke(cli, ["demo", "--db", url, *extra])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.stdout


def contents(url: str) -> dict:
    """Everything the demo wrote, by cycle and agency: statuses, answers and history."""
    with Store.open(url) as store:
        return {
            cycle.id: {
                agency: (
                    store.latest(cycle.id, agency),
                    [
                        (h.number, h.status, h.author, h.saved_at, h.note, h.changes)
                        for h in store.history(cycle.id, agency)
                    ],
                )
                for agency in cycle.agencies
            }
            for cycle in store.cycles()
        }


def tracked(url: str) -> dict:
    """Every tracked action's id and state, and its marks, by cycle."""
    with Store.open(url) as store:
        return {
            cycle.id: (
                sorted(
                    (a.id, a.agency_id or "", a.text, a.status, a.due, a.updated_at, a.cycles)
                    for a in store.actions.find(cycle.id)
                ),
                sorted(
                    (m.action_id, m.scope, m.state, m.saved_at)
                    for m in store.actions.marks(cycle.id)
                ),
            )
            for cycle in store.cycles()
        }


def highlighted(url: str) -> dict:
    """The chair's highlights of every cycle, revision by revision (issue #16)."""
    with Store.open(url) as store:
        return {
            cycle.id: [
                (r.number, r.author, r.saved_at, r.highlights)
                for r in store.highlights.history(cycle.id)
            ]
            for cycle in store.cycles()
        }


@pytest.fixture(autouse=True)
def _packaged_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    # the demo reads the shipped templates; a developer's override must not leak in
    monkeypatch.delenv("WORKBOOK_TEMPLATES", raising=False)
    monkeypatch.delenv("WORKBOOK_DB", raising=False)


@pytest.fixture(scope="module")
def demo_url(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The session's store of ``workbook demo`` (made once for every test that needs one),
    copied for this module: a demo run costs seconds, a copy milliseconds."""
    return copy_store(demo_file, tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def demo_store(demo_url: str) -> Iterator[Store]:
    with Store.open(demo_url) as store:
        yield store


def test_demo_has_eleven_agencies_and_three_cycles(demo_store: Store) -> None:
    # and its neighbour (issue #17): tests/core/test_demo_neighbour.py
    assert [p for p, _ in demo_store.partnerships()] == ["demo", "demo-neighbour"]
    assert len(demo_store.agencies("demo")) == 11
    cycles = demo_store.cycles("demo")
    assert [c.id for c in cycles] == ["cse-2016-17", "cse-2017-18", "front-door-2018"]
    assert {(c.framework_id, c.framework_version) for c in cycles} == {
        ("cse-mase", "2017.2"),
        ("ofsted-front-door", "2018.2"),
    }
    assert all(len(c.agencies) == 11 for c in cycles)


def test_every_cycle_has_submitted_draft_and_not_started_returns(demo_store: Store) -> None:
    for cycle in demo_store.cycles():
        statuses = set(demo_store.statuses(cycle.id).values())
        assert {Status.SUBMITTED, Status.DRAFT, Status.NOT_STARTED} <= statuses, cycle.id


def test_some_returns_were_reopened_with_a_reason(demo_store: Store) -> None:
    notes = [
        h.note
        for cycle in demo_store.cycles()
        for agency in cycle.agencies
        for h in demo_store.history(cycle.id, agency)
        if h.status == Status.REOPENED and h.author == "MASE chair"
    ]
    assert notes
    assert all(note.strip() for note in notes)


def test_every_saved_return_has_a_history(demo_store: Store) -> None:
    short = {
        f"{cycle.id}/{agency}": len(demo_store.history(cycle.id, agency))
        for cycle in demo_store.cycles()
        for agency, status in demo_store.statuses(cycle.id).items()
        if status != Status.NOT_STARTED and len(demo_store.history(cycle.id, agency)) < 2
    }
    assert short == {}


def test_submitted_returns_are_complete(demo_store: Store) -> None:
    from workbook.schema.responses import missing_for_submission

    for cycle in demo_store.cycles():
        framework = demo_store.cycle_framework(cycle.id)
        for agency, state in demo_store.returns(cycle.id).items():
            if state.status == Status.SUBMITTED:
                sector = demo_store.agency(agency).sector
                assert missing_for_submission(framework, state.answers, sector) == [], agency


def test_some_answers_are_not_applicable_with_reasons(demo_store: Store) -> None:
    """So the chair's list has entries (issue #16); none is asked of the wrong sector."""
    marked = {}
    for cycle in demo_store.cycles():
        framework = demo_store.cycle_framework(cycle.id)
        for agency, state in demo_store.returns(cycle.id).items():
            asked = {c.id for c in framework.criteria_for(demo_store.agency(agency).sector)}
            assert set(state.answers) <= asked, agency
            for cid, answer in state.answers.items():
                if answer.not_applicable:
                    assert answer.na_reason.strip()
                    assert answer.rating is None
                    marked[(cycle.id, agency, cid)] = answer.na_reason
    assert len({agency for _, agency, _ in marked}) >= 3


def test_agencies_differ_some_strong_some_weak(demo_store: Store) -> None:
    scores: dict[str, list[float]] = {}
    for cycle in demo_store.cycles("demo"):  # the neighbour's: test_demo_neighbour.py
        scale = demo_store.cycle_framework(cycle.id).scale
        for agency, state in demo_store.returns(cycle.id).items():
            scores.setdefault(agency, []).extend(
                scale.normalised(a.rating) for a in state.answers.values() if a.rating
            )
    means = {agency: statistics.mean(values) for agency, values in scores.items()}
    assert len(means) == 11
    assert max(means.values()) - min(means.values()) >= 0.3, means
    assert max(means.values()) >= 0.6, means
    assert min(means.values()) <= 0.4, means
    # ratings are spread, not one level for everyone
    assert len({round(m, 2) for m in means.values()}) >= 8, means


def test_same_seed_same_store_other_seed_differs(demo_url: str, tmp_path: Path) -> None:
    again = f"sqlite:///{tmp_path}/again.db"
    other = f"sqlite:///{tmp_path}/other.db"
    run_demo(again)
    run_demo(other, "--seed", "7")
    first = contents(demo_url)
    assert contents(again) == first
    assert tracked(again) == tracked(demo_url)  # the actions followed up the same way
    assert highlighted(again) == highlighted(demo_url)
    other_contents = contents(other)
    assert other_contents != first

    def answers(everything: dict) -> dict:
        return {c: {a: s.answers for a, (s, _) in r.items() if s} for c, r in everything.items()}

    assert answers(other_contents) != answers(first)


def test_if_missing_leaves_an_existing_store_unchanged(demo_file: Path, tmp_path: Path) -> None:
    url = copy_store(demo_file, tmp_path)  # what `workbook demo` made
    before = contents(url)
    output = run_demo(url, "--if-missing", "--seed", "99")
    assert "already has data; left as it is." in output
    assert contents(url) == before
    highlights = highlighted(url)
    # even without the flag, cycles that already have returns get no second history
    run_demo(url, "--seed", "99")
    assert contents(url) == before
    assert highlighted(url) == highlights  # and no second set of highlights


def test_demo_names_no_people(demo_store: Store) -> None:
    agency_names = sorted((a.name for a in demo_store.agencies()), key=len, reverse=True)

    def without_roles(text: str) -> str:
        for wording in (*ROLES, *agency_names):
            text = text.replace(wording, "")
        return text

    authors = set()
    texts = set()
    for cycle in demo_store.cycles():
        for agency in cycle.agencies:
            authors |= {h.author for h in demo_store.history(cycle.id, agency)}
        for state in demo_store.returns(cycle.id).values():
            for answer in state.answers.values():
                texts |= {answer.evidence, answer.going_well, answer.development}
                texts |= {f"{a.text} {a.owner}" for a in answer.actions}
        for revision in demo_store.highlights.history(cycle.id):
            authors.add(revision.author)
            texts |= {text for _, text in revision.highlights.texts()}
    chairs = {c.words.chair for c in demo_store.cycles("demo-neighbour")}
    assert chairs == {"MACE chair", "Section 11 panel chair"}  # the neighbour's (issue #17)
    expected_authors = {f"Return lead, {a.name}" for a in demo_store.agencies()} | {
        "MASE chair",
        *chairs,
    }
    assert authors <= expected_authors
    assert len(authors) >= 10
    assert [a for a in authors if PERSON.search(without_roles(a))] == []
    assert [t for t in texts if PERSON.search(t)] == []
    # the check bites: a name added to the role wording is caught
    assert PERSON.search(without_roles("Return lead, Schools, signed Jane Smith"))


def test_has_data(demo_store: Store, tmp_path: Path) -> None:
    assert demo.has_data(demo_store)
    with Store.open(f"sqlite:///{tmp_path}/empty.db") as empty:
        assert not demo.has_data(empty)


@pytest.mark.postgres
def test_demo_on_postgresql_matches_sqlite(
    pg_demo: tuple[str, str], pg_databases: Callable[..., str], demo_url: str
) -> None:
    name, output = pg_demo  # `workbook demo` into PostgreSQL, once for the session
    assert "Demo Borough Safeguarding Children Partnership [demo]: 11 agencies" in output
    url = pg_databases("wbdemo", template=name)
    assert contents(url) == contents(demo_url)
    assert highlighted(url) == highlighted(demo_url)
    assert tracked(url) == tracked(demo_url)


def test_demo_actions_have_a_realistic_mix(demo_store: Store) -> None:
    """Most done or in progress, a few overdue, exactly one dropped with a reason (issue #15)."""
    from workbook import analysis
    from workbook.demo_actions import report_day
    from workbook.schema.actions import ActionStatus, TopScope

    for cycle in demo_store.cycles():
        found = demo_store.actions.find(cycle.id)
        own = [a for a in found if a.cycles[0] == cycle.id]
        statuses = [a.status for a in own]
        moving = sum(s in (ActionStatus.DONE, ActionStatus.IN_PROGRESS) for s in statuses)
        assert moving / len(own) >= 0.75, cycle.id
        dropped = [a for a in found if a.status is ActionStatus.DROPPED]
        assert len(dropped) == 1, cycle.id
        assert dropped[0].reason.startswith("Superseded by the partnership's"), cycle.id
        table = analysis.tracker(demo_store, cycle.id, report_day(cycle))
        if cycle.id != "cse-2016-17":  # 2016/17's were followed up in 2017/18 since
            assert 1 <= int(table["overdue"].sum()) <= len(table) // 5, cycle.id
        marks = demo_store.actions.marks(cycle.id)
        partnership = [m for m in marks if m.scope is TopScope.PARTNERSHIP]
        assert len(partnership) == 5, cycle.id
        assert any(demo_store.actions.get(m.action_id).agency_id is None for m in partnership)
        assert len([a for a in own if a.agency_id is None]) in (2, 3), cycle.id
        notes = [h.note for a in own[:20] for h in demo_store.actions.history(a.id) if h.note]
        assert notes
        assert not [n for n in notes if PERSON.search(n)]
    carried = [a for a in demo_store.actions.find("cse-2017-18") if a.cycles[0] == "cse-2016-17"]
    assert carried  # the unfinished 2016/17 actions were brought forward
    assert not demo_store.actions.find("front-door-2018")[0].cycles[0].startswith("cse")


def test_the_chair_has_written_highlights_of_cse_2017_18(demo_store: Store) -> None:
    """A few points per heading from the submitted returns, then the messages (issue #16)."""
    from workbook.schema.highlights import Point

    first, final = demo_store.highlights.history("cse-2017-18")
    assert (first.author, final.author) == ("MASE chair", "MASE chair")
    assert first.saved_at < final.saved_at
    assert first.highlights.key_messages == ()  # the points first, the messages later
    h = final.highlights
    assert (len(h.key_messages), len(h.recommendations)) == (3, 2)
    assert h.to_note
    assert h.to_agree
    cycle = demo_store.cycle("cse-2017-18")
    framework = demo_store.cycle_framework(cycle.id)
    submitted = {
        a: state
        for a, state in demo_store.returns(cycle.id).items()
        if state.status is Status.SUBMITTED
    }
    assert (
        h.key_messages[0]
        == f"{len(submitted)} of the 11 invited agencies have submitted their return."
    )

    def said(point: Point, heading: str, part: str) -> bool:
        """Every source said (in the returns' words) something the point is made from."""
        criteria = {c.id for c in framework.criteria if c.heading == heading}
        return all(
            any(
                getattr(submitted[a].answers[c], part)
                for c in criteria
                if c in submitted[a].answers
            )
            for a in point.sources
        )

    for heading in framework.headings:
        points = h.heading(heading.id)
        assert 2 <= len(points.going_well) <= 3
        assert len(points.development) == 1
        for part in ("going_well", "development"):
            for point in getattr(points, part):
                assert point.sources
                assert set(point.sources) <= set(submitted)
                assert said(point, heading.id, part)
    assert len(h.heading(framework.headings[0].id).development[0].text.split(". ")) == 2  # merged
    assert demo_store.highlights.latest("cse-2016-17") is None
