"""Binder opens the repository as the demo (issue #18).

There is no repo2docker here, so this checks what it would run: the environment is the
project's, the build makes the demo store, and the start script switches demo mode on and
hands Voila the page template and the workbook's settings.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"


def test_binder_installs_the_same_environment() -> None:
    assert (BINDER / "environment.yml").read_text() == (ROOT / "environment.yml").read_text()


def test_the_build_makes_the_demo_store_once() -> None:
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK)
    commands = [line for line in post_build.read_text().splitlines() if line.startswith("work")]
    assert commands == ["workbook demo --if-missing"]


def test_the_start_script_switches_demo_mode_on(tmp_path: Path) -> None:
    start = BINDER / "start"
    assert os.access(start, os.X_OK)
    env = {"PATH": os.environ["PATH"], "JUPYTER_PATH": "/elsewhere"}
    shown = subprocess.run(
        [str(start), "env"], capture_output=True, text=True, check=True, env=env, cwd=tmp_path
    ).stdout.splitlines()
    values = dict(line.split("=", 1) for line in shown if "=" in line)
    assert values["WORKBOOK_DEMO"] == "1"
    assert values["JUPYTER_PATH"] == f"{ROOT / 'share' / 'jupyter'}:/elsewhere"
    assert values["JUPYTER_CONFIG_PATH"] == str(BINDER)


def test_voila_under_binder_uses_the_workbooks_settings() -> None:
    ours = json.loads((ROOT / "voila.json").read_text())["VoilaConfiguration"]
    binder = json.loads((BINDER / "jupyter_server_config.json").read_text())
    served = binder["VoilaConfiguration"]
    # the server extension has no kernel pools, and the server's own kernel manager (a
    # standalone Voila's, widgets/server.py): the rest is as `workbook serve` has it
    standalone = {"preheat_kernel", "default_pool_size", "multi_kernel_manager_class"}
    assert served == {k: v for k, v in ours.items() if k not in standalone}
    assert served["template"] == "workbook"
    assert binder["MappingKernelManager"]["cull_idle_timeout"] == 600
