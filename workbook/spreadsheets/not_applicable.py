""" "Not applicable" in a return's file (issue #16): the sector's scope, and no answer lost.

The form lets an agency mark a criterion not applicable, with its reason, and hides the
criteria its sector is not asked. A return's file does the same in two columns after the
older ones (:data:`workbook.spreadsheets.layout.NA_COLUMNS`) and leaves those criteria
out. What the template writer, the sheet reader and the importer each need to agree on
lives here once: the words of the scope line, what the drop-down's cell may hold, and
what an import keeps that a file cannot say.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from workbook.schema.framework import Framework
from workbook.schema.responses import NOT_APPLICABLE, Answer


def not_asked(framework: Framework, sector: str | None, heading_id: str | None = None) -> int:
    """How many criteria (of one heading, or all) an agency of ``sector`` is not asked."""
    criteria = framework.criteria_under(heading_id) if heading_id else framework.criteria
    return sum(not c.applies(sector) for c in criteria)


def scope_line(count: int, sector: str | None, where: str = "under this heading") -> str:
    """One line saying how many criteria were left out for the sector ("" for none).

    Worded as the form's (``widgets/templates/form.html.j2``), so both say the same.

    >>> print(scope_line(1, "health", "here"))
    1 criterion here is not asked of agencies in the health sector, so it is not listed.
    >>> scope_line(0, "health")
    ''
    """
    if not count:
        return ""
    noun, verb, pronoun = (
        ("criterion", "is", "it is") if count == 1 else ("criteria", "are", "they are")
    )
    return (
        f"{count} {noun} {where} {verb} not asked of agencies in the {sector} sector, "
        f"so {pronoun} not listed."
    )


def choice(text: str) -> bool | None:
    """What a "Not applicable" cell says: True, False (empty) or None (not a choice).

    Any case and spacing of the drop-down's one word is taken, as a rating's label is.

    >>> choice(" not  APPLICABLE "), choice(""), choice("Yes")
    (True, False, None)
    """
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return False
    return True if wanted == NOT_APPLICABLE.casefold() else None


def unknown_choice(text: str) -> str:
    """The message for a "Not applicable" cell holding anything but its one choice."""
    return (
        f"unknown value {text!r} in the {NOT_APPLICABLE!r} column; choose {NOT_APPLICABLE!r} "
        "from the drop-down or leave it empty"
    )


def not_in_scope(cid: str, sector: str | None) -> str:
    """The message for an answer to a criterion the agency's sector is not asked."""
    return (
        f"criterion {cid!r} is not asked of agencies in the {sector} sector, so nothing "
        "can be imported for it; clear this cell"
    )


def keep_stored(
    framework: Framework,
    answers: Mapping[str, Answer],
    before: Mapping[str, Answer],
    sector: str | None,
    without_columns: Collection[str],
) -> tuple[dict[str, Answer], tuple[str, ...]]:
    """The file's answers, with what the file cannot say taken from the stored return.

    An import replaces the return's answers with the file's, but two things are not the
    file's to replace, and losing them silently would undo work done in the form:

    * a stored answer to a criterion the sector is not asked (the file has no row for it);
    * "not applicable" and its reason, for a criterion read from a sheet made before the
      columns existed (``without_columns``) that the file leaves unrated. A rating in such
      a file replaces the stored "not applicable", as a rating does in the form; the
      returned warnings say so.

    Parameters
    ----------
    answers
        The file's answers by criterion id.
    before
        The return's latest stored answers.
    without_columns
        Criteria read from a sheet without the "Not applicable" columns.
    """
    kept = dict(answers)
    warnings = []
    for cid, stored in before.items():
        try:
            criterion = framework.criterion(cid)
        except KeyError:
            continue
        if not criterion.applies(sector):
            kept[cid] = stored
        elif cid in without_columns and stored.not_applicable:
            mine = kept.get(cid, Answer())
            if mine.rating is None:
                update = {"not_applicable": True, "na_reason": stored.na_reason}
                kept[cid] = mine.model_copy(update=update)
            else:
                warnings.append(
                    f"{cid}: the file has no {NOT_APPLICABLE!r} column (it was made before "
                    f"there was one), and its rating replaces the answer {NOT_APPLICABLE!r} "
                    "saved before"
                )
    return kept, tuple(warnings)
