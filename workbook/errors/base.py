"""The base of the hierarchy, on its own so that every errors module can build on it."""

from __future__ import annotations

from typing import Any


class WorkbookError(Exception):
    """Base of every error the workbook raises on purpose.

    Errors pickle with their facts: a page's kernel gets the store service's refusals
    as they were raised (:mod:`workbook.store.remote`, issue #19). ``Exception`` pickles
    only its ``args`` and calls the class with them again, which the keyword-only
    constructors here would refuse; this rebuilds the error without calling it.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuilt, (type(self), self.args, self.__dict__))


def _rebuilt(
    cls: type[WorkbookError], args: tuple[Any, ...], facts: dict[str, Any]
) -> WorkbookError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(facts)
    return error
