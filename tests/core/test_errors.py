"""The error types callers tell apart (issue #13): each says in words what happened.

Callers catch the type that means what they handle (``NotFound`` for "not there",
``StoreUnavailable`` for "try again later"), never a broad StorageError for either, and
``AccessDenied`` is a refusal beside the store's own failures, not one of them.
"""

from __future__ import annotations

import pytest

from workbook.access import ANONYMOUS, Identity, Role
from workbook.errors import (
    AccessDenied,
    Conflict,
    ModerationError,
    NotFound,
    PacksFailed,
    PdfError,
    StorageError,
    StoreUnavailable,
    WorkbookError,
)
from workbook.schema.responses import Answer
from workbook.store import Store


def test_the_hierarchy_keeps_refusals_apart_from_failures() -> None:
    for kind in (NotFound, Conflict, StoreUnavailable):
        assert issubclass(kind, StorageError)
    assert not issubclass(AccessDenied, StorageError)
    assert not issubclass(ModerationError, StorageError)
    for kind in (StorageError, AccessDenied, ModerationError):
        assert issubclass(kind, WorkbookError)


def test_messages_and_facts_are_as_before() -> None:
    missing = NotFound(what="cycle", key="c9", hint="See `workbook summary`.")
    assert str(missing) == "No cycle named 'c9' in the store. See `workbook summary`."
    assert (missing.kind, missing.what, missing.key) == ("unknown", "cycle", "c9")
    assert str(NotFound(what="agency", key="x")) == "No agency named 'x' in the store. "
    clash = Conflict(cycle="c1", agency="alpha", based_on=1, latest=2)
    assert str(clash) == (
        "The return for 'alpha' in cycle 'c1' has changed since revision 1: "
        "the latest is revision 2. Reload it, then save again."
    )
    assert (clash.kind, clash.latest) == ("conflict", 2)
    refused = ModerationError("too_many", scope_words="The partnership", limit=5)
    assert str(refused).startswith("The partnership already has 5 top actions marked.")
    assert refused.reason == "too_many"


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("store_busy", "it is busy with other saves (why)"),
        ("store_read_only", "it can only be read at the moment (why)"),
        ("store_full", "it has run out of space (why)"),
        ("store_unreachable", "it cannot be reached (why)"),
    ],
)
def test_an_unavailable_store_is_the_only_transient_failure(kind, words: str) -> None:
    error = StoreUnavailable(kind, url="sqlite:///wb.db", reason="why")
    assert error.transient
    assert error.kind == kind
    assert str(error).startswith(f"The store at sqlite:///wb.db could not be used: {words}")
    assert not StorageError("database", url="u", reason="r").transient
    assert not NotFound(what="cycle", key="c").transient


def test_an_unknown_kind_needs_its_own_type() -> None:
    with pytest.raises(KeyError):
        StorageError("unknown", what="cycle", key="c", hint="")
    with pytest.raises(KeyError):
        StorageError("store_busy", url="u", reason="r")


def test_the_store_raises_the_precise_types(store: Store) -> None:
    with pytest.raises(NotFound, match="No cycle named 'nope'"):
        store.cycle("nope")
    with pytest.raises(NotFound, match="No agency named 'nope'"):
        store.agency("nope")
    with pytest.raises(NotFound, match="No framework named"):
        store.framework("nope", "1")
    with pytest.raises(NotFound, match="No link named 99"):
        store.link(99)
    with pytest.raises(NotFound, match="No hub user named 'nobody'"):
        store.hub_users.remove("nobody")
    store.save("c1", "alpha", {"p-1": Answer(rating="red")}, author="a", based_on=None)
    with pytest.raises(NotFound, match="No revision named 'c1/alpha#7'"):
        store.at("c1", "alpha", 7)
    with pytest.raises(Conflict):
        store.save("c1", "alpha", {"p-1": Answer(rating="green")}, author="a", based_on=None)
    with pytest.raises(AccessDenied, match="There is no cycle .c1. that your link"):
        store.as_identity(ANONYMOUS).latest("c1", "alpha")


def test_as_identity_acts_for_the_identity_over_the_same_database(store: Store) -> None:
    member = Identity(
        key="link:1",
        name="Ann",
        role=Role.MEMBER,
        partnership_id="tp",
        agencies=frozenset({"beta"}),
    )
    as_member = store.as_identity(member)
    assert isinstance(as_member, Store)
    assert as_member.identity is member
    assert as_member.database is store.database  # connections and framework cache shared
    assert as_member.engine is store.engine
    assert store.identity.trusted_local  # the original store still acts for its own
    store.save("c1", "alpha", {"p-1": Answer(rating="red")}, author="a", based_on=None)
    assert store.latest("c1", "alpha") is not None
    with pytest.raises(AccessDenied, match=r"Your link \(agency member for beta\)"):
        as_member.latest("c1", "alpha")
    as_member.save("c1", "beta", {"p-1": Answer(rating="red")}, author="Ann", based_on=None)
    assert store.history("c1", "beta")[0].saved_by == "link:1"
    back = as_member.as_identity(store.identity)
    assert back.latest("c1", "alpha") is not None


def test_agency_packs_and_pdfs_fail_as_workbook_errors() -> None:
    """Issue #16: the command prints them as one message and exits 1, like every other."""
    failed = PacksFailed([("yot", 3, "ValueError: x", None)], 2, "packs")
    assert isinstance(failed, WorkbookError)
    assert (failed.failures, failed.total, failed.directory) == (
        [("yot", 3, "ValueError: x", None)],
        2,
        "packs",
    )
    printing = PdfError("failed", page="a.html", reason="Target closed")
    assert isinstance(printing, WorkbookError)
    assert str(printing) == (
        "Chromium could not print a.html to PDF: Target closed. The HTML is written."
    )
