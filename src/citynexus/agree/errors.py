"""Errors of the agreements package (合作协议)."""

from __future__ import annotations

from dataclasses import dataclass

from citynexus.errors import CityNexusError, DataProblem, DatasetValidationError, Location, NotFoundError


class AgreeError(CityNexusError):
    """Root of the errors raised by :mod:`citynexus.agree`."""


class AgreementNotFoundError(AgreeError, NotFoundError):
    """No stored agreement has that id (or it is private to other organisations)."""


@dataclass
class AgreementProblem:
    """One problem of an agreement: the ``file``, the ``term`` id (or ``None`` for the
    agreement itself), the ``field``, what is wrong and how to fix it."""

    file: str
    term: str | None
    field: str
    problem: str
    fix: str

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


class ReportProblem(DataProblem):
    """One problem of one report row (file, row, column, what, fix)."""


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
