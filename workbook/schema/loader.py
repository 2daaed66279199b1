"""Load and validate YAML templates (frameworks and partnerships) with located errors.

Every template is read here: YAML is parsed keeping line numbers, validated by the
models in :mod:`workbook.schema.framework` / :mod:`workbook.schema.partnership`, and each problem
becomes ``file:line: field: what was expected``. A file that does not validate whole is
still checked part by part (:mod:`workbook.schema.parts`), so its independent problems
are named together, in the order of their lines (issue #17).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar, Union

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from workbook.errors import Problem, TemplateError
from workbook.schema.framework import KEY_HINT, Framework, FrameworkParts
from workbook.schema.partnership import Partnership, PartnershipParts
from workbook.schema.parts import Breach, Entries, FieldPath, Parts, ReadEntries

M = TypeVar("M", bound=BaseModel)

KINDS: dict[str, type[BaseModel]] = {"framework": Framework, "partnership": Partnership}
PARTS: dict[type[BaseModel], type[Parts]] = {
    Framework: FrameworkParts,
    Partnership: PartnershipParts,
}
"""Each template kind's cross-field rules, run on whatever of the file validated."""

FRIENDLY = {
    "missing": "required field is missing",
    "string_pattern_mismatch": f"expected {KEY_HINT}",
    "string_type": 'expected text (quote values such as version numbers: "2017.1")',
    "string_too_short": "must not be empty",
    "date_from_datetime_parsing": "expected a date written as YYYY-MM-DD",
    "date_type": "expected a date written as YYYY-MM-DD",
    "date_parsing": "expected a date written as YYYY-MM-DD",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "model_type": "expected a mapping of field: value",
    "tuple_type": "expected a list",
}


