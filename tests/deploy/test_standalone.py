"""The workbook runs where it is installed, not only from its checkout (issue #18).

A wheel is built from the checkout and installed into a fresh virtual environment outside
it. From an empty folder, with no ``WORKBOOK_*`` setting but demo mode (as on Binder),
``workbook serve --demo`` finds its pages, frameworks, demo and page template inside the
package, keeps its store in the user's data folder, answers on ``/`` and prints the demo's
links; the landing page offers a visitor with no link the demo's chair, member and analyst
links, every page says it is a demo, and a member's form renders in Chromium. ``workbook serve`` from the checkout (what ``make serve`` runs) still works.

The fresh environment has no pip and installs no dependency: a ``.pth`` file lends it the
checkout's installed packages (not their ``.pth`` files, so not the editable install of the
workbook itself), and ``JUPYTER_PATH`` their data files, as a real install would have them
in its own prefix.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from playwright.sync_api import expect

from tests.support.programs import free_port, http_status, stop_process_group
from workbook import config
from workbook.store import tables

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TIMEOUT = 90_000
NOT_SOURCE = (".git", ".venv", "node_modules", "build", "dist", "*.egg-info", "*.db", "*.db-*")
"""Not copied to build from: what a clean clone does not hold either."""
START = 150.0  # seconds for the server to answer: Voila starting on a busy 2-core machine


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment outside the checkout with the wheel built from it installed."""
    tmp = tmp_path_factory.mktemp("standalone")
    source, dist = tmp / "source", tmp / "dist"
    # built from a copy: a build writes build/ and *.egg-info into the tree it builds
    shutil.copytree(config.ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    (source / "data" / "stray.db").write_text("a store left in the checkout")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist)]
    subprocess.run([*pip_wheel, str(source)], check=True, capture_output=True, timeout=600)
    wheel = next(dist.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "workbook/bundled/notebooks/form.ipynb" in names
    assert "workbook/bundled/templates/frameworks/cse-mase.yaml" in names
    assert not [n for n in names if n.endswith(".db")], "a store file went into the wheel"
    venv = tmp / "venv"
    subprocess.run(
        [sys._base_executable, "-m", "venv", "--without-pip", str(venv)],  # type: ignore[attr-defined]
        check=True,
        timeout=120,
    )
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(purelib) / "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return venv


def _serve(
    command: list[str], log: Path, env: dict[str, str], cwd: Path
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _answering(proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + START
    while http_status(f"{base}/") != 200:
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"workbook serve did not answer on {base}/; log:\n{log.read_text()}")
        time.sleep(0.5)


def _clean_env(**more: str) -> dict[str, str]:
    kept = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WORKBOOK_", "JUPYTER", "PYTHONPATH"))
    }
    return {**kept, **more}


@pytest.fixture
def served(installed: Path, tmp_path: Path, demo_file: Path) -> Iterator[tuple[str, Path, Path]]:
    """``workbook serve --demo`` of the installed wheel, run from an empty folder."""
    home, empty = tmp_path / "home", tmp_path / "empty"
    empty.mkdir()
    store = home / ".local" / "share" / "workbook"
    store.mkdir(parents=True)
    shutil.copy(demo_file, store / "workbook.db")  # the demo as `--demo` makes it, made once
    env = _clean_env(
        HOME=str(home),
        PATH=f"{installed / 'bin'}{os.pathsep}/usr/bin:/bin",
        JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),  # the dependencies' data
        WORKBOOK_DEMO="1",  # as Binder's start script sets it
    )
    port = free_port()
    log = tmp_path / "serve.log"
    proc = _serve(
        [str(installed / "bin" / "workbook"), "serve", "--demo", f"--port={port}"], log, env, empty
    )
    try:
        _answering(proc, f"http://127.0.0.1:{port}", log)
        yield f"http://127.0.0.1:{port}", log, empty
    finally:
        stop_process_group(proc)


def test_an_installed_wheel_serves_the_demo_from_an_empty_folder(
    served: tuple[str, Path, Path], installed: Path, page, axe
) -> None:
    base, log, empty = served
    printed = log.read_text()
    assert "Demo chair (chair for partnership demo" in printed
    member = re.search(rf"{re.escape(base)}/voila/render/form\.ipynb\?\S+", printed)
    assert member is not None, printed
    # demo mode: a visitor with no link is offered one per role, and every page says so
    landing = page.goto(f"{base}/voila/render/index.ipynb", timeout=TIMEOUT)
    assert landing is not None
    assert landing.status == 200
    offered = page.locator(".wb-demo-links")
    expect(offered.get_by_role("heading", name="Try the workbook")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".wb-demo-mode")).to_contain_text("Demo mode.")
    for who in ("Demo chair", "Demo member", "Demo analyst"):
        expect(offered.get_by_text(who)).to_be_visible()
    assert axe(page) == []
    href = offered.get_by_role("link", name=re.compile(r"^return for ")).get_attribute("href")
    assert href is not None
    assert href.startswith("form.ipynb?")  # beside the landing page, under any prefix
    page.goto(urljoin(page.url, href), timeout=TIMEOUT)  # the page opens links in a new tab
    page.locator(".wb-form").wait_for(timeout=TIMEOUT)
    expect(page.get_by_role("heading", level=2).first).to_contain_text(
        "Front door self-assessment", timeout=TIMEOUT
    )
    expect(page.locator(".wb-demo-mode")).to_contain_text("Demo mode.")
    page.goto(member.group(0), timeout=TIMEOUT)  # the link `serve` printed opens it too
    page.locator(".wb-form").wait_for(timeout=TIMEOUT)
    assert list(empty.iterdir()) == []  # nothing written where it was started
    found = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import workbook; print(workbook.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=empty,  # `python -c` puts the working folder first on its path
    ).stdout
    assert found.startswith(str(installed)), found  # the wheel, not the checkout


def test_serve_from_the_checkout_still_works(tmp_path: Path, demo_file: Path) -> None:
    """What ``make serve`` runs, with its store moved aside by ``WORKBOOK_HOME``."""
    shutil.copy(demo_file, tmp_path / "workbook.db")
    env = _clean_env(WORKBOOK_HOME=str(tmp_path))
    port = free_port()
    log = tmp_path / "serve.log"
    workbook = Path(sys.executable).parent / "workbook"
    proc = _serve([str(workbook), "serve", "--demo", f"--port={port}"], log, env, config.ROOT)
    try:
        _answering(proc, f"http://127.0.0.1:{port}", log)
        assert f"Serving sqlite:///{tmp_path / 'workbook.db'}" in log.read_text()
    finally:
        stop_process_group(proc)


def test_the_installed_wheel_migrates_a_store_with_its_own_alembic_steps(
    installed: Path, tmp_path: Path, demo_file: Path
) -> None:
    """``workbook migrate`` of the wheel runs Alembic from the package (env.py, versions/)."""
    old = tmp_path / "old.db"
    shutil.copy(demo_file, old)
    with sqlite3.connect(old) as conn:  # as every main before Alembic left a store: schema 7
        conn.execute("DROP TABLE alembic_version")
        conn.execute("DROP TABLE partnership_note")
        conn.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    command = [str(installed / "bin" / "workbook"), "migrate", "--db", f"sqlite:///{old}"]
    done = subprocess.run(
        command, env=_clean_env(), cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert f"from schema 7 to {tables.SCHEMA_VERSION}" in done.stdout
    with sqlite3.connect(old) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (f"{tables.SCHEMA_VERSION:04d}",)
        ]
        assert conn.execute("SELECT count(*) FROM partnership_note").fetchone() == (0,)
