"""The server's side of the kernel template: the provisioner and the template's client.

Runs in the Voila (or Jupyter) server process; imports no widgets. The package's
docstring (:mod:`widgets.forkserver`) says why kernels are forked and how.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

log = logging.getLogger(__name__)

MODULE = "widgets.forkserver.template"
"""The template's module (``python -m`` runs it)."""
KERNEL_MODULE = "widgets.kernel"
"""The only module a template runs: it never runs any other command it is sent."""
READY_SECONDS = 60.0
"""How long a server waits for its template to be ready before starting kernels the
ordinary way."""
REPLY_SECONDS = 30.0
TITLE_ROOM = 1024
"""Bytes of the template's command line kept for its forks' titles (`ps` shows a kernel
as ``python -m widgets.kernel -f kernel-ID.json ...``, its id included)."""


SWITCH = "WORKBOOK_FORK_KERNELS"
"""``WORKBOOK_FORK_KERNELS=0`` in the server's environment starts every page kernel the
ordinary way. Forking was opt-in in the 7th session of issue #19: under the test suite's
load, pages served by forked kernels sometimes never drew (four CI runs in six, their
kernels on TCP ports, before a left page's kernel was shut down at once). With Unix
sockets and that shutdown, two full CI runs with forking on passed, and it is the
default again; the cause of the stuck pages was never seen directly."""


def enabled() -> bool:
    """Whether this server forks its pages' kernels: unless :data:`SWITCH` is ``0``."""
    return os.environ.get(SWITCH, "").strip() != "0"


def forkable(cmd: list[str]) -> bool:
    """Whether ``cmd`` is the page kernel's command, which a template runs by forking."""
    return (
        enabled()
        and hasattr(os, "pidfd_open")
        and len(cmd) >= 3
        and cmd[0] == sys.executable
        and cmd[1:3] == ["-m", KERNEL_MODULE]
    )


def readable(fd: int, timeout: float | None) -> bool:
    """Whether ``fd`` is readable (a pidfd: its process has ended) within ``timeout`` s.

    poll, not select: a server with many pages open holds file numbers past select's
    1,023 (bench/capacity.py stopped at 80 open forms on it).
    """
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(None if timeout is None else timeout * 1000))


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
        return self._fd is None or readable(self._fd, timeout)


class Template:
    """One server's template process, started on first use and again if it dies."""

    command = (sys.executable, "-m", MODULE)
    """The template's command, before its socket's path, its forks' title room and pages."""

    def __init__(self, *pages: str) -> None:
        self.pages = pages
        """The pages (``widgets.app.PAGES``) it prepares; none: the template's default."""
        self.process: subprocess.Popen[bytes] | None = None
        self.folder: Path | None = None
        self.retired: list[subprocess.Popen[bytes]] = []
        """Templates that stopped answering, left running to end what they fork late."""
        self.stopped_at_exit = False

    @property
    def path(self) -> Path:
        assert self.folder is not None
        return self.folder / "fork.sock"

    def start(self) -> subprocess.Popen[bytes]:
        """Start the template unless it runs; it is ready once it listens (:meth:`fork` waits)."""
        if self.process is not None and self.process.poll() is None:
            return self.process
        self._forget()
        # a folder only this user may enter: whoever reaches the socket gets a kernel
        if not self.stopped_at_exit:
            atexit.register(self.stop)
            self.stopped_at_exit = True
        self.folder = Path(tempfile.mkdtemp(prefix="workbook-fork-"))
        self.process = subprocess.Popen(
            [*self.command, str(self.path), " " * TITLE_ROOM, *self.pages],
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C at the server's terminal is the server's
        )
        return self.process

    def ready(self) -> bool:
        """Whether it runs and listens: it binds its socket once its imports are done."""
        return (
            self.process is not None
            and self.process.poll() is None
            and self.folder is not None
            and self.path.exists()
        )

    def stop(self) -> None:
        """Stop the template and any retired ones (their kernels follow the server)."""
        for process in [*self.retired, self.process]:
            if process is not None and process.poll() is None:
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(5)
        self.retired = []
        self._forget()

    def retire(self) -> None:
        """Fork no more from this template, but leave it running: the next fork starts another.

        A template that stops answering may only be slow. Left running, it ends the
        kernel it forks for a server that has stopped waiting (``_answer`` in
        :mod:`~widgets.forkserver.template`); stopped mid-fork, it would leave that
        kernel running for nobody until the server ends.
        """
        if self.process is not None:
            self.retired.append(self.process)
        self._forget()

    def _forget(self) -> None:
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
            log.warning(
                "workbook: the kernel template did not answer within %.0f s; this kernel "
                "starts the ordinary way and the next from a new template",
                REPLY_SECONDS,
            )
            self.retire()
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

DASHBOARD = "dashboard.ipynb"
"""The page whose kernels, asked for at a request, fork from :data:`DASHBOARDS`."""

DASHBOARDS = Template("dashboard")
"""The dashboards' template: pandas and Altair imported, charts drawn once over a sample
(``widgets.app.prepare``). Under JupyterHub a dashboard's kernel starts for its request,
and imported them, and drew its first charts, while the chair waited: 0.5 s (issue #19).
Started at a server's first dashboard, whose kernel comes from :data:`TEMPLATE`
meanwhile: memory only for users who open a dashboard. Preheated kernels (``make
serve``), started before any request, fork from :data:`TEMPLATE` and import them then."""


def template_for(env: dict[str, str]) -> Template:
    """The template to fork a kernel from, by the page its request is for (Voila puts
    the request's path in the kernel's ``SCRIPT_NAME``)."""
    if env.get("SCRIPT_NAME", "").endswith("/" + DASHBOARD):
        if DASHBOARDS.ready():
            return DASHBOARDS
        DASHBOARDS.start()  # for the next dashboard; this one does not wait for it
    return TEMPLATE


class ForkProvisioner(LocalProvisioner):
    """Jupyter's local provisioner, with the page kernel forked from a template
    (:func:`template_for`)."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        env = kwargs.get("env") or dict(os.environ)
        cwd = str(kwargs.get("cwd") or Path.cwd())
        forked = await template_for(env).fork(cmd, env, cwd)
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