def format_path(path: Sequence[str | int]) -> str:
    """Render a field path as ``criteria[3].heading``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_of(root: Any, path: FieldPath) -> int | None:
    """1-based line of the deepest node of ``path`` present in the parsed YAML.

    Public because partnership provisioning and parameters files locate their problems
    by the same lines.
    """
    node, line = root, None
    for part in path:
        try:
            if isinstance(node, CommentedMap) and part in node:
                line = node.lc.key(part)[0]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                line = node.lc.item(part)[0]
            else:
                break
            node = node[part]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    if line is None and isinstance(root, CommentedMap | CommentedSeq):
        line = root.lc.line
    return None if line is None else line + 1


def _submodel(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType, tuple, typing.Annotated, list):
        for arg in typing.get_args(annotation):
            found = _submodel(arg)
            if found is not None:
                return found
    return None


def _model_at(model: type[BaseModel], path: FieldPath) -> type[BaseModel] | None:
    """The model class that owns the last field of ``path`` (to list its allowed fields)."""
    current: type[BaseModel] | None = model
    for part in path[:-1]:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        current = _submodel(info.annotation) if info else None
    return current


def clean_loc(loc: tuple[str | int, ...]) -> FieldPath:
    """A pydantic error location as a field path; params.py locates its errors the same way."""
    # pydantic inserts type names ('tuple[...]', 'literal[...]') into locations of unions
    return tuple(p for p in loc if isinstance(p, int) or ("[" not in p and p != "[key]"))


def error_message(model: type[BaseModel], error: ErrorDetails, path: FieldPath) -> str:
    """One pydantic error in the words every template and parameters file problem uses."""
    kind = error["type"]
    if kind == "extra_forbidden":
        owner = _model_at(model, path)
        allowed = ", ".join(owner.model_fields) if owner else ""
        return f"unknown field {path[-1]!r}" + (f"; expected one of: {allowed}" if allowed else "")
    if kind == "too_short" and path and path[-1] == "levels":
        return "a scale needs at least 2 levels"
    if kind == "too_short":
        return "needs at least one entry"
    if kind == "string_pattern_mismatch" and path and path[-1] == "colour":
        return "expected a colour written as '#rrggbb' (for example '#2c7bb6')"
    if kind in FRIENDLY:
        return FRIENDLY[kind]
    return error["msg"][0].lower() + error["msg"][1:]


def _field_problems(model: type[BaseModel], exc: ValidationError) -> list[Breach]:
    """Each field pydantic refused, once, in the words of :func:`error_message`."""
    problems: list[Breach] = []
    seen: set[FieldPath] = set()
    errors = exc.errors(include_url=False)
    paths = [clean_loc(e["loc"]) for e in errors]
    for error, path in zip(errors, paths, strict=True):
        # a list whose items failed also reports "too short after validation": noise
        if error["type"] == "too_short" and any(
            len(other) > len(path) and other[: len(path)] == path for other in paths
        ):
            continue
        if path in seen:  # a union reports one failure per branch; keep the first
            continue
        seen.add(path)
        problems.append((path, error_message(model, error, path)))
    return problems


def _node_at(root: Any, path: FieldPath) -> Any:
    """The raw YAML value at ``path``, or None where the path leads nowhere."""
    node = root
    for part in path:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


def _entries_reader(root: Any) -> ReadEntries:
    """Reads the lists of ``root`` item by item, for :meth:`Parts.read`."""

    def read(path: FieldPath, model: type[M], inside: FieldPath = ()) -> Entries[M]:
        items = _node_at(root, path)
        if not isinstance(items, list):
            return Entries((), complete=False)
        found: list[tuple[int, M]] = []
        for index, item in enumerate(items):
            try:
                found.append((index, model.model_validate(_node_at(item, inside))))
            except ValidationError:
                continue  # its own problem is among the field problems already
        return Entries(tuple(found), complete=bool(items) and len(found) == len(items))

    return read


def _located(root: Any, source: str, breaches: list[Breach]) -> list[Problem]:
    """Breaches as ``file:line: field: problem``, in the order of their lines.

    The one place a template's problems get their words and places, field errors and
    cross-field rules alike (issue #17: they are reported together).
    """
    lines = [line_of(root, path) or 1 for path, _ in breaches]
    problems = [
        (line, Problem(f"{source}:{line}", format_path(path), message))
        for line, (path, message) in zip(lines, breaches, strict=True)
    ]
    unique = dict.fromkeys(problems)  # the same breach twice is one problem
    return [problem for _, problem in sorted(unique, key=lambda pair: pair[0])]


MAX_FILE_BYTES = 1_000_000
"""Largest template or parameters file read: the shipped frameworks are about 30 kB, and
a 10 MB file would take the parser most of a minute (issue #7)."""


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip constructor, with impossible dates as located YAML errors."""

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError as exc:  # 2018-02-30 matches the date pattern but is no date
            raise ConstructorError(
                None, None, f"{node.value!r} is not a real date ({exc})", node.start_mark
            ) from None


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML keeping line numbers; a syntax error becomes a located ``TemplateError``."""
    try:
        yaml = YAML(typ="rt", pure=True)
        yaml.Constructor = _Constructor
        return yaml.load(text)
    except ReaderError as exc:  # a character YAML forbids (NUL, most control characters)
        number = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else 1
        what = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "a character"
        reason = f"{what} is not allowed in YAML ({exc.reason}); remove it"
        raise TemplateError(source, [Problem(f"{source}:{number}", "", reason)]) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        reason = " ".join(str(p) for p in (exc.problem, exc.context) if p) or "invalid YAML"
        raise TemplateError(source, [Problem(f"{source}{line}", "", reason)]) from None
    except YAMLError as exc:
        raise TemplateError(source, [Problem(source, "", f"invalid YAML: {exc}")]) from None


def parse_model(text: str, source: str, model: type[M] | None = None) -> M:
    """Validate YAML text as ``model`` (or as its ``kind`` says); raises ``TemplateError``."""
    root = parse_yaml(text, source)
    if root is None:
        raise TemplateError(source, [Problem(f"{source}:1", "", "the file is empty")])
    if not isinstance(root, CommentedMap):
        raise TemplateError(
            source, [Problem(f"{source}:1", "", "expected a mapping of field: value at the top")]
        )
    if model is None:
        kind = root.get("kind", "framework")
        if not isinstance(kind, str) or kind not in KINDS:
            line = line_of(root, ("kind",))
            expected = " or ".join(repr(k) for k in KINDS)
            raise TemplateError(
                source, [Problem(f"{source}:{line}", "kind", f"expected {expected}")]
            )
        model = KINDS[kind]  # type: ignore[assignment]
    assert model is not None
    parts = PARTS.get(model)
    try:
        document = model.model_validate(root)
    except ValidationError as exc:
        # the rest of the file is still checked: one broken field must not hide the
        # duplicate ids and unknown references of the parts that did validate (issue #17)
        breaches = _field_problems(model, exc)
        if parts is not None:
            breaches += parts.read(_entries_reader(root)).problems()
        raise TemplateError(source, _located(root, source, breaches)) from None
    if parts is not None:
        problems = _located(root, source, parts.of(document).problems())
        if problems:
            raise TemplateError(source, problems)
    return document


def read_text(path: Path) -> str:
    """Read a template file as UTF-8; unreadable files become a ``TemplateError``."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            reason = (
                f"the file is {size:,} bytes, more than the {MAX_FILE_BYTES:,} a template "
                "or parameters file may have"
            )
            raise TemplateError(str(path), [Problem(str(path), "", reason)])
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateError(str(path), [Problem(str(path), "", "no such file")]) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise TemplateError(
            str(path), [Problem(f"{path}:{line}", "", f"not UTF-8 text (byte {exc.start})")]
        ) from None
    except OSError as exc:
        raise TemplateError(str(path), [Problem(str(path), "", exc.strerror or str(exc))]) from None


def load(path: str | Path, model: type[M] | None = None) -> M:
    """Load one template file as ``model``, or as whatever its ``kind`` says."""
    path = Path(path)
    return parse_model(read_text(path), str(path), model)


def load_framework(path: str | Path) -> Framework:
    """Load one framework template."""
    return load(path, Framework)


def load_partnership(path: str | Path) -> Partnership:
    """Load one partnership file."""
    return load(path, Partnership)


def framework_paths(directory: Path) -> list[Path]:
    """Template files in a folder, sorted, ``.yaml`` and ``.yml``."""
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def load_frameworks(directory: Path) -> dict[str, Framework]:
    """Every framework in a folder, keyed by id; two files with one id is an error."""
    found: dict[str, Framework] = {}
    origin: dict[str, Path] = {}
    for path in framework_paths(directory):
        framework = load_framework(path)
        if framework.id in found:
            raise TemplateError(
                str(path),
                [
                    Problem(
                        f"{path}:1",
                        "id",
                        f"framework id {framework.id!r} is also used by {origin[framework.id]}",
                    )
                ],
            )
        found[framework.id], origin[framework.id] = framework, path
    return found


def validate_paths(paths: Iterable[str | Path]) -> dict[str, list[Problem]]:
    """Validate files; maps each file to its problems (empty when valid)."""
    report: dict[str, list[Problem]] = {}
    for path in paths:
        try:
            load(path)
        except TemplateError as exc:
            report[str(path)] = list(exc.problems)
        else:
            report[str(path)] = []
    return report
