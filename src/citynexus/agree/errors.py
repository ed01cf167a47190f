"""Errors of the agreements package (合作协议)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from citynexus.errors import CityNexusError, DataProblem, DatasetValidationError, Location, NotFoundError


class AgreeError(CityNexusError):
    """Root of the errors raised by :mod:`citynexus.agree`."""


class AgreementNotFoundError(AgreeError, NotFoundError):
    """No stored agreement has that id (or it is private to other organisations)."""


@dataclass
class AgreementProblem:
    """One problem of an agreement: the ``file``, the ``term`` id (or ``None`` for the
    agreement itself), the ``field``, what is wrong and how to fix it.

    ``kind`` names the kind of problem (``unknown_key``, ``party_not_listed``, ...) and ``values``
    the values its English sentences quote, as texts, so that a page writes problem and fix in its
    own language from the templates ``hubprob_<kind>`` / ``hubfix_<kind>`` (catalog
    ``i18n/catalog/problems.toml``), as for the hub's :class:`citynexus.hub.errors.ImportProblem`."""

    file: str
    term: str | None
    field: str
    problem: str
    fix: str
    kind: str = ""
    values: dict[str, str] = dc_field(default_factory=dict)

    def __str__(self) -> str:
        where = self.file or "<agreement>"
        where += f", term '{self.term}'" if self.term is not None else ""
        where += f", key '{self.field}'" if self.field else ""
        return f"{where}: {self.problem} -> {self.fix}"


class AgreementError(AgreeError):
    """An agreement was refused; every problem found is in ``problems``. The message is one
    line (problems separated by `` | ``), so the CLI prints one clear line."""

    def __init__(self, problems: list[AgreementProblem]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"agreement refused ({n} problem{'s' if n != 1 else ''})"
        super().__init__(head + ": " + " | ".join(str(p) for p in self.problems))


class RuleError(AgreeError):
    """A CEL rule does not compile or uses something a KPI rule cannot use. ``line`` and
    ``column`` (1-based) give the position in the rule text."""

    def __init__(self, message: str, rule: str, line: int | None = None, column: int | None = None, fix: str = ""):
        self.rule = rule
        self.line = line
        self.column = column
        self.fix = fix
        self.reason = message
        pos = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(f"rule {rule!r}{pos}: {message}")


def problem_values(values: dict[str, Any]) -> dict[str, str]:
    """The ``values`` of a problem as texts (what its English sentence quotes)."""
    return {k: str(v) for k, v in values.items()}


class ReportProblem(DataProblem):
    """One problem of one report row (file, row, column, what, fix), with the ``kind`` of
    problem and the ``values`` its sentences quote (as :class:`AgreementProblem`)."""

    def __init__(
        self, problem: str, fix: str = "", location: Location | None = None, kind: str = "", **values: Any
    ) -> None:
        self.kind = kind
        self.values = problem_values(values)
        super().__init__(problem, fix, location)


class ReportImportError(DatasetValidationError, AgreeError):
    """Importing reports found problems; nothing was imported. All problems are listed."""


class VerifyError(AgreeError):
    """A shown status could not be proved from the ledger (tampered or unknown record)."""


__all__ = [
    "AgreeError",
    "AgreementError",
    "AgreementProblem",
    "Location",
    "ReportImportError",
    "ReportProblem",
    "RuleError",
    "VerifyError",
]
