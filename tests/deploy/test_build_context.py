"""What ``docker build`` would send from this repository (issue #18).

An image is pushed to a registry, so a store file in the build context is returns data
leaving the partnership's machines. No Docker daemon runs here: ``tests/support/dockerignore``
lists the context by Docker's documented rules, and the first tests hold that matcher to
the examples in Docker's own documentation, so the listing is Docker's and not ours.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.dockerignore import build_context, excluded, parse

ROOT = Path(__file__).resolve().parents[2]

# What must never reach an image: by name anywhere in a path, or by how a name ends.
FORBIDDEN_NAMES = {".git", ".venv", "node_modules", "backups"}
FORBIDDEN_ENDINGS = (".db", ".db-wal", ".db-shm", ".db-journal", ".sqlite", ".backup", ".dump")


def _forbidden(paths: list[str]) -> list[str]:
    """The paths among ``paths`` that are a store, a backup, an environment or history."""
    bad = []
    for path in paths:
        parts = path.split("/")
        name = parts[-1]
        being_written = name.startswith(".") and name.endswith(".partial")  # a backup
        if FORBIDDEN_NAMES & set(parts) or name.endswith(FORBIDDEN_ENDINGS) or being_written:
            bad.append(path)
    return bad


# -------------------------------------------------- the matcher, on Docker's examples
# From Docker's reference, "Dockerfile reference: .dockerignore file".


def _out(rules: str, path: str) -> bool:
    return excluded(path, parse(rules))


def test_docker_example_comments_and_single_level_wildcards() -> None:
    rules = "# comment\n*/temp*\n*/*/temp*\ntemp?\n"
    assert _out(rules, "somedir/temporary.txt")
    assert _out(rules, "somedir/temp")
    assert _out(rules, "somedir/subdir/temporary.txt")
    assert _out(rules, "tempa")
    assert _out(rules, "tempb")
    assert not _out(rules, "temporary.txt")  # `temp?` is one character, at the root
    assert not _out(rules, "a/b/c/temp")  # `*` never crosses a slash
    assert not _out(rules, "# comment")


def test_docker_example_double_star_matches_any_depth_even_none() -> None:
    rules = "**/*.go\n"
    assert _out(rules, "main.go")
    assert _out(rules, "cmd/tool/main.go")
    assert not _out(rules, "main.gone")


def test_a_pattern_without_a_slash_matches_at_the_root_only_unlike_git() -> None:
    # the difference from .gitignore that makes pathspec's gitwildmatch the wrong model
    assert _out("*.db\n", "workbook.db")
    assert not _out("*.db\n", "data/workbook.db")
    assert _out("**/*.db\n", "data/workbook.db")


def test_docker_examples_exceptions_and_their_order() -> None:
    assert not _out("*.md\n!README.md\n", "README.md")
    assert _out("*.md\n!README.md\n", "CHANGELOG.md")
    rules = "*.md\n!README*.md\nREADME-secret.md\n"
    assert not _out(rules, "README-public.md")
    assert _out(rules, "README-secret.md")
    assert _out(rules, "notes.md")
    # the same lines in another order: the exception comes last and wins
    rules = "*.md\nREADME-secret.md\n!README*.md\n"
    assert not _out(rules, "README-secret.md")
    assert _out(rules, "notes.md")


def test_a_leading_slash_and_a_trailing_one_are_the_same_pattern() -> None:
    # "the patterns /foo/bar and foo/bar both exclude a file or directory named bar"
    for rules in ("/foo/bar\n", "foo/bar\n", "./foo/bar/\n"):
        assert _out(rules, "foo/bar")
        assert _out(rules, "foo/bar/inside.txt")  # a directory takes its contents
        assert not _out(rules, "foo/barn")


def test_a_lone_exclamation_mark_is_refused_as_docker_refuses_it() -> None:
    with pytest.raises(ValueError, match="illegal exclusion"):
        parse("!\n")


def test_an_excluded_directory_is_entered_only_for_an_exception_under_it(tmp_path: Path) -> None:
    for name in ("docs/keep.txt", "docs/drop.txt", "docs/README.md", "README.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    sent = set(build_context(tmp_path, parse("docs\n!docs/keep.txt\n")))
    assert sent == {"docs/keep.txt", "README.md"}
    # as in Docker's client, an exception that does not name the directory does not reach in
    sent = set(build_context(tmp_path, parse("docs\n!**/README.md\n")))
    assert sent == {"README.md"}


# ------------------------------------------------------------ this repository's context


def test_the_build_context_holds_no_store_backup_environment_or_history() -> None:
    sent = list(build_context(ROOT))
    assert "workbook/store/backup.py" in sent, "the listing found the code"
    assert "pyproject.toml" in sent
    assert _forbidden(sent) == []


def test_the_dockerignore_is_the_one_docker_uses() -> None:
    # BuildKit prefers <Dockerfile>.dockerignore beside the Dockerfile to the root's file
    assert (ROOT / ".dockerignore").is_file()
    assert list(ROOT.glob("**/Dockerfile*.dockerignore")) == []
    assert list(ROOT.glob("deploy/**/.dockerignore")) == []


def test_the_check_fails_when_a_store_is_in_the_tree(tmp_path: Path) -> None:
    context = tmp_path / "context"
    (context / "data").mkdir(parents=True)
    shutil.copy(ROOT / ".dockerignore", context / ".dockerignore")
    (context / "pyproject.toml").write_text("")
    planted = [
        "data/x.db",
        "data/x.db-wal",
        "workbook.db",
        "backups/workbook-2026-12-03.backup",
        "deep/er/store.sqlite",
        ".venv/bin/python",
        "deploy/node_modules/x/index.js",
        ".git/HEAD",
    ]
    for name in planted:
        (context / name).parent.mkdir(parents=True, exist_ok=True)
        (context / name).write_text("returns")
    assert _forbidden(list(build_context(context))) == []

    # the same tree without the .dockerignore: the check names every planted file
    (context / ".dockerignore").unlink()
    caught = _forbidden(list(build_context(context)))
    assert set(planted) <= set(caught)
    # and one pattern too few in the real file lets the store through
    rules = (ROOT / ".dockerignore").read_text(encoding="utf-8").replace("**/*.db\n", "")
    assert "data/x.db" in _forbidden(list(build_context(context, parse(rules))))


# ------------------------------------------------------------------------- the image


def _copies(dockerfile: Path) -> list[str]:
    """The build-context sources of every ``COPY`` in ``dockerfile``."""
    sources = []
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from=") for w in words):
            sources += [w for w in words[1:-1] if not w.startswith("--")]
    return sources


def test_the_image_copies_named_paths_that_the_context_sends() -> None:
    dockerfile = ROOT / "deploy" / "z2jh" / "Dockerfile"
    sources = _copies(dockerfile)
    assert "." not in sources, "COPY . would take whatever the context holds"
    sent = set(build_context(ROOT))
    missing = [s for s in sources if s.rstrip("/") not in sent]
    assert missing == [], "copied but missing from the context (or left out by .dockerignore)"
    for needed in ("workbook/", "widgets/", "notebooks/", "templates/", "deploy/singleuser/"):
        assert needed in sources


def test_the_image_installs_the_locked_packages_and_the_wheel_not_a_checkout() -> None:
    """Issue #18: hashes checked, nothing resolved at build time, no editable install."""
    text = (ROOT / "deploy" / "z2jh" / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock" in text
    assert "COPY deploy/z2jh/requirements.lock /tmp/requirements.lock" in text
    assert "pip install --no-cache-dir --no-deps /tmp/dist/*.whl" in text
    assert " -e " not in text
    assert "cp -R" not in text


def test_the_image_can_back_up_postgresql() -> None:
    # `workbook backup` of a PostgreSQL store runs pg_dump, checks with pg_restore --list
    text = (ROOT / "deploy" / "z2jh" / "Dockerfile").read_text(encoding="utf-8")
    assert "apt-get install --yes --no-install-recommends postgresql-client" in text
