"""The parameters of the analysis notebooks: one typed schema per notebook (issue #5).

A parameters file (``parameters/*.yaml``) names its notebook and gives values for that
notebook's ``parameters`` cell::

    notebook: report.ipynb        # which notebook these values are for
    cycle: cse-2017-18
    stage: final

papermill injects every key of the file as a variable, so the schemas here are strict:
a value that papermill would pass through with the wrong type (``"5"`` for a number, an
unquoted date, which YAML reads as a date) is an error here rather than a surprise in
the notebook. Problems are located like template problems (``file:line: field:
message``, at most three) and raised as :class:`~workbook.errors.ParameterError`.
``tests/notebooks/test_parameters.py`` checks each schema against its notebook's
``parameters`` cell (``papermill.inspect_notebook``) and every file against its schema.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError
from ruamel.yaml.comments import CommentedMap

from workbook import config
from workbook.errors import ParameterError, Problem, TemplateError
from workbook.schema import loader as templates
from workbook.schema.framework import KEY_HINT, Key

NOTEBOOKS_DIR = config.ROOT / "notebooks"
PARAMETERS_DIR = config.ROOT / "parameters"

OptionalKey = Annotated[str, StringConstraints(pattern=r"^([a-z0-9][a-z0-9_.-]*)?$")]


def _real_date(value: str) -> str:
    if value:
        dt.date.fromisoformat(value)  # ValueError: reported as "not a real date"
    return value


DateText = Annotated[
    str, StringConstraints(pattern=r"^(\d{4}-\d{2}-\d{2})?$"), AfterValidator(_real_date)
]
"""A date as ``"YYYY-MM-DD"`` text (papermill passes text; YAML would make a date), or ""."""


class NotebookParameters(BaseModel):
    """What every analysis notebook takes; values are checked strictly (no conversions)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    notebook: str = Field(description="The notebook these parameters are for.")
    db: str = Field("", description="Store URL; empty = WORKBOOK_DB or data/workbook.db.")
    as_of: DateText = Field(
        "",
        description="Date the report speaks for (YYYY-MM-DD): overdue returns and actions are "
        "counted to it. Empty = the report's date in the cycle's timetable, else today.",
    )

    def as_of_date(self, timetable_date: dt.date | None = None) -> dt.date:
        """The date the report speaks for: ``as_of``, else the timetable's, else today."""
        if self.as_of:
            return dt.date.fromisoformat(self.as_of)
        return timetable_date or dt.date.today()

    def used(self) -> list[tuple[str, str]]:
        """Every parameter and its value as text, for the report's title block."""
        fields = type(self).model_fields
        return [(name, _text(getattr(self, name), fields[name].is_required())) for name in fields]


def _text(value: Any, required: bool = False) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) if value else "(none)"
    if value == "":
        return "(none)" if required else "(default)"
    return str(value)


class ReportParameters(NotebookParameters):
    """``report.ipynb``: the self-assessment report on one cycle (draft or final)."""

    notebook: Literal["report.ipynb"] = "report.ipynb"
    cycle: Key = Field(description="The cycle reported on.")
    compare_with: OptionalKey = Field(
        description="An earlier cycle of the same framework to compare with; '' for none "
        "(required, so that a board report says which it is)."
    )
    stage: Literal["draft", "final"] = Field(
        "draft", description="draft (to the group, e.g. the MASE) or final (to the board)."
    )
    include_unsubmitted: bool = Field(
        True, description="Analyse draft and reopened returns too (False: submitted only)."
    )
    top_disagreement: int = Field(
        5, ge=1, le=50, description="How many criteria with most disagreement to list."
    )
    board_asks: list[str] = Field(
        default_factory=list, description="More items the board is asked to note or agree."
    )


class ProfileParameters(NotebookParameters):
    """``agency_profile.ipynb``: one agency across cycles and frameworks."""

    notebook: Literal["agency_profile.ipynb"] = "agency_profile.ipynb"
    agency: Key = Field(description="The agency's id.")
    cycles: list[Key] = Field(
        default_factory=list, description="Cycle ids to include; empty = every cycle it was in."
    )


SCHEMAS: dict[str, type[NotebookParameters]] = {
    "report.ipynb": ReportParameters,
    "agency_profile.ipynb": ProfileParameters,
}
"""Each papermill notebook's parameters schema, by the notebook's file name."""


def schema_for(notebook: str) -> type[NotebookParameters]:
    """The schema of a notebook's parameters; ``KeyError`` if it takes none."""
    return SCHEMAS[Path(notebook).name]


def required(schema: type[NotebookParameters]) -> list[str]:
    """Names a parameters file must give (those without a default)."""
    return [name for name, info in schema.model_fields.items() if info.is_required()]


