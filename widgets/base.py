"""Model/view base classes: state lives in a traitlets model, widgets only link to it.

A ``Model`` holds state and calls :mod:`workbook`; it can be driven in a plain test
without a browser. A ``View`` takes ``model=``, builds its widgets in :meth:`View.render`
(once, when first needed, so large forms open fast) and links them to the model.
"""

from __future__ import annotations

import os
from typing import Generic, TypeVar
from urllib.parse import parse_qs

import ipywidgets as ipw
from traitlets import HasTraits, Unicode


def preheated() -> bool:
    """Whether this kernel waits in Voila's pool: it runs the notebook before the request
    (``VOILA_PREHEAT``), so work done now is not the visitor's to wait for."""
    return os.environ.get("VOILA_PREHEAT") == "True"


def voila_page() -> bool:
    """Whether this kernel serves a Voila page, pooled or started for its request: Voila
    sets ``VOILA_PREHEAT`` (to "True" or "False") in both, and nowhere else."""
    return "VOILA_PREHEAT" in os.environ


if preheated():
    # Importing voila takes 1.5 s or more (it loads jupyter_server). A preheated kernel
    # imports this module before the page is requested, so pay for it now, not after.
    import voila.utils  # noqa: F401

M = TypeVar("M", bound="Model")


class Model(HasTraits):
    """State and behaviour of one widget, free of ipywidgets.

    ``message`` is the latest thing the user should be told, in words (errors are
    never carried by colour alone).
    """

    message = Unicode("")


class View(ipw.VBox, Generic[M]):  # type: ignore[misc]
    """A view over one model; subclasses build widgets in ``render``."""

    def __init__(self, model: M, *, lazy: bool = False, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.rendered = False
        if not lazy:
            self.ensure_rendered()

    def ensure_rendered(self) -> None:
        """Build the widgets the first time they are needed."""
        if not self.rendered:
            self.rendered = True
            self.render()

    def render(self) -> None:
        """Build ``self.children`` and link them to ``self.model``."""
        raise NotImplementedError


def refusal(error: BaseException, title: str = "This page cannot open") -> ipw.HTML:
    """What a refused visitor sees instead of the page: the reason in words, nothing else.

    ``role="alert"`` has screen readers announce it as soon as it appears.
    """
    from widgets.templating import render

    return ipw.HTML(render("page", "refusal", title, str(error)))


def refusal_title(error: Exception) -> str:
    """The refusal's heading: a link problem, or a store that cannot be reached."""
    from workbook.errors import AccessDenied

    if isinstance(error, AccessDenied):
        return "This page cannot open"
    return "The workbook cannot reach its store just now"


def page_query() -> dict[str, str]:
    """The Voila page's URL query as a dict (last value wins); {} outside Voila.

    Voila puts the query in the kernel's ``QUERY_STRING``. A preheated kernel runs the
    notebook before anyone asks for the page, so there ``wait_for_request`` first waits
    for the request and copies its variables into the environment: everything after
    this call (reading the link, the store, the data) happens for the visitor, fresh.
    """
    if preheated():
        from voila.utils import wait_for_request

        wait_for_request()
    raw = os.environ.get("QUERY_STRING") or ""
    return {key: values[-1] for key, values in parse_qs(raw).items()}
