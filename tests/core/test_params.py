"""Parameters files against their notebooks (issue #5, house style rule 7).

The contract: each papermill notebook's ``parameters`` cell, as ``papermill.inspect_notebook``
reads it, declares exactly the names its schema in :mod:`workbook.schema.params` allows, with
the same defaults; and every ``parameters/*.yaml`` names a notebook and gives only names
that notebook declares, with every required one. Problems are located and readable.
"""

from __future__ import annotations

import ast
from pathlib import Path

import papermill
import pytest
from ruamel.yaml import YAML

from workbook.errors import ParameterError
from workbook.schema import params

FILES = params.parameter_files()


def _declared(notebook: str) -> dict[str, dict[str, str]]:
    return papermill.inspect_notebook(str(params.NOTEBOOKS_DIR / notebook))


def test_there_are_parameters_files_for_every_notebook() -> None:
    named = {params.load(path).notebook for path in FILES}
    assert named == set(params.SCHEMAS)
    assert len(FILES) >= 4


@pytest.mark.parametrize("notebook", sorted(params.SCHEMAS))
def test_the_parameters_cell_declares_exactly_the_schema(notebook: str) -> None:
    schema = params.SCHEMAS[notebook]
    declared = _declared(notebook)
    assert set(declared) == set(schema.model_fields), (
        f"{notebook}: the parameters cell declares {list(declared)} but "
        f"workbook.schema.params.{schema.__name__} allows {list(schema.model_fields)} "
        "(papermill skips a line with two '=', e.g. one in its comment)"
    )
    for name, info in schema.model_fields.items():
        found = declared[name]
        assert found["help"], f"{notebook}: parameter {name!r} has no comment saying what it is"
        default = ast.literal_eval(found["default"])
        assert found["inferred_type_name"].partition("[")[0] == type(default).__name__
        if not info.is_required():
            expected = info.get_default(call_default_factory=True)
            assert default == expected, (
                f"{notebook}: {name} defaults to {default!r}, schema {expected!r}"
            )
    # the notebook's own defaults are valid parameters
    schema.model_validate({n: ast.literal_eval(d["default"]) for n, d in declared.items()})


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_parameters_file_matches_its_notebook(path: Path) -> None:
    values = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    declared = _declared(values["notebook"])
    unknown = sorted(set(values) - set(declared))
    assert not unknown, f"{path.name}: {values['notebook']} has no parameter(s) {unknown}"
    missing = [n for n in params.required(params.schema_for(values["notebook"])) if n not in values]
    assert not missing, f"{path.name}: missing required parameter(s) {missing}"
    loaded = params.load(path)
    assert params.notebook_path(loaded).exists()
    assert set(params.injected(loaded)) == set(declared)


# -- located problems -------------------------------------------------------------------


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        params.load(path)
    assert caught.value.source == str(path)
    return [str(p).replace(str(path), "x.yaml") for p in caught.value.problems]


def test_an_unknown_name_is_located_and_the_known_ones_listed(tmp_path: Path) -> None:
    text = "notebook: report.ipynb\ncycle: cse-2017-18\ncompare_with: ''\ncylce: cse-2016-17\n"
    assert _problems(tmp_path, text) == [
        "x.yaml:4: cylce: unknown parameter 'cylce': report.ipynb takes notebook, db, as_of, "
        "cycle, compare_with, stage, include_unsubmitted, top_disagreement, board_asks"
    ]


