"""Who may see what (issue #7): personal links and the store's checks, on SQLite and PostgreSQL.

The ``store`` fixture (tests/core/conftest.py) acts as the local administrator; each test
issues links and acts through ``store.identify(token)`` as a visitor would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select, update

from tests.support.data import without_action_ids
from workbook import access
from workbook.access import ANONYMOUS, Identity, Role
from workbook.errors import AccessDenied, StorageError
from workbook.schema.responses import Answer, Status
from workbook.store import Store, moderation, tables

Answers = dict[str, Answer]
MakeAnswers = Callable[..., Answers]
LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)


def _as(store: Store, name: str, role: Role, **scope: object) -> Store:
    _link, token = store.issue_link(name, role, expires_at=LATER, **scope)  # type: ignore[arg-type]
    return store.identify(token)


def _member(store: Store, agency: str, cycle: str | None = "c1") -> Store:
    return _as(store, f"{agency} lead", Role.MEMBER, cycle_id=cycle, agencies=[agency])


def _chair(store: Store) -> Store:
    return _as(store, "MASE chair", Role.CHAIR, cycle_id="c1")


# -- pure decisions ----------------------------------------------------------------------


def test_identity_decisions_follow_the_roles() -> None:
    member = Identity("link:1", "A", Role.MEMBER, "tp", frozenset({"alpha"}), "c1")
    chair = Identity("link:2", "C", Role.CHAIR, "tp")
    analyst = Identity("link:3", "N", Role.ANALYST, "tp")
    admin = Identity("link:4", "D", Role.ADMIN)
    outsider = Identity("link:5", "O", Role.CHAIR, "other")

    def sees(who: Identity, agency: str, *, shared: bool = False, submitted: bool = False) -> bool:
        return who.can_see_return("tp", "c1", agency, shared=shared, submitted=submitted)

    assert sees(member, "alpha")
    assert not sees(member, "beta")
    assert not sees(member, "beta", shared=True)  # a shared draft stays private
    assert sees(member, "beta", shared=True, submitted=True)
    assert not member.reaches("tp", "c2")  # the link is for one cycle
    assert all(sees(w, "beta") for w in (chair, analyst, admin))
    assert not sees(outsider, "beta")
    assert not sees(ANONYMOUS, "alpha")
    assert member.can_edit("tp", "c1", "alpha")
    assert not member.can_edit("tp", "c1", "beta")
    assert not chair.can_edit("tp", "c1", "alpha")
    assert not analyst.can_edit("tp", "c1", "alpha")
    assert admin.can_edit("tp", "c1", "alpha")
    assert chair.can_moderate("tp", "c1")
    assert admin.can_moderate("tp", "c1")
    assert not member.can_moderate("tp", "c1")
    assert not analyst.can_moderate("tp", "c1")
    assert not member.can_see_cycle("tp", "c1", shared=False)
    assert member.can_see_cycle("tp", "c1", shared=True)
    assert analyst.can_see_cycle("tp", "c1", shared=False)
    assert member.describe() == "agency member for alpha, cycle c1"
    assert chair.describe() == "chair for partnership tp"


def test_tokens_are_random_and_only_their_hash_is_kept(store: Store) -> None:
    first, token = store.issue_link("Alpha lead", Role.MEMBER, cycle_id="c1", agencies=["alpha"])
    _second, other = store.issue_link("Alpha lead", Role.MEMBER, cycle_id="c1", agencies=["alpha"])
    assert token != other
    assert len(token) >= 40
    assert access.well_formed(token)
    with store.engine.connect() as conn:
        stored = conn.execute(select(tables.access_link)).all()
    dumped = repr([tuple(row) for row in stored])
    assert token not in dumped
    assert other not in dumped
    assert access.token_hash(token) in dumped
    assert first.partnership_id == "tp"  # the cycle implies its partnership


# -- refusing visitors -------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "   ", "short", "x" * 500, "<script>", "a" * 43])
def test_missing_malformed_and_unknown_tokens_are_refused(store: Store, token: str | None) -> None:
    with pytest.raises(AccessDenied) as caught:
        store.identify(token)
    assert caught.value.kind == ("no_token" if not (token or "").strip() else "bad_token")
    assert "Traceback" not in str(caught.value)


def test_expired_and_revoked_links_are_refused_with_the_date(store: Store) -> None:
    link, token = store.issue_link("Alpha lead", Role.MEMBER, cycle_id="c1", agencies=["alpha"])
    assert store.identify(token).identity.key == f"link:{link.id}"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=365)
    store.engine.dispose()
    with store.engine.begin() as conn:
        conn.execute(
            update(tables.access_link)
            .where(tables.access_link.c.id == link.id)
            .values(expires_at=dt.datetime(2030, 1, 5, tzinfo=dt.UTC))
        )
    with pytest.raises(AccessDenied, match="expired on 5 January 2030"):
        store.identify(token, now=later.replace(year=2031))
    store.revoke_link(link.id)
    with pytest.raises(AccessDenied, match="withdrawn on"):
        store.identify(token)
    assert store.link(link.id).state(dt.datetime.now(dt.UTC)) == "revoked"


def test_links_are_checked_when_issued(store: Store) -> None:
    bad: list[tuple[Role, dict[str, object], str]] = [
        (Role.MEMBER, {"cycle_id": "c1"}, "needs an agency"),
        (Role.MEMBER, {"cycle_id": "c1", "agencies": ["gamma"]}, "not invited to 'c1'"),
        (Role.MEMBER, {"partnership_id": "tp", "agencies": ["nope"]}, "not in partnership"),
        (Role.CHAIR, {}, "needs a cycle or a partnership"),
        (Role.CHAIR, {"cycle_id": "c1", "agencies": ["alpha"]}, "not for one agency"),
        (Role.ANALYST, {"partnership_id": "nope"}, "no partnership 'nope'"),
    ]
    before = len(store.links())
    for role, scope, message in bad:
        with pytest.raises(AccessDenied, match=message):
            store.issue_link("Someone", role, **scope)  # type: ignore[arg-type]
    with pytest.raises(AccessDenied, match="already passed"):
        store.issue_link(
            "Late", Role.CHAIR, cycle_id="c1", expires_at=dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
        )
    assert len(store.links()) == before  # nothing half-made


# -- agency members --------------------------------------------------------------------


def test_a_member_sees_and_edits_only_their_own_return(
    store: Store, make_answers: MakeAnswers
) -> None:
    store.save("c1", "beta", make_answers(("p-1",)), author="Beta lead", based_on=None)
    alpha = _member(store, "alpha")
    saved = alpha.save("c1", "alpha", make_answers(("p-1",)), author="Alpha lead", based_on=None)
    assert alpha.latest("c1", "alpha") == saved
    assert alpha.history("c1", "alpha")[-1].saved_by == alpha.identity.key
    for read in (
        lambda: alpha.latest("c1", "beta"),
        lambda: alpha.history("c1", "beta"),
        lambda: alpha.at("c1", "beta", 1),
    ):
        with pytest.raises(AccessDenied, match="does not allow you to see"):
            read()
    with pytest.raises(AccessDenied, match="does not allow you to change Beta police force"):
        alpha.save("c1", "beta", make_answers(("p-2",)), author="Alpha lead", based_on=1)
    assert set(alpha.returns("c1")) == {"alpha"}
    assert set(alpha.statuses("c1")) == {"alpha"}
    assert store.latest("c1", "beta").revision == 1  # type: ignore[union-attr]


def test_sharing_shows_others_submitted_returns_never_drafts(
    store: Store, make_answers: MakeAnswers
) -> None:
    complete = make_answers()
    store.save("c1", "beta", complete, author="B", based_on=None, status=Status.SUBMITTED)
    alpha = _member(store, "alpha")
    assert not alpha.may_compare("c1")
    with pytest.raises(AccessDenied):
        alpha.latest("c1", "beta")
    _chair(store).share("c1")
    assert alpha.is_shared("c1")
    assert alpha.may_compare("c1")
    assert without_action_ids(alpha.latest("c1", "beta").answers) == complete  # type: ignore[union-attr]
    with pytest.raises(AccessDenied):
        alpha.history("c1", "beta")  # the history holds the drafts
    # reopened: a draft again, so hidden again
    _chair(store).reopen("c1", "beta", author="MASE chair", reason="Check p-1 evidence")
    with pytest.raises(AccessDenied):
        alpha.latest("c1", "beta")
    assert "beta" not in alpha.returns("c1")


def test_a_member_cannot_reopen_share_or_moderate(store: Store, make_answers: MakeAnswers) -> None:
    alpha = _member(store, "alpha")
    alpha.save("c1", "alpha", make_answers(), author="A", based_on=None, status=Status.SUBMITTED)
    with pytest.raises(AccessDenied, match="reopen a submitted return"):
        alpha.reopen("c1", "alpha", author="A", reason="I changed my mind")
    with pytest.raises(AccessDenied, match="share this cycle"):
        alpha.share("c1")
    with pytest.raises(AccessDenied, match="moderate"):
        moderation.record(alpha, "c1", "alpha", "p-1", rating="red", comment="x", author="A")
    with pytest.raises(AccessDenied):
        moderation.history(alpha, "c1")  # not shared yet
    assert store.latest("c1", "alpha").status == Status.SUBMITTED  # type: ignore[union-attr]
    assert moderation.history(store, "c1") == []


def test_a_member_link_for_one_cycle_reaches_no_other(store: Store) -> None:
    alpha = _member(store, "alpha")
    assert [c.id for c in alpha.cycles()] == ["c1"]
    with pytest.raises(AccessDenied, match="no cycle 'c2'"):
        alpha.cycle("c2")
    with pytest.raises(StorageError, match="No cycle named 'c2'"):
        store.cycle("c2")  # the administrator is told plainly it does not exist


# -- chair, analyst, anonymous -----------------------------------------------------------


def test_the_chair_reads_moderates_and_reopens_but_does_not_edit(
    store: Store, make_answers: MakeAnswers
) -> None:
    store.save("c1", "alpha", make_answers(), author="A", based_on=None, status=Status.SUBMITTED)
    store.save("c1", "beta", make_answers(("p-1",)), author="B", based_on=None)
    chair = _chair(store)
    assert set(chair.returns("c1")) == {"alpha", "beta"}  # drafts too
    assert chair.history("c1", "beta")
    with pytest.raises(AccessDenied, match="change Beta police force's return"):
        chair.save("c1", "beta", make_answers(), author="C", based_on=1)
    made = moderation.record(
        chair, "c1", "alpha", "p-1", rating="red", comment="Show me", author="C"
    )
    assert made.rating == "red"
    reopened = chair.reopen("c1", "alpha", author="MASE chair", reason="Evidence missing")
    assert reopened.status == Status.REOPENED
    assert store.history("c1", "alpha")[-1].saved_by == chair.identity.key


def test_an_analyst_reads_everything_and_changes_nothing(
    store: Store, make_answers: MakeAnswers
) -> None:
    store.save("c1", "alpha", make_answers(("p-1",)), author="A", based_on=None)
    analyst = _as(store, "Analyst", Role.ANALYST, partnership_id="tp")
    assert analyst.latest("c1", "alpha") is not None
    assert analyst.may_compare("c1")
    with pytest.raises(AccessDenied):
        analyst.save("c1", "alpha", make_answers(), author="N", based_on=1)
    with pytest.raises(AccessDenied):
        moderation.record(analyst, "c1", "alpha", "p-1", rating="red", comment="", author="N")
    with pytest.raises(AccessDenied, match="issue links"):
        analyst.issue_link("X", Role.CHAIR, cycle_id="c1")


def test_an_anonymous_store_reads_nothing(store: Store) -> None:
    nobody = store.as_identity(ANONYMOUS)
    assert nobody.cycles() == []
    with pytest.raises(AccessDenied, match="personal link"):
        nobody.latest("c1", "alpha")
    with pytest.raises(AccessDenied):
        nobody.cycle("c1")
    with pytest.raises(AccessDenied, match="personal link"):
        nobody.for_visitor(None)


def test_voila_kernels_start_anonymous() -> None:
    assert access.default_identity({"VOILA_BASE_URL": "/"}) is ANONYMOUS
    assert access.default_identity({"VOILA_PREHEAT": "True"}) is ANONYMOUS
    assert access.default_identity({}).role == Role.ADMIN
