"""The parts of a template its cross-field rules look at, as far as each part validated.

A framework whose scale is broken still has criteria and headings worth checking: a
duplicate criterion id or a criterion under an unknown heading is a problem of its own,
and an author who is told about it only once the scale is fixed fixes one thing per run
(issue #17). So the rules a single field's type cannot express (duplicate ids, unknown
references, dates out of order) are written against :class:`Entries`: the items of a
list that validated on their own, each with its place in the file, and whether all did.
A rule that needs a whole list (every heading id, to call one unknown) runs only when
that list is :attr:`~Entries.complete`, so a broken heading never makes its criteria
look misplaced.

:mod:`workbook.schema.loader` reads the parts from the YAML (it alone reads the raw
mapping); a document that validated whole gives them with ``of``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, Self, TypeVar

from pydantic import BaseModel

FieldPath = tuple[str | int, ...]
"""Where a field is: ``("criteria", 3, "heading")`` is ``criteria[3].heading``."""

Breach = tuple[FieldPath, str]
"""One broken cross-field rule: the path of the field to point at, and what is wrong."""

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Entries(Generic[T]):
    """The items of one list that validated, by their index in the file.

    ``complete`` is true when the list is there, holds at least one item, and every item
    validated: only then is what it lacks really missing.
    """

    found: tuple[tuple[int, T], ...]
    complete: bool

    @classmethod
    def of(cls, items: Sequence[T]) -> Entries[T]:
        """All the items of a list that validated whole.

        >>> Entries.of(["a", "b"])
        Entries(found=((0, 'a'), (1, 'b')), complete=True)
        """
        return cls(tuple(enumerate(items)), complete=bool(items))

    def __iter__(self) -> Iterator[tuple[int, T]]:
        return iter(self.found)


class ReadEntries(Protocol):
    """Reads one list of a template item by item (the loader's, from the YAML).

    ``path`` leads to the list; each item is validated as ``model``, or the field at
    ``inside`` of each item is (a cycle's ``timetable``, checked even when another field
    of the cycle is broken).
    """

    def __call__(self, path: FieldPath, model: type[M], inside: FieldPath = ()) -> Entries[M]:
        """The entries of the list at ``path`` that validate as ``model``."""
        ...


class Parts(Protocol):
    """What a template kind's cross-field rules look at, and the rules themselves."""

    @classmethod
    def of(cls, document: Any) -> Self:
        """The parts of a document that validated whole."""
        ...

    @classmethod
    def read(cls, read: ReadEntries) -> Self:
        """The parts that validate on their own, of a document that did not."""
        ...

    def problems(self) -> list[Breach]:
        """Every broken cross-field rule, with the path of each."""
        ...


def duplicates(entries: Entries[Any], attr: str, where: str) -> Iterator[Breach]:
    """Items of one list that repeat an earlier item's ``attr``."""
    seen: dict[object, int] = {}
    for index, item in entries:
        value = getattr(item, attr)
        if value in seen:
            yield (
                (where, index, attr),
                f"duplicate {attr} {value!r} (first used by {where}[{seen[value]}])",
            )
        else:
            seen[value] = index
