"""HTML the widgets show, from Jinja templates in ``widgets/templates`` (as the reports' is).

Each template holds the macros of one area (``form``, ``criterion``, ``merge``, ...).
Autoescaping is on, so everything a user typed is escaped where it is put into the page,
not by each caller; HTML the core has already built (charts, tables) is passed in marked
``|safe`` in the template itself, where a reviewer sees it.
"""

from __future__ import annotations

import functools
import html
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup


def _escape_as_before(value: Any) -> Any:
    """Escape text as :func:`html.escape` does (``&#x27;``, ``&quot;``), as the page always has.

    Jinja's own escaping writes ``&#39;`` and ``&#34;``: the same in a browser, but the
    page's HTML (and the tests that read it) would change for no reason.
    """
    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup(html.escape(value))
    return value


_ENV = Environment(
    loader=PackageLoader("widgets", "templates"),
    autoescape=True,
    finalize=_escape_as_before,
    trim_blocks=True,
    lstrip_blocks=True,
)


@functools.cache
def _module(area: str) -> Any:
    return _ENV.get_template(f"{area}.html.j2").module


def prepare(*areas: str) -> None:
    """Compile these areas' templates now, e.g. in a preheated kernel before the request,
    so that the page's first render does not (issue #19)."""
    for area in areas:
        _module(area)


def render(area: str, macro: str, /, *args: Any, **kwargs: Any) -> str:
    """One macro of ``templates/<area>.html.j2``, rendered, as a plain string.

    A plain ``str``, not ``Markup``: a caller that adds more text to it must not have
    that text escaped behind its back.

    Parameters
    ----------
    area
        The template's name without ``.html.j2``, e.g. ``"form"``.
    macro
        The macro's name.
    *args, **kwargs
        The macro's arguments.
    """
    return str(getattr(_module(area), macro)(*args, **kwargs))
