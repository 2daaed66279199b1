"""The demo's neighbour, Demo Riverside (issue #17): its data, a report and a spreadsheet of
each of its cycles, one per framework shipped in 2026.1.

On the session's demo store (``workbook demo``): the neighbour shares three agencies with
the demo borough, every agency is asked criteria that fit its sector, every cycle has
submitted, draft and not started returns and answers marked not applicable with a
reason; each cycle's report is made (the notebook's own call, without papermill) and an
agency's file round-trips: its template, holding the return, reads back as the return.
The form and the dashboard: ``tests/widgets/test_neighbour_pages.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.data import without_action_ids
from tests.support.neighbour import CYCLES, NEIGHBOUR, SHARED, draft_agency, marked_agency
from tests.support.servers import copy_store
from workbook import config, demo_neighbour, reports
from workbook.demo import NOT_APPLICABLE
from workbook.schema import loader
from workbook.schema.responses import Answer, Status
from workbook.spreadsheets.importer import import_return
from workbook.spreadsheets.read import open_workbook, parse_return, read_facts
from workbook.spreadsheets.write import write_template
from workbook.store import Store


@pytest.fixture(scope="module")
def reader(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A copy of the demo store for this module's tests, which only read it."""
    with Store.open(copy_store(demo_file, tmp_path_factory.mktemp("neighbour"))) as opened:
        yield opened


def test_the_neighbour_shares_three_agencies_and_runs_each_new_framework(reader: Store) -> None:
    borough = loader.load_partnership(config.setting("demo_partnership"))
    neighbour = loader.load_partnership(config.setting("demo_neighbour"))
    assert neighbour.id == NEIGHBOUR
    theirs = {a.id: (a.name, a.sector) for a in borough.agencies}
    ours = {a.id: (a.name, a.sector) for a in neighbour.agencies}
    assert set(ours) & set(theirs) == set(SHARED)
    assert all(ours[a] == theirs[a] for a in SHARED)  # one agency of the store, not two
    assert {a.id for a in reader.agencies(NEIGHBOUR)} == set(ours)
    assert len(reader.agencies()) == len(theirs) + len(ours) - len(SHARED)
    cycles = reader.cycles(NEIGHBOUR)
    assert {c.id: c.framework_id for c in cycles} == CYCLES
    assert {c.framework_version for c in cycles} == {"2026.1"}
    for cycle in cycles:
        days = [d for d in vars(cycle.timetable).values() if isinstance(d, dt.date)]
        assert {d.year for d in days} == {2026}, cycle.id
    assert {c.words.chair for c in cycles} == {"MACE chair", "Section 11 panel chair"}


def test_every_agency_is_asked_criteria_of_its_sector(reader: Store) -> None:
    """Scopes and reasons agree: none is left with a handful, none marked out of its scope."""
    for cycle in reader.cycles(NEIGHBOUR):
        framework = reader.cycle_framework(cycle.id)
        for agency in cycle.agencies:
            asked = framework.criteria_for(reader.agency(agency).sector)
            assert len(asked) >= len(framework.criteria) // 3, (cycle.id, agency)
            # a heading may be none of a sector's business (missing education, a youth
            # justice service's), but most are
            headings = {c.heading for c in asked}
            assert len(headings) > len(framework.headings) // 2, (cycle.id, agency)
        reasons = demo_neighbour.NOT_APPLICABLE[cycle.id]
        for agency, criterion in reasons:
            assert agency in cycle.agencies, (cycle.id, agency)
            sector = reader.agency(agency).sector
            assert criterion in {c.id for c in framework.criteria_for(sector)}, criterion
    # the borough's reasons are for its own cycles: the neighbour's are kept apart
    assert set(demo_neighbour.NOT_APPLICABLE) == set(CYCLES)
    assert ("probation", "prevent-2") in NOT_APPLICABLE


