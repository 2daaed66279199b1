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
from collections.abc import Callable, Mapping
from html import escape
from typing import Any

import ipywidgets as ipw

from widgets.base import View, page_query, refusal, refusal_title
from widgets.form.autosave import Schedule
from widgets.form.criterion import CriterionView, Look, anchor
from widgets.form.merge_view import MergeView
from widgets.form.model import FormModel, HeadingModel
from widgets.form.upload import UploadModel, UploadView
from workbook.errors import StorageError
from workbook.schema.framework import Framework
from workbook.schema.responses import Status
from workbook.store import Store

# The bar with the save state, progress and buttons stays in view while the page scrolls
# (position: sticky), which needs every box between it and the page's scrolling region to
# let it overflow; ipywidgets and JupyterLab give those boxes overflow: auto or hidden.
# top: -10px takes up the 10px padding of Voila's scrolling region, which would otherwise
# show the text scrolling past above the bar.
CSS = """<style>
.jp-OutputArea:has(.wb-form), .jp-OutputArea-child:has(.wb-form),
.jp-OutputArea-output:has(.wb-form), .wb-form, .wb-form .widget-box {overflow: visible;}
.wb-form .wb-bar {position: sticky; top: -10px; z-index: 5; background: #ffffff;
  border-bottom: 2px solid #505a5f; padding: 4px 0;}
.wb-form .wb-criterion-title {scroll-margin-top: 9em;}
.wb-form .wb-criterion-title:focus {outline: 3px solid #0b0c0c; box-shadow: 0 0 0 6px #ffdd00;}
.wb-form a {color: #1d70b8; text-decoration: underline;}
.wb-form .widget-label {text-align: left;}
.wb-form .jupyter-button {width: auto; align-self: flex-start;}
.wb-form .wb-bar p, .wb-form .wb-heading p {margin: 0.25em 0;}
.wb-form .wb-message {font-weight: bold;}
.wb-form .wb-criterion {border-left: 4px solid #b1b4b6; padding-left: 12px; margin: 12px 0;}
.wb-form .wb-carried {border: 2px dashed #505a5f; padding: 4px 8px;}
.wb-form table.wb-history {border-collapse: collapse;}
.wb-form table.wb-history td, .wb-form table.wb-history th {border: 1px solid #b1b4b6;
  padding: 2px 6px; text-align: left; vertical-align: top;}
.wb-form .widget-label {font-weight: bold; color: #0b0c0c;}
</style>"""
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
    if not problems:
        return ""
    items = "".join(
        f'<li><a href="#{escape(anchor(p["criterion"]))}">{escape(p["label"])}: '
        f"{escape(p['problem'])}</a> ({escape(_shorten(p['prompt']))})</li>"
        for p in problems
    )
    count = len(problems)
    return (
        '<div class="wb-missing"><h3>Before you can submit</h3>'
        f"<p>{count} {'thing needs' if count == 1 else 'things need'} finishing. "
        "Each link goes to the criterion.</p>"
        f"<ul>{items}</ul></div>"
    )


def personal_html(warnings: list[dict[str, str]]) -> str:
    """Passages that look like personal data, as links to their criteria; "" when none.

    The excerpts are masked by :mod:`workbook.personal_data`, so the list does not
    repeat the data it warns about.

    Parameters
    ----------
    warnings
        ``FormModel.personal_warnings`` entries (criterion, label, field, kind, excerpt).
    """
    if not warnings:
        return ""
    items = "".join(
        f'<li><a href="#{escape(anchor(w["criterion"]))}">{escape(w["label"])}, '
        f"{escape(w['field'])}: looks like {escape(w['kind'])}</a> "
        f"({escape(w['excerpt'])})</li>"
        for w in warnings
    )
    count = len(warnings)
    return (
        '<div class="wb-personal"><h3>Check before you submit</h3>'
        f"<p>{count} {'passage looks' if count == 1 else 'passages look'} like personal data "
        "about a person. Returns should describe services, not people: edit "
        f"{'it' if count == 1 else 'them'} (each link goes to the criterion), or choose "
        "'Submit anyway' if you have checked.</p>"
        f"<ul>{items}</ul></div>"
    )


