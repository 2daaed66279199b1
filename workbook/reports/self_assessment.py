"""The self-assessment report (issue #5): its context as plain data, and the notebook's API.

:func:`report_context` reads the store once and builds everything the report shows as
plain data (lists of dicts of text and numbers, plus Vega-Lite specs under ``charts``),
so it is tested with ``data_regression``. :func:`self_assessment` is what
``notebooks/report.ipynb`` calls: it checks the parameters, builds the context and
returns a :class:`~workbook.reports.html.Report` whose methods each display one section.

The analysis is :mod:`workbook.analysis` and the charts :mod:`workbook.charts.builders` (shared
with the chair's dashboard); this module only chooses, orders and words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from workbook import analysis
from workbook.charts import builders as charts
from workbook.errors import ParameterError, Problem
from workbook.reports.actions import actions_section
from workbook.reports.board_paper import (
    appendix_section,
    highlights_section,
    labels_context,
    purpose_section,
    words_context,
)
from workbook.reports.common import analysis_rows, names, plain, plural, spec
from workbook.reports.evidence import evidence_section
from workbook.reports.html import Report
from workbook.reports.sections import (
    comparison_section,
    completion_section,
    disagreement_section,
    moderation_section,
    not_applicable_section,
    ratings_section,
    shared_part,
    themes_section,
)
from workbook.schema import params
from workbook.store import CycleInfo, Store


def stage_words(stage: str, words: Mapping[str, str]) -> dict[str, str]:
    """The paper's title and readers: the group for a draft, the board for the final."""
    body = words["group"] if stage == "draft" else words["board"]
    title = f"draft report to the {body}" if stage == "draft" else f"report to the {body}"
    return {"title": title, "audience": f"The {body}", "who": f"the {body}"}


def asks_section(context: Mapping[str, Any], extra: Sequence[str]) -> dict[str, Any]:
    """What the group (draft) or the board (final) is asked to note and to agree.

    The chair's own asks (the Highlights tab) come first; the figures follow.
    """
    completion = context["completion"]
    have = "has" if completion["submitted"] == 1 else "have"
    note = [
        f"{completion['submitted']} of {completion['invited']} agencies {have} submitted their "
        f"return (due {completion['due']})"
        + (
            f"; outstanding: {names(completion['outstanding'])}."
            if completion["outstanding"]
            else "."
        )
    ]
    spread = context["ratings"]["spread"]
    levels = context["ratings"]["levels"]
    if spread:
        rank = {label: i for i, label in enumerate(levels)}
        lowest = min(rank.get(row["median"], len(levels)) for row in spread)
        weakest = [row["heading"] for row in spread if rank.get(row["median"]) == lowest]
        if weakest and lowest < len(levels):
            note.append(f"Ratings are lowest under {names(weakest)} (median {levels[lowest]}).")
    if context["disagreement"]:
        named = [f"\u2018{row['criterion']}\u2019" for row in context["disagreement"][:3]]
        note.append(
            f"Agencies disagree most on {names(named)}; the {context['words']['chair']} "
            "may probe these."
        )
    mods = context["moderation"]
    if mods["rated"]:
        note.append(
            f"The {context['words']['chair']} moderated {plural(mods['rated'], 'rating')}: "
            f"{mods['lowered']} lowered, {mods['raised']} raised, {mods['agreed']} agreed."
        )
    na = context["not_applicable"]
    if na["count"]:
        note.append(
            f"{plural(na['agencies'], 'agency', 'agencies')} marked "
            f"{plural(na['count'], 'answer')} not applicable, giving reasons (listed in the "
            "detail); they count in no median."
        )
    evidence = context["evidence"]
    if evidence["loaded"] and evidence["contradicted"]:
        note.append(
            f"The evidence contradicts {plural(evidence['contradicted'], 'self-rating')} that "
            f"the {context['words']['chair']} has not dismissed (listed under "
            "\u2018What the evidence says\u2019)."
        )
    comparison = context.get("comparison")
    if comparison:
        up = [h["heading"] for h in comparison["headings"] if h["change"].startswith("+")]
        down = [h["heading"] for h in comparison["headings"] if h["change"].startswith("-")]
        words = []
        if up:
            words.append(f"rose under {names(up)}")
        if down:
            words.append(f"fell under {names(down)}")
        if words:
            note.append(
                f"Compared with {comparison['earlier']}, mean ratings {' and '.join(words)}."
            )
    actions = context["actions"]
    agree = []
    if actions["partnership_top"]:
        agree.append("The partnership's top 5 actions, their owners and due dates.")
    else:
        agree.append(
            f"The partnership's priority actions: the {context['words']['chair']} has not yet "
            "marked the top 5."
        )
    if actions["overdue_count"]:
        agree.append(
            f"That the owners of {plural(actions['overdue_count'], 'overdue action')} "
            "report progress to the next meeting."
        )
    if len(completion["outstanding"]) == 1:
        agree.append(
            f"That {completion['outstanding'][0]} submits its return before the next meeting."
        )
    elif completion["outstanding"]:
        agree.append(
            f"That the {len(completion['outstanding'])} agencies with outstanding returns "
            "submit them before the next meeting."
        )
    chair = context["highlights"]
    stage = stage_words(context["stage"], context["words"])
    return {
        "audience": stage["audience"],
        "who": stage["who"],
        "note": [*chair["to_note"], *note],
        "agree": [*chair["to_agree"], *agree],
        "extra": list(extra),
    }


