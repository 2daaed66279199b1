"""Loading templates: every broken file gives ``file:line: field: message``.

Each case breaks a small valid file in one way and names the problem it expects: the line
(found by searching the broken text, so the numbers are exact), the field path and a
phrase of the message. The same file is then run through ``workbook validate``. Problems
that do not depend on each other are all named in one run, in the order of their lines
(issue #17): an error's message shows ``MAX_PROBLEMS`` of them, ``workbook validate``
lists up to ``MAX_VALIDATE_PROBLEMS`` per file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbook.cli import cli
from workbook.errors import MAX_PROBLEMS, MAX_VALIDATE_PROBLEMS, TemplateError
from workbook.schema import loader as templates

FRAMEWORK = """\
# A small framework for tests.
id: test-fw
title: Test framework
version: "1.0"
scale:
  name: RAG
  best: highest
  levels:
    - key: red
      label: Red
      score: 1
      colour: "#d7191c"
    - key: amber
      label: Amber
      score: 2
      colour: "#fdae61"
    - key: green
      label: Green
      score: 3
      colour: "#1a9641"
headings:
  - id: prevent
    title: Prevent
  - id: identify
    title: Identify
criteria:
  - id: p-1
    heading: prevent
    prompt: Is training recorded?
  - id: p-2
    heading: prevent
    prompt: Do children get awareness sessions?
  - id: i-1
    heading: identify
    prompt: Is the screening tool used?
"""

PARTNERSHIP = """\
# A small partnership for tests.
kind: partnership
id: tp
name: Test partnership
agencies:
  - id: alpha
    name: Alpha health trust
    sector: health
  - id: beta
    name: Beta police force
    sector: police
cycles:
  - id: c1
    title: Cycle one
    framework: test-fw
    agencies: [alpha, beta]
    timetable:
      criteria_agreed: 2020-01-06
      returns_open: 2020-02-03
      returns_due: 2020-03-02
"""


def replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} is not unique in the base text"
    return text.replace(old, new)


def line_of(text: str, snippet: str, nth: int = 1) -> int:
    """1-based number of the line holding the ``nth`` occurrence of ``snippet``."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if snippet in line]
    assert len(hits) >= nth, f"{snippet!r} occurs {len(hits)} times"
    return hits[nth - 1]


FRAMEWORK_LEVELS_AMBER_GREEN = """\
    - key: amber
      label: Amber
      score: 2
      colour: "#fdae61"
    - key: green
      label: Green
      score: 3
      colour: "#1a9641"
"""

