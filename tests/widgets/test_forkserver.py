"""Page kernels forked from a template process (:mod:`widgets.forkserver`), issue #19.

A forked kernel must be what ``python -m widgets.kernel`` would have been for the page
(its environment, folder, signals, restarts, shutdown with its own subprocesses), only
started from imports already done; and when the template cannot serve, the page still
gets a kernel the ordinary way.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from types import SimpleNamespace

import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.provisioning.factory import KernelProvisionerFactory

import widgets.forkserver as extension
from tests.support.kernels import run_async, run_code, widget_states
from tests.support.programs import alive, gone_soon, processes
from tests.support.servers import is_page_kernel
from widgets.forkserver import client as forkserver
from workbook import config

NAME = "workbook-page"
WIDGETS = "import ipywidgets as w\nbox = w.VBox([w.Text(), w.Button()])\nprint(box.model_id)"
"""Code that shows widgets, as a page does, and prints the outer one's model id."""


@pytest.fixture(scope="module", autouse=True)
def _kernelspecs() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", config.voila_environment(os.environ)["JUPYTER_PATH"])
        patch.delenv(forkserver.SWITCH, raising=False)  # these tests are of forking: the default
        yield


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KernelManager]:
    """A page kernel as Voila starts one under the hub: its own folder and environment."""
    manager = KernelManager(kernel_name=NAME)
    folder = tmp_path_factory.mktemp("page")
    manager.start_kernel(cwd=str(folder), env={**os.environ, "QUERY_STRING": "token=abc"})
    try:
        yield manager
    finally:
        manager.shutdown_kernel(now=True)


def test_the_page_kernelspec_names_the_provisioner_and_it_is_installed() -> None:
    spec = KernelSpecManager().get_kernel_spec(NAME)
    assert spec.metadata["kernel_provisioner"]["provisioner_name"] == "workbook-fork"
    assert KernelProvisionerFactory.instance().is_provisioner_available(spec)
    (entry,) = entry_points(group="jupyter_client.kernel_provisioners", name="workbook-fork")
    assert entry.load() is forkserver.ForkProvisioner


def test_a_page_kernel_is_forked_from_the_template_for_its_page(
    kernel: KernelManager,
) -> None:
    code = (
        "import json, os, sys\n"
        "print(json.dumps({'parent': os.getppid(), 'cwd': os.getcwd(), 'path0': sys.path[0],"
        " 'query': os.environ.get('QUERY_STRING'), 'form': 'widgets.form' in sys.modules,"
        " 'pandas': 'pandas' in sys.modules, 'debugpy': sys.modules.get('debugpy', 1) is None,"
        " 'sqlalchemy': 'sqlalchemy' in sys.modules,"
        " 'service': os.path.exists(os.environ.get('WORKBOOK_STORE_SERVICE', '')),"
        " 'session': os.getsid(0) == os.getpid(), 'sum': 20 + 22}))"
    )
    seen = json.loads(run_code(kernel, code))
    template = forkserver.TEMPLATE.process
    assert template is not None
    cwd = str(kernel.provisioner.cwd)  # type: ignore[union-attr]
    assert seen == {
        "parent": template.pid,  # forked, not started by this process
        "cwd": cwd,
        "path0": cwd,  # as `python -m` would have it
        "query": "token=abc",  # the request's environment, not the template's
        "form": True,  # imported before the request, by the template
        "pandas": False,  # only the dashboard needs it, and imports it itself
        "debugpy": True,  # still blocked, as in widgets.kernel
        "sqlalchemy": False,  # the template's store service holds it (issue #19)
        "service": True,  # which the form reads the store through
        "session": True,  # its own process group, which signals reach
        "sum": 42,
    }


def test_a_forked_kernel_answers_a_front_ends_first_request_for_every_widget(
    kernel: KernelManager,
) -> None:
    """The template imports ipywidgets before any kernel exists, where ipywidgets cannot
    register its comm targets: the fork registers them. Without them a page's front end
    asked for each widget in turn, and on a busy machine a form could show "Error
    displaying widget: model not found" instead (tests/browser/test_survival.py)."""
    printed, states = widget_states(kernel, WIDGETS)
    assert printed.strip() in states
    assert len(states) >= 3  # the box, its children, and their layouts and styles