def test_a_missing_required_name_is_an_error(tmp_path: Path) -> None:
    assert _problems(tmp_path, "notebook: agency_profile.ipynb\ncycles: []\n") == [
        "x.yaml:1: agency: required parameter is missing (agency_profile.ipynb needs agency)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "cycle: c1\n",
            "x.yaml:1: notebook: say which notebook these are for: report.ipynb, agency_profile.ipynb",
        ),
        (
            "notebook: nope.ipynb\n",
            "x.yaml:1: notebook: unknown notebook 'nope.ipynb'; expected report.ipynb, agency_profile.ipynb",
        ),
        ("", "x.yaml:1: the file is empty"),
        ("- a\n", "x.yaml:1: expected a mapping of name: value"),
        (
            "notebook: report.ipynb\ncycle: [\n",
            "x.yaml:3: while parsing a flow sequence expected ',' or ']', but got '<stream end>'",
        ),
    ],
)
def test_file_level_problems(tmp_path: Path, text: str, expected: str) -> None:
    found = _problems(tmp_path, text)
    assert found[0].startswith(expected.split(" while")[0]), found


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "as_of: 2018-03-21",
            'as_of: write the date in quotes, e.g. "2018-03-21" (papermill passes text)',
        ),
        (
            'as_of: "21/03/2018"',
            'as_of: expected a date written as "YYYY-MM-DD", or "" for the default',
        ),
        ('as_of: "2018-02-30"', "as_of: not a real date"),
        ('top_disagreement: "5"', "top_disagreement: expected a whole number (without quotes)"),
        ("top_disagreement: 0", "top_disagreement: input should be greater than or equal to 1"),
        (
            'include_unsubmitted: "no"',
            "include_unsubmitted: expected true or false (without quotes)",
        ),
        ("stage: board", "stage: input should be 'draft' or 'final'"),
        ("compare_with: CSE 2016", "compare_with: expected an id of lower-case letters"),
        ("board_asks: Note this", "board_asks: expected a list, e.g. [] or one '- item' per line"),
        ("board_asks: [1]", "board_asks[0]: expected text"),
    ],
)
def test_values_are_checked_strictly(tmp_path: Path, line: str, expected: str) -> None:
    text = f"notebook: report.ipynb\ncycle: cse-2017-18\ncompare_with: ''\n{line}\n"
    found = _problems(tmp_path, text.replace("compare_with: ''\ncompare_with", "compare_with"))
    line_number = 3 if line.startswith("compare_with") else 4
    assert found[0].startswith(f"x.yaml:{line_number}: {expected}"), found


def test_at_most_three_problems_are_shown(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("notebook: report.ipynb\na: 1\nb: 2\nc: 3\nd: 4\n", encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        params.load(path)
    assert len(caught.value.problems) == 6  # a, b, c, d and the missing cycle and comparison
    assert str(caught.value).splitlines()[-1] == "... and 3 more problems"


def test_a_missing_file_is_a_parameter_error(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="no such file"):
        params.load(tmp_path / "none.yaml")


def test_values_given_in_a_notebook_are_checked_too() -> None:
    with pytest.raises(ParameterError) as caught:
        params.check(
            params.ReportParameters,
            {"cycle": "c1", "compare_with": "", "stage": "x"},
            "report.ipynb",
        )
    assert str(caught.value) == "report.ipynb: stage: input should be 'draft' or 'final'"


def test_as_of_defaults_to_the_timetable_then_today() -> None:
    import datetime as dt

    p = params.ReportParameters(cycle="c1", compare_with="")
    assert p.as_of_date(dt.date(2018, 1, 19)) == dt.date(2018, 1, 19)
    assert p.as_of_date(None) == dt.date.today()
    assert params.ReportParameters(cycle="c1", compare_with="", as_of="2020-02-02").as_of_date(
        dt.date(2018, 1, 19)
    ) == dt.date(2020, 2, 2)


def test_parameters_used_are_words_for_the_title_block() -> None:
    p = params.ReportParameters(
        cycle="c1", compare_with="", board_asks=["a", "b"], include_unsubmitted=False
    )
    assert dict(p.used()) == {
        "notebook": "report.ipynb",
        "db": "(default)",
        "as_of": "(default)",
        "cycle": "c1",
        "compare_with": "(none)",
        "stage": "draft",
        "include_unsubmitted": "no",
        "top_disagreement": "5",
        "board_asks": "a; b",
    }