# -- located problems -------------------------------------------------------------------


def _message(schema: type[NotebookParameters], error: Any, path: tuple[str | int, ...]) -> str:
    kind = error["type"]
    name = str(path[0]) if path else ""
    notebook = schema.model_fields["notebook"].default
    if kind == "extra_forbidden":
        allowed = ", ".join(schema.model_fields)
        return f"unknown parameter {name!r}: {notebook} takes {allowed}"
    if kind == "missing":
        return f"required parameter is missing ({notebook} needs {', '.join(required(schema))})"
    if isinstance(error.get("input"), dt.date):
        return f'write the date in quotes, e.g. "{error["input"]:%Y-%m-%d}" (papermill passes text)'
    if kind == "string_pattern_mismatch" and name == "as_of":
        return 'expected a date written as "YYYY-MM-DD", or "" for the default'
    if kind == "string_pattern_mismatch":
        return f"expected {KEY_HINT}" + (", or '' for none" if name == "compare_with" else "")
    if kind == "value_error" and name == "as_of":
        return "not a real date"
    if kind == "literal_error":
        text = str(error["msg"])
        return text[0].lower() + text[1:]
    if kind in ("int_type", "int_parsing"):
        return "expected a whole number (without quotes)"
    if kind == "bool_type":
        return "expected true or false (without quotes)"
    if kind == "list_type":
        return "expected a list, e.g. [] or one '- item' per line"
    return str(templates.error_message(schema, error, path))


def problems(
    schema: type[NotebookParameters], exc: PydanticValidationError, root: Any, source: str
) -> list[Problem]:
    """Each validation error as ``file:line: field: message`` (one per field)."""
    found: list[Problem] = []
    seen: set[tuple[str | int, ...]] = set()
    for error in exc.errors(include_url=False):
        path = templates.clean_loc(error["loc"])
        if path in seen:
            continue
        seen.add(path)
        line = templates.line_of(root, path) if path else None
        where = f"{source}:{line}" if line else source
        found.append(Problem(where, templates.format_path(path), _message(schema, error, path)))
    return found


def parse(text: str, source: str) -> NotebookParameters:
    """Validate a parameters file's text against its notebook's schema.

    Raises
    ------
    ParameterError
        With every problem (at most three shown): syntax, a missing or unknown
        ``notebook``, unknown or missing parameters, and values of the wrong type.
    """
    try:
        root = templates.parse_yaml(text, source)
    except TemplateError as exc:
        raise ParameterError(source, exc.problems) from None
    if not isinstance(root, CommentedMap):
        what = "the file is empty" if root is None else "expected a mapping of name: value"
        raise ParameterError(source, [Problem(f"{source}:1", "", what)])
    names = ", ".join(SCHEMAS)
    notebook = root.get("notebook")
    if notebook is None:
        raise ParameterError(
            source,
            [Problem(f"{source}:1", "notebook", f"say which notebook these are for: {names}")],
        )
    if not isinstance(notebook, str) or Path(notebook).name not in SCHEMAS:
        line = templates.line_of(root, ("notebook",))
        raise ParameterError(
            source,
            [
                Problem(
                    f"{source}:{line}",
                    "notebook",
                    f"unknown notebook {notebook!r}; expected {names}",
                )
            ],
        )
    schema = schema_for(notebook)
    values = dict(root)
    values["notebook"] = Path(notebook).name
    try:
        return schema.model_validate(values)
    except PydanticValidationError as exc:
        raise ParameterError(source, problems(schema, exc, root, source)) from None


def load(path: str | Path) -> NotebookParameters:
    """Load and validate one parameters file (``ParameterError`` says what is wrong)."""
    path = Path(path)
    try:
        text = templates.read_text(path)
    except TemplateError as exc:
        raise ParameterError(str(path), exc.problems) from None
    return parse(text, str(path))


def check(schema: type[NotebookParameters], values: dict[str, Any], source: str) -> Any:
    """Validate values given in a notebook (not a file): problems name the parameter."""
    try:
        return schema.model_validate(values)
    except PydanticValidationError as exc:
        raise ParameterError(source, problems(schema, exc, None, source)) from None


def injected(parameters: NotebookParameters) -> dict[str, Any]:
    """The values papermill injects into the notebook: the file's, as plain data."""
    return parameters.model_dump(mode="json")


def notebook_path(parameters: NotebookParameters) -> Path:
    """The notebook a parameters file names, in ``notebooks/``."""
    return NOTEBOOKS_DIR / parameters.notebook


def parameter_files(directory: Path = PARAMETERS_DIR) -> list[Path]:
    """Every parameters file, sorted."""
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
