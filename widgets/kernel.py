"""The kernel the Voila pages run in: IPython's kernel without its debugger (issue #19).

A page's kernel runs one notebook for one visitor, who never types code into it (under
the hub its server refuses execute requests), so the debugger serves nobody there. Yet
ipykernel imports debugpy at every start: about 8 MiB of each open page's memory and
70 ms of each kernel's start. The kernelspec ``workbook-page``
(``share/jupyter/kernels/workbook-page/kernel.json``, on ``JUPYTER_PATH`` wherever the
workbook starts Voila) runs this module instead of ``ipykernel_launcher``; it also turns
off the input history (a thread and a SQLite file per kernel) and the capture of
C-level output, which a page never shows. Analysts' notebooks keep the ordinary
``python3`` kernel, debugger and all.
"""

from __future__ import annotations

import faulthandler
import signal
import sys
from collections.abc import Callable

BLOCKED = ("debugpy",)
"""Modules a page's kernel never imports: ``import`` of each raises ImportError, which
ipykernel takes to mean "no debugger" (``ipykernel.debugger._is_debugpy_available``)."""


def block_debugger() -> None:
    """Make :data:`BLOCKED` unimportable; before ipykernel is imported, which looks once."""
    for name in BLOCKED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


STACKS_SIGNAL = signal.SIGUSR1
"""``kill -USR1 PID`` makes a page's kernel (or the kernel template, or the server) print
every thread's stack into the server's log, and go on: where a page that never draws
is waiting."""


def print_stacks_on_signal() -> None:
    """Print every thread's stack on :data:`STACKS_SIGNAL` (Python's faulthandler)."""
    faulthandler.register(STACKS_SIGNAL, all_threads=True, chain=False)


def register_widget_targets() -> None:
    """Register ipywidgets' comm targets with this kernel when ipywidgets came in first.

    ipywidgets registers its targets when it is imported inside a running kernel. A forked
    page kernel's template imported it before any kernel existed (widgets/forkserver/),
    so none was registered: a page's front end, whose first request asks for every
    widget's state at once (``request_states`` on the ``jupyter.widget.control`` comm),
    was refused and fell back to asking for each widget in turn, one round trip per
    widget (about 120 for a form). On a busy machine a page after a restart could then
    show "Error displaying widget: model not found" instead of its form. Registering
    again in a kernel that imports ipywidgets itself changes nothing.
    """
    widgets = sys.modules.get("ipywidgets")
    if widgets is not None:
        widgets.register_comm_target()


def main(argv: list[str] | None = None, listening: Callable[[], object] | None = None) -> None:
    """Start ipykernel as ``python -m ipykernel_launcher`` would, without the debugger.

    ``listening`` is called once the kernel's sockets are bound, before it starts serving:
    a forked kernel (widgets/forkserver/) says so to the server, whose client then
    connects at once instead of retrying.
    """
    block_debugger()
    print_stacks_on_signal()
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()  # what launch_new_instance does, with `listening` between
    app.initialize(argv)  # type: ignore[no-untyped-call]
    register_widget_targets()
    if listening is not None:
        listening()
    app.start()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main()