# id: (broken text, (line snippet, occurrence), field path, phrase of the message)
CASES = {
    "duplicate heading id": (
        replace(
            FRAMEWORK,
            "    title: Identify\n",
            "    title: Identify\n  - id: prevent\n    title: Again\n",
        ),
        ("  - id: prevent", 2),
        "headings[2].id",
        "duplicate id 'prevent' (first used by headings[0])",
    ),
    "duplicate criterion id": (
        FRAMEWORK + "  - id: p-1\n    heading: identify\n    prompt: Asked twice?\n",
        ("  - id: p-1", 2),
        "criteria[3].id",
        "duplicate id 'p-1'",
    ),
    "criterion under an unknown heading": (
        replace(FRAMEWORK, "    heading: identify\n", "    heading: nowhere\n"),
        ("heading: nowhere", 1),
        "criteria[2].heading",
        "unknown heading 'nowhere'; expected one of 'identify', 'prevent'",
    ),
    "scale with one level": (
        replace(FRAMEWORK, FRAMEWORK_LEVELS_AMBER_GREEN, ""),
        ("  levels:", 1),
        "scale.levels",
        "a scale needs at least 2 levels",
    ),
    "unknown field in a criterion": (
        replace(FRAMEWORK, "awareness sessions?\n", "awareness sessions?\n    colour: red\n"),
        ("colour: red", 1),
        "criteria[1].colour",
        "unknown field 'colour'; expected one of: id, heading, prompt",
    ),
    "unknown field at the top": (
        replace(FRAMEWORK, "title: Test framework", "titel: Test framework"),
        ("titel:", 1),
        "titel",
        "unknown field 'titel'; expected one of: kind, id, title, version",
    ),
    "missing required field (reported where the mapping starts)": (
        replace(FRAMEWORK, "    prompt: Is the screening tool used?\n", ""),
        ("  - id: i-1", 1),
        "criteria[2].prompt",
        "required field is missing",
    ),
    "missing title at the top": (
        replace(FRAMEWORK, "title: Test framework\n", ""),
        ("id: test-fw", 1),
        "title",
        "required field is missing",
    ),
    "bad id pattern": (
        replace(FRAMEWORK, "  - id: p-2\n", "  - id: P 2\n"),
        ("id: P 2", 1),
        "criteria[1].id",
        "expected an id of lower-case letters",
    ),
    "bad colour": (
        replace(FRAMEWORK, 'colour: "#fdae61"', "colour: orange"),
        ("colour: orange", 1),
        "scale.levels[1].colour",
        "expected a colour written as '#rrggbb'",
    ),
    "version as a bare number": (
        replace(FRAMEWORK, 'version: "1.0"', "version: 1.0"),
        ("version: 1.0", 1),
        "version",
        'quote values such as version numbers: "2017.1"',
    ),
    "YAML syntax error": (
        replace(FRAMEWORK, "    title: Identify\n", "    title: Identify: again\n"),
        ("title: Identify: again", 1),
        "",
        "mapping values are not allowed here",
    ),
    "duplicate YAML key": (
        replace(FRAMEWORK, "title: Test framework\n", "title: Test framework\ntitle: Again\n"),
        ("title: Again", 1),
        "",
        'found duplicate key "title"',
    ),
    "empty file": ("# nothing here yet\n", None, "", "the file is empty"),
    "top-level list": (
        "- id: test-fw\n- title: Test\n",
        None,
        "",
        "expected a mapping of field: value at the top",
    ),
    "kind: nonsense": (
        replace(FRAMEWORK, "id: test-fw\n", "kind: nonsense\nid: test-fw\n"),
        ("kind: nonsense", 1),
        "kind",
        "expected 'framework' or 'partnership'",
    ),
    "partnership: unknown agency in a cycle": (
        replace(PARTNERSHIP, "[alpha, beta]", "[alpha, gamma]"),
        ("[alpha, gamma]", 1),
        "cycles[0].agencies[1]",
        "unknown agency 'gamma'",
    ),
    "partnership: timetable out of order": (
        replace(PARTNERSHIP, "returns_due: 2020-03-02", "returns_due: 2020-01-31"),
        ("returns_due:", 1),
        "cycles[0].timetable.returns_due",
        "returns_due (2020-01-31) is before returns_open (2020-02-03)",
    ),
    "partnership: duplicate agency id": (
        replace(PARTNERSHIP, "  - id: beta\n", "  - id: alpha\n").replace(
            "[alpha, beta]", "[alpha]"
        ),
        ("  - id: alpha", 2),
        "agencies[1].id",
        "duplicate id 'alpha' (first used by agencies[0])",
    ),
    "partnership: date not a date": (
        replace(PARTNERSHIP, "returns_open: 2020-02-03", "returns_open: 3 February"),
        ("returns_open:", 1),
        "cycles[0].timetable.returns_open",
        "expected a date written as YYYY-MM-DD",
    ),
}


def expected_prefix(path: Path, text: str, locator: tuple[str, int] | None, field: str) -> str:
    line = 1 if locator is None else line_of(text, *locator)
    return f"{path}:{line}: " + (f"{field}: " if field else "")


@pytest.mark.parametrize("case", list(CASES))
def test_broken_template_is_located(case: str, tmp_path: Path) -> None:
    text, locator, field, phrase = CASES[case]
    path = tmp_path / "broken.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(TemplateError) as caught:
        templates.load(path)
    assert caught.value.source == str(path)
    prefix = expected_prefix(path, text, locator, field)
    rendered = [str(p) for p in caught.value.problems]
    assert any(r.startswith(prefix) and phrase in r for r in rendered), rendered
    # no chained library traceback behind the friendly message
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__