@pytest.mark.parametrize("cycle_id", CYCLES)
def test_each_cycle_has_every_kind_of_return_and_reasons(reader: Store, cycle_id: str) -> None:
    statuses = reader.statuses(cycle_id)
    assert {Status.SUBMITTED, Status.DRAFT, Status.NOT_STARTED} <= set(statuses.values())
    assert sum(s is Status.NOT_STARTED for s in statuses.values()) == 1
    reasons = demo_neighbour.NOT_APPLICABLE[cycle_id]
    marked = {
        (agency, cid): answer.na_reason
        for agency, state in reader.returns(cycle_id).items()
        for cid, answer in state.answers.items()
        if answer.not_applicable
    }
    assert marked
    assert all(reasons[key] == reason for key, reason in marked.items())
    found = reader.actions.find(cycle_id)
    assert any(a.agency_id is None for a in found)  # the chair's own
    assert any(a.agency_id is not None for a in found)
    cycle = reader.cycle(cycle_id)
    # its texts and its chair's changes in its own words: the MACE panel's, not the MASE's
    texts = [
        text
        for state in reader.returns(cycle_id).values()
        for answer in state.answers.values()
        for text in (answer.evidence, answer.going_well, answer.development)
    ] + [f"{a.text} {a.owner}" for a in found]
    assert not [t for t in texts if "MASE" in t]
    chairs = {
        h.author
        for agency in cycle.agencies
        for h in reader.history(cycle_id, agency)
        if not h.author.startswith("Return lead, ")
    }
    assert chairs <= {cycle.words.chair}


@pytest.mark.parametrize("cycle_id", CYCLES)
def test_a_report_is_made_of_each_cycle(reader: Store, cycle_id: str) -> None:
    """The report notebook's own call, without papermill; every section is drawn."""
    report = reports.self_assessment(db=reader.url, cycle=cycle_id, compare_with="", stage="final")
    context = report.context
    cycle = reader.cycle(cycle_id)
    framework = reader.cycle_framework(cycle_id)
    assert context["title"] == (
        f"{cycle.title}: report to the Riverside Safeguarding Partnership Executive"
    )
    assert context["ratings"]["headings"] == [h.title for h in framework.headings]
    assert context["completion"]["invited"] == len(cycle.agencies)
    assert context["comparison"] is None
    html = "".join(getattr(report, name)().html for name in report.SECTIONS)
    assert html.count("<svg ") >= 3  # the spread, completion and heatmap at least
    submitted = sum(s is Status.SUBMITTED for s in reader.statuses(cycle_id).values())
    assert f"{submitted} of {len(cycle.agencies)} invited agencies have submitted" in html
    assert "Demo Borough" not in html  # nothing of the partnership next door


@pytest.mark.parametrize("cycle_id", CYCLES)
def test_an_agencys_file_holds_its_return_and_imports_as_no_change(
    demo_store: Store, tmp_path: Path, cycle_id: str
) -> None:
    """The template of a return with an answer marked not applicable reads back as that
    return; a draft's, imported, changes nothing (issue #17)."""
    for agency in dict.fromkeys(
        (marked_agency(demo_store, cycle_id), draft_agency(demo_store, cycle_id))
    ):
        path = tmp_path / f"{cycle_id}-{agency}.xlsx"
        write_template(demo_store, cycle_id, agency, path)
        saved = demo_store.latest(cycle_id, agency)
        assert saved is not None
        wb = open_workbook(path.read_bytes(), path.name)
        facts = read_facts(wb, path.name)
        assert (facts.cycle_id, facts.agency_id, facts.revision) == (
            cycle_id,
            agency,
            saved.revision,
        )
        framework = demo_store.cycle_framework(cycle_id)
        sector = demo_store.agency(agency).sector
        parsed = parse_return(wb, facts, framework, path.name, sector)
        answered = {cid: a for cid, a in parsed.answers.items() if a != Answer()}  # rows left blank
        assert without_action_ids(answered) == without_action_ids(saved.answers)
        assert any(a.not_applicable and a.na_reason for a in answered.values()) or (
            saved.status is Status.DRAFT
        )
        if saved.status is Status.DRAFT:
            result = import_return(demo_store, path, author="Riverside member")
            assert (result.saved, result.changed) == (False, ())
            assert demo_store.latest(cycle_id, agency) == saved
