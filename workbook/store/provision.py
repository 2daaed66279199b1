"""Put a partnership file, and the frameworks its cycles run, into a store."""

from __future__ import annotations

from pathlib import Path

from workbook.errors import NotFound, Problem, StorageError, TemplateError
from workbook.schema import loader as templates
from workbook.schema.framework import Framework
from workbook.schema.partnership import Partnership
from workbook.store.facade import Store
from workbook.store.records import Joined


def _at(source: str, path: tuple[str | int, ...]) -> str:
    """``file:line`` of a field of the partnership file (the file alone if unreadable)."""
    try:
        root = templates.parse_yaml(templates.read_text(Path(source)), source)
    except TemplateError:
        return source
    line = templates.line_of(root, path)
    return f"{source}:{line}" if line else source


def resolve_frameworks(
    partnership: Partnership, frameworks: dict[str, Framework], source: str
) -> dict[str, Framework]:
    """Frameworks each cycle runs, by cycle id; unknown ids or versions are located errors."""
    problems = []
    chosen = {}
    for index, cycle in enumerate(partnership.cycles):
        where = f"cycles[{index}]"
        framework = frameworks.get(cycle.framework)
        if framework is None:
            known = ", ".join(sorted(frameworks)) or "none"
            problems.append(
                Problem(
                    _at(source, ("cycles", index, "framework")),
                    f"{where}.framework",
                    f"no framework {cycle.framework!r} in the templates (found: {known})",
                )
            )
            continue
        if cycle.framework_version not in (None, framework.version):
            problems.append(
                Problem(
                    _at(source, ("cycles", index, "framework_version")),
                    f"{where}.framework_version",
                    f"the template {cycle.framework!r} is version {framework.version!r}, "
                    f"not {cycle.framework_version!r}",
                )
            )
            continue
        chosen[cycle.id] = framework
    if problems:
        raise TemplateError(source, problems)
    return chosen


def _check_store(store: Store, partnership: Partnership, chosen: dict[str, Framework]) -> None:
    """Refuse before writing anything what ``put_framework``/``put_cycle`` would refuse midway.

    Each ``put_`` is its own transaction, so a refusal after the first would leave a
    partial load behind (issue #7).
    """
    stored = {(framework_id, version) for framework_id, version, _ in store.frameworks()}
    for framework in {f.id: f for f in chosen.values()}.values():
        key = (framework.id, framework.version)
        if key in stored and store.framework(*key).model_dump_json() != framework.model_dump_json():
            raise StorageError(
                "framework_changed", framework=framework.id, version=framework.version
            )
    for cycle in partnership.cycles:
        try:
            existing = store.cycle(cycle.id).framework_version
        except NotFound:
            continue  # a new cycle
        if existing != chosen[cycle.id].version:
            raise StorageError(
                "bad_transition",
                old=f"framework version {existing}",
                new=chosen[cycle.id].version,
                hint=f"Cycle {cycle.id!r} already runs version {existing}; make a new cycle.",
            )


def check_shared_agencies(store: Store, partnership: Partnership, source: str) -> None:
    """Refuse an agency id another partnership already holds under another name or sector.

    One agency record serves every partnership it works with (issue #17), so a second
    partnership file naming it must agree with the first; renaming it quietly would
    rename it in the other partnership's pages and papers too.
    """
    mine = {a.id for a in store.agencies(partnership.id)} if _known(store, partnership) else set()
    stored = {a.id: a for a in store.agencies()}
    problems = []
    for index, agency in enumerate(partnership.agencies):
        held = stored.get(agency.id)
        if held is None or agency.id in mine:
            continue
        for field in ("name", "sector"):
            if getattr(held, field) != getattr(agency, field):
                problems.append(
                    Problem(
                        _at(source, ("agencies", index, field)),
                        f"agencies[{index}].{field}",
                        f"agency {agency.id!r} is already in the store, shared with another "
                        f"partnership, as {field} {getattr(held, field)!r}; use the same "
                        f"{field} for one agency, or another id for a different one",
                    )
                )
    if problems:
        raise TemplateError(source, problems)


def _known(store: Store, partnership: Partnership) -> bool:
    return partnership.id in {pid for pid, _ in store.partnerships()}


def install(
    store: Store,
    partnership_file: str | Path,
    templates_dir: str | Path,
    *,
    joined: list[Joined] | None = None,
) -> Partnership:
    """Load a partnership file into the store with its agencies, cycles and frameworks.

    ``joined``, if given, receives what loading did about returns shared with other
    partnerships (issue #17), for ``workbook load`` to say.
    """
    partnership = templates.load_partnership(partnership_file)
    frameworks = templates.load_frameworks(Path(templates_dir))
    chosen = resolve_frameworks(partnership, frameworks, str(partnership_file))
    _check_store(store, partnership, chosen)
    check_shared_agencies(store, partnership, str(partnership_file))
    for framework in {f.id: f for f in chosen.values()}.values():
        store.put_framework(framework)
    store.put_partnership(partnership)
    known = {c.id for c in store.cycles(partnership.id)}
    for cycle in partnership.cycles:
        resolved = cycle.model_copy(update={"framework_version": chosen[cycle.id].version})
        store.put_cycle(partnership.id, resolved, partnership.invited(cycle))
    for cycle in partnership.cycles:
        if cycle.id not in known:  # a new cycle takes on the last one's open actions (#15)
            store.actions.bring_forward(cycle.id)
    for cycle in partnership.cycles:
        if cycle.shared_returns:  # one return for several partnerships (#17)
            found = store.shared.join(cycle.id)
            if joined is not None:
                joined.extend(found)
    return partnership
