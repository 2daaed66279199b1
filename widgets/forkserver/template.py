"""The kernel template process: imports what the pages need, then forks a kernel per request.

``python -m widgets.forkserver.template SOCKET ROOM`` (started by
:class:`~widgets.forkserver.client.Template`); the package's docstring says why.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import json
import os
import shlex
import signal
import socket
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

from widgets.forkserver.client import KERNEL_MODULE, MODULE, REPLY_SECONDS, readable
from workbook.store import service

PRELOADED = ("landing", "form")
"""The pages (:data:`widgets.app.PAGES`) a template prepares unless told others. Not the
dashboard: pandas and Altair would add about 50 MiB to every fork's RSS (shared, but
counted), for the one page in several that draws charts. Dashboards under the hub fork
from a template of their own (:data:`widgets.forkserver.client.DASHBOARDS`)."""
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
MAX_REQUEST = 1 << 20


def serve(path: str, pages: tuple[str, ...] = PRELOADED) -> None:
    """Run a template: prepare ``pages`` (:func:`widgets.app.prepare`), then fork a
    kernel for each request."""
    from widgets import kernel

    kernel.block_debugger()
    kernel.print_stacks_on_signal()
    for name in KERNEL_IMPORTS:
        importlib.import_module(name)
    from widgets import app

    for page in pages:
        app.prepare(page)
    global _service
    if set(pages) & set(app.SERVICE_PAGES):
        _service = _start_service(str(Path(path).with_name("store")))
    # The forks' titles are written over the template's command line, padded for them
    # (TITLE_ROOM), and nowhere else: setproctitle would otherwise take the environment's
    # room too, and /proc/PID/environ would no longer show the server's environment
    # (JUPYTERHUB_USER, WORKBOOK_DB), by which tools find a server's kernels.
    os.environ["SPT_NOENV"] = "1"
    import setproctitle

    setproctitle.setproctitle(shlex.join([sys.executable, "-m", MODULE, path, *pages]))
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
            if readable(listener.fileno(), 1.0):
                connection, _ = listener.accept()
                with connection:
                    _answer(connection, listener)
    finally:
        listener.close()
        with contextlib.suppress(OSError):  # the server's exit removes them too, if it runs
            Path(path).unlink()
            Path(path).parent.rmdir()


_service = ""
"""The store service's socket (:mod:`workbook.store.service`), if this template started one."""


def _start_service(path: str) -> str:
    """Start the store service these pages' kernels read the store through; its socket,
    or "" if it could not start (the kernels then open the store themselves)."""
    try:
        pid = service.start(path, server=os.getppid())
    except OSError as exc:
        print(f"workbook: no store service ({exc}); page kernels open the store", file=sys.stderr)
        return ""
    print(f"workbook: store service started (pid {pid})", file=sys.stderr, flush=True)
    return path


def _answer(connection: socket.socket, listener: socket.socket) -> None:
    connection.settimeout(REPLY_SECONDS)
    pid = None
    try:
        request = _request(connection)
        pid = _fork(request, connection, listener)
        reply: dict[str, Any] = {"pid": pid}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        reply = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        connection.sendall(json.dumps(reply).encode() + b"\n")
    except OSError:
        # the server stopped waiting (and started the page's kernel another way): a kernel
        # nobody will connect to would only hold its memory until the server ends
        if pid is not None:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
                print(
                    f"workbook: the server stopped waiting for kernel {pid}; ended it",
                    file=sys.stderr,
                    flush=True,
                )


def _request(connection: socket.socket) -> dict[str, Any]:
    uid = service.peer_uid(connection)
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
    server = os.getppid()
    listening, child_listening = os.pipe()
    pid = os.fork()
    if pid == 0:  # the kernel: it never returns into the template's loop
        code = 1
        try:
            os.close(listening)
            connection.close()
            listener.close()
            os.setsid()  # its own session and process group, as Popen's kernels have
            _run_kernel(request, child_listening, server)
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
        readable(listening, REPLY_SECONDS / 2)  # a byte, or the end if it died
    finally:
        os.close(listening)
    return pid


def _follow(server: int) -> None:
    """In the fork: end this kernel when ``server`` ends, as an ordinary kernel does.

    The server, not the template, whose child it is: a template that dies (the
    out-of-memory killer's choice, say) or is retired takes no page with it.
    """
    try:
        handle = os.pidfd_open(server)
    except ProcessLookupError:
        os._exit(1)
    os.environ["JPY_PARENT_PID"] = str(server)  # what an ordinary kernel's launcher sets

    def watch() -> None:
        readable(handle, None)
        os._exit(1)  # as ipykernel's parent poller ends a kernel whose parent has gone

    threading.Thread(target=watch, name="follow-server", daemon=True).start()


def _run_kernel(request: dict[str, Any], listening: int, server: int) -> None:
    """In the fork: become what ``python -m widgets.kernel ARGV`` in ``cwd`` would be."""
    argv, env, cwd = request["argv"], request["env"], request["cwd"]
    for signum in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.environ.clear()
    os.environ.update(env)
    if _service:
        from workbook.store import remote

        os.environ[remote.ENV] = _service
    os.chdir(cwd)
    sys.path[0] = cwd  # as `python -m` puts its working folder first
    _follow(server)
    # The kernel follows its server (:func:`_follow`), not ipykernel's parent poller,
    # which can only follow a parent, here the template: 1 turns that poller off.
    argv = [*argv, "--IPKernelApp.parent_handle=1"]
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


if __name__ == "__main__":  # SOCKET TITLE-ROOM [PAGE ...]
    serve(sys.argv[1], tuple(sys.argv[3:]) or PRELOADED)
