"""Errors of the case library (案例库)."""

from __future__ import annotations

from dataclasses import dataclass

from citynexus.errors import CityNexusError, ImportRejectedError, NotFoundError, RecordProblem


class CasesError(CityNexusError):
    """Root of the errors raised by :mod:`citynexus.cases`."""


class CaseNotFoundError(CasesError, NotFoundError):
    """A case id is neither a seed case nor a stored user case."""


class ScreeningError(CasesError):
    """Juror scores, criteria or weights of a screening cannot be used as given."""


@dataclass
class CaseProblem(RecordProblem):
    """One problem of one input record: the ``file``, the ``line`` (JSON Lines line, or
    spreadsheet row with the header as row 1), the ``field``, what is wrong and how to fix it."""

    file: str = ""

    def where(self) -> str:
        """``"{file}, line N"`` (``row N`` in a sheet), or ``"{file}, (file)"`` for the whole input."""
        word = "row" if " sheet '" in self.file else "line"
        place = f"{word} {self.line}" if self.line > 0 else "(file)"
        return f"{self.file}, {place}" if self.file else place


class CaseImportError(CasesError, ImportRejectedError):
    """An import was rejected; nothing was stored. ``problems`` lists every :class:`CaseProblem` found."""

    head = "case import rejected, nothing stored: "
