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

import sys

BLOCKED = ("debugpy",)
"""Modules a page's kernel never imports: ``import`` of each raises ImportError, which
ipykernel takes to mean "no debugger" (``ipykernel.debugger._is_debugpy_available``)."""


def main(argv: list[str] | None = None) -> None:
    """Start ipykernel as ``python -m ipykernel_launcher`` would, without the debugger."""
    for name in BLOCKED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=argv)


if __name__ == "__main__":
    main()