@pytest.mark.parametrize("case", list(CASES))
def test_validate_reports_the_located_problem_plainly(case: str, tmp_path: Path) -> None:
    text, locator, field, phrase = CASES[case]
    path = tmp_path / "broken.yaml"
    path.write_text(text, "utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    problem_lines = [line for line in result.stderr.splitlines() if line.startswith(f"{path}:")]
    prefix = expected_prefix(path, text, locator, field)
    assert any(line.startswith(prefix) and phrase in line for line in problem_lines), result.stderr
    assert 1 <= len([ln for ln in problem_lines if "... and" not in ln]) <= MAX_VALIDATE_PROBLEMS
    assert "Traceback" not in result.output


def test_the_base_texts_are_valid(tmp_path: Path) -> None:
    # guards the cases above: each must fail for the reason it names, not another
    (tmp_path / "f.yaml").write_text(FRAMEWORK, "utf-8")
    (tmp_path / "p.yaml").write_text(PARTNERSHIP, "utf-8")
    assert templates.load(tmp_path / "f.yaml").id == "test-fw"
    assert templates.load(tmp_path / "p.yaml").cycles[0].agencies == ("alpha", "beta")


def test_non_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(FRAMEWORK.replace("Test framework", "Caf\xe9 framework").encode("latin-1"))
    with pytest.raises(TemplateError) as caught:
        templates.load(path)
    (problem,) = caught.value.problems
    offset = FRAMEWORK.index("Test framework") + len("Caf")
    line = FRAMEWORK[:offset].count("\n") + 1
    assert str(problem) == f"{path}:{line}: not UTF-8 text (byte {offset})"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(TemplateError) as caught:
        templates.load_framework(path)
    assert [str(p) for p in caught.value.problems] == [f"{path}: no such file"]
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}: no such file" in result.stderr
    assert "Traceback" not in result.output


def located_lines(path: Path, stderr: str) -> list[str]:
    """The ``file:line: ...`` lines ``workbook validate`` printed for ``path``."""
    return [ln for ln in stderr.splitlines() if re.match(rf"{re.escape(str(path))}:\d+: ", ln)]


def test_an_error_shows_three_problems_and_validate_lists_them_all(tmp_path: Path) -> None:
    text = FRAMEWORK
    for value in ("id: p-1", "id: p-2", "id: i-1", "key: red", "key: amber"):
        name, _, key = value.partition(": ")
        text = replace(text, f"- {value}\n", f"- {name}: {key.upper()}\n")
    path = tmp_path / "many.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(TemplateError) as caught:
        templates.load(path)
    assert len(caught.value.problems) == 5
    message_lines = str(caught.value).splitlines()
    assert len(message_lines) == MAX_PROBLEMS + 1
    assert message_lines[-1] == "... and 2 more problems"

    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    located = located_lines(path, result.stderr)
    assert located == [str(p) for p in caught.value.problems]
    assert located[:MAX_PROBLEMS] == message_lines[:MAX_PROBLEMS]
    assert "... and" not in result.stderr


def test_validate_lists_at_most_its_cap_then_says_how_many_more(tmp_path: Path) -> None:
    extra = MAX_VALIDATE_PROBLEMS + 3
    text = FRAMEWORK + "".join(
        f"  - {{id: Bad {n}, heading: prevent, prompt: Asked?}}\n" for n in range(extra)
    )
    path = tmp_path / "capped.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(TemplateError) as caught:
        templates.load(path)
    assert len(caught.value.problems) == extra

    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    located = located_lines(path, result.stderr)
    assert located == [str(p) for p in caught.value.problems[:MAX_VALIDATE_PROBLEMS]]
    first = line_of(text, "{id: Bad 0,")
    assert [int(ln.split(":")[1]) for ln in located] == list(
        range(first, first + MAX_VALIDATE_PROBLEMS)
    )
    assert result.stderr.splitlines()[-2:] == [
        f"{path}: ... and 3 more problems",
        "1 of 1 file(s) invalid",
    ]


# issue #17: a broken field used to stop the checks between fields, one problem a run
INDEPENDENT_FRAMEWORK = replace(
    replace(FRAMEWORK, FRAMEWORK_LEVELS_AMBER_GREEN, ""),
    "    heading: identify\n    prompt: Is the screening",
    "    heading: nowhere\n    prompt: Is the screening",
) + ("  - id: p-1\n    heading: identify\n    prompt: Asked twice?\n")

