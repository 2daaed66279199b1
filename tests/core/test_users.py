"""Hub users (issue #9): the administrator's list mapping JupyterHub users to roles.

On SQLite and PostgreSQL (the ``store`` fixture: partnership ``tp``, cycle ``c1``
inviting ``alpha`` and ``beta``). A page in a user's server under JupyterHub opens the
store anonymous (as in Voila) with ``JUPYTERHUB_USER`` set; ``_page`` does the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.support.factories import as_old_schema
from workbook import access
from workbook.access import ANONYMOUS, Role, visitor
from workbook.cli import cli
from workbook.errors import AccessDenied, StorageError
from workbook.schema.responses import Answer, Status
from workbook.store import Store, tables
from workbook.store import hub_users as users

MakeAnswers = Callable[..., dict[str, Answer]]


def _page(store: Store, monkeypatch: pytest.MonkeyPatch, username: str) -> Store:
    """The store as a page in ``username``'s server opens it, with no personal link."""
    monkeypatch.setenv("JUPYTERHUB_USER", username)
    monkeypatch.setenv("WORKBOOK_IDENTITY", "hub")
    return store.as_identity(ANONYMOUS).for_visitor(None)


def test_under_the_hub_nobody_is_a_local_administrator() -> None:
    hub = {"JUPYTERHUB_USER": "alice", "WORKBOOK_IDENTITY": "hub"}
    assert access.default_identity(hub) is ANONYMOUS
    # any other JupyterHub (Binder, a developer's): as on a laptop
    assert access.default_identity({"JUPYTERHUB_USER": "alice"}).trusted_local
    assert access.default_identity({"VOILA_BASE_URL": "/"}) is ANONYMOUS
    assert access.default_identity({}).trusted_local
    assert access.hub_username({"JUPYTERHUB_USER": "  ", "WORKBOOK_IDENTITY": "hub"}) is None


def test_a_mapped_member_acts_as_hub_user_for_their_agency(
    store: Store, monkeypatch: pytest.MonkeyPatch, make_answers: MakeAnswers
) -> None:
    store.hub_users.add(
        "Alice", Role.MEMBER, name="Alice (Alpha)", cycle_id="c1", agencies=["alpha"]
    )
    store.hub_users.add("bob", Role.MEMBER, partnership_id="tp", agencies=["beta"])
    store.hub_users.add("carol", Role.CHAIR, partnership_id="tp")

    alice = _page(store, monkeypatch, "alice")
    assert alice.identity.key == "hub:alice"
    assert alice.identity.describe() == "agency member for Alpha health trust, cycle c1"
    saved = alice.save("c1", "alpha", make_answers(), author=alice.identity.name, based_on=None)
    with pytest.raises(AccessDenied, match="does not allow you to change Beta police force's"):
        alice.save("c1", "beta", make_answers(), author="Alice", based_on=None)

    bob = _page(store, monkeypatch, "bob")
    with pytest.raises(AccessDenied):
        bob.latest("c1", "alpha")  # another agency's draft
    assert "alpha" not in bob.returns("c1")
    submitted = alice.save(
        "c1",
        "alpha",
        make_answers(),
        author="Alice",
        based_on=saved.revision,
        status=Status.SUBMITTED,
    )
    with pytest.raises(AccessDenied):
        bob.latest("c1", "alpha")  # submitted, but the chair has not shared the cycle

    carol = _page(store, monkeypatch, "carol")
    assert carol.latest("c1", "alpha") == submitted
    carol.share("c1")
    assert bob.latest("c1", "alpha") is not None  # shared and submitted: now visible

    history = store.history("c1", "alpha")
    assert [(r.saved_by, r.author) for r in history] == [("hub:alice", "Alice (Alpha)")] + [
        ("hub:alice", "Alice")
    ]
    with store.database.reading() as conn:
        seen = conn.scalar(
            select(tables.hub_user.c.last_seen_at).where(tables.hub_user.c.username == "alice")
        )
    assert seen is not None


