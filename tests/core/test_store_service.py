"""The store service and a page's store through it (workbook/store/service.py, remote.py).

A form's kernel reads and writes through the service (issue #19): what it is given must
be what its own ``Store`` would have given, every identity check included, on SQLite and
PostgreSQL, and a service or store it cannot reach must be refused in words.
"""

from __future__ import annotations

import contextlib
import pickle
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.programs import gone_soon
from workbook import errors
from workbook.access import Role
from workbook.errors import AccessDenied, Conflict, StorageError, StoreUnavailable
from workbook.schema.responses import Answer, Status
from workbook.store import RevisionInfo, Store, remote, service


@pytest.fixture
def socket_path() -> Iterator[str]:
    """A short path for a Unix socket (tmp_path can pass their 108 characters)."""
    folder = tempfile.mkdtemp(prefix="wb-svc-")
    try:
        yield f"{folder}/store"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def running(socket_path: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A store service in a thread of this process, which this process's pages use."""
    monkeypatch.setenv(remote.ENV, socket_path)
    with _serving(socket_path):
        yield socket_path


def _engine_url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def test_a_members_store_through_the_service_is_checked_as_their_own(
    store: Store, running: str, make_answers: Callable[..., dict[str, Answer]]
) -> None:
    """On SQLite and PostgreSQL: reads and saves for the link's holder only, and what
    comes back is what the store in this process gives."""
    _link, token = store.issue_link("Alpha lead", Role.MEMBER, cycle_id="c1", agencies=["alpha"])
    page = remote.open_store(_engine_url(store))
    assert isinstance(page, remote.Remote)
    member = page.for_visitor(token)
    assert isinstance(member, remote.Remote)
    assert member.identity == store.identify(token).identity
    saved = member.save("c1", "alpha", make_answers(), author="Alpha lead", based_on=None)
    assert saved.revision == 1
    assert member.latest("c1", "alpha") == store.latest("c1", "alpha")
    assert member.history("c1", "alpha") == store.history("c1", "alpha")
    assert all(isinstance(entry, RevisionInfo) for entry in member.history("c1", "alpha"))
    assert member.cycle("c1") == store.cycle("c1")
    with pytest.raises(AccessDenied) as refused:
        member.save("c1", "beta", make_answers(), author="Alpha lead", based_on=None)
    with pytest.raises(AccessDenied) as here:
        store.identify(token).save("c1", "beta", make_answers(), author="Alpha lead", based_on=None)
    assert (refused.value.kind, refused.value.facts) == (here.value.kind, here.value.facts)
    assert store.latest("c1", "beta") is None, "nothing was saved for another agency"
    with pytest.raises(Conflict) as conflict:
        member.save("c1", "alpha", make_answers(), author="Alpha lead", based_on=None)
    assert (conflict.value.based_on, conflict.value.latest) == (None, 1)
    assert store.latest("c1", "alpha").revision == 1  # type: ignore[union-attr]
    assert member.statuses("c1") == store.identify(token).statuses("c1")
    assert member.statuses("c1")["alpha"] is Status.DRAFT


def test_who_visits_is_decided_in_the_page_kernels_environment_not_the_services(
    store: Store, running: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service runs where Voila's variables are not set, where a store acts for the
    local user: a page's visitor without a link must still be refused, and a hub user's
    server's kernel looks its user up."""
    monkeypatch.setenv("VOILA_BASE_URL", "/")
    page = remote.open_store(_engine_url(store))
    assert page.identity.anonymous
    with pytest.raises(AccessDenied) as refused:
        page.for_visitor(None)
    assert refused.value.kind == "no_token"
    monkeypatch.setenv("WORKBOOK_IDENTITY", "hub")
    monkeypatch.setenv("JUPYTERHUB_USER", "nobody-listed")
    with pytest.raises(AccessDenied) as unknown:
        remote.open_store(_engine_url(store)).for_visitor(None)
    assert (unknown.value.kind, unknown.value.facts["user"]) == ("hub_unknown", "nobody-listed")
    monkeypatch.delenv("VOILA_BASE_URL")
    monkeypatch.delenv("WORKBOOK_IDENTITY")
    local = remote.open_store(_engine_url(store))
    assert local.for_visitor(None).identity == Store(store.database).identity  # the local user


def test_a_refusal_comes_back_with_its_facts_as_the_store_raised_it(
    store: Store, running: str
) -> None:
    page = remote.open_store(_engine_url(store))
    with pytest.raises(AccessDenied) as through:
        page.for_visitor("x" * 43)
    with pytest.raises(AccessDenied) as here:
        store.for_visitor("x" * 43)
    assert (through.value.kind, through.value.facts, str(through.value)) == (
        here.value.kind,
        here.value.facts,
        str(here.value),
    )


def test_every_workbook_error_survives_pickling_with_its_facts() -> None:
    made = [
        errors.StoreUnavailable("store_busy", url="sqlite:///x.db", reason="locked"),
        errors.NotFound(what="cycle", key="c9", hint="see `workbook summary`"),
        errors.Conflict(cycle="c1", agency="alpha", based_on=2, latest=3),
        errors.AccessDenied("forbidden", who="Alpha lead", action="edit beta"),
        errors.ValidationProblems("f.yaml", [errors.Problem("f.yaml:3", "id", "missing")]),
        errors.ActionError("too_long", what="owner", length=301, limit=300),
    ]
    for error in made:
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error)
        assert str(again) == str(error)
        assert vars(again) == vars(error)


def test_a_missing_store_is_refused_as_a_page_would_refuse_it(running: str, tmp_path: Path) -> None:
    with pytest.raises(StorageError) as refused:
        remote.open_store(f"sqlite:///{tmp_path}/nowhere.db")
    assert refused.value.kind == "missing_store"
    assert not (tmp_path / "nowhere.db").exists(), "the service created nothing"


def test_a_store_file_replaced_after_a_page_opened_it_is_opened_again(
    store: Store, running: str, tmp_path: Path
) -> None:
    """The service shares one set of connections per store, but not past its file."""
    if not _engine_url(store).startswith("sqlite"):
        pytest.skip("a file of SQLite's")
    first = remote.open_store(_engine_url(store))
    assert first.cycle("c1").id == "c1"
    Path(store.engine.url.database or "").unlink()
    with pytest.raises(StorageError) as refused:
        remote.open_store(_engine_url(store))
    assert refused.value.kind == "missing_store"


def test_a_relative_sqlite_path_is_the_kernels_folder(
    store: Store, running: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Path(store.engine.url.database or "")
    if not database.is_absolute():
        pytest.skip("a file of SQLite's")
    monkeypatch.chdir(database.parent)
    assert remote.open_store(f"sqlite:///{database.name}").cycle("c1").id == "c1"


def test_a_kernel_closing_its_store_leaves_the_others_theirs(store: Store, running: str) -> None:
    """One set of connections per store serves every kernel: one page's close must not
    take them from the others; and a repository asked for again is the same entry."""
    first, second = (remote.open_store(_engine_url(store)) for _ in range(2))
    shared = service.DATABASES.store(_engine_url(store), environ={}).database
    pool = shared.engine.pool
    with first:
        assert first.cycle("c1").id == "c1"
    first.close()
    assert shared.engine.pool is pool, "the connections were not disposed of"
    assert second.cycle("c1").id == "c1"
    assert first.cycle("c1").id == "c1"
    assert first.actions._number == first.actions._number


def test_a_call_is_one_round_trip(
    store: Store, running: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every call to the service waits on another process: a reference comes with the
    names of its methods, and a repository read once is kept, so a form opening makes
    one round trip per call it needs, not two."""
    asked: list[str] = []
    ask = remote.Channel.ask

    def counted(channel: remote.Channel, message: tuple[object, ...]) -> object:
        asked.append(str(message[0]))
        return ask(channel, message)

    monkeypatch.setattr(remote.Channel, "ask", counted)
    page = remote.open_store(_engine_url(store))
    assert page.cycle("c1").id == "c1"
    assert page.actions is page.actions
    page.actions.marks("c1")
    assert asked == ["open", "call", "get", "call"]


def test_a_request_the_service_cannot_read_is_refused_and_the_session_goes_on(
    store: Store, running: str
) -> None:
    page = remote.open_store(_engine_url(store))
    channel = page._channel
    sock = channel._sock
    assert sock is not None
    unreadable = b"cno_such_module\nThing\n."  # a class only the sender has
    sock.sendall(struct.pack("!Q", len(unreadable)) + unreadable)
    ok, error = remote.receive(sock)
    assert not ok
    assert isinstance(error, ModuleNotFoundError)
    assert page.cycle("c1").id == "c1"


def test_no_private_attribute_is_reached(store: Store, running: str) -> None:
    page = remote.open_store(_engine_url(store))
    with pytest.raises(AttributeError):
        page._links  # noqa: B018
    channel = page._channel  # the kernel's end itself
    with pytest.raises(AttributeError, match="not the store's to give"):
        channel.ask(("get", page._number, "_links"))


def test_a_service_that_has_stopped_is_an_unreachable_store(
    store: Store, socket_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(remote.ENV, socket_path)  # nothing listens there
    with pytest.raises(StoreUnavailable) as refused:
        remote.open_store(_engine_url(store))
    assert refused.value.kind == "store_unreachable"
    assert remote.GONE in str(refused.value)
    assert "last saved revision is intact" in str(refused.value)


def test_a_refusal_of_the_service_hides_the_stores_password(socket_path: str) -> None:
    url = "postgresql://workbook:s3cret-pw@db.example/workbook"
    with pytest.raises(StoreUnavailable) as refused:
        remote.Channel(socket_path, url).open()  # nothing listens there
    assert "s3cret-pw" not in str(refused.value)
    assert "workbook:***@db.example" in str(refused.value)


def test_a_kernel_whose_service_went_is_refused_from_then_on(
    store: Store, socket_path: str
) -> None:
    """Its numbered objects went with its session: a service that came back must not be
    asked about them, so the page stays refused until it is opened again."""
    with _serving(socket_path):
        page = remote.Channel(socket_path, _engine_url(store)).open()
        assert page.cycle("c1").id == "c1"
        page._channel._sock.shutdown(socket.SHUT_RDWR)  # as the service's end would
        with pytest.raises(StoreUnavailable):
            page.cycle("c1")
    Path(socket_path).unlink()
    with _serving(socket_path):  # another service where the first was
        with pytest.raises(StoreUnavailable) as still:
            page.cycle("c1")  # not a new session's unknown number
        assert still.value.kind == "store_unreachable"
        assert remote.Channel(socket_path, _engine_url(store)).open().cycle("c1").id == "c1"


@contextlib.contextmanager
def _serving(path: str) -> Iterator[None]:
    listener = service.listen(path)
    stop = threading.Event()
    thread = threading.Thread(target=service.serve, args=(listener,), kwargs={"until": stop.is_set})
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)
        listener.close()


def test_without_a_service_a_page_opens_the_store_itself(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(remote.ENV, raising=False)
    with remote.open_store(_engine_url(store)) as own:
        assert isinstance(own, Store)


def test_a_service_started_by_fork_serves_and_ends_with_its_server(
    store: Store, socket_path: str
) -> None:
    """As the kernel template starts it: it outlives the process that forked it while a
    kernel is connected (the kernels follow the server, not their template), and ends
    with the server it follows, removing its socket."""
    code = (
        "import os, sys, time\n"
        "from workbook.store import service\n"
        "server = os.fork()\n"
        "if server == 0:\n"
        "    time.sleep(600)\n"
        "    os._exit(0)\n"
        "print(server, service.start(sys.argv[1], server=server), flush=True)\n"
        "sys.stdin.read()\n"
    )
    forker = subprocess.Popen(
        [sys.executable, "-c", code, socket_path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert forker.stdout is not None
    assert forker.stdin is not None
    server, pid = (int(n) for n in forker.stdout.readline().split())
    try:
        page = remote.Channel(socket_path, _engine_url(store)).open()
        assert page.cycle("c1").id == "c1"
        assert b"workbook.store.service" in Path(f"/proc/{pid}/cmdline").read_bytes()
        forker.stdin.close()  # the template ends; a kernel is still connected
        forker.wait(30)
        forker.stdout.close()
        time.sleep(1.5)  # the service looks every second
        assert page.cycle("c1").id == "c1"
    finally:
        subprocess.run(["kill", str(server)], check=False)
    assert gone_soon(pid, 20), "the service ended with its server"
    assert not Path(socket_path).exists()
