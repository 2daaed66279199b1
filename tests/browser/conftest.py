"""Fixtures for the browser journeys (Playwright driving Debian's Chromium through Voila).

Shared by the form and dashboard journeys: fixtures here are prefixed by the feature
they serve (``form_...``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import data
from tests.support.servers import run_voila
from workbook import config
from workbook.schema.responses import Action, Answer
from workbook.store import Store, provision

# A framework unlike the CSE one: four grades with the lowest score best, renamed field
# labels, a criterion that asks for a rating only, no "going well" or development field.
FORM_GRADES: dict[str, Any] = {
    "id": "grades",
    "title": "Front door test framework",
    "version": "1.0",
    "scale": {
        "name": "Grade",
        "best": "lowest",
        "levels": [
            {"key": "g1", "label": "Grade 1: Excellent", "score": 1, "colour": "#2c7bb6"},
            {"key": "g2", "label": "Grade 2: Good", "score": 2, "colour": "#abd9e9"},
            {"key": "g3", "label": "Grade 3: Weak", "score": 3, "colour": "#fdae61"},
            {"key": "g4", "label": "Grade 4: Failing", "score": 4, "colour": "#d7191c"},
        ],
    },
    "fields": ["rating", "evidence", "actions"],
    "labels": {"evidence": "What shows it"},
    "headings": [
        {"id": "front", "title": "Front door", "guidance": "Contacts and referrals."},
        {"id": "lead", "title": "Leadership"},
    ],
    "criteria": [
        {"id": "f-1", "heading": "front", "prompt": "Are contacts screened within a day?"},
        {"id": "f-2", "heading": "front", "prompt": "Is consent recorded?", "fields": ["rating"]},
        {"id": "l-1", "heading": "lead", "prompt": "Do leaders audit front-door practice?"},
    ],
}


FORM_PARTNERSHIP: dict[str, Any] = data.partnership(
    [
        data.cycle("g-2019", "Grades 2019", year=2019, framework_id="grades"),
        data.cycle("g-2020", "Grades 2020", year=2020, framework_id="grades"),
    ],
    partnership_id="gp",
    name="Grades test partnership",
    agencies=data.AGENCIES[:2],
)


def form_seed(store: Store) -> None:
    """Returns the journeys start from.

    * ``gp`` / ``g-2019`` / ``alpha``: last cycle's answers for f-1 and f-2, to copy forward;
    * ``cse-2017-18`` / ``police``: a draft with every CSE criterion asked of the police
      answered but prevent-1, prevent-2 and identify-3, and an action with no owner on
      governance-2.
    """
    store.save(
        "g-2019",
        "alpha",
        {
            "f-1": Answer(rating="g1", evidence="Screening audit 2019"),
            "f-2": Answer(rating="g2"),
        },
        author="Alpha lead",
        based_on=None,
    )
    framework = store.cycle_framework("cse-2017-18")
    answers = {
        c.id: Answer(rating="developing", development="Not yet consistent.")
        for c in framework.criteria_for(store.agency("police").sector)
        if c.id not in {"prevent-1", "prevent-2", "identify-3"}
    }
    answers["governance-2"] = answers["governance-2"].model_copy(
        update={"actions": (Action(text="Agree a data set", due=dt.date(2018, 1, 31)),)}
    )
    store.save("cse-2017-18", "police", answers, author="Police lead", based_on=None)


@pytest.fixture(scope="module")
def form_store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store with the demo partnership (no returns) and the grades partnership."""
    tmp = tmp_path_factory.mktemp("form-store")
    url = f"sqlite:///{tmp}/form.db"
    partnership, templates = data.write_partnership(tmp / "grades", FORM_PARTNERSHIP, FORM_GRADES)
    with Store.open(url) as store:
        provision.install(store, config.setting("demo_partnership"), config.templates_dir())
        provision.install(store, partnership, templates)
        form_seed(store)
    return url


FORM_SERVER_ARGS = (
    # Culling as voila.json sets it up, but in seconds rather than minutes, so a test can
    # watch closed pages' kernels go. Not fewer than 15: on a loaded machine (the suite on
    # two workers) a browser may take several seconds to connect to the kernel that has
    # just run its page, and a kernel with no connection counts as idle.
    "--MappingKernelManager.cull_idle_timeout=15",
    "--MappingKernelManager.cull_interval=1",
    # A used preheated kernel is replaced after 1 s rather than 5: the journeys load pages
    # faster than people do, and would otherwise wait for the replacement.
    "--VoilaKernelManager.fill_delay=1",
)


@pytest.fixture(scope="module")
def form_server(form_store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of Voila over notebooks/ (voila.json: preheated kernels), with fast culling."""
    log = tmp_path_factory.mktemp("form-voila") / "voila.log"
    with run_voila(form_store_url, log, FORM_SERVER_ARGS) as base:
        yield base