def scale_html(framework: Framework | None) -> str:
    """The rating scale in words, best first as the template orders it."""
    if framework is None:
        return ""
    scale = framework.scale
    best = scale.best_level.label
    items = "".join(
        f"<li><strong>{escape(level.label)}</strong>"
        + (f": {escape(level.description)}" if level.description else "")
        + "</li>"
        for level in scale.levels
    )
    return (
        f"<h3>Rating scale: {escape(scale.name)}</h3>"
        f"<p>The best rating is <strong>{escape(best)}</strong>; "
        "it needs evidence before the return can be submitted.</p>"
        f"<ul>{items}</ul>"
    )


class HeadingView(View[HeadingModel]):
    """A framework heading: title, progress and a button that shows its criteria."""

    def __init__(self, model: HeadingModel, look: Look, **kwargs: Any) -> None:
        self.look = look
        super().__init__(model, layout=look.full, **kwargs)

    def render(self) -> None:
        m = self.model
        heading = m.heading
        self.add_class("wb-heading")
        guidance = f"<p>{escape(heading.guidance)}</p>" if heading.guidance else ""
        self.title = self.look.html(f"<h3>{escape(heading.title)}</h3>{guidance}")
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
        self.count.value = f"<p>{m.done} of {m.total} answered</p>"

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
            f"<p>Signed in {m.store.identity.signed_in} as <strong>{escape(m.author)}</strong> "
            f"({escape(m.who)}).</p>"
            if m.author_fixed
            else ""
        )
        self.title = look.html()
        ipw.dlink((m, "title"), (self.title, "value"), lambda t: f"<h2>{escape(t)}</h2>" * bool(t))

        self.save_state = ipw.HTML(layout=look.auto, style=look.html_style)
        ipw.dlink((m, "save_state"), (self.save_state, "value"), self._state_html)
        self.overall = ipw.HTML(layout=look.auto, style=look.html_style)
        ipw.dlink((m, "overall"), (self.overall, "value"), lambda t: f"<p>{escape(t)}</p>")
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
            lambda c: (
                f"<p>Your agency answered this framework in {escape(c)}. You can copy "
                "those answers into the criteria that are still empty, as a starting point.</p>"
            ),
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
        self.history = HistoryView(m, look)
        m.observe(self._rebuild, names="loaded")
        self._rebuild()
        self.children = [
            look.html(CSS),
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
        button = self.look.button("Reopen the return (MASE chair)")
        button.on_click(lambda _b: m.reopen())
        box = ipw.VBox(
            [self.look.html("<h3>Reopen this return</h3>"), reason, button],
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
        self.scale.value = scale_html(m.framework)
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
            self.look.html(
                "<h3>Import from a spreadsheet</h3><p>Filled in the return workbook "
                "(<code>workbook template</code>) in Excel or LibreOffice? Upload it here: "
                "it is checked first, and nothing is saved if anything is wrong.</p>"
            ),
            self.upload,
        ]

    def _upload_author(self, change: dict[str, Any]) -> None:
        if self.upload is not None and change["new"].strip():
            self.upload.model.author = change["new"].strip()

    @staticmethod
    def _state_html(text: str) -> str:
        return f'<p role="status"><strong>{escape(text)}</strong></p>' * bool(text)

    @staticmethod
    def _message_html(text: str) -> str:
        return f'<p class="wb-message" role="status">{escape(text)}</p>' * bool(text)

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
        self.children = [self.look.html("<h3>Revision history</h3>"), self.toggle, self.table]


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
        The store (default: :meth:`Store.open`, i.e. ``WORKBOOK_DB``).
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
        store = (store or Store.open()).for_visitor(query.get("token"))
        model = FormModel(store, schedule=schedule, clock=clock)
    except StorageError as exc:  # a refused link, or a store that cannot be reached
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
