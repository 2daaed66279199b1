"""One return for several partnerships (issue #17), on SQLite and PostgreSQL.

``shared_store``: partnerships ``tp`` (cycle ``c1``: alpha, beta) and ``np`` (cycle ``n1``:
beta, delta) run ``test-fw`` 1.0 at the same time and accept shared returns, so beta, the
police force both work with, answers once; ``tp`` was loaded first, so the return is kept
under ``c1``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.support import data
from workbook import reports
from workbook.cli import cli
from workbook.errors import AccessDenied, Conflict, ResponseError, StorageError, TemplateError
from workbook.reports import html as report_html
from workbook.schema import params
from workbook.schema.actions import ActionChange, TopScope, TopState
from workbook.schema.responses import Answer, Status
from workbook.spreadsheets import layout as L
from workbook.spreadsheets.importer import import_return
from workbook.spreadsheets.write import write_template
from workbook.store import Store, moderation, provision
from workbook.store import tables as T

CHAIR_TP, CHAIR_NP = data.CHAIR_TP, data.CHAIR_NP
POLICE_NP, POLICE_TP, DELTA_NP = data.POLICE_NP, data.POLICE_TP, data.DELTA_NP


def _answers(make_answers: Callable[..., dict[str, Answer]], rating: str) -> dict[str, Answer]:
    return make_answers(rating=rating)


def test_loading_shares_the_one_agency_both_partnerships_invite(shared_store: Store) -> None:
    assert {a.id for a in shared_store.agencies()} == {"alpha", "beta", "gamma", "delta"}
    with shared_store.database.reading() as conn:
        rows = conn.execute(select(T.shared_return)).all()
    assert [(r.cycle_id, r.agency_id, r.home_cycle_id) for r in rows] == [("n1", "beta", "c1")]
    both = shared_store.shared.with_whom("c1")
    assert list(both) == ["beta"]
    assert [(w.cycle_id, w.partnership_name, w.home) for w in both["beta"]] == [
        ("n1", "Neighbour partnership", False)
    ]
    from_np = shared_store.shared.with_whom("n1")["beta"]
    assert [(w.cycle_id, w.partnership_id, w.home) for w in from_np] == [("c1", "tp", True)]
    assert shared_store.shared.shares("n1", "delta") == []


def test_one_save_is_the_return_in_both_partnerships(
    shared_store: Store, make_answers: Callable[..., dict[str, Answer]]
) -> None:
    member = shared_store.as_identity(POLICE_NP)
    saved = member.save("n1", "beta", _answers(make_answers, "amber"), author="Bea", based_on=None)
    assert (saved.cycle_id, saved.revision) == ("n1", 1)
    in_tp = shared_store.as_identity(CHAIR_TP).latest("c1", "beta")
    in_np = shared_store.as_identity(CHAIR_NP).latest("n1", "beta")
    assert in_tp is not None
    assert in_np is not None
    assert in_tp.answers == in_np.answers
    assert in_tp.revision == in_np.revision == 1
    assert in_tp.cycle_id == "c1"
    assert in_np.cycle_id == "n1"
    # kept once, under c1: no revision row names n1
    with shared_store.database.reading() as conn:
        held = conn.execute(select(T.revision.c.cycle_id, T.revision.c.agency_id)).all()
    assert [tuple(r) for r in held] == [("c1", "beta")]
    # the member answering through tp's link carries on the same return
    other = shared_store.as_identity(POLICE_TP)
    with pytest.raises(Conflict):
        other.save("c1", "beta", _answers(make_answers, "red"), author="Ben", based_on=None)
    second = other.save("c1", "beta", _answers(make_answers, "red"), author="Ben", based_on=1)
    assert second.revision == 2
    assert [r.author for r in shared_store.history("n1", "beta")] == ["Bea", "Ben"]
    submitted = member.save(
        "n1",
        "beta",
        second.answers,
        author="Bea",
        based_on=2,
        status=Status.SUBMITTED,
    )
    assert shared_store.as_identity(CHAIR_TP).statuses("c1")["beta"] == Status.SUBMITTED
    assert shared_store.as_identity(CHAIR_NP).returns("n1")["beta"].revision == submitted.revision


def _refusal(visitor: Store, cycles: list[str]) -> AccessDenied | None:
    """How the per-cycle reads refuse ``visitor`` these cycles, if they do."""
    try:
        for cycle in cycles:
            visitor.statuses(cycle)
            visitor.returns(cycle)
    except AccessDenied as refused:
        return refused
    return None


FIELDS = (
    "rating",
    "evidence",
    "going_well",
    "development",
    "actions",
    "not_applicable",
    "na_reason",
)


def test_current_reads_what_returns_and_statuses_read_for_every_identity(
    shared_store: Store, make_answers: Callable[..., dict[str, Answer]]
) -> None:
    """``Store.current`` (the dashboard's one read of many cycles, issue #19) is the
    per-cycle reads over again: the same returns, statuses and answers, and the same
    refusals, for a shared return kept in the other cycle and for each kind of visitor."""
    police = shared_store.as_identity(POLICE_NP)
    police.save("n1", "beta", _answers(make_answers, "amber"), author="Bea", based_on=None)
    shared_store.save("c1", "beta", _answers(make_answers, "red"), author="Ben", based_on=1)
    shared_store.save("c1", "alpha", _answers(make_answers, "green"), author="Al", based_on=None)
    delta = shared_store.as_identity(DELTA_NP)
    delta.save("n1", "delta", {"p-1": Answer(evidence="Started.")}, author="Di", based_on=None)
    done = delta.save(
        "n1", "delta", make_answers(), author="Di", based_on=1, status=Status.SUBMITTED
    )
    assert done.revision == 2
    visitors = [shared_store, *(shared_store.as_identity(who) for who in data.SHARED_VISITORS)]
    checked = 0
    # before and after np's chair shares n1's submitted returns with its members
    for phase, visitor in itertools.product(("kept", "shared"), visitors):
        if phase == "shared" and visitor is visitors[0]:
            shared_store.as_identity(CHAIR_NP).share("n1")
        for cycles in (["c1"], ["n1"], ["c1", "n1"], ["n1", "c1"]):
            refused = _refusal(visitor, cycles)
            if refused is not None:
                with pytest.raises(AccessDenied) as also:
                    visitor.current(cycles)
                assert also.value.kind == refused.kind
                continue
            expected = {c: (visitor.statuses(c), visitor.returns(c)) for c in cycles}
            found = visitor.current(cycles)
            assert list(found) == cycles
            for cycle, (statuses, returns) in expected.items():
                assert found[cycle].statuses == statuses, (visitor.identity, cycle)
                got = found[cycle].returns
                assert got.keys() == returns.keys(), (visitor.identity, cycle)
                for agency, state in returns.items():
                    row = got[agency]
                    assert (row.revision, row.status, row.saved_at) == (
                        state.revision,
                        state.status,
                        state.saved_at,
                    )
                    kept = {
                        cid: tuple(getattr(a, f) for f in FIELDS)
                        for cid, a in row.answers.items()
                        if not Answer(**{f: getattr(a, f) for f in FIELDS}).is_empty
                    }
                    assert kept == {
                        cid: tuple(getattr(a, f) for f in FIELDS)
                        for cid, a in state.answers.items()
                    }
                    checked += 1
    assert checked >= 10  # the visitors saw returns, not only refusals


def test_each_partnership_moderates_its_own_and_cannot_reach_the_other(
    shared_store: Store, make_answers: Callable[..., dict[str, Answer]]
) -> None:
    shared_store.as_identity(POLICE_NP).save(
        "n1", "beta", _answers(make_answers, "amber"), author="Bea", based_on=None
    )
    tp, np_ = shared_store.as_identity(CHAIR_TP), shared_store.as_identity(CHAIR_NP)
    moderation.record(tp, "c1", "beta", "p-1", rating="red", comment="Thin", author="Tess")
    moderation.record(np_, "n1", "beta", "p-1", rating="green", comment="", author="Nia")
    assert moderation.current(tp, "c1")[("beta", "p-1")].rating == "red"
    assert moderation.current(np_, "n1")[("beta", "p-1")].rating == "green"
    for store, other in ((tp, "n1"), (np_, "c1")):
        with pytest.raises(AccessDenied):
            moderation.current(store, other)
        with pytest.raises(AccessDenied):
            store.latest(other, "beta")
        with pytest.raises(AccessDenied):
            moderation.record(store, other, "beta", "p-1", rating="red", comment="", author="X")
    # np's chair sees beta and delta; tp's alpha is not theirs, draft or not
    assert set(np_.statuses("n1")) == {"beta", "delta"}


def test_notes_for_one_partnership_stay_with_it(
    shared_store: Store, make_answers: Callable[..., dict[str, Answer]]
) -> None:
    member = shared_store.as_identity(POLICE_NP)
    answers = _answers(make_answers, "amber")
    note = {"p-1": "In the neighbour borough the panel meets monthly."}
    member.save("n1", "beta", answers, author="Bea", based_on=None, notes=note)
    assert shared_store.as_identity(CHAIR_NP).notes.latest("n1", "beta") == note
    assert shared_store.as_identity(CHAIR_TP).notes.for_cycle("c1") == {}
    assert shared_store.as_identity(POLICE_TP).notes.latest("c1", "beta") == {}
    # a note alone adds no revision of the shared return; every change is kept
    again = member.save(
        "n1", "beta", answers, author="Bea", based_on=1, notes={"p-1": "Monthly, and online."}
    )
    assert again.revision == 1
    member.save("n1", "beta", answers, author="Bea", based_on=1, notes={"p-1": ""})
    assert shared_store.notes.latest("n1", "beta") == {}
    with shared_store.database.reading() as conn:
        kept = conn.scalar(select(func.count()).select_from(T.partnership_note))
    assert kept == 3
    # another member of np does not read beta's notes before the cycle is shared
    assert shared_store.as_identity(DELTA_NP).notes.for_cycle("n1") == {}
    with pytest.raises(ResponseError, match="note"):
        member.save("n1", "beta", answers, author="Bea", based_on=1, notes={"zz": "x"})
    with pytest.raises(ResponseError, match="at most 1,000"):
        member.save("n1", "beta", answers, author="Bea", based_on=1, notes={"p-1": "x" * 1001})


def test_only_the_agency_writes_its_notes(
    shared_store: Store, make_answers: Callable[..., dict[str, Answer]]
) -> None:
    """A chair reopening a return cannot slip a note in with it."""
    member = shared_store.as_identity(POLICE_NP)
    answers = _answers(make_answers, "amber")
    member.save("n1", "beta", answers, author="Bea", based_on=None, status=Status.SUBMITTED)
    chair = shared_store.as_identity(CHAIR_NP)
    with pytest.raises(AccessDenied, match="notes"):
        chair.save(
            "n1",
            "beta",
            answers,
            author="Nia",
            based_on=1,
            status=Status.REOPENED,
            note="Please add the panel's dates.",
            notes={"p-1": "written by the chair"},
        )
    assert shared_store.notes.latest("n1", "beta") == {}
    assert shared_store.latest("n1", "beta").status == Status.SUBMITTED  # type: ignore[union-attr]


def test_a_submitted_return_takes_no_new_note(
    shared_store: Store, make_answers: Callable[..., dict[str, Answer]]
) -> None:
    member = shared_store.as_identity(POLICE_NP)
    answers = _answers(make_answers, "amber")
    member.save("n1", "beta", answers, author="Bea", based_on=None, status=Status.SUBMITTED)
    with pytest.raises(StorageError, match="submitted"):
        member.save(
            "n1",
            "beta",
            answers,
            author="Bea",
            based_on=1,
            status=Status.SUBMITTED,
            notes={"p-1": "late"},
        )
    assert shared_store.notes.latest("n1", "beta") == {}


def test_actions_are_tracked_once_and_marked_by_each_partnership(
    shared_store: Store, make_answers: Callable[..., dict[str, Answer]]
) -> None:
    shared_store.as_identity(POLICE_NP).save(
        "n1", "beta", _answers(make_answers, "amber"), author="Bea", based_on=None
    )
    tp, np_ = shared_store.as_identity(CHAIR_TP), shared_store.as_identity(CHAIR_NP)
    in_tp = tp.actions.find("c1")
    in_np = np_.actions.find("n1")
    assert len(in_tp) == 3
    assert {a.id for a in in_tp} == {a.id for a in in_np}
    assert {a.partnership_id for a in in_np} == {"tp"}  # tracked once, where it is kept
    chosen = in_np[0].id
    np_.actions.mark("n1", chosen, TopScope.PARTNERSHIP, TopState.CONFIRMED)
    assert [m.action_id for m in np_.actions.marks("n1")] == [chosen]
    assert tp.actions.marks("c1") == []
    # a member of either partnership follows the agency's action up
    updated = shared_store.as_identity(POLICE_TP).actions.update(
        chosen, ActionChange(note="Started."), based_on=1
    )
    assert updated.revision == 2
    assert np_.actions.get(chosen).revision == 2
    assert shared_store.as_identity(DELTA_NP).actions.find("n1") == []


def test_returns_started_apart_are_kept_apart(
    db_url: str,
    tmp_path: Path,
    make_answers: Callable[..., dict[str, Answer]],
) -> None:
    """Sharing never merges two histories: a cycle already answered keeps its own."""
    plain = data.partnership(
        [data.cycle("n1", "Neighbour cycle one", agencies=["beta", "delta"])],
        partnership_id="np",
        name="Neighbour partnership",
        agencies=data.NEIGHBOUR_AGENCIES,
    )
    first = data.write_partnership(tmp_path / "tp", data.SHARED_PARTNERSHIP, data.framework())
    second = data.write_partnership(tmp_path / "np", plain, data.framework())
    with Store.open(db_url) as store:
        provision.install(store, *first)
        provision.install(store, *second)
        for cycle_id in ("c1", "n1"):
            store.save(cycle_id, "beta", _answers(make_answers, "red"), author="B", based_on=None)
        data.write_yaml(second[0], data.NEIGHBOUR_PARTNERSHIP)  # n1 now accepts them
        provision.install(store, *second)
        joined = store.shared.join("n1")
        assert [(j.agency_id, j.home_cycle_id, j.apart, j.shared) for j in joined] == [
            ("beta", "c1", ("n1",), False)
        ]
        assert store.shared.with_whom("n1") == {}
        assert [r.number for r in store.history("n1", "beta")] == [1]


def test_the_same_agency_under_another_name_is_refused_where_it_is_written(
    db_url: str, tmp_path: Path
) -> None:
    renamed = data.partnership(
        [data.shared_cycle("n1", "Neighbour cycle one", ["beta"])],
        partnership_id="np",
        name="Neighbour partnership",
        agencies=[{"id": "beta", "name": "Beta constabulary", "sector": "police"}],
    )
    first = data.write_partnership(tmp_path / "tp", data.SHARED_PARTNERSHIP, data.framework())
    second = data.write_partnership(tmp_path / "np", renamed, data.framework())
    with Store.open(db_url) as store:
        provision.install(store, *first)
        with pytest.raises(TemplateError) as caught:
            provision.install(store, *second)
        assert "np" not in {pid for pid, _ in store.partnerships()}  # nothing half-loaded
    problem = caught.value.problems[0]
    assert problem.where == f"{second[0]}:3"  # the line of the name in the file
    assert problem.field == "agencies[0].name"
    assert "'Beta police force'" in problem.message


@pytest.mark.parametrize(
    ("change", "shared"),
    [
        ({}, True),
        ({"shared_returns": False}, False),
        ({"timetable": data.timetable(2021)}, False),
        ({"framework": "other-fw"}, False),
    ],
    ids=["shared", "not-accepting", "another-year", "another-framework"],
)
def test_only_cycles_that_match_share(
    db_url: str, tmp_path: Path, change: dict[str, Any], shared: bool
) -> None:
    neighbour = data.partnership(
        [data.shared_cycle("n1", "Neighbour cycle one", ["beta", "delta"]) | change],
        partnership_id="np",
        name="Neighbour partnership",
        agencies=data.NEIGHBOUR_AGENCIES,
    )
    frameworks = [data.framework(), data.framework(id="other-fw", title="Other")]
    first = data.write_partnership(tmp_path / "tp", data.SHARED_PARTNERSHIP, data.framework())
    second = data.write_partnership(tmp_path / "np", neighbour, *frameworks)
    with Store.open(db_url) as store:
        provision.install(store, *first)
        provision.install(store, *second)
        assert bool(store.shared.with_whom("c1")) is shared


def test_load_and_summary_say_which_returns_are_shared(db_url: str, tmp_path: Path) -> None:
    first = data.write_partnership(tmp_path / "tp", data.SHARED_PARTNERSHIP, data.framework())
    second = data.write_partnership(tmp_path / "np", data.NEIGHBOUR_PARTNERSHIP, data.framework())
    runner = CliRunner()
    for files in (first, second):
        loaded = runner.invoke(
            cli, ["load", str(files[0]), "--db", db_url, "--templates", str(files[1])]
        )
        assert loaded.exit_code == 0, loaded.output
    assert "n1: Beta police force answers once: also for Test partnership (c1), kept there" in (
        loaded.output
    )
    summary = runner.invoke(cli, ["summary", "--db", db_url])
    assert summary.exit_code == 0, summary.output
    lines = summary.output.splitlines()
    assert "    shared return: Beta police force also for Neighbour partnership (n1)" in lines
    assert "    shared return: Beta police force also for Test partnership (c1), kept there" in (
        lines
    )
    assert sum("shared return" in line for line in lines) == 2  # alpha and delta are not


def test_each_partnerships_paper_uses_its_own_moderation_and_notes(
    shared_store: Store, make_answers: Callable[..., dict[str, Answer]]
) -> None:
    shared_store.as_identity(POLICE_NP).save(
        "n1",
        "beta",
        _answers(make_answers, "amber"),
        author="Bea",
        based_on=None,
        status=Status.SUBMITTED,
        notes={"p-1": "Here the panel <meets> monthly."},
    )
    tp, np_ = shared_store.as_identity(CHAIR_TP), shared_store.as_identity(CHAIR_NP)
    moderation.record(tp, "c1", "beta", "p-1", rating="red", comment="Thin", author="Tess")
    moderation.record(np_, "n1", "beta", "p-1", rating="green", comment="Fine", author="Nia")
    papers = {}
    for store, cycle_id in ((tp, "c1"), (np_, "n1")):
        p = params.ReportParameters(
            cycle=cycle_id, compare_with="", stage="final", as_of="2020-05-01"
        )
        context = reports.report_context(store, p)
        papers[cycle_id] = (
            context,
            "".join(
                getattr(report_html.Report(context), name)().html
                for name in report_html.Report.SECTIONS
            ),
        )
    (ours, our_html), (theirs, their_html) = papers["c1"], papers["n1"]
    assert [r["moderated_label"] for r in ours["moderation"]["largest"]] == ["Red"]
    assert [r["moderated_label"] for r in theirs["moderation"]["largest"]] == ["Green"]
    assert ours["completion"]["shared"] == [
        {"agency": "Beta police force", "shared_with": "Neighbour partnership"}
    ]
    assert ours["completion"]["notes"] == []
    assert theirs["completion"]["notes"] == [
        {
            "agency": "Beta police force",
            "criterion": "Is training recorded?",
            "note": "Here the panel <meets> monthly.",
        }
    ]
    assert "Here the panel &lt;meets&gt; monthly." in their_html
    assert "meets" not in our_html
    assert "Returns shared with other partnerships" in our_html


def test_a_spreadsheet_for_either_partnership_is_the_one_return(
    shared_store: Store, make_answers: Callable[..., dict[str, Answer]], tmp_path: Path
) -> None:
    """A file made through ``n1`` imports into the return ``c1`` reads, and the next file
    made through ``c1`` is based on that revision (issue #17)."""
    shared_store.save("c1", "beta", _answers(make_answers, "red"), author="Ben", based_on=None)
    theirs = tmp_path / "np-return.xlsx"
    write_template(shared_store, "n1", "beta", theirs)
    wb = load_workbook(theirs)
    framework = shared_store.cycle_framework("n1")
    sheet = wb[L.sheet_names(framework)["prevent"]]
    L.set_text(sheet.cell(L.FIRST_ROW, 4), "Green")
    wb.save(theirs)
    result = import_return(shared_store, theirs)
    assert (result.saved, result.revision) == (True, 2)
    ours = shared_store.latest("c1", "beta")
    assert ours is not None
    assert ours.answers["p-1"].rating == "green"
    again = tmp_path / "tp-return.xlsx"
    write_template(shared_store, "c1", "beta", again)
    assert import_return(shared_store, again).changed == ()  # nothing new: revision 2 already
