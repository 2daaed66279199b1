"""Adding a framework is dropping a YAML file in: no code changes, end to end through the CLI."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.data import without_action_ids
from workbook import config
from workbook.cli import cli
from workbook.errors import ResponseError
from workbook.schema.framework import ResponseField
from workbook.schema.responses import Action, Answer, Status, progress
from workbook.store import Store

RUNAWAYS = """\
# A framework nobody wrote code for: only this file is new.
id: runaways
title: Missing children self-assessment
version: "2019.1"
scale:
  name: RAG rating
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
labels:
  development: Worries
headings:
  - id: runaway
    title: Runaway and missing from home
  - id: care
    title: Missing from care
  - id: education
    title: Missing education
criteria:
  - id: runaway-1
    heading: runaway
    prompt: Are return interviews offered within 72 hours?
  - id: runaway-2
    heading: runaway
    prompt: Is what children say in return interviews shared as intelligence?
    fields: [rating, development]
  - id: care-1
    heading: care
    prompt: Do placements report missing episodes without delay?
  - id: care-2
    heading: care
    prompt: Are children placed from other areas covered?
    fields: [rating, development]
  - id: education-1
    heading: education
    prompt: Are children missing education identified and tracked?
    fields: [rating, development]
"""

PARTNERSHIP = """\
kind: partnership
id: north
name: North Safeguarding Partnership
agencies:
  - id: council
    name: North Council children's services
    sector: local authority
  - id: constabulary
    name: North Constabulary
    sector: police
  - id: academies
    name: North academies trust
    sector: education
cycles:
  - id: missing-2019
    title: Missing children 2019
    framework: runaways
    timetable:
      criteria_agreed: 2019-01-07
      returns_open: 2019-02-01
      returns_due: 2019-03-15
  - id: cse-2019
    title: CSE 2019
    framework: cse-mase
    agencies: [council, constabulary]
    timetable:
      criteria_agreed: 2019-01-07
      returns_open: 2019-02-01
      returns_due: 2019-03-15