def test_ps_shows_a_forked_kernel_as_the_command_it_stands_for(kernel: KernelManager) -> None:
    """Admins and the tests find a page's kernel by its command line and environment."""
    pid = kernel.provisioner.pid  # type: ignore[union-attr]
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    assert is_page_kernel(cmdline)
    assert Path(kernel.connection_file).name.encode() in cmdline  # and so its kernel id
    template = forkserver.TEMPLATE.process
    assert template is not None
    assert not is_page_kernel(Path(f"/proc/{template.pid}/cmdline").read_bytes())
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    assert f"PATH={os.environ['PATH']}".encode() in environ  # the server's, still readable


def test_an_interrupt_reaches_a_forked_kernel(kernel: KernelManager) -> None:
    client = kernel.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        client.execute("import time; time.sleep(60)")
        time.sleep(0.5)
        kernel.interrupt_kernel()
        reply = client.get_shell_msg(timeout=20)
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "KeyboardInterrupt"
    finally:
        client.stop_channels()


def test_a_restart_forks_a_new_kernel_and_the_old_one_ends(kernel: KernelManager) -> None:
    before = kernel.provisioner.pid  # type: ignore[union-attr]
    kernel.restart_kernel(now=True)
    after = kernel.provisioner.pid  # type: ignore[union-attr]
    assert after != before
    assert gone_soon(before)
    assert isinstance(kernel.provisioner.process, forkserver.ForkedKernel)  # type: ignore[union-attr]
    assert run_code(kernel, "print(6 * 7)").strip() == "42"


def test_shutting_a_kernel_down_ends_it_and_what_it_started() -> None:
    manager = KernelManager(kernel_name=NAME)
    manager.start_kernel()
    child = int(
        run_code(manager, "import subprocess; print(subprocess.Popen(['sleep', '300']).pid)")
    )
    pid = manager.provisioner.pid  # type: ignore[union-attr]
    manager.shutdown_kernel(now=True)
    assert gone_soon(pid)
    assert gone_soon(child)  # the kernel's process group, as for Jupyter's own kernels


def test_a_kernel_shut_down_in_order_runs_its_exit_handlers(tmp_path: Path) -> None:
    """As an ordinary kernel's exit would: IPython cleans up there."""
    manager = KernelManager(kernel_name=NAME)
    manager.start_kernel()
    done = tmp_path / "exited"
    run_code(manager, f"import atexit, pathlib; atexit.register(pathlib.Path({str(done)!r}).touch)")
    manager.shutdown_kernel(now=False)
    assert done.exists()


def test_a_fork_that_cannot_become_a_kernel_ends_and_says_why(
    capfd: pytest.CaptureFixture[str],
) -> None:
    template = forkserver.Template()  # started now, its output is the one captured
    page = [sys.executable, "-m", forkserver.KERNEL_MODULE, "-f", "c.json"]
    try:
        forked = run_async(template.fork(page, dict(os.environ), "/no/such/folder"))
        # mostly gone before the server could follow it (None: the server then starts
        # the kernel the ordinary way, which says the same in its own words)
        assert forked is None or forked.wait(10) == 0
        assert "FileNotFoundError" in capfd.readouterr().err  # in the server's log
        assert template.process is not None
        assert template.process.poll() is None  # and the template goes on
    finally:
        template.stop()


def test_the_template_answers_a_bad_request_and_goes_on_serving(kernel: KernelManager) -> None:
    run_code(kernel, "pass")  # the template has started
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(20)
        client.connect(str(forkserver.TEMPLATE.path))
        client.sendall(b'{"argv": [1, 2]}\n')
        reply = json.loads(client.makefile().readline())
    assert "pid" not in reply
    assert "argv" in reply["error"]
    fresh = KernelManager(kernel_name=NAME)
    fresh.start_kernel()
    try:
        assert isinstance(fresh.provisioner.process, forkserver.ForkedKernel)  # type: ignore[union-attr]
        assert run_code(fresh, "print('still serving')").strip() == "still serving"
    finally:
        fresh.shutdown_kernel(now=True)


