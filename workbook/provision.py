"""Put a partnership file, and the frameworks its cycles run, into a store."""

from __future__ import annotations

from pathlib import Path

from workbook import templates
from workbook.errors import Problem, TemplateError
from workbook.framework import Framework
from workbook.partnership import Partnership
from workbook.store import Store


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
                    source,
                    f"{where}.framework",
                    f"no framework {cycle.framework!r} in the templates (found: {known})",
                )
            )
            continue
        if cycle.framework_version not in (None, framework.version):
            problems.append(
                Problem(
                    source,
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


def install(store: Store, partnership_file: str | Path, templates_dir: str | Path) -> Partnership:
    """Load a partnership file into the store with its agencies, cycles and frameworks."""
    partnership = templates.load_partnership(partnership_file)
    frameworks = templates.load_frameworks(Path(templates_dir))
    chosen = resolve_frameworks(partnership, frameworks, str(partnership_file))
    for framework in {f.id: f for f in chosen.values()}.values():
        store.put_framework(framework)
    store.put_partnership(partnership)
    for cycle in partnership.cycles:
        resolved = cycle.model_copy(update={"framework_version": chosen[cycle.id].version})
        store.put_cycle(partnership.id, resolved, partnership.invited(cycle))
    return partnership
