"""The agency return form (issue #3): views over :class:`~widgets.form.model.FormModel`.

``open_form()`` is what ``notebooks/form.ipynb`` displays: it reads the page's URL query
(``?cycle=...&agency=...&user=...``), opens the store and returns a :class:`FormView`.
The view builds only the top of the form at first; a heading's criteria are built when
that heading is first opened, so a 40-criterion return opens as fast as a short one.

Accessibility: every input is an ipywidgets control whose ``description`` renders a
``<label>`` tied to it; headings open with ordinary buttons whose text says what they
do; every state (saved, missing, read-only, carried forward) is written in words.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import ipywidgets as ipw

from widgets.base import View, page_query, refusal, refusal_title
from widgets.form.criterion import CriterionView, Look, anchor
from widgets.form.merge_view import MergeView
from widgets.form.model import FormModel, HeadingModel
from widgets.form.tracked import TrackedActionsView
from widgets.form.upload import UploadModel, UploadView
from widgets.templating import render
from workbook.errors import AccessDenied, StorageError
from workbook.schema.responses import Status
from workbook.store import remote

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from widgets.form.autosave import Schedule
    from workbook.schema.framework import Framework
    from workbook.store import Store

PROMPT_PREVIEW = 90


def _shorten(text: str, limit: int = PROMPT_PREVIEW) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _visible(shown: Any) -> str | None:
    return None if shown else "none"


def problems_html(problems: list[dict[str, str]]) -> str:
    """What stops submission, as a list of links to the criteria; "" when nothing.

    Parameters
    ----------
    problems
        ``FormModel.problems`` entries (criterion, label, prompt, problem).
    """
    return render("form", "problems", problems, anchor=anchor, shorten=_shorten)


def personal_html(warnings: list[dict[str, str]]) -> str:
    """Passages that look like personal data, as links to their criteria; "" when none.

    The excerpts are masked by :mod:`workbook.personal_data`, so the list does not
    repeat the data it warns about.

    Parameters
    ----------
    warnings
        ``FormModel.personal_warnings`` entries (criterion, label, field, kind, excerpt).
    """
    return render("form", "personal", warnings, anchor=anchor)


def scale_html(framework: Framework | None) -> str:
    """The rating scale in words, best first as the template orders it."""
    if framework is None:
        return ""
    return render("form", "scale", framework.scale)


class HeadingView(View[HeadingModel]):
    """A framework heading: title, progress and a button that shows its criteria."""

    def __init__(self, model: HeadingModel, look: Look, **kwargs: Any) -> None:
        self.look = look
        super().__init__(model, layout=look.full, **kwargs)

    def render(self) -> None:
        m = self.model
        heading = m.heading
        self.add_class("wb-heading")
        self.title = self.look.html(render("form", "heading_title", heading))
        self.count = self.look.html()
        self.toggle = self.look.button()
        self.toggle.add_class("wb-heading-toggle")
        self.toggle.on_click(lambda _b: setattr(m, "open", not m.open))
        self.body = ipw.VBox(layout=ipw.Layout(width="100%", display="none"))
        self.criteria: list[CriterionView] = []
        m.observe(self._show_count, names=["done", "total"])
        m.observe(self._show_open, names="open")
        self._show_count()
        self._show_open()
        self.children = [self.title, self.count, self.toggle, self.body]

    def _show_count(self, _change: object = None) -> None:
        m = self.model
        self.count.value = render("form", "heading_count", m.done, m.total)

    def _show_open(self, _change: object = None) -> None:
        m = self.model
        title = m.heading.title
        if m.open and not self.criteria:  # built once, on first opening
            self.criteria = [CriterionView(c, self.look) for c in m.criteria]
            self.body.children = self.criteria
        self.body.layout.display = _visible(m.open)
        self.toggle.description = (
            f"Hide the {title} criteria" if m.open else f"Show the {m.total} {title} criteria"
        )


class FormView(View[FormModel]):
    """The agency return form: choose, fill in, save, submit, see the history."""

    def __init__(self, model: FormModel, **kwargs: Any) -> None:
        self.look = Look()
        super().__init__(model, layout=self.look.full, **kwargs)

    def render(self) -> None:
        m = self.model
        look = self.look
        self.add_class("wb-form")

        self.cycle = ipw.Dropdown(
            description="Cycle", options=m.cycle_options, value=None, style=look.description_style
        )
        self.agency = ipw.Dropdown(
            description="Agency", options=m.agency_options, value=None, style=look.description_style
        )
        ipw.link((m, "chosen_cycle"), (self.cycle, "value"))
        ipw.dlink((m, "agency_options"), (self.agency, "options"))
        ipw.link((m, "chosen_agency"), (self.agency, "value"))
        self.open_button = look.button("Open the return")
        self.open_button.on_click(lambda _b: m.open())
        chooser = ipw.HBox([self.cycle, self.agency, self.open_button], layout=look.row)

        self.author = ipw.Text(description="Your name or role", style=look.text_style)
        ipw.link((m, "author"), (self.author, "value"))
        if m.author_fixed:  # the personal link says who saves; show it instead of asking
            self.author.layout.display = "none"
        self.who = look.html(
            render("form", "signed_in", m.store.identity.signed_in, m.author, m.who)
            if m.author_fixed
            else ""
        )
        self.title = look.html()
        ipw.dlink((m, "title"), (self.title, "value"), lambda t: render("form", "title", t))

        self.save_state = ipw.HTML(layout=look.auto, style=look.html_style)
        ipw.dlink((m, "save_state"), (self.save_state, "value"), self._state_html)
        self.overall = ipw.HTML(layout=look.auto, style=look.html_style)
        ipw.dlink((m, "overall"), (self.overall, "value"), lambda t: render("form", "paragraph", t))
        self.save_button = look.button("Save now")
        self.save_button.on_click(lambda _b: m.save())
        self.submit_button = look.button("Submit the return")
        self.submit_button.on_click(lambda _b: m.submit())
        for button in (self.save_button, self.submit_button):
            ipw.dlink((m, "read_only"), (button, "disabled"))
        self.submit_anyway_button = ipw.Button(
            description="Submit anyway",
            layout=ipw.Layout(width="auto", display="none"),  # its own: shown with warnings
            style=look.button_style,
        )
        self.submit_anyway_button.on_click(lambda _b: m.submit_anyway())
        ipw.dlink((m, "personal_warnings"), (self.submit_anyway_button.layout, "display"), _visible)
        self.message = look.html()
        ipw.dlink((m, "message"), (self.message, "value"), self._message_html)
        bar = ipw.VBox(
            [
                ipw.HBox(
                    [
                        self.save_state,
                        self.overall,
                        self.save_button,
                        self.submit_button,
                        self.submit_anyway_button,
                    ],
                    layout=look.row,
                ),
                self.message,
            ],
            layout=look.full,
        )
        bar.add_class("wb-bar")

        # someone else saved first: keep or merge (issue #7); shown only then
        self.merge_view = MergeView(m, look, focus_after=self.save_button)

        self.carry_text = look.html()
        ipw.dlink(
            (m, "carry_from"),
            (self.carry_text, "value"),
            lambda c: render("form", "carry", c),
        )
        self.carry_button = look.button("Copy last cycle's answers")
        self.carry_button.on_click(lambda _b: m.copy_forward())
        carry_box = ipw.VBox([self.carry_text, self.carry_button], layout=ipw.Layout(width="100%"))
        ipw.dlink((m, "carry_from"), (carry_box.layout, "display"), _visible)

        self.problems = look.html()
        ipw.dlink((m, "problems"), (self.problems, "value"), problems_html)
        self.personal = look.html()
        ipw.dlink((m, "personal_warnings"), (self.personal, "value"), personal_html)
        self.scale = look.html()
        self.body = ipw.VBox(layout=look.full)
        self.reopen = self._reopen_box()
        # agencies that work in Excel upload the filled return workbook here (issue #6)
        self.upload_box = ipw.VBox(layout=ipw.Layout(width="100%"))
        self.upload: UploadView | None = None
        m.observe(self._upload_author, names="author")
        m.observe(lambda _change: self._rebuild_upload(), names="read_only")
        # the agency's actions, followed all year whatever the return's state (issue #15)
        self.tracked = TrackedActionsView(m.tracked, look)
        self.history = HistoryView(m, look)
        m.observe(self._rebuild, names="loaded")
        self._rebuild()
        self.children = [
            look.html(render("form", "css")),
            chooser,
            self.author,
            self.who,
            self.title,
            bar,
            self.merge_view,
            carry_box,
            self.problems,
            self.personal,
            self.reopen,
            self.scale,
            self.body,
            self.tracked,
            self.upload_box,
            self.history,
        ]

    def _reopen_box(self) -> ipw.Widget:
        m = self.model
        reason = ipw.Textarea(
            description="Reason for reopening (kept in the history)",
            layout=self.look.stacked,
            style=self.look.text_style,
            rows=2,
        )
        ipw.link((m, "reopen_reason"), (reason, "value"))
        button = self.look.button("Reopen the return")
        button.on_click(lambda _b: m.reopen())
        box = ipw.VBox(
            [self.look.html(render("form", "section", "Reopen this return")), reason, button],
            layout=ipw.Layout(width="100%"),
        )

        def show(_change: object = None) -> None:
            # only the chair (or an administrator) reopens, and only a submitted return
            shown = m.read_only and m.may_reopen and m.status == Status.SUBMITTED
            box.layout.display = _visible(shown)

        m.observe(show, names=["read_only", "may_reopen", "status"])
        show()
        return box

    def _rebuild(self, _change: object = None) -> None:
        m = self.model
        self.heading_views = [HeadingView(h, self.look) for h in m.headings]
        self.body.children = self.heading_views
        self.scale.value = (
            render("form", "shared", m.shared_with)
            + scale_html(m.framework)
            + render("form", "not_asked", m.not_asked, m.sector)
        )
        for button in (self.save_button, self.submit_button):
            button.disabled = m.framework is None or m.read_only
        self._rebuild_upload()

    def _rebuild_upload(self) -> None:
        """An upload for the return now open: a file for any other return is refused."""
        m = self.model
        if m.framework is None or m.read_only or not m.cycle_id or not m.agency_id:
            self.upload, self.upload_box.children = None, []
            return
        upload = UploadModel(
            m.store,
            author=m.author.strip() or "Spreadsheet upload",
            cycle_id=m.cycle_id,
            agency_id=m.agency_id,
        )
        imports = upload.import_file

        def save_then_import() -> None:
            # typing not yet autosaved is saved first, so the import never discards it
            if m.dirty and not m.save():
                upload.message = "Not imported: the form's unsaved changes could not be saved."
                return
            imports()

        upload.import_file = save_then_import  # type: ignore[method-assign]
        # then show the imported revision at once
        upload.observe(lambda change: change["new"] and m.load(), names="revision")
        self.upload = UploadView(upload)
        self.upload_box.children = [
            self.look.html(render("form", "upload_intro")),
            self.upload,
        ]

    def _upload_author(self, change: dict[str, Any]) -> None:
        if self.upload is not None and change["new"].strip():
            self.upload.model.author = change["new"].strip()

    @staticmethod
    def _state_html(text: str) -> str:
        return render("form", "save_state", text)

    @staticmethod
    def _message_html(text: str) -> str:
        return render("form", "message", text)

    def heading_view(self, heading_id: str) -> HeadingView:
        """The view of one heading (tests and jumps)."""
        for view in self.heading_views:
            if view.model.heading.id == heading_id:
                return view
        raise KeyError(heading_id)


class HistoryView(View[FormModel]):
    """A button that shows or hides the return's revision history (loaded only when shown)."""

    def __init__(self, model: FormModel, look: Look, **kwargs: Any) -> None:
        self.look = look
        super().__init__(model, layout=look.full, **kwargs)

    def render(self) -> None:
        m = self.model
        self.toggle = self.look.button()
        self.toggle.on_click(lambda _b: setattr(m, "history_open", not m.history_open))
        ipw.dlink(
            (m, "history_open"),
            (self.toggle, "description"),
            lambda shown: "Hide the revision history" if shown else "Show the revision history",
        )
        self.table = self.look.html()
        ipw.dlink((m, "history_html"), (self.table, "value"))
        self.children = [
            self.look.html(render("form", "section", "Revision history")),
            self.toggle,
            self.table,
        ]