"""


@pytest.fixture
def dropped_in(tmp_path: Path) -> tuple[Path, Path]:
    """A templates folder: the shipped frameworks plus the new file; and a partnership."""
    folder = tmp_path / "frameworks"
    shutil.copytree(config.ROOT / "templates" / "frameworks", folder)
    (folder / "runaways.yaml").write_text(RUNAWAYS, "utf-8")
    partnership = tmp_path / "north.yaml"
    partnership.write_text(PARTNERSHIP, "utf-8")
    return folder, partnership


def full(rating: str, evidence: str = "Return interview audit, March 2019") -> Answer:
    return Answer(
        rating=rating,
        evidence=evidence,
        going_well="Interviews happen quickly.",
        development="Some children decline.",
        actions=(
            Action(text="Offer a second worker", owner="Service manager", due=dt.date(2019, 9, 1)),
        ),
    )


def test_a_new_framework_yaml_is_validated_loaded_answered_and_kept(
    db_url: str, dropped_in: tuple[Path, Path]
) -> None:
    folder, partnership = dropped_in
    runner = CliRunner()

    checked = runner.invoke(
        cli, ["validate", *map(str, sorted(folder.glob("*.yaml"))), str(partnership)]
    )
    assert checked.exit_code == 0, checked.output
    assert f"{folder / 'runaways.yaml'}: ok" in checked.stdout
    assert f"{partnership}: ok" in checked.stdout

    loaded = runner.invoke(
        cli, ["load", str(partnership), "--db", db_url, "--templates", str(folder)]
    )
    assert loaded.exit_code == 0, loaded.output
    assert "Loaded North Safeguarding Partnership" in loaded.stdout

    with Store.open(db_url) as store:
        assert (
            "runaways",
            "2019.1",
            "Missing children self-assessment",
        ) in store.frameworks()
        framework = store.cycle_framework("missing-2019")
        assert [h.title for h in framework.headings] == [
            "Runaway and missing from home",
            "Missing from care",
            "Missing education",
        ]
        assert framework.label(ResponseField.DEVELOPMENT) == "Worries"
        assert framework.fields_for(framework.criterion("care-2")) == (
            ResponseField.RATING,
            ResponseField.DEVELOPMENT,
        )
        assert store.cycle("missing-2019").agencies == ("academies", "constabulary", "council")
        assert store.cycle("cse-2019").framework_version == "2017.2"

        # a narrowed criterion refuses a field it does not ask for
        with pytest.raises(ResponseError, match="this criterion does not ask for it"):
            store.save(
                "missing-2019", "council", {"care-2": full("red")}, author="Lead", based_on=None
            )

        draft = {
            "runaway-1": full("amber"),
            "runaway-2": Answer(rating="red", development="Intelligence is not passed on."),
        }
        s1 = store.save("missing-2019", "council", draft, author="Return lead", based_on=None)
        assert progress(framework, s1.answers) == {
            "runaway": (2, 2),
            "care": (0, 2),
            "education": (0, 1),
        }

        # submission respects the narrowed fields: no evidence asked, so none required for green
        complete = {
            **draft,
            "care-1": full("green"),
            "care-2": Answer(rating="green"),
            "education-1": Answer(rating="amber", development="Tracking starts in May."),
        }
        s2 = store.save(
            "missing-2019",
            "council",
            complete,
            author="Return lead",
            based_on=s1.revision,
            status=Status.SUBMITTED,
        )
        store.save(
            "missing-2019", "constabulary", {"care-1": full("red")}, author="DI lead", based_on=None
        )

        assert without_action_ids(store.latest("missing-2019", "council").answers) == complete
        assert without_action_ids(store.at("missing-2019", "council", 1).answers) == draft
        assert store.statuses("missing-2019") == {
            "academies": Status.NOT_STARTED,
            "constabulary": Status.DRAFT,
            "council": Status.SUBMITTED,
        }
        history = store.history("missing-2019", "council")
        assert [(h.number, h.status, h.author) for h in history] == [
            (1, Status.DRAFT, "Return lead"),
            (2, Status.SUBMITTED, "Return lead"),
        ]
        assert set(history[1].changes) == {"care-1", "care-2", "education-1"}
        assert s2.revision == 2
        # the shipped framework's cycle is untouched by the new one
        assert store.statuses("cse-2019") == {
            "constabulary": Status.NOT_STARTED,
            "council": Status.NOT_STARTED,
        }

    shown = runner.invoke(
        cli, ["history", "--db", db_url, "--cycle", "missing-2019", "--agency", "council"]
    )
    assert shown.exit_code == 0, shown.output
    assert "#2 " in shown.stdout
    assert "Submitted by Return lead" in shown.stdout
    summary = runner.invoke(cli, ["summary", "--db", db_url])
    assert "missing-2019: Missing children 2019 (runaways 2019.1)" in summary.stdout
    assert "1 draft, 1 not started, 1 submitted" in summary.stdout


def test_a_cycle_naming_a_framework_that_is_not_there_is_refused(
    tmp_path: Path, dropped_in: tuple[Path, Path]
) -> None:
    folder, partnership = dropped_in
    (folder / "runaways.yaml").unlink()
    db = f"sqlite:///{tmp_path}/refused.db"
    result = CliRunner().invoke(
        cli, ["load", str(partnership), "--db", db, "--templates", str(folder)]
    )
    assert result.exit_code == 1
    message = str(result.exception)
    assert "cycles[0].framework: no framework 'runaways' in the templates" in message
    shipped = sorted(p.stem for p in (config.ROOT / "templates" / "frameworks").glob("*.yaml"))
    assert f"found: {', '.join(shipped)})" in message
    with Store.open(db) as store:
        assert store.partnerships() == []
