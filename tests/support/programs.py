"""External programs the tests, ``bench/`` and ``deploy/hub.py`` start, without pytest.

Kept free of pytest so that ``python -m bench`` and ``make hub`` use the very same
PostgreSQL start-up and Chromium flags as the tests (issue #13): a flag added for the
closed network here reaches all three.
"""

from __future__ import annotations

import contextlib
import json
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
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
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
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


class Unavailable(RuntimeError):
    """A program the caller needs is not installed; the message names the Debian package."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_status(url: str) -> int | None:
    """The HTTP status ``url`` answers with, or None while nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError):
        return None


def stop_process_group(
    proc: subprocess.Popen[bytes], *, grace: float = 15.0, ask_group: bool = True
) -> None:
    """Stop a server started with ``start_new_session=True`` and everything it started.

    SIGTERM first so Voila and JupyterHub can stop their kernels; SIGKILL to the whole
    group after ``grace`` seconds.

    Parameters
    ----------
    proc
        The server, leader of its own process group.
    grace
        Seconds it has to stop after SIGTERM.
    ask_group
        Send SIGTERM to the whole group; False sends it to ``proc`` only, for a launcher
        that stops its children in order itself (``deploy/hub.py``).
    """
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            if ask_group:
                os.killpg(proc.pid, signal.SIGTERM)
            else:
                proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


# ------------------------------------------------------------------------ PostgreSQL


def pg_bindir() -> Path | None:
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


def psycopg_conninfo(sqlalchemy_url: str) -> str:
    """Turn ``postgresql+psycopg://...`` into a libpq URI psycopg accepts."""
    from sqlalchemy.engine import make_url

    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    """Create database ``name`` on the server of ``server_url``; return its SQLAlchemy URL.

    With ``template`` (a database nobody is connected to) the new one starts as its copy:
    the server copies the files in a fraction of a second, where filling a store with the
    demo's returns again takes seconds.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    copied = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(psycopg_conninfo(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copied}')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` even while a connection a test forgot to close holds it."""
    import psycopg

    with psycopg.connect(psycopg_conninfo(server_url), autocommit=True) as conn:
        # WITH (FORCE) (PostgreSQL 13+) so a forgotten connection cannot keep it alive.
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class TempCluster:
    """A throwaway PostgreSQL cluster on 127.0.0.1 with trust auth.

    PostgreSQL refuses to run as root, so as root the cluster directory is owned by the
    ``postgres`` system user (created by Debian's ``postgresql`` package) and the server
    programs run through ``runuser``. Without ``parent`` the directory lives directly
    under /tmp so that user can traverse its parents; with one (``make hub``'s run
    folder) that folder is opened to it.

    Parameters
    ----------
    parent
        Folder to make the cluster's ``pg`` folder in; a new one under /tmp when None.

    Raises
    ------
    Unavailable
        When Debian's PostgreSQL server programs or its ``postgres`` user are missing.
    """

    def __init__(self, parent: Path | None = None) -> None:
        bindir = pg_bindir()
        if bindir is None:
            raise Unavailable(
                f"no PostgreSQL server binaries under {PG_BIN_GLOB}; install the Debian "
                "package 'postgresql'"
            )
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        self.prefix: list[str] = []
        pg_user = None
        if self.as_root:
            try:
                pg_user = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable(
                    "running as root but there is no 'postgres' system user to run the "
                    "server as; install the Debian package 'postgresql'"
                ) from None
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            self.prefix = [runuser, "-u", "postgres", "--"]
        if parent is None:
            self.base = Path(tempfile.mkdtemp(prefix="workbook-pg-", dir="/tmp"))
        else:
            self.base = parent / "pg"
            self.base.mkdir()
            if pg_user is not None:
                parent.chmod(0o755)  # so postgres can reach its folder
        if pg_user is not None:
            os.chown(self.base, pg_user.pw_uid, pg_user.pw_gid)
        self.base.chmod(0o700)
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = free_port()
        self.owns_base = parent is None

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
        """Create and start the cluster; return the URL of its ``postgres`` database."""
        self._run(
            str(self.bindir / "initdb"),
            f"--pgdata={self.data}",
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        # Durability is irrelevant for a throwaway cluster; turning it off keeps
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
        """Stop the server; remove its folder when this cluster made it."""
        with contextlib.suppress(Exception):
            self._run(str(self.bindir / "pg_ctl"), f"--pgdata={self.data}", "--mode=fast", "stop")
        if self.owns_base:
            shutil.rmtree(self.base, ignore_errors=True)


def workbook_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m workbook.cli ARGS`` in a fresh interpreter, as a person would.

    Its real exit code and stderr are what the CLI tests assert on, so nothing is checked
    here; ``WORKBOOK_*`` variables are dropped so that the machine's store is never used.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBOOK_")}
    return subprocess.run(
        [sys.executable, "-m", "workbook.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


HUB_READY_SECONDS = 180.0


@contextlib.contextmanager
def hub_stack(
    db: str, folder: Path, users: Path | None = None
) -> Iterator[tuple[str, dict[str, str], Path]]:
    """``deploy/hub.py`` (what ``make hub`` runs) over the store ``db``, on a free port.

    Yields its address, each hub user's password (``RUN_DIR/logins.json``) and its log;
    ``users`` is the users file (deploy/demo-users.yaml when None). The launcher stops the
    hub, the users' servers and the proxy itself, in order. Raises RuntimeError, with the
    log, when the hub does not start. Shared by tests/deploy/test_hub.py and bench/hub.py.
    """
    root = Path(__file__).resolve().parents[2]
    port, run_dir, log_path = free_port(), folder / "hub-run", folder / "hub.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "VOILA_"))}
    chosen = [f"--users={users}"] if users is not None else []
    command = [sys.executable, str(root / "deploy" / "hub.py"), f"--port={port}", f"--db={db}"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*command, *chosen, f"--run-dir={run_dir}"],
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + HUB_READY_SECONDS
        while "JupyterHub is ready" not in log_path.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"deploy/hub.py did not start:\n{log_path.read_text(errors='replace')}"
                )
            time.sleep(0.5)
        logins = json.loads((run_dir / "logins.json").read_text())
        yield f"http://127.0.0.1:{port}", logins, log_path
    finally:
        stop_process_group(proc, grace=60, ask_group=False)


def processes() -> dict[int, tuple[int, bytes]]:
    """Every readable process: its parent's id and its command line (one pass over /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text(encoding="utf-8")
                parent = int(stat.rsplit(")", 1)[1].split()[1])
                found[int(entry.name)] = (parent, (entry / "cmdline").read_bytes())
    return found


def alive(pid: int) -> bool:
    """Whether process ``pid`` is running (a zombie, ended but not yet reaped, is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def gone_soon(pid: int, seconds: float = 10) -> bool:
    """Whether process ``pid`` ends within ``seconds``."""
    deadline = time.monotonic() + seconds
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
