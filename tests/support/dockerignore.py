"""The files ``docker build`` would send, by Docker's own ``.dockerignore`` rules (issue #18).

There is no Docker daemon on these machines, so the build context is listed here the
way the Docker client lists it (moby's ``patternmatcher`` and ``archive.TarWithOptions``):

- one pattern a line; ``#`` starts a comment line; blank lines are skipped;
- a pattern is cleaned like Go's ``filepath.Clean`` and a leading ``/`` is dropped, so
  ``/foo/bar``, ``foo/bar`` and ``./foo/bar/`` are the same pattern, always relative to
  the context's root;
- ``*`` is any run of characters but ``/``, ``?`` one such character, ``[...]`` a class
  (``[^...]`` negated), ``\\`` escapes; ``**`` is any number of directories, even none;
- a pattern matches a path when it matches the whole path or one of its parent
  directories, so a pattern naming a directory excludes everything under it;
- the last pattern that matches decides: ``!pattern`` re-includes.

Why not ``pathspec``'s ``gitwildmatch`` (already in the venv through mypy): git matches
a pattern without a slash at any depth (``*.db`` excludes ``data/x.db``) and Docker only
at the root, so a ``.dockerignore`` checked by git's rules would pass while Docker sent
the files. The rules above are short enough to follow exactly, and
``tests/deploy/test_build_context.py`` holds them to Docker's documented examples.

Like the Docker client, the walk does not descend into an excluded directory unless an
exception's text starts with that directory's path: an exception such as
``!**/README.md`` does not reach back into an excluded ``docs/``, in Docker either.
Symbolic links are listed, never followed.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pattern:
    """One cleaned ``.dockerignore`` line, compiled once so a walk costs a regex a path."""

    text: str
    exception: bool
    regex: re.Pattern[str]

    def matches(self, path: str) -> bool:
        """Whether the path, or a directory it is under, matches (a directory takes its contents)."""
        if self.regex.match(path):
            return True
        parts = path.split("/")[:-1]
        return any(self.regex.match("/".join(parts[: i + 1])) for i in range(len(parts)))


def _translate(pattern: str) -> str:
    """Go ``filepath.Match`` syntax plus ``**`` as a Python regex, as moby compiles it."""
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            if i < n and pattern[i] == "*":
                i += 1
                if i < n and pattern[i] == "/":  # "**/" is "**"
                    i += 1
                out.append(".*" if i == n else "(.*/)?")
            else:
                out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\":
            out.append(re.escape(pattern[i]) if i < n else re.escape("\\"))
            i += 1
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i:end]
                negate = body.startswith("^")
                body = body[1:] if negate else body
                out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
                i = end + 1
        else:
            out.append(re.escape(ch))
    out.append("$")
    return "".join(out)


def parse(text: str) -> list[Pattern]:
    """The patterns of a ``.dockerignore`` file's text, in order."""
    patterns = []
    for raw in text.removeprefix("\ufeff").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        if exception:
            line = line[1:].strip()
            if not line:
                msg = "illegal exclusion pattern: '!'"
                raise ValueError(msg)
        cleaned = posixpath.normpath(line)
        if len(cleaned) > 1 and cleaned.startswith("/"):
            cleaned = cleaned.lstrip("/") or "/"
        patterns.append(Pattern(cleaned, exception, re.compile(_translate(cleaned))))
    return patterns


def excluded(path: str, patterns: list[Pattern]) -> bool:
    """Whether Docker leaves ``path`` (relative, ``/``-separated) out: the last match decides."""
    matched = False
    for pattern in patterns:
        # an exception only matters once something matched, an exclusion only before
        if pattern.exception != matched:
            continue
        if pattern.matches(path):
            matched = not pattern.exception
    return matched


def _may_reinclude(directory: str, patterns: list[Pattern]) -> bool:
    """Docker's test for descending into an excluded directory: an exception starts with it."""
    prefix = directory + "/"
    return any(p.exception and (p.text + "/").startswith(prefix) for p in patterns)


def build_context(root: Path, patterns: list[Pattern] | None = None) -> Iterator[str]:
    """Every file, directory and link ``docker build root`` sends, relative to ``root``.

    Parameters
    ----------
    root
        The build context's root.
    patterns
        The rules to apply (default: ``root/.dockerignore``, none when it is missing).
    """
    if patterns is None:
        ignore = root / ".dockerignore"
        patterns = parse(ignore.read_text(encoding="utf-8")) if ignore.exists() else []
    for current, dirs, files in os.walk(root):
        base = Path(current).relative_to(root).as_posix()
        kept_dirs = []
        for name in sorted(dirs):
            rel = name if base == "." else f"{base}/{name}"
            if not excluded(rel, patterns):
                yield rel
                kept_dirs.append(name)
            elif _may_reinclude(rel, patterns):
                kept_dirs.append(name)
        dirs[:] = kept_dirs
        for name in sorted(files):
            rel = name if base == "." else f"{base}/{name}"
            if not excluded(rel, patterns):
                yield rel
