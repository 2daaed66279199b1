"""The typed framework schema: shipped templates, scales in both directions, fields, labels."""

from __future__ import annotations

import pytest

from workbook import config
from workbook.schema import loader as templates
from workbook.schema.framework import DEFAULT_FIELD_LABELS, ResponseField

SHIPPED = config.ROOT / "templates" / "frameworks"

LOWEST_BEST = {
    "name": "Grades",
    "best": "lowest",
    # listed worst first on purpose: the order in the file must not matter
    "levels": [
        {"key": "poor", "label": "Poor", "score": 3, "colour": "#d7191c"},
        {"key": "fair", "label": "Fair", "score": 2, "colour": "#fdae61"},
        {"key": "top", "label": "Top", "score": 1, "colour": "#2c7bb6"},
    ],
}


@pytest.fixture(scope="module")
def shipped():
    return templates.load_frameworks(SHIPPED)


def test_every_shipped_template_loads(shipped) -> None:
    assert set(shipped) == {
        "cse-mase",
        "ofsted-front-door",
        "child-exploitation",
        "section-11",
        "missing-children",
    }
    assert templates.validate_paths(templates.framework_paths(SHIPPED)) == {
        str(p): [] for p in templates.framework_paths(SHIPPED)
    }


def test_cse_mase_has_the_five_strategy_headings(shipped) -> None:
    cse = shipped["cse-mase"]
    assert [h.title for h in cse.headings] == [
        "Prevent",
        "Identify",
        "Intervene and support",
        "Disrupt and prosecute",
        "Governance and strategy",
    ]
    for heading in cse.headings:
        assert len(cse.criteria_under(heading.id)) >= 6, heading.title
    assert len(cse.scale.levels) == 4
    assert cse.scale.best == "highest"
    assert cse.scale.best_level.key == "strong"


def test_ofsted_front_door_uses_ofsted_grades_with_one_best(shipped) -> None:
    ofsted = shipped["ofsted-front-door"]
    assert [lv.label for lv in ofsted.scale.best_first()] == [
        "Outstanding",
        "Good",
        "Requires improvement to be good",
        "Inadequate",
    ]
    assert ofsted.scale.best == "lowest"
    assert ofsted.scale.best_level.label == "Outstanding"
    assert ofsted.scale.best_level.score == min(lv.score for lv in ofsted.scale.levels)
    assert len(ofsted.criteria) >= 10


def test_criteria_ids_are_unique_across_each_shipped_framework(shipped) -> None:
    for framework in shipped.values():
        ids = [c.id for c in framework.criteria]
        assert len(ids) == len(set(ids)), framework.id
        assert framework.criterion(ids[-1]) is framework.criteria[-1]


def test_highest_best_scale_orders_and_normalises(make_framework) -> None:
    scale = make_framework().scale
    assert [lv.key for lv in scale.best_first()] == ["green", "amber", "red"]
    assert scale.best_level.key == "green"
    assert scale.normalised("green") == 1.0
    assert scale.normalised("amber") == 0.5
    assert scale.normalised("red") == 0.0


def test_lowest_best_scale_orders_and_normalises(make_framework) -> None:
    scale = make_framework(scale=LOWEST_BEST).scale
    assert [lv.key for lv in scale.best_first()] == ["top", "fair", "poor"]
    assert scale.best_level.key == "top"
    assert scale.normalised("top") == 1.0
    assert scale.normalised("fair") == 0.5
    assert scale.normalised("poor") == 0.0


def test_normalised_handles_uneven_scores(make_framework) -> None:
    levels = [
        {"key": "low", "label": "Low", "score": 0, "colour": "#d7191c"},
        {"key": "mid", "label": "Mid", "score": 1, "colour": "#fdae61"},
        {"key": "high", "label": "High", "score": 4, "colour": "#2c7bb6"},
    ]
    scale = make_framework(scale={"name": "S", "best": "highest", "levels": levels}).scale
    assert scale.normalised("mid") == 0.25
    lowest = make_framework(scale={"name": "S", "best": "lowest", "levels": levels}).scale
    assert lowest.normalised("mid") == 0.75
    assert lowest.best_level.key == "low"


def test_unknown_level_is_a_key_error(make_framework) -> None:
    scale = make_framework().scale
    with pytest.raises(KeyError):
        scale.level("purple")
    with pytest.raises(KeyError):
        scale.normalised("purple")


def test_fields_default_to_the_framework_and_can_be_narrowed(make_framework) -> None:
    criteria = [
        {"id": "p-1", "heading": "prevent", "prompt": "Asked everything?"},
        {
            "id": "p-2",
            "heading": "prevent",
            "prompt": "Asked less?",
            "fields": ["rating", "development"],
        },
        {"id": "i-1", "heading": "identify", "prompt": "Text only?", "fields": ["evidence"]},
    ]
    framework = make_framework(criteria=criteria, fields=["rating", "evidence", "actions"])
    assert framework.fields_for(framework.criterion("p-1")) == (
        ResponseField.RATING,
        ResponseField.EVIDENCE,
        ResponseField.ACTIONS,
    )
    assert framework.fields_for(framework.criterion("p-2")) == (
        ResponseField.RATING,
        ResponseField.DEVELOPMENT,
    )
    assert framework.fields_for(framework.criterion("i-1")) == (ResponseField.EVIDENCE,)


def test_all_fields_are_asked_when_the_template_does_not_say(make_framework) -> None:
    framework = make_framework()
    assert framework.fields_for(framework.criteria[0]) == tuple(ResponseField)


def test_labels_can_be_renamed_and_default_otherwise(make_framework) -> None:
    framework = make_framework(labels={"rating": "Self-assessed grade", "actions": "Next steps"})
    assert framework.label(ResponseField.RATING) == "Self-assessed grade"
    assert framework.label(ResponseField.ACTIONS) == "Next steps"
    assert framework.label(ResponseField.EVIDENCE) == DEFAULT_FIELD_LABELS[ResponseField.EVIDENCE]
    assert make_framework().label(ResponseField.RATING) == "Rating"


def test_headings_and_criteria_lookups(make_framework) -> None:
    framework = make_framework()
    assert framework.heading("identify").title == "Identify"
    assert [c.id for c in framework.criteria_under("prevent")] == ["p-1", "p-2"]
    with pytest.raises(KeyError):
        framework.heading("nowhere")
    with pytest.raises(KeyError):
        framework.criterion("nowhere")


def test_frameworks_are_immutable(make_framework) -> None:
    framework = make_framework()
    with pytest.raises(ValueError, match="frozen"):
        framework.title = "Changed"  # type: ignore[misc]