INDEPENDENT_PARTNERSHIP = replace(
    replace(
        replace(PARTNERSHIP, "  - id: beta\n", "  - id: alpha\n"),
        "    title: Cycle one\n",
        "",
    ),
    "returns_due: 2020-03-02",
    "returns_due: 2020-01-31",
).replace("[alpha, beta]", "[alpha]")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            INDEPENDENT_FRAMEWORK,
            [
                (("  levels:", 1), "scale.levels: a scale needs at least 2 levels"),
                (
                    ("heading: nowhere", 1),
                    "criteria[2].heading: unknown heading 'nowhere'; "
                    "expected one of 'identify', 'prevent'",
                ),
                (
                    ("  - id: p-1", 2),
                    "criteria[3].id: duplicate id 'p-1' (first used by criteria[0])",
                ),
            ],
            id="framework: one-level scale, unknown heading, duplicate id",
        ),
        pytest.param(
            INDEPENDENT_PARTNERSHIP,
            [
                (
                    ("  - id: alpha", 2),
                    "agencies[1].id: duplicate id 'alpha' (first used by agencies[0])",
                ),
                (("  - id: c1", 1), "cycles[0].title: required field is missing"),
                (
                    ("returns_due:", 1),
                    "cycles[0].timetable.returns_due: "
                    "returns_due (2020-01-31) is before returns_open (2020-02-03)",
                ),
            ],
            id="partnership: duplicate agency, missing title, dates out of order",
        ),
    ],
)
def test_independent_problems_are_named_in_one_run(
    text: str, expected: list[tuple[tuple[str, int], str]], tmp_path: Path
) -> None:
    path = tmp_path / "independent.yaml"
    path.write_text(text, "utf-8")
    want = [f"{path}:{line_of(text, *locator)}: {problem}" for locator, problem in expected]
    with pytest.raises(TemplateError) as caught:
        templates.load(path)
    assert [str(p) for p in caught.value.problems] == want

    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert located_lines(path, result.stderr) == want
    assert result.stderr.splitlines()[-1] == "1 of 1 file(s) invalid"
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("base", "old", "new", "only"),
    [
        pytest.param(
            FRAMEWORK,
            "    title: Identify\n",
            "    title: ''\n",
            "headings[1].title: must not be empty",
            id="a broken heading: its criteria are not under an unknown heading",
        ),
        pytest.param(
            FRAMEWORK,
            "    prompt: Is the screening tool used?\n",
            "",
            "criteria[2].prompt: required field is missing",
            id="a broken criterion: its heading is not without criteria",
        ),
        pytest.param(
            PARTNERSHIP,
            "    sector: police\n",
            "",
            "agencies[1].sector: required field is missing",
            id="a broken agency: the cycle inviting it does not invite an unknown agency",
        ),
    ],
)
def test_a_broken_part_does_not_make_its_references_look_wrong(
    base: str, old: str, new: str, only: str, tmp_path: Path
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(replace(base, old, new), "utf-8")
    with pytest.raises(TemplateError) as caught:
        templates.load(path)
    assert [f"{p.field}: {p.message}" for p in caught.value.problems] == [only]


def test_load_frameworks_refuses_two_files_with_one_id(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(FRAMEWORK, "utf-8")
    (tmp_path / "b.yml").write_text(FRAMEWORK.replace("Test framework", "Copy"), "utf-8")
    with pytest.raises(TemplateError) as caught:
        templates.load_frameworks(tmp_path)
    (problem,) = caught.value.problems
    assert problem.where == f"{tmp_path / 'b.yml'}:1"
    assert problem.field == "id"
    assert f"framework id 'test-fw' is also used by {tmp_path / 'a.yaml'}" in problem.message


def test_load_frameworks_reads_yaml_and_yml(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(FRAMEWORK, "utf-8")
    (tmp_path / "b.yml").write_text(FRAMEWORK.replace("id: test-fw", "id: other-fw"), "utf-8")
    (tmp_path / "notes.txt").write_text("not a template", "utf-8")
    assert sorted(templates.load_frameworks(tmp_path)) == ["other-fw", "test-fw"]


def test_kind_picks_the_model_and_an_explicit_model_wins(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PARTNERSHIP, "utf-8")
    assert type(templates.load(path)).__name__ == "Partnership"
    with pytest.raises(TemplateError) as caught:
        templates.load_framework(path)
    fields = {p.field for p in caught.value.problems}
    assert {"kind", "agencies"} <= fields


def test_format_path() -> None:
    assert templates.format_path(("criteria", 3, "heading")) == "criteria[3].heading"
    assert templates.format_path(("scale", "levels", 0)) == "scale.levels[0]"
    assert templates.format_path(()) == ""
