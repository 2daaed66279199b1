"""The Voila server's kernel manager (widgets/server.py): room for more than 170 open pages."""

from __future__ import annotations

import json
import resource
import subprocess
import sys

import zmq

from widgets import server
from workbook import config


def test_its_zeromq_context_holds_far_more_than_the_default_1023_sockets() -> None:
    manager = server.KernelManager()
    try:
        assert manager.context.get(zmq.MAX_SOCKETS) == server.MAX_SOCKETS
        plain = zmq.Context()
        assert plain.get(zmq.MAX_SOCKETS) < 1100  # what it would have had
        plain.term()
        sockets = [manager.context.socket(zmq.PUSH) for _ in range(1100)]
        for socket in sockets:
            socket.close(linger=0)
    finally:
        manager.context.destroy(linger=0)


def test_the_open_files_limit_is_raised_to_the_hard_limit_in_its_own_process() -> None:
    """Each socket is two open files; the soft limit is often 1,024 (about 85 forms)."""
    code = (
        "import resource\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))\n"
        "from widgets import server\n"
        "print(server.raise_open_files_limit(), resource.getrlimit(resource.RLIMIT_NOFILE))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=config.ROOT
    ).stdout.split(maxsplit=1)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    expected = server.MAX_SOCKETS * 2 if hard == resource.RLIM_INFINITY else hard
    assert int(out[0]) == expected
    assert out[1].strip() == str((expected, hard))


def test_voila_json_names_it_and_voila_resolves_it() -> None:
    from voila.configuration import VoilaConfiguration

    settings = json.loads((config.ROOT / "voila.json").read_text(encoding="utf-8"))
    named = settings["VoilaConfiguration"]["multi_kernel_manager_class"]
    assert named == "widgets.server.KernelManager"
    resolved = VoilaConfiguration(multi_kernel_manager_class=named).multi_kernel_manager_class
    assert resolved is server.KernelManager


def test_it_imports_no_widgets_into_the_server() -> None:
    code = "import sys\nimport widgets.server\nprint('ipywidgets' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=config.ROOT
    )
    assert out.stdout.strip() == "False"


def test_the_culling_settings_still_reach_it() -> None:
    """voila.json configures culling under MappingKernelManager, a base of this manager."""
    settings = json.loads((config.ROOT / "voila.json").read_text(encoding="utf-8"))
    assert settings["MappingKernelManager"]["cull_idle_timeout"] > 0
    assert "MappingKernelManager" in {cls.__name__ for cls in server.KernelManager.__mro__}
