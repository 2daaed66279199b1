"""A return's revision history: who saved it, when, its status and what changed.

``history_html`` is a pure function of the framework and the store's revisions, so it is
tested without widgets; every text that came from a user (author, note) is escaped by
its template (``templates/history.html.j2``). The form shows it under a show/hide button
(:class:`widgets.form.view.HistoryView`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from widgets.templating import render
from workbook.schema.framework import Framework, ResponseField
from workbook.schema.responses import NA_REASON_LABEL

if TYPE_CHECKING:
    from workbook.store import RevisionInfo

FIELD_NAMES = {
    "carried_forward": "carried-forward mark",
    "not_applicable": "not applicable",
    "na_reason": NA_REASON_LABEL.lower(),
}
MANY = 5
"""More changed criteria than this are summed up rather than listed field by field."""


def field_name(framework: Framework, name: str) -> str:
    """A field as the template names it, short and in lower case: "evidence".

    Parameters
    ----------
    framework
        The framework answered (its labels may rename fields).
    name
        The field's name in :class:`~workbook.schema.responses.Answer`.
    """
    try:
        label = framework.label(ResponseField(name))
    except ValueError:
        return FIELD_NAMES.get(name, name.replace("_", " "))
    return label.split(" (")[0].lower()  # "Evidence (documents, ...)" -> "evidence"


def _runs(names: Sequence[str]) -> str:
    """Consecutive numbers under one heading as ranges: "Prevent 1–3, Identify 2"."""
    groups: list[list[Any]] = []  # [title, first, last]
    for name in names:
        title, _, number = name.rpartition(" ")
        if not (title and number.isdigit()):
            groups.append([name, None, None])
        elif groups and groups[-1][0] == title and groups[-1][2] == int(number) - 1:
            groups[-1][2] = int(number)
        else:
            groups.append([title, int(number), int(number)])
    return ", ".join(
        title if first is None else f"{title} {first}" + (f"–{last}" if last != first else "")
        for title, first, last in groups
    )


def describe_changes(
    framework: Framework, changes: Mapping[str, Sequence[str]], labels: Mapping[str, str]
) -> str:
    """The fields a revision changed, in words: "Prevent 1 (rating, evidence); ...".

    More than ``MANY`` criteria (a copy from last cycle, say) are summed up:
    "41 criteria (rating, evidence): Prevent 1–8, Identify 1–9, ...".

    Parameters
    ----------
    framework
        The framework answered (for field labels).
    changes
        Field names changed, by criterion id (``RevisionInfo.changes``).
    labels
        Short criterion names by id in framework order, e.g. ``{"prevent-1": "Prevent 1"}``.
    """
    order = {criterion_id: index for index, criterion_id in enumerate(labels)}
    items = sorted(changes.items(), key=lambda item: order.get(item[0], len(order)))
    if len(items) > MANY:
        fields = dict.fromkeys(field_name(framework, f) for _, names in items for f in names)
        names = [labels.get(criterion_id, criterion_id) for criterion_id, _ in items]
        return f"{len(items)} criteria ({', '.join(fields)}): {_runs(names)}"
    parts = []
    for criterion_id, fields_changed in items:
        named = ", ".join(field_name(framework, f) for f in fields_changed) or "cleared"
        parts.append(f"{labels.get(criterion_id, criterion_id)} ({named})")
    return "; ".join(parts) or "status only"


def _identity(saved_by: str | None) -> str:
    """How a revision's identity reads beside the author's name ("personal link 3")."""
    if not saved_by:
        return ""
    kind, _, rest = saved_by.partition(":")
    words = {"link": "personal link", "hub": "hub user", "local": "on the server as"}
    return render("history", "identity", words.get(kind, kind), rest)


def history_html(
    framework: Framework,
    revisions: Sequence[RevisionInfo],
    labels: Mapping[str, str],
    when: Callable[[dt.datetime], str],
) -> str:
    """The revision history as an escaped HTML table, newest first.

    Parameters
    ----------
    framework
        The framework answered.
    revisions
        The store's revisions, oldest first (``Store.history``).
    labels
        Short criterion names by id.
    when
        How to show a timestamp.
    """
    rows = [
        {
            "number": rev.number,
            "saved": when(rev.saved_at),
            "author": rev.author,
            "identity": _identity(rev.saved_by),
            "status": rev.status.label,
            "note": rev.note,
            "changes": describe_changes(framework, rev.changes, labels),
        }
        for rev in reversed(revisions)
    ]
    return render("history", "table", rows)
