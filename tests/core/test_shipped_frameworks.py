"""The frameworks the workbook ships: each loads, reads well in tables and scopes sensibly.

Every file in ``templates/frameworks/`` is checked the same way (the real loader and
``workbook validate``, short titles, known sectors, headings with criteria, legible scale
colours); the three written for issue #17 are then checked for their own shape.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.colours import contrast
from workbook import analysis, config
from workbook.charts import theme
from workbook.cli import cli
from workbook.schema import loader as templates
from workbook.schema.framework import Framework, ResponseField

SHIPPED = config.ROOT / "templates" / "frameworks"
PATHS = sorted(SHIPPED.glob("*.yaml"))
DEMO = config.ROOT / "data" / "demo" / "partnership.yaml"

TITLE_MAX = 60
"""Characters a criterion's short title may use: it names a table row or a chart bar."""

NEW = ("child-exploitation", "section-11", "missing-children")
"""The frameworks partnerships run since 2018 (issue #17)."""


@pytest.fixture(scope="module")
def shipped() -> dict[str, Framework]:
    return templates.load_frameworks(SHIPPED)


@pytest.fixture(scope="module")
def sectors() -> set[str]:
    """The sectors a framework may scope to: those of the demo partnership's agencies."""
    return {a.sector.casefold() for a in templates.load_partnership(DEMO).agencies}


def test_the_shipped_ids_are_unique_and_include_the_new_ones(shipped) -> None:
    # load_frameworks refuses two files with one id; the file names follow the ids
    assert sorted(shipped) == sorted(p.stem for p in PATHS)
    assert set(NEW) <= set(shipped)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_validate_passes(path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}: ok" in result.stdout


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_ids_are_unique_and_every_heading_has_criteria(path: Path) -> None:
    framework = templates.load_framework(path)
    heading_ids = [h.id for h in framework.headings]
    criterion_ids = [c.id for c in framework.criteria]
    assert len(heading_ids) == len(set(heading_ids))
    assert len(criterion_ids) == len(set(criterion_ids))
    for heading in framework.headings:
        assert heading.guidance, heading.id
        assert framework.criteria_under(heading.id), heading.id


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_every_criterion_has_a_short_title_guidance_and_evidence(path: Path) -> None:
    framework = templates.load_framework(path)
    for criterion in framework.criteria:
        assert 0 < len(criterion.title) <= TITLE_MAX, criterion.id
        assert criterion.title != criterion.prompt, criterion.id
        assert criterion.guidance, criterion.id
        assert criterion.evidence, criterion.id
    titles = [c.title for c in framework.criteria]
    assert len(titles) == len(set(titles)), "two criteria share a title"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_sector_scopes_name_known_sectors(path: Path, sectors: set[str]) -> None:
    framework = templates.load_framework(path)
    for criterion in framework.criteria:
        if criterion.applies_to is None:
            continue
        named = [s.casefold() for s in criterion.applies_to]
        assert set(named) <= sectors, (criterion.id, named)
        assert len(named) == len(set(named)), criterion.id
        assert set(named) != sectors, f"{criterion.id}: a scope naming every sector is none"
    # every sector is asked something
    for sector in sectors:
        assert framework.criteria_for(sector), sector


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_scale_colours_are_distinct_and_their_labels_legible(path: Path) -> None:
    scale = templates.load_framework(path).scale
    colours = [lv.colour.lower() for lv in scale.levels]
    assert len(colours) == len(set(colours))
    # not the fills that mean "not applicable" or "not rated"
    assert not {theme.NA_FILL, theme.NOT_RATED_FILL} & set(colours)
    # the charts write each level's short label on its colour in the ink they choose
    for row in analysis.levels(scale).itertuples():
        assert contrast(row.text_colour, row.colour) >= 4.5, row.label
    assert all(lv.description for lv in scale.levels)


# -- the frameworks partnerships run since 2018 (issue #17) ---------------------------------


@pytest.mark.parametrize("framework_id", NEW)
def test_the_new_frameworks_are_versioned_described_and_scoped(shipped, framework_id) -> None:
    framework = shipped[framework_id]
    assert framework.version == "2026.1"
    assert "aggregate information only" in framework.description
    assert "moderat" in framework.description  # says how returns are moderated
    assert framework.fields == tuple(ResponseField)
    assert any(c.applies_to for c in framework.criteria)
    assert any(c.applies_to is None for c in framework.criteria)


def test_child_exploitation_follows_the_mace(shipped) -> None:
    mace = shipped["child-exploitation"]
    assert [h.title for h in mace.headings] == [
        "Prevent",
        "Identify",
        "Intervene and support",
        "Disrupt",
        "Transitions to adulthood",
        "Governance and the MACE panel",
    ]
    assert 30 <= len(mace.criteria) <= 40
    words = " ".join(f"{c.prompt} {c.guidance}" for c in mace.criteria).casefold()
    for theme_word in ("county lines", "cuckooing", "criminal exploitation", "national referral"):
        assert theme_word in words, theme_word
    # the same levels as the MASE's CSE self-assessment, so ratings read across the change
    cse = shipped["cse-mase"]
    assert [(lv.key, lv.score) for lv in mace.scale.levels] == [
        (lv.key, lv.score) for lv in cse.scale.levels
    ]
    assert mace.criterion("disrupt-4").applies_to == ("police",)
    assert mace.criterion("intervene-5").applies("Health")
    assert not mace.criterion("intervene-5").applies("police")


def test_section_11_rates_standards_met(shipped) -> None:
    s11 = shipped["section-11"]
    assert s11.scale.best == "highest"
    assert [lv.label for lv in s11.scale.best_first()] == [
        "Fully met",
        "Mostly met",
        "Partly met",
        "Not met",
    ]
    assert s11.scale.best_level.key == "fully-met"
    assert s11.label(ResponseField.EVIDENCE).startswith("Evidence of compliance")
    titles = [h.title for h in s11.headings]
    assert "Safer recruitment and allegations" in titles
    assert "Information sharing and records" in titles
    # the standards are every agency's: few criteria are scoped
    assert sum(1 for c in s11.criteria if c.applies_to) <= 3
    assert len(s11.criteria_for("voluntary")) == len(s11.criteria) - 2


def test_missing_children_covers_return_conversations_and_education(shipped) -> None:
    missing = shipped["missing-children"]
    assert [h.id for h in missing.headings] == [
        "prevent",
        "respond",
        "return",
        "repeat",
        "education",
        "oversight",
    ]
    within_72 = missing.criterion("return-2")
    assert "72 hours" in within_72.prompt
    assert within_72.applies_to == ("local authority", "voluntary")
    # education's criteria go to schools and the local authority, not the police
    education = missing.criteria_under("education")
    assert all(not c.applies("police") for c in education)
    assert all(c.applies("education") or c.applies("local authority") for c in education)