def _partnership_name(store: Store, partnership_id: str) -> str:
    return dict(store.partnerships()).get(partnership_id, partnership_id)


def _check_comparison(current: CycleInfo, earlier: CycleInfo, source: str) -> None:
    reason = ""
    if earlier.id == current.id:
        reason = "is the cycle reported on; choose an earlier cycle or ''"
    elif earlier.framework_id != current.framework_id:
        reason = (
            f"{earlier.id!r} runs {earlier.framework_id}, not {current.framework_id}; "
            "choose a cycle of the same framework or ''"
        )
    if reason:
        raise ParameterError(source, [Problem(source, "compare_with", reason)])


def report_context(
    store: Store, p: params.ReportParameters, run_at: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything the self-assessment report shows, as plain data.

    Parameters
    ----------
    p
        The report's parameters (already validated).
    run_at
        When the report is made (default: now); shown in the title block only.
    """
    cycle = store.cycle(p.cycle)
    framework = store.framework(cycle.framework_id, cycle.framework_version)
    words = words_context(cycle.words)
    stage = stage_words(p.stage, words)
    partnership = _partnership_name(store, cycle.partnership_id)
    agencies = store.agencies(cycle.partnership_id)
    agency_names = {a.id: a.name for a in agencies}
    timetable_date = (
        cycle.timetable.draft_report if p.stage == "draft" else cycle.timetable.final_report
    )
    as_of = p.as_of_date(timetable_date)
    # a draft goes to the group's meeting (its date in the timetable), the final to the board's
    meeting = timetable_date if p.stage == "draft" else cycle.timetable.board_meeting
    earlier = store.cycle(p.compare_with) if p.compare_with else None
    if earlier is not None:
        _check_comparison(cycle, earlier, "compare_with")
    full = analysis.load(store, [cycle.id])
    frame = analysis_rows(full, p.include_unsubmitted)
    excluded = sorted(set(full["agency"]) - set(frame["agency"]))
    context: dict[str, Any] = {
        "kind": "report",
        "title": f"{cycle.title}: {stage['title']}",
        "stage": p.stage,
        "audience": stage["audience"],
        "partnership": partnership,
        "words": words,
        "labels": labels_context(framework),
        "framework": {"id": framework.id, "title": framework.title, "version": framework.version},
        "cycle": {
            "id": cycle.id,
            "title": cycle.title,
            "due": cycle.timetable.returns_due.isoformat(),
            "meeting": plain(meeting),
        },
        "compare": {"id": earlier.id, "title": earlier.title} if earlier else None,
        "as_of": as_of.isoformat(),
        "run_at": (run_at or dt.datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %Z").strip(),
        "store": store.url,
        "parameters": [list(item) for item in p.used()],
        "scope": (
            "Ratings and texts are from every saved return, submitted or not."
            if p.include_unsubmitted
            else "Ratings and texts are from submitted returns only"
            + (f"; not included: {names(excluded)}." if excluded else ".")
        ),
        "completion": completion_section(full, as_of, cycle.timetable.returns_due)
        | shared_part(full, frame),
        "ratings": ratings_section(frame, framework),
        "themes": themes_section(frame, framework),
        "disagreement": disagreement_section(frame, framework, p.top_disagreement),
        "moderation": moderation_section(store, frame, cycle.id, framework),
        "not_applicable": not_applicable_section(store, frame, cycle.id, framework),
        "evidence": evidence_section(store, cycle, framework, frame),
        "comparison": (
            comparison_section(store, cycle, earlier, p.include_unsubmitted, framework)
            if earlier
            else None
        ),
        "actions": actions_section(store, frame, cycle, as_of),
        "highlights": highlights_section(store, cycle, framework, frame, agency_names),
        "appendix": appendix_section(framework),
    }
    context["purpose"] = purpose_section(
        cycle,
        framework,
        partnership,
        context["completion"],
        [a.name for a in agencies if a.statutory and a.id in cycle.agencies],
        p.stage,
    )
    context["completion"]["chart"] = spec(charts.completion_chart(analysis.completion(full, as_of)))
    context["asks"] = asks_section(context, p.board_asks)
    return context


def self_assessment(**values: Any) -> Report:
    """The report for ``notebooks/report.ipynb``: check the parameters, read the store.

    Takes the notebook's parameters as keywords (see
    :class:`workbook.schema.params.ReportParameters`); a wrong one raises ``ParameterError``.
    """
    p = params.check(params.ReportParameters, values, "report.ipynb parameters")
    with Store.open(p.db or None, create=False, migrate=False) as store:
        return Report(report_context(store, p))
