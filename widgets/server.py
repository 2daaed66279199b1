"""The Voila server's kernel manager: room for as many open pages as memory allows (issue #19).

Each open page holds about six ZeroMQ sockets in the server (its kernel's channels and
their connections), and they all come from the kernel manager's one ZeroMQ context,
which allows 1,023 sockets unless told otherwise. So a server stopped opening pages at
about 175 open forms, whatever the memory: ``bench/capacity.py`` found it so with 13 GiB
still free, each new form then waiting for ever. voila.json names this manager
(``VoilaConfiguration.multi_kernel_manager_class``); its context allows
:data:`MAX_SOCKETS`, and it raises the server's soft limit on open files to the hard one,
since every socket is two open files (the limit is often 1,024: about 85 forms).

Runs in the server process, never in a page's kernel: it imports no widgets.
"""

from __future__ import annotations

import resource
from typing import Any

import zmq
import zmq.asyncio
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import default

from widgets import kernel

MAX_SOCKETS = 65_536
"""ZeroMQ sockets the server may hold: about ten thousand open pages."""


def raise_open_files_limit() -> int:
    """Raise this process's soft limit on open files to its hard limit (at most two files
    a socket when the hard limit is unlimited); never lower it. The soft limit after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = MAX_SOCKETS * 2 if hard == resource.RLIM_INFINITY else hard
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ValueError, OSError):  # not allowed here: keep what we have
        return soft
    return wanted


class KernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager, with a ZeroMQ context for thousands of sockets.

    Made once per server, so it also has the server print every thread's stack on
    ``kill -USR1`` (as the pages' kernels do, :data:`widgets.kernel.STACKS_SIGNAL`).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        kernel.print_stacks_on_signal()

    @default("context")
    def _context_default(self) -> zmq.asyncio.Context:
        self._created_context = True  # destroyed with the manager, as its own would be
        raise_open_files_limit()
        context = zmq.asyncio.Context()
        context.set(zmq.MAX_SOCKETS, MAX_SOCKETS)  # before its first socket, or it is ignored
        return context
