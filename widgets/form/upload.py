"""Upload a filled return workbook from the browser (issue #6).

``UploadModel`` checks a file as soon as it arrives and imports it on request, through
the same :func:`workbook.spreadsheets.importer.import_return` as ``workbook import``. ``UploadView``
is a file picker, an Import button and the outcome in words. It is self-contained so the
form can embed it for a MASE member; the embedding app decides who sees it, and passes
the signed-in person as ``author`` and, for one return's page, ``cycle_id``/``agency_id``
so a file for another return is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as ipw
from traitlets import Bool, Int, List, Unicode

from widgets.base import Model, View
from widgets.templating import render
from workbook.errors import SpreadsheetError, WorkbookError

if TYPE_CHECKING:
    from workbook.spreadsheets.importer import ImportResult
    from workbook.store import Store


class UploadModel(Model):
    """A spreadsheet return on its way into the store: checked first, then imported."""

    filename = Unicode("")
    problems = List(Unicode(), help="Located problems of the current file, as text.")
    warnings = List(Unicode())
    ready = Bool(False, help="The file passed the check and can be imported.")
    revision = Int(0, help="The revision the last import saved (0 if none).")

    def __init__(
        self,
        store: Store,
        *,
        author: str,
        cycle_id: str | None = None,
        agency_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.author = author
        self.cycle_id = cycle_id
        self.agency_id = agency_id
        self._content = b""

    def _run(self, *, check: bool) -> ImportResult | None:
        # openpyxl (and numpy, which it takes when present) only once a file arrives: most
        # form sessions never upload one, and each kernel would carry ~17 MiB more (#19)
        from workbook.spreadsheets.importer import import_return

        try:
            result = import_return(
                self.store,
                self._content,
                filename=self.filename,
                author=self.author,
                check=check,
                expect_cycle=self.cycle_id,
                expect_agency=self.agency_id,
            )
        except SpreadsheetError as exc:
            self.problems = [str(p) for p in exc.problems]
            self.ready = False
            self.message = f"{len(exc.problems)} problem(s) in {self.filename}; nothing was saved."
            return None
        except WorkbookError as exc:  # e.g. another save got in first: say so, keep going
            self.problems = [str(exc)]
            self.ready = False
            self.message = f"{self.filename} was not imported."
            return None
        self.problems = []
        self.warnings = list(result.warnings)
        return result

    def load(self, filename: str, content: bytes) -> None:
        """Take an uploaded file and check it; ``ready`` says whether it can be imported."""
        self.filename, self._content = filename, content
        self.warnings, self.revision = [], 0
        result = self._run(check=True)
        if result is not None:
            self.ready = True
            self.message = (
                f"{filename} is ready to import: {len(result.changed)} criteria change "
                f"in the return of {result.agency_id} for {result.cycle_id}."
            )

    def import_file(self) -> None:
        """Save the checked file as a new revision of its return."""
        if not self.ready:
            return
        result = self._run(check=False)
        if result is None:
            return
        self.ready = False
        if result.revision is None:
            self.message = f"{self.filename} holds no answers; nothing was saved."
        elif result.saved:
            self.revision = result.revision
            self.message = f"Imported as revision {result.revision}."
        else:
            self.revision = result.revision
            self.message = f"No changes: the return stays at revision {result.revision}."


def _as_html(lines: list[str]) -> str:
    return render("upload", "lines", lines)


class UploadView(View[UploadModel]):
    """File picker, Import button, and what happened, in words."""

    def render(self) -> None:
        """Build the picker, button and outcome, linked to the model."""
        self.upload = ipw.FileUpload(
            accept=".xlsx", multiple=False, description="Choose .xlsx", tooltip="Return workbook"
        )
        self.import_button = ipw.Button(description="Import", icon="upload", disabled=True)
        self.status = ipw.Label()
        self.problems = ipw.HTML()
        self.warnings = ipw.HTML()
        ipw.dlink((self.model, "ready"), (self.import_button, "disabled"), lambda ok: not ok)
        ipw.dlink((self.model, "message"), (self.status, "value"))
        ipw.dlink((self.model, "problems"), (self.problems, "value"), _as_html)
        ipw.dlink(
            (self.model, "warnings"),
            (self.warnings, "value"),
            lambda w: _as_html([f"Warning: {line}" for line in w]),
        )
        self.upload.observe(self._uploaded, names="value")
        self.import_button.on_click(lambda _: self.model.import_file())
        self.children = [
            ipw.HBox([self.upload, self.import_button]),
            self.status,
            self.warnings,
            self.problems,
        ]

    def _uploaded(self, change: dict[str, Any]) -> None:
        files = change["new"]
        if files:
            upload = files[0]
            self.model.load(upload["name"], bytes(upload["content"]))
            # cleared, so choosing the same file again (say, after an import) is a new event
            self.upload.value = ()
