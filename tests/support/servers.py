"""Real PostgreSQL, the ``workbook`` command and Voila for the tests (a pytest plugin).

Everything here talks to a real external program, so each fixture either starts it
itself or skips with the Debian package to install; under ``CI=true`` a missing program
fails instead, so CI always exercises PostgreSQL and the browser.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.support.programs import (
    TempCluster,
    Unavailable,
    create_database,
    drop_database,
    free_port,
    http_status,
    processes,
    stop_process_group,
)
from workbook import config

ROOT = Path(__file__).resolve().parents[2]
VOILA_START_TIMEOUT = 90.0
LOG_LINES = 400
LOG_TIMES = (
    "--Voila.log_format=[%(name)s %(asctime)s.%(msecs)03d]%(highlevel)s %(message)s",
    "--Voila.log_datefmt=%H:%M:%S",
)
"""The servers' log lines carry their times: a failing test's report shows what waited."""
RUNNING: dict[Path, int] = {}
"""The logs of the Voila servers running now, and their pids: a failing test shows the
logs' last lines (:func:`pytest_runtest_makereport`), the only trace CI keeps of what a
kernel did, after every thread's stack of the server and its kernels (:func:`dump_stacks`)."""
STARTED: list[Path] = []
"""The logs of every Voila server started so far: a test's own server has stopped by
the time its report is made, and is shown too."""
_STARTED_BEFORE = pytest.StashKey[int]()


def in_ci() -> bool:
    """Whether this is CI (``CI=true``), where every external program must be present."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> NoReturn:
    """Skip locally, but fail under CI=true where every dependency must be present."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true, so this is an error rather than a skip)")
    pytest.skip(reason)


# ------------------------------------------------------------------------ PostgreSQL


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """SQLAlchemy URL (``postgresql+psycopg://``) of a database on a real server.

    Uses ``WORKBOOK_TEST_PG_URL`` as given when set; otherwise starts a throwaway cluster
    from Debian's PostgreSQL binaries for the session, with an empty ``workbook_test``
    database, and removes it afterwards. Tests that need isolation use ``db_url`` or
    ``pg_databases``.
    """
    external = os.environ.get("WORKBOOK_TEST_PG_URL")
    if external:
        yield external
        return
    try:
        cluster = TempCluster()
    except Unavailable as exc:
        unavailable(f"{exc} or set WORKBOOK_TEST_PG_URL")
    try:
        server_url = cluster.start()
        yield create_database(server_url, "workbook_test")
    finally:
        cluster.stop()


@pytest.fixture
def pg_databases(pg_url: str) -> Iterator[Callable[..., str]]:
    """Factory: ``pg_databases(prefix)`` is the URL of a new empty database on the server.

    Each is uniquely named (``prefix`` and a random suffix) and dropped after the test.
    ``pg_databases(prefix, template=name)`` starts it as a copy of database ``name``
    instead, so a store filled once serves many tests.
    """
    made: list[str] = []

    def make(prefix: str = "wbtest", template: str | None = None) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        url = create_database(pg_url, name, template)
        made.append(name)
        return url

    try:
        yield make
    finally:
        for name in made:
            drop_database(pg_url, name)


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLAlchemy URL of a fresh, empty store database: a SQLite file, then PostgreSQL.

    Each postgres test gets its own uniquely named database on the session server,
    dropped afterwards.
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/t.db"
    make: Callable[..., str] = request.getfixturevalue("pg_databases")
    return make("wbtest")


# ------------------------------------------------------------- the workbook command


def venv_script(name: str) -> Path:
    """A console script from the same environment as the running interpreter."""
    return Path(sys.executable).parent / name


