"""Start the whole hub stack on this machine, on 127.0.0.1, for trying it (`make hub`).

    .venv/bin/python deploy/hub.py [--port 8000] [--db URL] [--users FILE] [--run-dir DIR]

1. The store: ``--db`` (or ``$WORKBOOK_DB``) as it is; without one, a throwaway
   PostgreSQL cluster from Debian's ``postgresql`` package in the run folder (as root,
   run as the ``postgres`` user), filled with the demo partnership.
2. The hub users of ``--users`` (deploy/demo-users.yaml: two agency members and the
   chair) are mapped in the store as ``workbook users add`` would, unless already there,
   and each gets a fresh password for the local authenticator (printed, and written to
   ``RUN_DIR/logins.json``, readable by its owner only).
3. JupyterHub (deploy/jupyterhub_config.py, local sign-in) with its proxy from npm
   (deploy/node_modules, ``npm ci``), until Ctrl-C; then the servers and the throwaway
   cluster are stopped and the run folder removed (unless ``--run-dir`` named it).

Not for production: deploy/README.md says how to run it for real.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType
from typing import Any

from ruamel.yaml import YAML

DEPLOY = Path(__file__).resolve().parent
ROOT = DEPLOY.parent
sys.path.insert(0, str(DEPLOY))
# The repository root, for tests.support.programs: the throwaway PostgreSQL cluster the
# tests start, shared so `make hub` and the tests start it the same way (issue #13).
sys.path.insert(0, str(ROOT))

import workbook_hub  # noqa: E402

from tests.support.programs import (  # noqa: E402
    TempCluster,
    Unavailable,
    create_database,
    free_port,
)
from workbook import demo  # noqa: E402
from workbook.access import Role  # noqa: E402
from workbook.errors import WorkbookError  # noqa: E402
from workbook.store import Store  # noqa: E402

PROXY = DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy"
READY_SECONDS = 120


def say(message: str) -> None:
    print(f"hub: {message}", flush=True)


def read_users(path: Path) -> list[dict[str, Any]]:
    entries = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SystemExit(f"hub: {path}: expected a list of users (see deploy/demo-users.yaml)")
    return entries


def map_users(db: str, entries: list[dict[str, Any]], with_demo: bool) -> None:
    """Demo data if asked, then each hub user as `workbook users add` would, if not there."""
    with Store.open(db) as store:
        if with_demo and not demo.has_data(store):
            demo.create(store)
            say("demo partnership written to the store")
        for entry in entries:
            if entry.get("workbook") is False:
                say(f"{entry['username']}: a sign-in only, not added to the workbook")
                continue  # to see the refusal: the hub turns them away at sign-in
            found = store.hub_users.find(entry["username"])
            if found is not None and found.active:
                continue
            user, _ = store.hub_users.add(
                entry["username"],
                Role(entry.get("role", "member")),
                name=entry.get("name"),
                partnership_id=entry.get("partnership"),
                agencies=entry.get("agencies", ()),
                cycle_id=entry.get("cycle"),
            )
            say(f"added hub user {user.username}: {user.identity().describe()}")


def wait_ready(url: str, hub: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if hub.poll() is not None:
            raise SystemExit(f"hub: JupyterHub exited {hub.returncode}; see its log above")
        try:
            with urllib.request.urlopen(f"{url}/hub/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"hub: JupyterHub did not answer on {url} within {READY_SECONDS} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("HUB_PORT", "8000")))
    parser.add_argument("--db", default=os.environ.get("WORKBOOK_DB"), help="store URL")
    parser.add_argument("--users", type=Path, default=DEPLOY / "demo-users.yaml")
    parser.add_argument("--run-dir", type=Path, default=None, help="kept afterwards")
    args = parser.parse_args(argv)

    if not PROXY.exists():
        raise SystemExit(f"hub: {PROXY} is missing; run `make hub` (it runs `npm ci` in deploy/)")
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="workbook-hub-", dir="/tmp"))
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o700)
    postgres: TempCluster | None = None
    hub: subprocess.Popen[bytes] | None = None

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        db = args.db
        if not db:
            try:
                postgres = TempCluster(run_dir)
                db = create_database(postgres.start(), "workbook")
            except Unavailable as exc:
                raise SystemExit(f"hub: {exc} (or give --db URL of a running server)") from None
            except RuntimeError as exc:
                raise SystemExit(f"hub: PostgreSQL did not start:\n{exc}") from None
            say(f"PostgreSQL started for the store: {db}")
        entries = read_users(args.users)
        map_users(db, entries, with_demo=postgres is not None)
        logins = {str(e["username"]).strip().lower(): secrets.token_urlsafe(9) for e in entries}
        workbook_hub.write_password_file(run_dir / "passwords.json", logins)
        (run_dir / "logins.json").touch(mode=0o600)
        (run_dir / "logins.json").write_text(json.dumps(logins, indent=2) + "\n")

        url = f"http://127.0.0.1:{args.port}"
        env = {
            **os.environ,
            "WORKBOOK_DB": db,
            "WORKBOOK_HUB_DIR": str(run_dir / "hub"),
            "WORKBOOK_HUB_URL": url,
            "WORKBOOK_HUB_API_PORT": str(free_port()),
            "WORKBOOK_HUB_PROXY_API_PORT": str(free_port()),
            "WORKBOOK_HUB_AUTH": "local",
            "WORKBOOK_HUB_PASSWORDS": str(run_dir / "passwords.json"),
        }
        jupyterhub = Path(sys.executable).parent / "jupyterhub"
        hub = subprocess.Popen(
            [str(jupyterhub), "-f", str(DEPLOY / "jupyterhub_config.py")],
            cwd=run_dir,
            env=env,
            start_new_session=True,  # Ctrl-C reaches us; we stop the hub in order
        )
        wait_ready(url, hub)
        say(f"JupyterHub is ready on {url}/ (Ctrl-C stops everything). Sign in as:")
        for name, password in logins.items():
            say(f"  {name:<12} password {password}")
        say(f"(also in {run_dir / 'logins.json'})")
        hub.wait()
        return hub.returncode or 0
    except KeyboardInterrupt:
        say("stopping")
        return 0
    except WorkbookError as exc:
        say(f"error: {exc}")
        return 1
    finally:
        if hub is not None and hub.poll() is None:
            hub.send_signal(signal.SIGTERM)  # the hub stops the users' servers and its proxy
            try:
                hub.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(hub.pid, signal.SIGKILL)
        if postgres is not None:
            postgres.stop()
        if args.run_dir is None:
            shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
