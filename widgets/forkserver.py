"""Page kernels forked from a process that has already imported what they need (issue #19).

Every page's kernel used to start as a new Python, which then imported ipykernel,
IPython, ipywidgets, pydantic, SQLAlchemy and the workbook's own modules: about a second
of CPU before the page could be drawn, paid again for every kernel. Under JupyterHub,
where Voila cannot keep kernels waiting, the person waits for all of it; on ``make
serve`` the pools refill with it, on the same two cores the next page needs.

Instead, one *template* process per server (:func:`serve`, ``python -m
widgets.forkserver``) imports all that once and waits on a Unix socket; each page kernel
is a fork of it, which only has to open its sockets and run its notebook. The forks share
the template's memory until they write to it, so an open page also costs the machine
less (its RSS counts the shared pages; its PSS does not).

:class:`ForkProvisioner` is the ``workbook-page`` kernelspec's provisioner (its
kernel.json names ``workbook-fork``, the entry point pyproject.toml declares). It asks
the template for a kernel, and falls back to starting one the ordinary way, as Jupyter's
own provisioner does, whenever the template cannot serve: it would not start, it died,
the command is not the page kernel's, or this system has no ``os.pidfd_open``.

The kernel is the template's child, not the server's: the server follows it through a
pidfd and signals its process group as Jupyter's provisioner would. Its exit status is
not known to the server (reported as 0). Kernels follow their template (ipykernel's
parent poller), and the template follows its server (it exits when its parent does).

Runs in the server process, except :func:`serve` and what it calls: it imports no
widgets until the template does.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import gc
import importlib
import json
import logging
import os
import select
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

log = logging.getLogger(__name__)

MODULE = "widgets.forkserver"
"""This module, which a template runs (``__name__`` is ``__main__`` there)."""
KERNEL_MODULE = "widgets.kernel"
"""The only module a template runs: it never runs any other command it is sent."""
PRELOADED = ("landing", "form")
"""The pages (:data:`widgets.app.PAGES`) whose modules the template imports. Not the
dashboard: pandas and Altair would add about 50 MiB to every fork's RSS (shared, but
counted), for the one page in several that draws charts; it imports them after the fork."""
KERNEL_IMPORTS = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    # what ipykernel's start imports as it goes (a kernel's `sys.modules` after start)
    "ipykernel.debugger",
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.core.oinspect",
    "IPython.extensions.storemagic",
    "psutil",
    "tornado.platform.asyncio",
    "tornado.queues",
)
"""What the template imports for ipykernel, before the pages' modules."""
READY_SECONDS = 60.0
"""How long a server waits for its template to be ready before starting kernels the
ordinary way."""
REPLY_SECONDS = 30.0
TITLE_ROOM = 1024
"""Bytes of the template's command line kept for its forks' titles (`ps` shows a kernel
as ``python -m widgets.kernel -f kernel-ID.json ...``, its id included)."""
MAX_REQUEST = 1 << 20


def forkable(cmd: list[str]) -> bool:
    """Whether ``cmd`` is the page kernel's command, which a template runs by forking."""
    return (
        hasattr(os, "pidfd_open")
        and len(cmd) >= 3
        and cmd[0] == sys.executable
        and cmd[1:3] == ["-m", KERNEL_MODULE]
    )


