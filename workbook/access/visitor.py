"""Who opened this page: a personal link's holder, a JupyterHub user, or the local user.

Pure decisions from the page's address and the process's environment; the store then
looks the visitor up (``Store.for_visitor``). Outside Voila (the CLI, papermill,
JupyterLab) the person at the keyboard already holds the store file or its password, so
they act as a local administrator; inside a Voila kernel nobody is trusted until a
personal link, or the hub user signed in, says who they are.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from workbook.access.identity import ANONYMOUS, Identity


def in_voila_kernel(environ: Mapping[str, str] | None = None) -> bool:
    """True in a kernel Voila started (it sets VOILA_BASE_URL, preheated or not)."""
    env = os.environ if environ is None else environ
    return "VOILA_BASE_URL" in env or "VOILA_PREHEAT" in env


HUB_USER_VARIABLE = "JUPYTERHUB_USER"
"""Set by JupyterHub's spawner in each user's server, and inherited by its kernels."""
IDENTITY_VARIABLE = "WORKBOOK_IDENTITY"
"""``hub`` in the servers of the workbook's own hub (deploy/jupyterhub_config.py)."""


VISITOR_VARIABLES = ("VOILA_BASE_URL", "VOILA_PREHEAT", HUB_USER_VARIABLE, IDENTITY_VARIABLE)
"""What of a process's environment decides who its pages' visitors may be."""


def visitor_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables of ``environ`` (this process's) that decide who a page's visitor is:
    what a page kernel gives the store service, which decides in another process whose
    environment is not the page's (:mod:`workbook.store.remote`, issue #19).

    >>> visitor_environment({"VOILA_BASE_URL": "/", "HOME": "/root"})
    {'VOILA_BASE_URL': '/'}
    """
    env = os.environ if environ is None else environ
    return {name: env[name] for name in VISITOR_VARIABLES if name in env}


def hub_username(environ: Mapping[str, str] | None = None) -> str | None:
    """The JupyterHub user whose server this process runs in, or None outside the hub.

    JupyterHub authenticates the user, starts their own server with ``JUPYTERHUB_USER``
    set, and lets no one else in; Voila starts each page's kernel with the server's
    environment, so a kernel of that server acts for that user. Only the workbook's own
    hub says so (``WORKBOOK_IDENTITY=hub``): on any other JupyterHub (Binder, a
    developer's hub) the workbook runs as it does on a laptop.

    >>> hub_username({"JUPYTERHUB_USER": "alice", "WORKBOOK_IDENTITY": "hub"})
    'alice'
    >>> hub_username({"JUPYTERHUB_USER": "alice"}), hub_username({"WORKBOOK_IDENTITY": "hub"})
    (None, None)
    """
    env = os.environ if environ is None else environ
    if env.get(IDENTITY_VARIABLE, "").strip().lower() != "hub":
        return None
    name = env.get(HUB_USER_VARIABLE, "").strip()
    return name or None


def default_identity(environ: Mapping[str, str] | None = None) -> Identity:
    """Whom a freshly opened store acts for: nobody in Voila or in the workbook's hub (where
    the page says who is asking), the local user elsewhere."""
    if in_voila_kernel(environ) or hub_username(environ) is not None:
        return ANONYMOUS
    return Identity.local()


@dataclass(frozen=True)
class Visitor:
    """Whom a page must look up before acting: by ``token``, by ``hub_user``, or neither.

    Neither means the identity already acting (a trusted local one) carries on.
    """

    token: str | None = None
    hub_user: str | None = None


def page_visitor(
    token: str | None, acting: Identity, environ: Mapping[str, str] | None = None
) -> Visitor:
    """Who opened a page with ``token`` in its address, in a store acting for ``acting``.

    Without a token only a trusted local identity (a notebook opened in JupyterLab)
    carries on; in Voila the store starts anonymous, so a missing token is looked up (and
    refused), except in a user's server under JupyterHub, where the hub user signed in
    is looked up in the administrator's list (issue #9).

    >>> page_visitor(None, Identity.local("ann"))
    Visitor(token=None, hub_user=None)
    >>> page_visitor(None, ANONYMOUS, {"JUPYTERHUB_USER": "bo", "WORKBOOK_IDENTITY": "hub"})
    Visitor(token=None, hub_user='bo')
    >>> page_visitor(" t0k ", Identity.local("ann"))
    Visitor(token='t0k', hub_user=None)
    """
    token = (token or "").strip()
    if not token and acting.anonymous:
        username = hub_username(environ)
        if username is not None:
            return Visitor(hub_user=username)
    if token or not acting.trusted_local:
        return Visitor(token=token)
    return Visitor()
