"""Root test fixtures: real PostgreSQL, headless Chromium and a running Voila server.

Core fixtures (factories, stores) live in ``tests/core/conftest.py``. Everything here
talks to a real external program, so each fixture either starts it itself or skips with
the Debian package to install; under ``CI=true`` a missing program fails instead, so CI
always exercises PostgreSQL and the browser.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
# Without the background-networking flags Chromium keeps dialling Google's hosts, which
# this machine's closed network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VOILA_START_TIMEOUT = 90.0


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> None:
    """Skip locally, but fail under CI=true where every dependency must be present."""
    if _in_ci():
        pytest.fail(f"{reason} (CI=true, so this is an error rather than a skip)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------ PostgreSQL


def _pg_bindir() -> Path | None:
    """Newest PostgreSQL server bin dir from Debian's packages, if any."""
    dirs = [
        p
        for p in Path("/").glob(PG_BIN_GLOB.lstrip("/"))
        if (p / "initdb").exists() and (p / "pg_ctl").exists()
    ]

    def major(p: Path) -> float:
        try:
            return float(p.parent.name)
        except ValueError:
            return 0.0

    return max(dirs, key=major, default=None)


def _psycopg_conninfo(sqlalchemy_url: str) -> str:
    """Turn ``postgresql+psycopg://...`` into a libpq URI psycopg accepts."""
    from sqlalchemy.engine import make_url

    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class _TempCluster:
    """A throwaway PostgreSQL cluster on 127.0.0.1 with trust auth.

    PostgreSQL refuses to run as root, so as root the cluster directory is owned by the
    ``postgres`` system user (created by Debian's ``postgresql`` package) and the server
    programs run through ``runuser``. The directory lives directly under /tmp so that
    user can traverse its parents.
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="workbook-pg-", dir="/tmp"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = _free_port()
        self.prefix: list[str] = []
        if self.as_root:
            try:
                pg_user = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.base, ignore_errors=True)
                _unavailable(
                    "running as root but there is no 'postgres' system user to run the "
                    "server as; install the Debian package 'postgresql'"
                )
            os.chown(self.base, pg_user.pw_uid, pg_user.pw_gid)
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            self.prefix = [runuser, "-u", "postgres", "--"]
        self.base.chmod(0o700)

    def _run(self, *args: str) -> None:
        cmd = [*self.prefix, *args]
        proc = subprocess.run(
            cmd, cwd=self.base, capture_output=True, text=True, timeout=120, check=False
        )
        if proc.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}\n{log}"
            )

    def start(self) -> str:
        self._run(
            str(self.bindir / "initdb"),
            f"--pgdata={self.data}",
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        # Durability is irrelevant for a throwaway test cluster; turning it off keeps
        # CREATE/DROP DATABASE per test cheap.
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            f"--pgdata={self.data}",
            f"--log={self.log}",
            f"--options={options}",
            "--wait",
            "--timeout=60",
            "start",
        )
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run(str(self.bindir / "pg_ctl"), f"--pgdata={self.data}", "--mode=fast", "stop")
        shutil.rmtree(self.base, ignore_errors=True)


def _create_database(server_url: str, name: str) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    with psycopg.connect(_psycopg_conninfo(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _drop_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_psycopg_conninfo(server_url), autocommit=True) as conn:
        # WITH (FORCE) (PostgreSQL 13+) so a connection a test forgot to close cannot
        # keep the database alive.
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """SQLAlchemy URL (``postgresql+psycopg://``) of a database on a real server.

    Uses ``WORKBOOK_TEST_PG_URL`` as given when set; otherwise starts a throwaway cluster
    from Debian's PostgreSQL binaries for the session, with an empty ``workbook_test``
    database, and removes it afterwards. Tests that need isolation use ``db_url``.
    """
    external = os.environ.get("WORKBOOK_TEST_PG_URL")
    if external:
        yield external
        return

    bindir = _pg_bindir()
    if bindir is None:
        _unavailable(
            f"no PostgreSQL server binaries under {PG_BIN_GLOB}; install the Debian "
            "package 'postgresql' or set WORKBOOK_TEST_PG_URL"
        )
    cluster = _TempCluster(bindir)
    try:
        server_url = cluster.start()
        yield _create_database(server_url, "workbook_test")
    finally:
        cluster.stop()


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLAlchemy URL of a fresh, empty store database: a SQLite file, then PostgreSQL.

    Each postgres test gets its own uniquely named database on the session server,
    dropped afterwards.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/t.db"
        return
    server_url = request.getfixturevalue("pg_url")
    name = f"wbtest_{uuid.uuid4().hex[:16]}"
    url = _create_database(server_url, name)
    try:
        yield url
    finally:
        _drop_database(server_url, name)


# -------------------------------------------------------------------------- Chromium


@pytest.fixture(scope="session")
def chromium_browser():
    """Headless Debian Chromium driven by Playwright (never Playwright's own download)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found; install the Debian package 'chromium'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium_browser):
    """A fresh browser context and page per test."""
    context = chromium_browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def axe():
    """Run axe-core (bundled by axe-playwright-python) on a page; returns serious/critical issues.

    Each violation is a readable line: rule id, impact, help text and the first targets,
    so a failing assert says what to fix.
    """
    from axe_playwright_python.sync_playwright import Axe

    engine = Axe()

    def run(page, impacts=("serious", "critical")) -> list[str]:
        results = engine.run(page)
        found = []
        for violation in results.response["violations"]:
            if violation["impact"] in impacts:
                targets = [", ".join(n["target"]) for n in violation["nodes"][:3]]
                found.append(
                    f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets}"
                )
        return found

    return run


# ----------------------------------------------------------------------------- Voila


def _http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def _venv_script(name: str) -> Path:
    """A console script from the same environment as the running interpreter."""
    return Path(sys.executable).parent / name


def _stop_process_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def _require_workbook_template() -> None:
    """Fail at once if Voila cannot find the ``workbook`` template that voila.json selects.

    Without it Voila still starts, answers 200 and then never finishes rendering a notebook
    (TemplateNotFound in its log), so every browser test would time out instead.
    """
    from voila.paths import collect_template_paths

    found = collect_template_paths(["voila", "nbconvert"], "workbook", prune=True)[0]
    if Path(found).name != "workbook":
        pytest.fail(
            "Voila finds no 'workbook' template (share/jupyter/voila/templates/workbook/ "
            "copied into the environment); run `make venv`"
        )


@contextlib.contextmanager
def run_voila(
    db_url: str,
    log_path: Path,
    extra_args: tuple[str, ...] = (),
    notebooks: str | Path = "notebooks/",
) -> Iterator[str]:
    """Run Voila over notebooks/ as ``make serve`` does, on a free port, with ``WORKBOOK_DB``.

    Yields the base URL once ``/`` answers 200; the server and its kernels are stopped on
    exit. The log is printed when startup fails. ``notebooks`` serves another directory
    with the same settings (voila.json is read from the repository root).
    """
    _require_workbook_template()
    env = {**os.environ, "WORKBOOK_DB": db_url}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                str(_venv_script("voila")),
                str(notebooks),
                "--no-browser",
                f"--port={port}",
                "--Voila.ip=127.0.0.1",
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
        while _http_status(f"{base}/") != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                state = (
                    f"exited {proc.returncode}"
                    if proc.poll() is not None
                    else f"no HTTP 200 on / within {VOILA_START_TIMEOUT:.0f}s"
                )
                pytest.fail(f"Voila {state}; log:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.5)
        yield base
    finally:
        _stop_process_group(proc)


def run_workbook(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``workbook`` command of this environment; fail the test on a non-zero exit."""
    workbook = _venv_script("workbook")
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
def voila_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of the SQLite demo store (``workbook demo``) that ``voila_server`` serves."""
    db = f"sqlite:///{tmp_path_factory.mktemp('voila')}/demo.db"
    run_workbook("demo", "--db", db)
    return db


@pytest.fixture(scope="session")
def voila_server(voila_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of Voila serving notebooks/ over a fresh SQLite demo store (``voila_store``).

    Shared by the session: tests that change data should use ``run_voila`` with a store of
    their own instead. Pages need a personal link: ``issue_token(voila_store, ...)``.
    """
    with run_voila(voila_store, tmp_path_factory.mktemp("voila-log") / "voila.log") as base:
        yield base