class ForkedKernel:
    """What :class:`LocalProvisioner` needs of a ``Popen``, for a kernel the template forked."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        # a pidfd names this process, not whichever one later reuses its number
        self._fd: int | None = os.pidfd_open(pid)

    def poll(self) -> int | None:
        """None while the kernel runs; 0 once it has gone (its own status is the template's)."""
        if self.returncode is None and self._gone(0):
            self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None and not self._gone(timeout):
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
        self.returncode = 0
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None and self._fd is not None:
            signal.pidfd_send_signal(self._fd, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def _gone(self, timeout: float | None) -> bool:
        if self._fd is None:
            return True
        readable, _, _ = select.select([self._fd], [], [], timeout)
        return bool(readable)


class Template:
    """One server's template process, started on first use and again if it dies."""

    command = (sys.executable, "-m", MODULE)
    """The template's command, before its socket's path and its forks' title room."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.folder: Path | None = None
        self.stopped_at_exit = False

    @property
    def path(self) -> Path:
        assert self.folder is not None
        return self.folder / "fork.sock"

    def start(self) -> None:
        """Start the template unless it runs; it is ready once it listens (:meth:`fork` waits)."""
        if self.process is not None and self.process.poll() is None:
            return
        self.stop()
        # a folder only this user may enter: whoever reaches the socket gets a kernel
        if not self.stopped_at_exit:
            atexit.register(self.stop)
            self.stopped_at_exit = True
        self.folder = Path(tempfile.mkdtemp(prefix="workbook-fork-"))
        self.process = subprocess.Popen(
            [*self.command, str(self.path), " " * TITLE_ROOM],
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C at the server's terminal is the server's
        )

    def stop(self) -> None:
        """Stop the template (its kernels follow it) and remove its socket's folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(5)
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        self.process, self.folder = None, None

    async def fork(self, cmd: list[str], env: dict[str, str], cwd: str) -> ForkedKernel | None:
        """A kernel running ``cmd``, forked from the template; None if it cannot be."""
        if not forkable(cmd):
            return None
        self.start()
        request = json.dumps({"argv": cmd[3:], "env": env, "cwd": cwd}).encode() + b"\n"
        try:
            reader, writer = await self._connect()
            try:
                writer.write(request)
                await writer.drain()
                reply = json.loads(await asyncio.wait_for(reader.readline(), REPLY_SECONDS))
            finally:
                writer.close()
            if "pid" not in reply:
                raise ValueError(reply.get("error", "no pid in the reply"))
            return ForkedKernel(int(reply["pid"]))
        except TimeoutError:
            # a template that stops answering is replaced: the next kernel starts a new one
            log.warning("workbook: the kernel template did not answer; starting it again")
            self.stop()
            return None
        except (OSError, ValueError) as exc:
            log.warning("workbook: no forked kernel (%s); starting one the ordinary way", exc)
            return None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_SECONDS
        while True:
            try:
                return await asyncio.open_unix_connection(str(self.path))
            except (FileNotFoundError, ConnectionRefusedError):
                process = self.process
                if process is None or process.poll() is not None:
                    raise OSError("the kernel template has stopped") from None
                if loop.time() > deadline:
                    raise OSError("the kernel template is not ready") from None
                await asyncio.sleep(0.02)


TEMPLATE = Template()
"""This server's template (one per server process)."""


class ForkProvisioner(LocalProvisioner):
    """Jupyter's local provisioner, with the page kernel forked from :data:`TEMPLATE`."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        env = kwargs.get("env") or dict(os.environ)
        cwd = str(kwargs.get("cwd") or Path.cwd())
        forked = await TEMPLATE.fork(cmd, env, cwd)
        if forked is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.process = forked  # type: ignore[assignment]  # what it needs of a Popen
        self.pid = self.pgid = forked.pid  # the fork starts its own session, as Popen's would
        self.cwd = cwd
        return self.connection_info

    async def send_signal(self, signum: int) -> None:
        # a kernel gone is not signalled: its group's number may be someone else's by now
        if isinstance(self.process, ForkedKernel) and self.process.poll() is not None:
            return
        await super().send_signal(signum)


# ------------------------------------------------------------------------- the template


def serve(path: str) -> None:
    """Run a template: import the pages' modules, then fork a kernel for each request."""
    from widgets import kernel

    kernel.block_debugger()
    for name in KERNEL_IMPORTS:
        importlib.import_module(name)
    from widgets import app

    for page in PRELOADED:
        app.preload(page)
    # The forks' titles are written over the template's command line, padded for them
    # (TITLE_ROOM), and nowhere else: setproctitle would otherwise take the environment's
    # room too, and /proc/PID/environ would no longer show the server's environment
    # (JUPYTERHUB_USER, WORKBOOK_DB), by which tools find a server's kernels.
    os.environ["SPT_NOENV"] = "1"
    import setproctitle

    setproctitle.setproctitle(shlex.join([sys.executable, "-m", MODULE, path]))
    del os.environ["SPT_NOENV"]
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernels are reaped as they end
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    parent = os.getppid()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    gc.freeze()  # what is imported stays shared: the forks' collector never writes to it
    try:
        while os.getppid() == parent:  # the server gone, the template goes
            if select.select([listener], [], [], 1.0)[0]:
                connection, _ = listener.accept()
                with connection:
                    _answer(connection, listener)
    finally:
        listener.close()
        with contextlib.suppress(OSError):  # the server's exit removes them too, if it runs
            Path(path).unlink()
            Path(path).parent.rmdir()


def _answer(connection: socket.socket, listener: socket.socket) -> None:
    connection.settimeout(REPLY_SECONDS)
    try:
        request = _request(connection)
        pid = _fork(request, connection, listener)
        reply: dict[str, Any] = {"pid": pid}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        reply = {"error": f"{type(exc).__name__}: {exc}"}
    with contextlib.suppress(OSError):
        connection.sendall(json.dumps(reply).encode() + b"\n")


def _request(connection: socket.socket) -> dict[str, Any]:
    uid = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[1]
    if uid != os.getuid():
        raise ValueError(f"asked by user {uid}, not this server's")
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(65536)
        if not chunk or len(data) > MAX_REQUEST:
            raise ValueError("an incomplete request")
        data += chunk
    request: dict[str, Any] = json.loads(data)
    if not all(isinstance(arg, str) for arg in request["argv"]):
        raise ValueError("argv must be strings")
    return request


def _fork(request: dict[str, Any], connection: socket.socket, listener: socket.socket) -> int:
    """Fork a kernel for ``request``; its pid once it listens (or has already ended).

    Waiting here for the kernel's sockets (about 70 ms) means the server's client finds
    them at once; connecting before they are bound costs ZeroMQ's reconnect intervals
    and jupyter_client's retries, about 0.3 s. The template serves one request at a time
    meanwhile, which the two cores would have done anyway.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    listening, child_listening = os.pipe()
    pid = os.fork()
    if pid == 0:  # the kernel: it never returns into the template's loop
        code = 1
        try:
            os.close(listening)
            connection.close()
            listener.close()
            os.setsid()  # its own session and process group, as Popen's kernels have
            _run_kernel(request["argv"], request["env"], request["cwd"], child_listening)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        except BaseException:
            traceback.print_exc()  # into the server's log, as an ordinary kernel's would be
        finally:
            atexit._run_exitfuncs()  # what an ordinary kernel's exit runs (IPython's own)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(child_listening)
    try:
        select.select([listening], [], [], REPLY_SECONDS / 2)  # a byte, or the end if it died
    finally:
        os.close(listening)
    return pid


def _run_kernel(argv: list[str], env: dict[str, str], cwd: str, listening: int) -> None:
    """In the fork: become what ``python -m widgets.kernel ARGV`` in ``cwd`` would be."""
    for signum in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    sys.path[0] = cwd  # as `python -m` puts its working folder first
    # ipykernel's parent poller: follow the template. Given as an option, because the
    # setting's default read JPY_PARENT_PID when the template imported ipykernel.
    template = str(os.getppid())
    os.environ["JPY_PARENT_PID"] = template
    argv = [*argv, f"--IPKernelApp.parent_handle={template}"]
    sys.argv = [KERNEL_MODULE, *argv]
    import setproctitle

    # `ps` and /proc/PID/cmdline show the command the kernel stands for, its connection
    # file (and so its kernel id) included, not the template's
    setproctitle.setproctitle(shlex.join([sys.executable, "-m", KERNEL_MODULE, *argv]))

    def say_listening() -> None:
        os.write(listening, b"1")
        os.close(listening)

    from widgets import kernel

    kernel.main(argv, listening=say_listening)


if __name__ == "__main__":
    serve(sys.argv[1])
