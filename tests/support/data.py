"""The test frameworks and partnerships as plain data, and writing them as YAML.

Every folder's tests build their framework and partnership from these pieces, so a
change to the template format is made once (issue #13). Data is written to YAML and
loaded by the real loader, so the tests exercise it too.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from workbook.access import Identity, Role

RAG_LEVELS: list[dict[str, Any]] = [
    {"key": "red", "label": "Red", "score": 1, "colour": "#d7191c"},
    {"key": "amber", "label": "Amber", "score": 2, "colour": "#fdae61"},
    {"key": "green", "label": "Green", "score": 3, "colour": "#1a9641"},
]

FRAMEWORK: dict[str, Any] = {
    "id": "test-fw",
    "title": "Test framework",
    "version": "1.0",
    "scale": {"name": "RAG", "best": "highest", "levels": RAG_LEVELS},
    "headings": [
        {"id": "prevent", "title": "Prevent"},
        {"id": "identify", "title": "Identify"},
    ],
    "criteria": [
        {"id": "p-1", "heading": "prevent", "prompt": "Is training recorded?"},
        {"id": "p-2", "heading": "prevent", "prompt": "Do children get awareness sessions?"},
        {"id": "i-1", "heading": "identify", "prompt": "Is the screening tool used?"},
    ],
}
"""``test-fw``: headings ``prevent`` (``p-1``, ``p-2``) and ``identify`` (``i-1``), red <
amber < green with the highest best."""

SCOPED: dict[str, Any] = {
    "headings": [*FRAMEWORK["headings"], {"id": "disrupt", "title": "Disrupt"}],
    "criteria": [
        *FRAMEWORK["criteria"],
        {
            "id": "d-1",
            "heading": "disrupt",
            "prompt": "Are abduction warning notices served?",
            "title": "Abduction warning notices",
            "applies_to": ["police"],
        },
        {
            "id": "d-2",
            "heading": "disrupt",
            "prompt": "Do you pass on intelligence that helps disrupt offenders?",
            "title": "Intelligence for disruption",
        },
    ],
}
"""Overrides making ``test-fw`` scoped (issue #16): a ``disrupt`` heading whose ``d-1`` is
asked only of the police and ``d-2`` of everyone (``framework(**SCOPED)``)."""

AGENCIES: list[dict[str, str]] = [
    {"id": "alpha", "name": "Alpha health trust", "sector": "health"},
    {"id": "beta", "name": "Beta police force", "sector": "police"},
    {"id": "gamma", "name": "Gamma schools", "sector": "education"},
]


def framework(**overrides: Any) -> dict[str, Any]:
    """``test-fw`` as a fresh mapping, top-level keys replaced by ``overrides``."""
    return {**copy.deepcopy(FRAMEWORK), **copy.deepcopy(overrides)}


def timetable(year: int, **more: dt.date) -> dict[str, dt.date]:
    """A cycle's timetable in ``year``: criteria agreed 6 Jan, open 3 Feb, due 2 Mar."""
    return {
        "criteria_agreed": dt.date(year, 1, 6),
        "returns_open": dt.date(year, 2, 3),
        "returns_due": dt.date(year, 3, 2),
        **more,
    }


def cycle(
    cycle_id: str,
    title: str,
    year: int = 2020,
    framework_id: str = "test-fw",
    agencies: list[str] | None = None,
) -> dict[str, Any]:
    """A cycle of ``framework_id``; it invites ``agencies``, or every agency when None."""
    data: dict[str, Any] = {
        "id": cycle_id,
        "title": title,
        "framework": framework_id,
        "timetable": timetable(year),
    }
    if agencies is not None:
        data["agencies"] = list(agencies)
    return data


def partnership(
    cycles: list[dict[str, Any]],
    *,
    partnership_id: str = "tp",
    name: str = "Test partnership",
    agencies: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A partnership file's data: ``tp`` with alpha, beta and gamma unless told otherwise."""
    return {
        "kind": "partnership",
        "id": partnership_id,
        "name": name,
        "agencies": copy.deepcopy(AGENCIES if agencies is None else agencies),
        "cycles": copy.deepcopy(cycles),
    }


PARTNERSHIP: dict[str, Any] = partnership([cycle("c1", "Cycle one", agencies=["alpha", "beta"])])
"""``tp``: alpha, beta and gamma; cycle ``c1`` (2020) of ``test-fw`` inviting alpha and beta."""

SEXUAL_HEALTH: dict[str, str] = {
    "id": "sexual-health",
    "name": "Sexual health service",
    "sector": "health",
}

SCOPED_PARTNERSHIP: dict[str, Any] = partnership(
    [cycle("c1", "Cycle one", agencies=["sexual-health", "beta", "gamma"])],
    agencies=[*AGENCIES, SEXUAL_HEALTH],
)
"""``tp`` with a sexual health service; ``c1`` of the scoped ``test-fw`` (``SCOPED``)
invites it, beta (police) and gamma (education): the not-applicable tests (issue #16)."""


def dump_yaml(data: Any) -> str:
    """YAML text of plain data, block style (dates stay dates, "1.0" stays a string)."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def write_yaml(path: Path, content: Any) -> Path:
    """Write data (dumped as YAML) or text (as is) to ``path``, making its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else dump_yaml(content), "utf-8")
    return path


def write_partnership(
    folder: Path, partnership_data: dict[str, Any], *frameworks: dict[str, Any]
) -> tuple[Path, Path]:
    """Write a partnership file and a templates folder of ``frameworks`` under ``folder``.

    Returns
    -------
    tuple[Path, Path]
        The partnership file and the templates folder, as ``provision.install`` takes them.
    """
    templates = folder / "templates"
    for data in frameworks:
        write_yaml(templates / f"{data['id']}.yaml", data)
    templates.mkdir(parents=True, exist_ok=True)
    return write_yaml(folder / "partnership.yaml", partnership_data), templates


def without_action_ids(answers: Any) -> dict[str, Any]:
    """``answers`` with every action's id taken off (issue #15).

    The store gives each action an id when a return is saved; tests that typed their
    actions without one compare what was saved with what they typed through this.
    """
    return {
        cid: answer.model_copy(
            update={"actions": tuple(a.model_copy(update={"id": None}) for a in answer.actions)}
        )
        for cid, answer in answers.items()
    }


def partnership_from(path: Path) -> dict[str, Any]:
    """A partnership file's data as plain dicts, to change and write again (a new cycle)."""
    return YAML(typ="safe", pure=True).load(path.read_text("utf-8"))  # type: ignore[no-any-return]


NEIGHBOUR_AGENCIES: list[dict[str, str]] = [
    AGENCIES[1],  # beta, the police force both partnerships work with: one record
    {"id": "delta", "name": "Delta social care", "sector": "local authority"},
]


def shared_cycle(cycle_id: str, title: str, agencies: list[str], **more: Any) -> dict[str, Any]:
    """A 2020 cycle of ``test-fw`` that accepts returns shared with other partnerships."""
    return cycle(cycle_id, title, agencies=agencies) | {"shared_returns": True, **more}


SHARED_PARTNERSHIP: dict[str, Any] = partnership(
    [shared_cycle("c1", "Cycle one", ["alpha", "beta"])]
)
"""``tp`` whose ``c1`` accepts shared returns (issue #17)."""

NEIGHBOUR_PARTNERSHIP: dict[str, Any] = partnership(
    [shared_cycle("n1", "Neighbour cycle one", ["beta", "delta"])],
    partnership_id="np",
    name="Neighbour partnership",
    agencies=NEIGHBOUR_AGENCIES,
)
"""``np``: beta (shared with ``tp``) and delta; ``n1`` runs ``test-fw`` 1.0 at the same time
as ``tp``'s ``c1`` and accepts shared returns, so beta answers once for both (issue #17)."""


# whom the shared-return tests act for: each partnership's chair, beta's members through
# either partnership's link, and delta's
CHAIR_TP = Identity(key="link:1", name="Tess Chair", role=Role.CHAIR, partnership_id="tp")
CHAIR_NP = Identity(key="link:2", name="Nia Chair", role=Role.CHAIR, partnership_id="np")
POLICE_NP = Identity(
    key="link:3",
    name="Bea Officer",
    role=Role.MEMBER,
    partnership_id="np",
    agencies=frozenset({"beta"}),
)
POLICE_TP = Identity(
    key="link:4",
    name="Ben Officer",
    role=Role.MEMBER,
    partnership_id="tp",
    agencies=frozenset({"beta"}),
)
DELTA_NP = Identity(
    key="link:5", name="Dee", role=Role.MEMBER, partnership_id="np", agencies=frozenset({"delta"})
)
ALPHA_TP = Identity(
    key="link:6", name="Al", role=Role.MEMBER, partnership_id="tp", agencies=frozenset({"alpha"})
)
ANALYST_NP = Identity(key="link:7", name="Ana Lyst", role=Role.ANALYST, partnership_id="np")
SHARED_VISITORS = (CHAIR_TP, CHAIR_NP, POLICE_NP, POLICE_TP, DELTA_NP, ALPHA_TP, ANALYST_NP)
"""Every kind of visitor to the shared-return stores, for tests that ask each one."""
