"""Errors of the case library (案例库)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

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
    spreadsheet row with the header as row 1), the ``field``, what is wrong and how to fix it.

    ``kind`` and ``values`` are those of the hub's :class:`~citynexus.hub.errors.ImportProblem`:
    the kind of problem (``missing_text``, ``not_sdg_goal``, ...) and the values its English
    ``problem`` and ``fix`` quote, as texts, so that a page or an API client writes it in its own
    language from the templates ``hubprob_<kind>`` and ``hubfix_<kind>`` (catalogs
    ``i18n/catalog/problems.toml`` and ``fetched.toml``)."""

    file: str = ""
    kind: str = ""
    values: dict[str, str] = dc_field(default_factory=dict)

    @classmethod
    def of(cls, line: int, fld: str, problem: str, fix: str, file: str, kind: str, **values: Any) -> CaseProblem:
        """The problem of ``line`` and field ``fld`` of ``file``, with its ``kind`` and the
        ``values`` its sentences quote (turned into texts)."""
        return cls(line, fld, problem, fix, file, kind, {k: str(v) for k, v in values.items()})

    def where(self) -> str:
        """``"{file}, line N"`` (``row N`` in a sheet), or ``"{file}, (file)"`` for the whole input."""
        word = "row" if " sheet '" in self.file else "line"
        place = f"{word} {self.line}" if self.line > 0 else "(file)"
        return f"{self.file}, {place}" if self.file else place


class CaseImportError(CasesError, ImportRejectedError):
    """An import was rejected; nothing was stored. ``problems`` lists every :class:`CaseProblem` found."""

    head = "case import rejected, nothing stored: "