def test_unknown_and_removed_users_are_refused_in_words(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(AccessDenied, match="signed in as mallory, but the workbook has not"):
        _page(store, monkeypatch, "mallory")
    store.hub_users.add("dave", Role.ANALYST, partnership_id="tp")
    assert _page(store, monkeypatch, "dave").identity.role == Role.ANALYST
    removed = store.hub_users.remove("DAVE")
    assert removed.removed_at is not None
    assert removed.removed_by == store.identity.name
    with pytest.raises(AccessDenied, match="signed in as dave, whose access .* was withdrawn on"):
        _page(store, monkeypatch, "dave")
    with pytest.raises(StorageError, match="No hub user named 'dave'"):
        store.hub_users.remove("dave")


def test_a_personal_link_still_wins_under_the_hub(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    link, token = store.issue_link("Gamma guest", Role.CHAIR, cycle_id="c1")
    monkeypatch.setenv("JUPYTERHUB_USER", "nobody-mapped")
    monkeypatch.setenv("WORKBOOK_IDENTITY", "hub")
    visitor = store.as_identity(ANONYMOUS).for_visitor(token)
    assert visitor.identity.key == f"link:{link.id}"


def test_removal_and_changes_keep_the_history(store: Store) -> None:
    first, replaced = store.hub_users.add("erin", Role.MEMBER, cycle_id="c1", agencies=["alpha"])
    assert replaced is None
    second, replaced = store.hub_users.add("erin", Role.CHAIR, partnership_id="tp")
    assert replaced is not None
    assert replaced.id == first.id
    assert replaced.removed_at is not None
    assert second.name == "erin"
    assert second.role == Role.CHAIR
    store.hub_users.remove("erin")
    third, replaced = store.hub_users.add("erin", Role.ANALYST, name="Erin", partnership_id="tp")
    assert replaced is None
    assert [u.role for u in store.hub_users.listing()] == [Role.ANALYST]
    every = store.hub_users.listing(removed=True)
    assert [(u.id, u.active) for u in every] == [
        (first.id, False),
        (second.id, False),
        (third.id, True),
    ]
    found = store.hub_users.find("Erin")
    assert found is not None
    assert found.name == "Erin"


@pytest.mark.parametrize(
    ("username", "role", "scope", "reason"),
    [
        (
            "a b",
            Role.MEMBER,
            {"cycle_id": "c1", "agencies": ["alpha"]},
            "not a JupyterHub username",
        ),
        ("x", Role.MEMBER, {"cycle_id": "c1"}, "an agency member's access needs an agency"),
        ("x", Role.MEMBER, {"cycle_id": "c1", "agencies": ["gamma"]}, "not invited to 'c1'"),
        ("x", Role.MEMBER, {"partnership_id": "tp", "agencies": ["zeta"]}, "not in partnership"),
        ("x", Role.CHAIR, {}, "a chair's access needs a cycle or a partnership"),
        ("x", Role.CHAIR, {"partnership_id": "tp", "agencies": ["alpha"]}, "not for one agency"),
        ("x", Role.ANALYST, {"partnership_id": "nope"}, "there is no partnership 'nope'"),
    ],
)
def test_add_checks_what_the_user_would_reach(
    store: Store, username: str, role: Role, scope: dict, reason: str
) -> None:
    with pytest.raises(AccessDenied, match=f"No user was added: .*{reason}"):
        store.hub_users.add(username, role, **scope)
    assert store.hub_users.listing(removed=True) == []


def test_only_an_administrator_manages_the_list(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.hub_users.add("frank", Role.CHAIR, partnership_id="tp")
    store.hub_users.add("root-admin", Role.ADMIN)
    chair = _page(store, monkeypatch, "frank")
    for attempt in (
        lambda: chair.hub_users.add("x", Role.CHAIR, partnership_id="tp"),
        lambda: chair.hub_users.listing(),
        lambda: chair.hub_users.remove("frank"),
    ):
        with pytest.raises(AccessDenied, match="does not allow you to"):
            attempt()
    admin = _page(store, monkeypatch, "root-admin")
    assert admin.identity.administers
    admin.hub_users.add("grace", Role.ANALYST, partnership_id="tp")
    assert store.hub_users.find("grace") is not None


def test_the_users_commands(store: Store) -> None:
    runner = CliRunner()
    db = ["--db", store.engine.url.render_as_string(hide_password=False)]
    added = runner.invoke(
        cli,
        ["users", "add", *db, "Heidi", "--cycle", "c1", "--agency", "alpha", "--agency", "beta"],
    )
    assert added.exit_code == 0, added.output
    assert added.output == "Added heidi: agency member for alpha, beta, cycle c1.\n"
    changed = runner.invoke(cli, ["users", "add", *db, "heidi", "--role", "chair", "--cycle", "c1"])
    assert changed.output.splitlines() == [
        "Changed heidi: chair for partnership tp, cycle c1.",
        "  (was: agency member for alpha, beta, cycle c1)",
    ]
    listed = runner.invoke(cli, ["users", "list", *db])
    assert listed.output.startswith("heidi: chair for partnership tp, cycle c1; active; added ")
    assert listed.output.rstrip().endswith("last seen never")
    removed = runner.invoke(cli, ["users", "remove", *db, "heidi"])
    assert removed.exit_code == 0
    assert removed.output.startswith("Removed heidi at ")
    assert runner.invoke(cli, ["users", "list", *db]).output == "No hub users.\n"
    assert len(runner.invoke(cli, ["users", "list", *db, "--removed"]).output.splitlines()) == 2


def test_an_old_store_gains_the_hub_user_table(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    with Store.open(url) as store, store.database.writing() as conn:
        tables.hub_user.drop(conn)
        as_old_schema(conn, 3)
    with Store.open(url) as store:
        assert store.schema_version() == tables.SCHEMA_VERSION >= 4
        store.hub_users.add("ivan", Role.ADMIN)
        assert [u.username for u in store.hub_users.listing()] == ["ivan"]


def test_the_dates_are_timezone_aware(store: Store) -> None:
    user, _ = store.hub_users.add("judy", Role.ADMIN)
    assert user.created_at.tzinfo is not None
    assert abs(user.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_the_examples_in_the_docstrings() -> None:
    import doctest

    for module in (users, visitor):
        result = doctest.testmod(module, report=False)
        assert result.failed == 0
    assert doctest.testmod(users, report=False).attempted >= 1


def test_links_and_hub_users_become_identities_one_way(store: Store) -> None:
    link, _ = store.issue_link("Ann", Role.MEMBER, cycle_id="c1", agencies=["alpha"])
    user, _ = store.hub_users.add("ann", Role.MEMBER, name="Ann", cycle_id="c1", agencies=["alpha"])
    grants: list[access.Grant] = [link, user]
    by_link, by_hub = (g.identity(["Alpha health trust"]) for g in grants)
    assert (by_link.key, by_hub.key) == (f"link:{link.id}", "hub:ann")
    assert by_link.describe() == by_hub.describe()
    assert by_link == access.grant_identity(f"link:{link.id}", link, ["Alpha health trust"])
    assert by_hub == access.grant_identity("hub:ann", user, ["Alpha health trust"])


def test_one_active_row_per_username_is_enforced_by_the_database(store: Store) -> None:
    """The partial unique index (plain DDL, shared by SQLite and PostgreSQL): a second
    active row for a username is refused whoever writes it; removed rows do not count."""
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    now = dt.datetime.now(dt.UTC)
    row = {"username": "dup", "name": "Dup", "role": "chair", "partnership_id": "tp"}
    row |= {"agencies": "[]", "created_at": now, "created_by": "test"}
    with store.database.writing() as conn:
        conn.execute(insert(tables.hub_user).values(**row, removed_at=now, removed_by="t"))
        conn.execute(insert(tables.hub_user).values(**row))  # one removed, one active: fine
    with pytest.raises(IntegrityError), store.database.writing() as conn:
        conn.execute(insert(tables.hub_user).values(**row))
    with store.database.reading() as conn:
        names = conn.scalars(
            select(tables.hub_user.c.username).where(tables.hub_user.c.username == "dup")
        ).all()
    assert names == ["dup", "dup"]
