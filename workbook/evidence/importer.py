"""Load an evidence file into a cycle: read, check against the cycle, keep (issue #14).

Nothing is saved unless the whole file is good: every problem is reported at its row and
column first. ``check`` reads and checks and saves nothing, for ``--check``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbook.errors import EvidenceError, Problem
from workbook.evidence.files import MAX_BYTES, read_tables
from workbook.evidence.validate import Context, gather

if TYPE_CHECKING:
    from workbook.schema.evidence import Evidence
    from workbook.store import Store
    from workbook.store.records import LoadSummary


@dataclass(frozen=True)
class Loaded:
    """What a file held, and what loading it did (None when only checked)."""

    evidence: Evidence
    summary: LoadSummary | None


def read_file(path: Path) -> bytes:
    """A file's bytes; a missing, unreadable or huge file is a located ``EvidenceError``."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            reason = f"the file is {size:,} bytes, more than the {MAX_BYTES:,} read"
            raise EvidenceError(str(path), [Problem(str(path), "", reason)])
        return path.read_bytes()
    except OSError as exc:
        raise EvidenceError(str(path), [Problem(str(path), "", exc.strerror or str(exc))]) from None


def import_evidence(
    store: Store,
    cycle_id: str,
    data: bytes,
    source: str,
    *,
    check: bool = False,
    despite_personal_data: bool = False,
    author: str | None = None,
) -> Loaded:
    """Read an evidence file's bytes and keep its indicators and audits for the cycle.

    Parameters
    ----------
    source
        The file's name, for messages and for the record of where each revision came from.
    check
        Read and check only; nothing is saved (anyone who reaches the cycle may check).
    despite_personal_data
        Load text that looks like personal data (after checking it is not about a person).
    """
    info = store.cycle(cycle_id)
    if not check:
        store.require_moderator(cycle_id)  # refused before the file is read, in words
    context = Context(
        framework=store.framework(info.framework_id, info.framework_version),
        agencies=info.agencies,
        despite_personal_data=despite_personal_data,
    )
    evidence = gather(read_tables(data, source), context, source)
    if check:
        return Loaded(evidence, None)
    summary = store.evidence.load(cycle_id, evidence, source=Path(source).name, author=author)
    return Loaded(evidence, summary)