def _open_cycle(store: Store, today: dt.date) -> str | None:
    """The most recent cycle whose returns have opened, to preselect."""
    opened = [c for c in store.cycles() if c.timetable.returns_open <= today]
    return opened[-1].id if opened else None


def open_form(
    store: Store | None = None,
    query: Mapping[str, str] | None = None,
    schedule: Schedule | None = None,
    clock: Callable[[], float] | None = None,
    today: dt.date | None = None,
) -> FormView | ipw.HTML:
    """The form for one page view: the return named by the query, or a chooser.

    The query's ``token`` (a personal link) says who is asking; without a valid one the
    page says why in words and shows nothing else.

    Parameters
    ----------
    store
        The store (default: :func:`workbook.store.remote.open_store`, i.e. ``WORKBOOK_DB``,
        through the store service where the kernel has one).
    query
        ``token``, ``cycle``, ``agency`` (and, without a link, ``user``) from the page URL
        (default: :func:`page_query`).
    schedule
        How autosave runs later (default: the kernel's event loop).
    clock
        Monotonic seconds for autosave (default: ``time.monotonic``).
    today
        For preselecting the open cycle.
    """
    query = page_query() if query is None else query
    try:
        store = (store or remote.open_store()).for_visitor(query.get("token"))
        model = FormModel(store, schedule=schedule, clock=clock)
    except (StorageError, AccessDenied) as exc:  # a refused link, or a store that cannot be reached
        return refusal(exc, title=refusal_title(exc))
    if not model.author_fixed:
        model.author = query.get("user", "")
    cycle_ids = {cycle_id for _, cycle_id in model.cycle_options}
    cycle = query.get("cycle")
    model.chosen_cycle = (
        cycle if cycle in cycle_ids else _open_cycle(store, today or dt.date.today())
    )
    agency = query.get("agency")
    if agency in {agency_id for _, agency_id in model.agency_options}:
        model.chosen_agency = agency
    if cycle and agency:
        model.open(cycle, agency)  # an unknown id is reported in words by the model
    return FormView(model)
