"""The evidence in the store (issue #14), on SQLite and PostgreSQL (the ``store`` fixture).

Evidence is loaded by the chair for the whole partnership and read beside every agency's
ratings, so it follows the returns' rules: nothing loaded is overwritten, an agency
member reads what is about the partnership or their own agency and nothing else, and a
chair's dismissal of a contradiction is kept with its reason, never edited away.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.corpus import support as S
from tests.support.evidence import csv_bytes, finding, indicator
from workbook.access import ANONYMOUS, Identity, Role
from workbook.errors import AccessDenied, ModerationError
from workbook.evidence import contradictions
from workbook.evidence.importer import import_evidence
from workbook.store import Store, tables

INDICATORS = csv_bytes(
    indicator(agency=""),
    indicator(agency="alpha", value="30"),
    indicator(agency="beta", value="18"),
    indicator(indicator="beta-only", name="Beta's own figure", agency="beta"),
)
FINDINGS = csv_bytes(
    finding(finding="For every agency."),
    finding(finding="About alpha.", agencies="alpha", grade="red"),
    finding(finding="About beta.", agencies="beta"),
    finding(finding="About alpha and beta.", agencies="alpha; beta"),
)
ALL_FINDINGS = ["For every agency.", "About alpha.", "About beta.", "About alpha and beta."]


def acting(store: Store, role: Role | None, *agencies: str, cycle: str | None = "c1") -> Store:
    """The store as someone of ``role`` would reach it through a personal link."""
    if role is None:
        return store.as_identity(ANONYMOUS)
    identity = Identity(f"link:{role}", f"A {role}", role, "tp", frozenset(agencies), cycle)
    return store.as_identity(identity)


def rows(store: Store, table: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def load(store: Store, data: bytes = INDICATORS, source: str = "i.csv", **kw: Any) -> Any:
    return import_evidence(store, "c1", data, source, **kw).summary


# -- revisions ---------------------------------------------------------------------------


def test_a_load_is_revision_1_and_the_same_file_again_writes_nothing(store: Store) -> None:
    first = load(store)
    assert (first.added, first.changed) == (("re-referrals", "beta-only"), ())
    assert rows(store, tables.evidence_item) == 2
    before = S.table_digests(store)
    again = load(store)
    assert (again.added, again.changed, again.unchanged) == ((), (), first.added)
    assert again.describe() == "2 unchanged"
    assert S.table_digests(store) == before
    (only,) = store.evidence.history("c1", "indicator", "re-referrals")
    assert (only.number, only.source, only.author) == (1, "i.csv", store.identity.name)


def test_a_changed_value_is_a_new_revision_and_both_are_kept(store: Store) -> None:
    load(store)
    changed = INDICATORS.replace(b",alpha,30,", b",alpha,31,")
    summary = load(store, changed, "/tmp/i-v2.csv", author="Data team")
    assert (summary.changed, summary.unchanged) == (("re-referrals",), ("beta-only",))
    history = store.evidence.history("c1", "indicator", "re-referrals")
    assert [(r.number, r.source, r.author) for r in history] == [
        (1, "i.csv", store.identity.name),
        (2, "i-v2.csv", "Data team"),
    ]
    alpha = [r.item.value_for("alpha").value for r in history]  # type: ignore[union-attr]
    assert alpha == [30, 31]
    assert all(r.saved_at.tzinfo is not None for r in history)
    current = store.evidence.evidence("c1").indicators[1]
    assert (current.id, current.value_for("alpha").value) == ("re-referrals", 31)  # type: ignore[union-attr]


def test_what_a_later_file_leaves_out_stays(store: Store) -> None:
    load(store)
    load(store, FINDINGS, "f.csv")
    load(store, csv_bytes(indicator(indicator="beta-only", name="Renamed", agency="beta")))
    evidence = store.evidence.evidence("c1")
    assert [(i.id, i.name) for i in evidence.indicators] == [
        ("beta-only", "Renamed"),
        ("re-referrals", "Re-referral rate"),
    ]
    assert [f.text for f in evidence.audits[0].findings] == ALL_FINDINGS


# -- who loads, who reads ----------------------------------------------------------------

REFUSED = {
    "anonymous": (None, ()),
    "member": (Role.MEMBER, ("alpha",)),
    "analyst": (Role.ANALYST, ()),
}


@pytest.mark.parametrize("who", REFUSED)
def test_only_the_chair_and_administrators_load_and_dismiss(store: Store, who: str) -> None:
    role, agencies = REFUSED[who]
    visitor = acting(store, role, *agencies)
    before = S.table_digests(store)
    with pytest.raises(AccessDenied):
        load(visitor)
    with pytest.raises(AccessDenied):
        visitor.evidence.load("c1", store.evidence.evidence("c1"), source="x.csv")
    with pytest.raises(AccessDenied):
        visitor.evidence.dismiss("c1", "p-1|alpha|indicator:re-referrals", reason="Old data")
    assert S.table_digests(store) == before


@pytest.mark.parametrize("role", [Role.CHAIR, Role.ADMIN])
def test_the_chair_and_an_administrator_load_and_dismiss(store: Store, role: Role) -> None:
    chair = acting(store, role)
    assert load(chair).added == ("re-referrals", "beta-only")
    assert chair.evidence.history("c1", "indicator", "beta-only")[0].author == f"A {role}"
    chair.evidence.dismiss("c1", "p-1|alpha|indicator:re-referrals", reason="Old data")
    assert chair.evidence.dismissals("c1")["p-1|alpha|indicator:re-referrals"].author == f"A {role}"


@pytest.mark.parametrize(
    ("agency", "indicator_values", "findings"),
    [
        ("alpha", [None, "alpha"], ["For every agency.", "About alpha.", "About alpha and beta."]),
        ("beta", [None, "beta"], ["For every agency.", "About beta.", "About alpha and beta."]),
    ],
)
def test_a_member_reads_the_partnerships_evidence_and_their_own_agencys(
    store: Store, agency: str, indicator_values: list, findings: list
) -> None:
    load(store)
    load(store, FINDINGS, "f.csv")
    seen = acting(store, Role.MEMBER, agency).evidence.evidence("c1")
    by_id = {i.id: [v.agency for v in i.values] for i in seen.indicators}
    assert by_id["re-referrals"] == indicator_values
    assert ("beta-only" in by_id) is (agency == "beta")
    assert [f.text for f in seen.audits[0].findings] == findings
    for role in (Role.CHAIR, Role.ANALYST):
        everything = acting(store, role).evidence.evidence("c1")
        assert [f.text for f in everything.audits[0].findings] == ALL_FINDINGS
        assert len(everything.indicators[1].values) == 3


@pytest.mark.parametrize(
    "visitor",
    [
        lambda s: acting(s, Role.MEMBER, "gamma"),  # not invited to c1
        lambda s: acting(s, Role.MEMBER, "alpha", cycle="c2"),  # a link for another cycle
        lambda s: s.as_identity(Identity("link:9", "Elsewhere", Role.CHAIR, "other")),
        lambda s: acting(s, None),
    ],
    ids=["uninvited-member", "other-cycle", "other-partnership", "anonymous"],
)
def test_outside_the_cycle_nothing_is_read(store: Store, visitor: Callable) -> None:
    load(store)
    outsider = visitor(store)
    for read in (
        lambda: outsider.evidence.evidence("c1"),
        lambda: outsider.evidence.history("c1", "indicator", "re-referrals"),
        lambda: outsider.evidence.dismissals("c1"),
    ):
        with pytest.raises(AccessDenied) as refused:
            read()
        assert "re-referrals" not in str(refused.value)


def test_a_member_sees_neither_history_nor_dismissals(store: Store) -> None:
    member = acting(store, Role.MEMBER, "alpha")
    with pytest.raises(AccessDenied, match="history"):
        member.evidence.history("c1", "indicator", "re-referrals")
    with pytest.raises(AccessDenied, match="dismissed"):
        member.evidence.dismissals("c1")


# -- dismissals --------------------------------------------------------------------------

KEY = "p-1|alpha|indicator:re-referrals"


def at(day: int) -> dt.datetime:
    return dt.datetime(2020, 3, day, 10, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("", "dismiss_reason"),
        ("  \n", "dismiss_reason"),
        ("a\x00b", "bad_text"),
        ("x" * 4001, "reason_too_long"),
    ],
)
def test_a_dismissal_needs_a_reason_that_can_be_kept(store: Store, reason: str, kind: str) -> None:
    with pytest.raises(ModerationError) as refused:
        store.evidence.dismiss("c1", KEY, reason=reason)
    assert refused.value.reason == kind
    assert rows(store, tables.dismissal) == 0


def test_dismissing_and_restoring_add_rows_and_the_latest_word_counts(store: Store) -> None:
    dismissals = store.evidence
    dismissals.dismiss("c1", KEY, reason="Figures predate the new pathway", at=at(1))
    dismissals.dismiss("c1", "p-2|beta|indicator:x", reason="Agreed at the board", at=at(1))
    dismissals.dismiss("c1", KEY, reason="", dismissed=False, author="Vice chair", at=at(2))
    latest = dismissals.dismissals("c1")
    assert (latest[KEY].dismissed, latest[KEY].author, latest[KEY].saved_at) == (
        False,
        "Vice chair",
        at(2),
    )
    dismissals.dismiss("c1", KEY, reason="Checked again", at=at(3))
    latest = dismissals.dismissals("c1")
    assert (latest[KEY].dismissed, latest[KEY].reason) == (True, "Checked again")
    assert latest["p-2|beta|indicator:x"].reason == "Agreed at the board"
    assert rows(store, tables.dismissal) == 4


def test_the_chairs_dismissal_reaches_the_contradiction(store: Store, make_answers) -> None:
    store.save("c1", "alpha", make_answers(rating="green"), author="Alpha lead", based_on=None)
    load(store, FINDINGS, "f.csv")
    framework = store.cycle_framework("c1")
    state = store.latest("c1", "alpha")
    assert state is not None
    ratings = {("alpha", cid): answer.rating for cid, answer in state.answers.items()}

    def found() -> list:
        latest = store.evidence.dismissals("c1")
        words = {k: (d.dismissed, d.reason) for k, d in latest.items()}
        return contradictions.find(framework, ratings, store.evidence.evidence("c1"), words)

    (about_alpha,) = found()
    assert about_alpha.evidence == "Red: About alpha."
    store.evidence.dismiss("c1", about_alpha.key, reason="Re-audited in May")
    load(store, FINDINGS.replace(b"12 referrals", b"12 referrals (revised)"), "f2.csv")
    (still,) = found()
    assert (still.key, still.dismissed, still.reason) == (
        about_alpha.key,
        True,
        "Re-audited in May",
    )


# -- checking a file first ---------------------------------------------------------------


def test_checking_a_file_saves_nothing_and_any_member_of_the_cycle_may_check(
    store: Store,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = S.table_digests(store)
    member = acting(store, Role.MEMBER, "alpha")
    checked = import_evidence(member, "c1", INDICATORS, "i.csv", check=True)
    assert checked.summary is None
    assert len(checked.evidence.indicators) == 2
    path = tmp_path / "indicators.csv"
    path.write_bytes(INDICATORS)
    command = ["evidence", "import", str(path), "--cycle", "c1", "--db", db_url]
    ran = S.run_workbook([*command, "--check"], capsys, monkeypatch)
    assert (ran.code, ran.stdout) == (
        0,
        f"{path}: ok; holds 2 indicator(s), 0 audit(s) with 0 finding(s); "
        "nothing was saved (--check)\n",
    )
    assert S.table_digests(store) == before
    loaded = S.run_workbook([*command, "--as", "Data team"], capsys, monkeypatch)
    assert loaded.code == 0
    assert loaded.stdout.endswith("; 2 added\n")
    assert store.evidence.history("c1", "indicator", "beta-only")[0].author == "Data team"
    listed = S.run_workbook(
        ["evidence", "list", "--cycle", "c1", "--db", db_url], capsys, monkeypatch
    )
    assert (
        "    alpha: 30% against 20% (England average); lower is better"
        in listed.stdout.splitlines()
    )
