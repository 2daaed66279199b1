"""Page kernels forked from a process that has already imported what they need (issue #19).

Every page's kernel used to start as a new Python, which then imported ipykernel,
IPython, ipywidgets, pydantic, SQLAlchemy and the workbook's own modules: about a second
of CPU before the page could be drawn, paid again for every kernel. Under JupyterHub,
where Voila cannot keep kernels waiting, the person waits for all of it; on ``make
serve`` the pools refill with it, on the same two cores the next page needs.

``WORKBOOK_FORK_KERNELS=0`` (:data:`client.SWITCH`) turns forking off: every page
kernel then starts the ordinary way, and the server extension starts no template.

Instead, one *template* process per server (:mod:`~widgets.forkserver.template`)
imports all that once and waits on a Unix socket; each page kernel is a fork of it,
which only has to open its sockets and run its notebook. The forks share the template's
memory until they write to it, so an open page also costs the machine less (its RSS
counts the shared pages; its PSS does not). What a library does on import only inside a
running kernel, a fork does once its kernel exists: ipywidgets' comm targets
(:func:`widgets.kernel.register_widget_targets`), without which a page's front end
cannot ask for every widget's state at once.

:class:`~widgets.forkserver.client.ForkProvisioner` is the ``workbook-page``
kernelspec's provisioner (its kernel.json names ``workbook-fork``, the entry point
pyproject.toml declares). It asks the template for a kernel, and falls back to starting
one the ordinary way, as Jupyter's own provisioner does, whenever the template cannot
serve: it would not start, it died, the command is not the page kernel's, or this
system has no ``os.pidfd_open``. A template that stops answering is retired: the
next kernel starts a new template, and the slow one, once it answers, ends the kernel
it forked for a server that had stopped waiting.

The kernel is the template's child, not the server's: the server follows it through a
pidfd and signals its process group as Jupyter's provisioner would. Its exit status is
not known to the server (reported as 0). Each kernel follows the server itself (a
thread watching the server's pidfd), not its template, so a template that dies (the
out-of-memory killer's choice, say) takes no page with it; the template follows its
server too (it exits when its parent does).

:mod:`~widgets.forkserver.client` runs in the server process and imports no widgets;
:mod:`~widgets.forkserver.template` is the template process. This package is also the
Jupyter Server extension that starts the template with each user's server under the hub.
"""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """This package as a Jupyter Server extension (each user's server under the hub)."""
    return [{"module": __name__}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Start the template with the server, so that the first page (the landing page,
    just after signing in) finds it ready instead of waiting for its imports."""
    from widgets.forkserver import client

    if not client.enabled():
        serverapp.log.info("workbook: page kernels start the ordinary way (%s=0)", client.SWITCH)
        return
    process = client.TEMPLATE.start()
    serverapp.log.info("workbook: kernel template started (pid %s)", process.pid)