def test_the_template_runs_alone_in_a_private_folder(kernel: KernelManager) -> None:
    """One thread (a fork copies only the caller's) and a socket only this user reaches."""
    run_code(kernel, "pass")
    template = forkserver.TEMPLATE.process
    assert template is not None
    assert len(list(Path(f"/proc/{template.pid}/task").iterdir())) == 1
    folder = forkserver.TEMPLATE.path.parent
    assert folder.stat().st_mode & 0o777 == 0o700


def test_a_command_other_than_the_page_kernel_is_never_forked() -> None:
    page = [sys.executable, "-m", forkserver.KERNEL_MODULE, "-f", "c.json"]
    assert forkserver.forkable(page)
    assert not forkserver.forkable(["/other/python", *page[1:]])
    assert not forkserver.forkable([sys.executable, "-m", "ipykernel_launcher", "-f", "c.json"])
    template = forkserver.Template()
    assert run_async(template.fork(page[:2] + ["os"], {}, "/")) is None
    assert template.process is None  # not even started for it


def test_without_a_template_the_page_kernel_starts_the_ordinary_way(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken = forkserver.Template()
    broken.command = (sys.executable, "-c", "raise SystemExit(3)")
    monkeypatch.setattr(forkserver, "TEMPLATE", broken)
    manager = KernelManager(kernel_name=NAME)
    manager.start_kernel()
    try:
        assert isinstance(manager.provisioner.process, subprocess.Popen)  # type: ignore[union-attr]
        assert run_code(manager, "import os; print(os.getppid())").strip() == str(os.getpid())
        # ipywidgets, imported in the running kernel, registers its own comm targets
        printed, states = widget_states(manager, WIDGETS)
        assert printed.strip() in states
    finally:
        manager.shutdown_kernel(now=True)
        broken.stop()
    assert "no forked kernel (the kernel template has stopped)" in caplog.text


def test_under_the_hub_the_template_starts_with_the_users_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """deploy/singleuser's server loads this module as an extension, which Jupyter
    Server finds by name, so that the landing page after signing in waits for no imports."""
    from jupyter_server.extension.manager import ExtensionPackage

    assert ExtensionPackage(name=extension.__name__).validate()
    fresh = forkserver.Template()
    monkeypatch.setattr(forkserver, "TEMPLATE", fresh)
    try:
        extension._load_jupyter_server_extension(SimpleNamespace(log=logging.getLogger()))
        assert fresh.process is not None
        assert fresh.process.poll() is None
        page = [sys.executable, "-m", forkserver.KERNEL_MODULE, "-f", "c.json"]
        started = fresh.process
        forked = run_async(fresh.fork(page, dict(os.environ), "/"))
        assert forked is not None
        assert fresh.process is started  # the page's kernel came from that template
        forked.kill()
    finally:
        fresh.stop()


def test_under_the_hub_a_dashboards_kernel_forks_from_their_template_once_it_is_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dashboard's kernel under the hub imported pandas and Altair and drew its first
    charts while the chair waited (#19). The server's first dashboard starts the
    dashboards' template and takes its kernel from the pages' template meanwhile; once
    it listens, dashboards fork from it, ready. Other pages keep the pages' template.
    The template never builds the Vega bundle (vl-convert: 120 MiB it would keep), even
    for a user whose cache has none yet."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    code = (
        "import json, os, sys\n"
        "schemapi = sys.modules.get('altair.utils.schemapi')\n"
        "print(json.dumps({'parent': os.getppid(), 'pandas': 'pandas' in sys.modules,"
        " 'checked': getattr(schemapi, 'DEBUG_MODE', None), 'vl': 'vl_convert' in sys.modules}))"
    )

    def page(name: str) -> dict[str, object]:
        manager = KernelManager(kernel_name=NAME)
        env = {**os.environ, "SCRIPT_NAME": f"/user/chair/voila/render/{name}"}
        manager.start_kernel(cwd=str(tmp_path), env=env)
        try:
            seen: dict[str, object] = json.loads(run_code(manager, code))
            return seen
        finally:
            manager.shutdown_kernel(now=True)

    forkserver.DASHBOARDS.stop()
    try:
        first = page("dashboard.ipynb")
        pages = forkserver.TEMPLATE.process
        assert pages is not None
        assert first == {"parent": pages.pid, "pandas": False, "checked": None, "vl": False}
        assert forkserver.DASHBOARDS.process is not None  # started, not waited for
        deadline = time.monotonic() + forkserver.READY_SECONDS
        while not forkserver.DASHBOARDS.ready():
            assert time.monotonic() < deadline, "the dashboards' template never listened"
            time.sleep(0.1)
        dashboards = forkserver.DASHBOARDS.process
        assert page("dashboard.ipynb") == {
            "parent": dashboards.pid,
            "pandas": True,
            "checked": False,
            "vl": False,
        }
        assert page("form.ipynb")["parent"] == pages.pid
    finally:
        forkserver.DASHBOARDS.stop()
    assert not forkserver.DASHBOARDS.ready()


def test_a_template_that_stops_answering_is_retired_and_another_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """It may only be slow: it is retired, left to end what it forks late, and the next
    kernel comes from a new template."""
    silent = forkserver.Template()
    silent.command = (
        sys.executable,
        "-c",
        "import socket, sys, time\n"
        "s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); time.sleep(60)",
    )
    monkeypatch.setattr(forkserver, "REPLY_SECONDS", 0.5)
    page = [sys.executable, "-m", forkserver.KERNEL_MODULE, "-f", "c.json"]
    silent.start()
    started, folder = silent.process, silent.path.parent
    assert started is not None
    try:
        assert run_async(silent.fork(page, {}, "/")) is None  # the page starts another way
        assert started.poll() is None  # still running, to end what it forks late...
        assert silent.retired == [started]
        assert not folder.exists()
        assert silent.process is None  # ...while the next kernel starts a new template
    finally:
        silent.stop()
    assert started.poll() is not None  # the server's exit stops the retired one too
    assert silent.retired == []


def test_a_kernel_forked_for_a_server_that_stopped_waiting_is_ended(
    kernel: KernelManager, tmp_path: Path
) -> None:
    """The server gave up on the reply (and started the kernel another way): the fork that
    arrives late must not hold its memory until the server ends."""
    run_code(kernel, "pass")  # the template has started
    connection = tmp_path / "kernel-late.json"
    request = {"argv": ["-f", str(connection)], "env": dict(os.environ), "cwd": str(tmp_path)}
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as asking:
        asking.connect(str(forkserver.TEMPLATE.path))
        asking.sendall(json.dumps(request).encode() + b"\n")
    # gone before the reply: the template forks, waits for the kernel's sockets, and finds
    # nobody to tell
    deadline = time.monotonic() + 20
    while not connection.exists():  # the fork became a kernel, as far as listening...
        assert time.monotonic() < deadline, "the late kernel never started"
        time.sleep(0.05)
    late = [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _cmdline_has(int(entry.name), connection.name.encode())
    ]
    assert all(gone_soon(pid) for pid in late)  # ...and was ended
    assert run_code(kernel, "print(6 * 7)").strip() == "42"  # the template serves on


def _cmdline_has(pid: int, part: bytes) -> bool:
    try:
        return part in Path(f"/proc/{pid}/cmdline").read_bytes() and alive(pid)
    except OSError:
        return False


def test_the_template_and_its_kernels_end_when_their_server_does(tmp_path: Path) -> None:
    """A server killed outright runs no exit handler: its template and its kernels each
    notice by themselves."""
    server = (
        "import asyncio, os, sys\n"
        "from widgets.forkserver import client\n"
        "kernel = asyncio.run(client.TEMPLATE.fork("
        "[sys.executable, '-m', 'widgets.kernel', '-f', sys.argv[1]], dict(os.environ), '/'))\n"
        "print(client.TEMPLATE.process.pid, kernel.pid, flush=True)\n"
        "sys.stdin.read()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", server, str(tmp_path / "kernel.json")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=config.ROOT,
    ) as process:
        assert process.stdout is not None
        template, kernel = (int(pid) for pid in process.stdout.readline().split())
        assert alive(template)
        assert alive(kernel)
        (store_service,) = (
            pid
            for pid, (parent, cmdline) in processes().items()
            if parent == template and b"workbook.store.service" in cmdline
        )
        process.send_signal(signal.SIGKILL)
    assert gone_soon(template)
    assert gone_soon(kernel)
    assert gone_soon(store_service)


def test_kill_usr1_makes_the_template_and_a_forked_kernel_print_their_stacks(
    kernel: KernelManager,
) -> None:
    """Both live on (without the handler the signal would end them, and every page with
    the template); what they print goes to the server's log."""
    run_code(kernel, "pass")
    template = forkserver.TEMPLATE.process
    assert template is not None
    for pid in (template.pid, kernel.provisioner.pid):  # type: ignore[union-attr]
        os.kill(pid, signal.SIGUSR1)
    time.sleep(0.5)
    assert template.poll() is None
    assert run_code(kernel, "print('still here')", timeout=20).strip() == "still here"


def test_a_forked_kernel_outlives_its_template(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel follows its server, not the template whose child it is: a template that
    dies (the out-of-memory killer's choice, say) takes no page with it."""
    fresh = forkserver.Template()
    monkeypatch.setattr(forkserver, "TEMPLATE", fresh)
    manager = KernelManager(kernel_name=NAME)
    manager.start_kernel()
    try:
        assert isinstance(manager.provisioner.process, forkserver.ForkedKernel)  # type: ignore[union-attr]
        first = fresh.process
        assert first is not None
        first.kill()
        first.wait(10)
        time.sleep(2)  # ipykernel's parent poller would have ended it within a second
        assert run_code(manager, "print(6 * 7)", timeout=20).strip() == "42"
        another = KernelManager(kernel_name=NAME)
        another.start_kernel()  # from a new template
        try:
            assert isinstance(another.provisioner.process, forkserver.ForkedKernel)  # type: ignore[union-attr]
            assert fresh.process is not None
            assert fresh.process is not first
            assert run_code(another, "print('served')", timeout=20).strip() == "served"
        finally:
            another.shutdown_kernel(now=True)
    finally:
        manager.shutdown_kernel(now=True)
        fresh.stop()


def test_a_handle_works_past_file_number_1023() -> None:
    """A server with 80 forms open holds more files than select() can watch."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"this machine allows {hard} open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    filler = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    child = subprocess.Popen(["sleep", "60"])
    try:
        handle = forkserver.ForkedKernel(child.pid)
        assert handle._fd is not None
        assert handle._fd > 1024
        assert handle.poll() is None
        child.kill()
        child.wait(10)
        assert handle.wait(10) == 0
    finally:
        child.kill()
        for fd in filler:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_forked_kernel_handle_follows_its_process() -> None:
    child = subprocess.Popen(["sleep", "60"])
    try:
        handle = forkserver.ForkedKernel(child.pid)
        assert handle.poll() is None
        with pytest.raises(subprocess.TimeoutExpired):
            handle.wait(0.05)
        handle.terminate()
        child.wait(10)
        assert handle.wait(10) == 0
        assert handle.poll() == 0
        handle.kill()  # gone: nothing is signalled, nothing raised
    finally:
        child.kill()


def test_the_server_side_imports_no_widgets() -> None:
    """The provisioner and the extension run in the server; only the template imports them."""
    code = (
        "import sys\nimport widgets.forkserver, widgets.forkserver.client\n"
        "print('ipywidgets' in sys.modules, 'widgets.form' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=config.ROOT
    )
    assert out.stdout.split() == ["False", "False"]


def test_with_the_switch_off_no_kernel_is_forked_and_no_template_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``WORKBOOK_FORK_KERNELS=0`` (forkserver.SWITCH) is the way back to ordinary kernels,
    should forked ones misbehave somewhere; forking is on unless it says ``0``."""
    assert forkserver.enabled()
    for on in ("1", "", "yes"):
        monkeypatch.setenv(forkserver.SWITCH, on)
        assert forkserver.enabled()
    monkeypatch.setenv(forkserver.SWITCH, "0")
    assert not forkserver.enabled()
    fresh = forkserver.Template()
    monkeypatch.setattr(forkserver, "TEMPLATE", fresh)
    extension._load_jupyter_server_extension(SimpleNamespace(log=logging.getLogger()))
    assert fresh.process is None
    manager = KernelManager(kernel_name=NAME)
    manager.start_kernel()
    try:
        assert isinstance(manager.provisioner.process, subprocess.Popen)  # type: ignore[union-attr]
        assert fresh.process is None
        assert run_code(manager, "print('ordinary')", timeout=30).strip() == "ordinary"
    finally:
        manager.shutdown_kernel(now=True)
        fresh.stop()