def run_workbook(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``workbook`` command of this environment; fail the test on a non-zero exit."""
    workbook = venv_script("workbook")
    if not workbook.exists():
        pytest.fail(f"{workbook} not found; install the project with `make venv`")
    done = subprocess.run(
        [str(workbook), *args],
        cwd=ROOT,
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"`workbook {' '.join(args)}` exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done


def issue_token(
    db_url: str,
    name: str,
    role: str = "member",
    cycle_id: str | None = None,
    agencies: tuple[str, ...] | list[str] = (),
    *,
    partnership_id: str | None = None,
) -> str:
    """Issue a personal link in the store at ``db_url`` and return its token (issue #7).

    Voila pages refuse visitors without a link, so every browser test opens its pages
    with ``?token=...``. The test process is outside Voila, so it acts as the store's
    local administrator and may issue links. ``role`` is a :class:`workbook.access.Role`
    value; a member's link needs ``agencies``, other roles a cycle or a partnership.
    """
    from workbook.access import Role
    from workbook.store import Store

    with Store.open(db_url) as store:
        _link, token = store.issue_link(
            name, Role(role), partnership_id=partnership_id, agencies=agencies, cycle_id=cycle_id
        )
    return token


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite file ``workbook demo`` makes, made once per session: copy it, never open it.

    Building the demo partnership's returns takes seconds; a file copy (``demo_copy``)
    gives each test or module a store of its own for a few milliseconds.
    """
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    run_workbook("demo", "--db", f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_demo(pg_url: str) -> Iterator[tuple[str, str]]:
    """A PostgreSQL database ``workbook demo`` filled, made once per session, and what the
    command printed: (name, output). Copy it (``pg_databases(prefix, template=name)``),
    never connect to it: the server will not copy a database someone is connected to."""
    name = f"wbdemo_{uuid.uuid4().hex[:12]}"
    url = create_database(pg_url, name)
    try:
        yield name, run_workbook("demo", "--db", url).stdout
    finally:
        drop_database(pg_url, name)


def copy_store(source: Path, folder: Path) -> str:
    """Copy the SQLite store ``source`` into ``folder``; return the copy's URL."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


@pytest.fixture
def demo_copy(demo_file: Path, tmp_path: Path) -> str:
    """URL of this test's own copy of the demo store (``workbook demo``, seed as shipped)."""
    return copy_store(demo_file, tmp_path / "demo-copy")


@pytest.fixture
def demo_store(demo_copy: str) -> Iterator[Any]:
    """This test's own copy of the demo store, open as the local user (closed afterwards)."""
    from workbook.store import Store

    with Store.open(demo_copy) as opened:
        yield opened


# ----------------------------------------------------------------------------- Voila


def _require_workbook_template() -> None:
    """Fail at once if Voila cannot find the ``workbook`` template that voila.json selects.

    Without it Voila still starts, answers 200 and then never finishes rendering a notebook
    (TemplateNotFound in its log), so every browser test would time out instead.
    """
    from voila.paths import collect_template_paths

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", config.voila_environment(os.environ))
        found = collect_template_paths(["voila", "nbconvert"], "workbook", prune=True)[0]
    if Path(found).name != "workbook":
        pytest.fail(f"Voila finds no 'workbook' template (first template folder: {found})")


def is_page_kernel(cmdline: bytes) -> bool:
    """Whether a process's command line (``/proc/PID/cmdline``) is a Voila page's kernel.

    The pages run the ``workbook-page`` kernelspec (:mod:`widgets.kernel`); a notebook
    naming ``python3`` would still run ipykernel's own launcher.
    """
    return b"widgets.kernel" in cmdline or b"ipykernel_launcher" in cmdline


def kernel_pid(page: Any) -> int:
    """The process of the kernel behind a Voila ``page`` (found by its connection file)."""
    config = page.locator("#jupyter-config-data").text_content() or ""
    found = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', config)
    assert found, "the page names no kernel"
    marker = f"kernel-{found.group(1)}.json".encode()
    for pid, (_parent, cmdline) in processes().items():
        if is_page_kernel(cmdline) and marker in cmdline:
            return pid
    raise AssertionError(f"no kernel process for kernel {found.group(1)}")


def kernel_connection(pid: int) -> dict[str, Any]:
    """The connection file of the page kernel ``pid`` (its ``-f`` argument), as read.

    A forked kernel (:mod:`widgets.forkserver`) shows its command as one string with
    spaces (setproctitle), not NUL-separated arguments; either form is read.
    """
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").decode()
    argv = cmdline.split("\0") if "\0" in cmdline else shlex.split(cmdline)
    connection = json.loads(Path(argv[argv.index("-f") + 1]).read_text(encoding="utf-8"))
    assert isinstance(connection, dict)
    return connection


@contextlib.contextmanager
def run_voila(
    db_url: str,
    log_path: Path,
    extra_args: tuple[str, ...] = (),
    notebooks: str | Path = "notebooks/",
    *,
    preheat: bool = True,
) -> Iterator[str]:
    """Run Voila over notebooks/ as ``make serve`` does, on a free port, with ``WORKBOOK_DB``.

    Yields the base URL once ``/`` answers 200; the server and its kernels are stopped on
    exit. The log is printed when startup fails. ``notebooks`` serves another directory
    with the same settings (voila.json is read from the repository root).

    ``preheat=False`` starts a kernel for each page when it is asked for, as a user's
    server under JupyterHub does, instead of keeping voila.json's pools filled: a
    journey that opens a few pages then starts no kernels it never uses (a third of
    its machine time, issue #19). The preheated pools stay tested by the session's
    server (``voila_server``), the form journeys', the access journeys' (whose links
    are read only once a preheated kernel is given its request) and the survival tests.
    """
    _require_workbook_template()
    env = {**config.voila_environment(os.environ), "WORKBOOK_DB": db_url}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                str(venv_script("voila")),
                str(notebooks),
                "--no-browser",
                f"--port={port}",
                "--Voila.ip=127.0.0.1",
                *(() if preheat else ("--VoilaConfiguration.preheat_kernel=False",)),
                *LOG_TIMES,
                *extra_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: kernels die with the server
        )
    try:
        deadline = time.monotonic() + VOILA_START_TIMEOUT
        while http_status(f"{base}/") != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                state = (
                    f"exited {proc.returncode}"
                    if proc.poll() is not None
                    else f"no HTTP 200 on / within {VOILA_START_TIMEOUT:.0f}s"
                )
                pytest.fail(f"Voila {state}; log:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.5)
        RUNNING[log_path] = proc.pid
        STARTED.append(log_path)
        try:
            yield base
        except BaseException:  # the test failed while its own server ran: where did it wait?
            dump_stacks(proc.pid)
            raise
    finally:
        RUNNING.pop(log_path, None)
        stop_process_group(proc)


STACKS_SECONDS = 0.3


def dump_stacks(server: int) -> None:
    """Have a Voila server, its kernel template and store service, and its pages' kernels
    print every thread's stack into the server's log (``kill -USR1``,
    :data:`widgets.kernel.STACKS_SIGNAL`)."""
    found = processes()
    ours, grew = {server}, True
    while grew:  # the server's descendants: its template, and the kernels of both
        grew = False
        for pid, (parent, _cmdline) in found.items():
            if parent in ours and pid not in ours:
                ours.add(pid)
                grew = True
    for pid in sorted(ours):
        cmdline = found[pid][1] if pid in found else b""
        # only what registers the signal: to anything else it would be fatal
        if pid == server or any(
            name in cmdline
            for name in (b"widgets.kernel", b"widgets.forkserver", b"workbook.store.service")
        ):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGUSR1)
                time.sleep(STACKS_SECONDS)  # one at a time: their stacks share the log


def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_STARTED_BEFORE] = len(STARTED)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failing test's report ends with the last lines of each Voila server's log."""
    report = yield
    if report.failed:
        for pid in RUNNING.values():
            dump_stacks(pid)
        mine = STARTED[item.stash.get(_STARTED_BEFORE, len(STARTED)) :]
        for path in [*RUNNING, *(path for path in mine if path not in RUNNING)]:
            lines = [
                line
                for line in path.read_text(errors="replace").splitlines()
                if "running over TCP without encryption" not in line  # one per kernel
            ][-LOG_LINES:]
            report.sections.append((f"Voila log {path} (last lines)", "\n".join(lines)))
    return report


@pytest.fixture(scope="session")
def voila_store(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of the SQLite demo store (``workbook demo``) that ``voila_server`` serves."""
    return copy_store(demo_file, tmp_path_factory.mktemp("voila"))


@pytest.fixture(scope="session")
def voila_server(voila_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of Voila serving notebooks/ over a fresh SQLite demo store (``voila_store``).

    Shared by the session, since starting Voila and its preheated kernels takes tens of
    seconds on a loaded machine. Only the dashboard journey changes its data (a moderation
    and a dismissal in the CSE 2017/18 cycle, neither shown on the landing page); a test
    that changes data another test reads, or that needs the demo's data as made, uses
    ``run_voila`` with a store of its own. Pages need a personal link:
    ``issue_token(voila_store, ...)``.
    """
    with run_voila(voila_store, tmp_path_factory.mktemp("voila-log") / "voila.log") as base:
        yield base


CODE_AND_DATA = ("workbook", "templates", "data", "pyproject.toml", "notebooks")
"""What an old commit's ``workbook demo`` needs; with pyproject.toml and notebooks/ beside
the package, the code from #18 on knows it is a checkout and reads data/ from there."""


def demo_store_at(commit: str, folder: Path) -> Path:
    """The SQLite file ``workbook demo`` makes as ``commit``'s code ran it: a store made by an
    earlier main, for the migration tests. Skips where the clone lacks the commit (shallow).
    """
    known = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if known.returncode != 0:
        pytest.skip(f"commit {commit} is not in this clone's history (shallow?)")
    old = folder / f"code-{commit}"
    old.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, *CODE_AND_DATA],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    path = folder / f"demo-{commit}.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBOOK_")}
    made = subprocess.run(
        [sys.executable, "-m", "workbook.cli", "demo", "--db", f"sqlite:///{path}"],
        cwd=old,
        env={**env, "PYTHONPATH": str(old)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    return path
