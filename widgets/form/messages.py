"""What the form tells its user, in words, and how it shows a save time.

The texts live apart from the models that choose them, so each model module stays about
one behaviour and the wording can be read (and reviewed) in one place.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from workbook.store import SharedWith

try:
    LOCAL_TIME: dt.tzinfo = ZoneInfo("Europe/London")
except ZoneInfoNotFoundError:  # no time zone database: show UTC and say so
    LOCAL_TIME = dt.UTC

MESSAGES = {
    "choose": "Choose a cycle and your agency, then open the return.",
    "not_invited": "{agency} is not invited to {cycle}; choose another agency or cycle.",
    "opened": "Opened the return for {agency}, {cycle}.",
    "need_author": (
        "Not saved yet: type your name or role in 'Your name or role' so your work can be "
        "saved with your name on it."
    ),
    "saved": "Saved at {time}.",
    "unchanged": "Nothing new to save; it was last saved at {time}.",
    "nothing_yet": "Nothing to save yet: answer a criterion first.",
    "read_only": (
        "This return has been submitted and is read-only. The {chair} can reopen it, "
        "giving a reason."
    ),
    "view_only": (
        "You can read this return but not change it: your link ({who}) is not for this agency."
    ),
    "missing": (
        "Not submitted: {count} {things} to finish first. Each is listed under "
        "'Before you can submit', with a link to the criterion."
    ),
    "personal": (
        "Not submitted yet: {passages} like personal data about a person ({kinds}). Each is "
        "listed under 'Check before you submit', with a link to the criterion. Returns "
        "should describe services, not people. Edit them, or choose 'Submit anyway'."
    ),
    "submitted": "Submitted at {time}. The return is now read-only.",
    "not_submitted": "Only a submitted return can be reopened.",
    "need_reason": "Give a reason for reopening the return; it is kept in its history.",
    "reopened": "Reopened at {time}. The return can be edited again.",
    "copied": (
        "Copied {count} {answers} from {cycle}. Each is marked 'carried forward' until you edit it."
    ),
    "nothing_to_copy": "There is nothing from an earlier cycle to copy into empty criteria.",
    "too_long": "Not saved: {label} has a field that is too long ({detail}). Shorten it.",
    "bad_text": (
        "Not saved: {label} has a broken character (half of an emoji or symbol, often from "
        "pasting). Retype the text you pasted last."
    ),
    "bad_author": "Not saved: 'Your name or role' {problem}.",
    "failed": "Not saved: {error}",
    # the store refused for a while (busy, full, ...): nothing typed is lost (issue #7)
    "retrying": (
        "Not saved: {problem}. Your answers are still on this page; "
        "trying again in {seconds}.{hint}"
    ),
    "not_submitted_retrying": (
        "Not submitted: {problem}. Your answers are still on this page and are saved as a "
        "draft as soon as the store allows; then choose 'Submit the return' again.{hint}"
    ),
    "store_refused": "{outcome}: {problem}. Try again in a moment.{hint}",
}

STORE_PROBLEMS = {
    "store_busy": "the store is busy with other saves",
    "store_full": "the store is full",
    "store_read_only": "the store can only be read at the moment",
    "store_unreachable": "the store cannot be reached",
}
"""What a transient StorageError's kind means, in a few words for the form."""
ASK_FOR_HELP = {
    "store_full": " If this goes on, tell whoever runs the workbook.",
    "store_read_only": " If this goes on, tell whoever runs the workbook.",
}


def plural(count: int, one: str, many: str) -> str:
    """``one`` or ``many`` to agree with ``count``."""
    return one if count == 1 else many


def clock_time(moment: dt.datetime, today: dt.date | None = None) -> str:
    """A save time in UK local time: "14:03" today, else "3 Nov 2017 at 14:03".

    >>> clock_time(dt.datetime(2017, 11, 3, 14, 3, tzinfo=dt.UTC), dt.date(2017, 11, 3))
    '14:03'
    >>> clock_time(dt.datetime(2017, 7, 3, 14, 3, tzinfo=dt.UTC), dt.date(2017, 11, 3))
    '3 Jul 2017 at 15:03'
    """
    local = moment.astimezone(LOCAL_TIME)
    suffix = " UTC" if LOCAL_TIME is dt.UTC else ""
    if local.date() == (today or dt.datetime.now(LOCAL_TIME).date()):
        return f"{local:%H:%M}{suffix}"
    return f"{local.day} {local:%b %Y} at {local:%H:%M}{suffix}"


TRACKED = {
    "unreadable": "Your agency's actions could not be read just now: {error}",
    "choose": "Choose an action first, in 'Action'.",
    "nothing": (
        "Nothing to record for {action}: choose a different status or write a progress note."
    ),
    "unchanged": "Nothing new to record for {action}: it is still {status}.",
    "recorded": "Recorded for {action}: {what}. It is now at revision {revision}.",
    "not_recorded": "Not recorded: {error}",
    "nominated": (
        "{action} is nominated for {agency}'s top 3 ({count} of 3 places taken). "
        "The chair confirms or challenges it."
    ),
    "already_top": "{action} is already in {agency}'s top 3 ({state}).",
    "not_nominated": "Not nominated: {error}",
    "withdrawn": "{action} is off {agency}'s top 3.",
    "not_top": "{action} is not in {agency}'s top 3, so there is nothing to take off.",
    "not_withdrawn": "Not taken off the top 3: {error}",
}
"""What the agency's tracked actions section (:mod:`widgets.form.tracked`) tells its user."""


def shared_words(agency: str, own: str, shares: list[SharedWith]) -> str:
    """What the form says of a shared return (issue #17): one return, and whose notes are whose.

    >>> from workbook.store import SharedWith
    >>> theirs = [SharedWith("n1", "N", "np", "Theirs", False)]
    >>> text = shared_words("Police", "Ours", theirs)
    >>> text.split(":")[0]
    'Police answers this return once for Ours and Theirs'
    >>> text.endswith('Notes marked "for Ours only" are read by Ours alone.')
    True
    """
    if not shares:
        return ""
    names = [own, *dict.fromkeys(s.partnership_name for s in shares)]
    listed = ", ".join(names[:-1]) + " and " + names[-1]
    both = "both" if len(names) == 2 else "all of them"
    return (
        f"{agency} answers this return once for {listed}: what you save here is the return "
        f'{both} see. Notes marked "for {own} only" are read by {own} alone.'
    )
