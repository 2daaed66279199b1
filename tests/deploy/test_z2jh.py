"""The Kubernetes files under deploy/z2jh say what deploy/README.md says (issue #18).

No cluster is at hand, so these are the checks that can fail here: every file parses,
no password sits in them (the hub database's comes from a secret), the chart version is
a real version and the docs quote the same one, and the backup and the administrator's
jobs run the user image with the store's secret.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
Z2JH = ROOT / "deploy" / "z2jh"
CHART_VERSION = re.compile(r"--version[ =](\S+)")


def _documents(path: Path) -> list[Any]:
    return [d for d in YAML(typ="safe").load_all(path.read_text(encoding="utf-8")) if d]


def _values() -> Any:
    (values,) = _documents(Z2JH / "values.yaml")
    return values


def _by_kind(path: Path) -> dict[tuple[str, str], Any]:
    return {(d["kind"], d["metadata"]["name"]): d for d in _documents(path)}


def _password_problems(node: Any, where: str = "") -> list[str]:
    """Every inline or empty password under ``node``: a key naming one, or one in a URL."""
    problems = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}.{key}" if where else str(key)
            if "password" in str(key).lower() and not (
                isinstance(value, dict) and "secretKeyRef" in value.get("valueFrom", {})
            ):
                problems.append(f"{here}: a password must come from a secretKeyRef")
            problems += _password_problems(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            problems += _password_problems(value, f"{where}[{i}]")
    elif isinstance(node, str) and re.search(r"://[^/@\s]+:[^/@\s]*@", node):
        problems.append(f"{where}: a password in a URL")
    return problems


def test_every_file_parses() -> None:
    files = sorted(Z2JH.glob("*.yaml"))
    assert [f.name for f in files] == ["admin-jobs.yaml", "backup-cronjob.yaml", "values.yaml"]
    for path in files:
        assert _documents(path), f"{path.name} is empty"


def test_no_password_is_written_in_any_file() -> None:
    for path in Z2JH.glob("*.yaml"):
        assert _password_problems(_documents(path)) == [], path.name


@pytest.mark.parametrize(
    "bad",
    [
        {"hub": {"db": {"password": ""}}},
        {"hub": {"db": {"password": "hunter2"}}},
        {"hub": {"db": {"url": "postgresql://jupyterhub:hunter2@db/jupyterhub"}}},
        {"hub": {"db": {"url": "postgresql://jupyterhub:@db/jupyterhub"}}},
    ],
)
def test_the_password_check_catches_a_written_or_empty_one(bad: Any) -> None:
    assert _password_problems(bad) != []


def test_the_hub_database_password_comes_from_a_secret() -> None:
    hub = _values()["hub"]
    assert hub["db"]["type"] == "postgres"
    assert "password" not in hub["db"]
    ref = hub["extraEnv"]["PGPASSWORD"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "workbook-hub-db", "key": "password"}
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    assert "workbook-hub-db" in readme, "the docs say to create the secret"


def test_the_chart_version_is_pinned_and_the_docs_agree() -> None:
    text = (Z2JH / "values.yaml").read_text(encoding="utf-8")
    (version,) = set(CHART_VERSION.findall(text))
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"not a release: {version!r}"
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    assert set(CHART_VERSION.findall(readme)) == {version}


def test_the_nightly_backup_writes_to_its_volume_with_pg_dump_in_the_image() -> None:
    manifests = _by_kind(Z2JH / "backup-cronjob.yaml")
    cron = manifests["CronJob", "workbook-backup"]["spec"]
    assert cron["concurrencyPolicy"] == "Forbid"
    pod = cron["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert "workbook backup -o /backups/" in " ".join(container["args"]).replace('"', "")
    (mount,) = container["volumeMounts"]
    (volume,) = pod["volumes"]
    assert mount == {"name": volume["name"], "mountPath": "/backups"}
    claim = volume["persistentVolumeClaim"]["claimName"]
    assert ("PersistentVolumeClaim", claim) in manifests
    _runs_the_user_image_with_the_store(container)


def test_the_administrators_jobs_migrate_load_add_users_and_report() -> None:
    jobs = {
        name: d["spec"]["template"]["spec"]["containers"][0]
        for (kind, name), d in _by_kind(Z2JH / "admin-jobs.yaml").items()
        if kind == "Job"
    }
    commands = {name: c["args"][:3] for name, c in jobs.items()}
    assert commands["workbook-migrate"] == ["workbook", "migrate"]
    assert commands["workbook-load"][:2] == ["workbook", "load"]
    assert commands["workbook-users-add"] == ["workbook", "users", "add"]
    assert commands["workbook-report"][:2] == ["workbook", "report"]
    for container in jobs.values():
        _runs_the_user_image_with_the_store(container)


def _runs_the_user_image_with_the_store(container: Any) -> None:
    image = _values()["singleuser"]["image"]
    assert container["image"] == f"{image['name']}:{image['tag']}"
    (store,) = [e for e in container["env"] if e["name"] == "WORKBOOK_DB"]
    assert store["valueFrom"]["secretKeyRef"] == {"name": "workbook-store", "key": "url"}
