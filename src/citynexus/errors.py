"""The exception hierarchy of citynexus.

Every error the library raises on purpose derives from :class:`CityNexusError`, so a
caller can catch one class. Messages say what was wrong, where, and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass


class CityNexusError(Exception):
    """Root of every error raised by citynexus on purpose."""


class NotFoundError(CityNexusError):
    """A named record, dataset, result or job does not exist — or is private to another
    organisation, which a reader is told the same way (HTTP 404)."""


class ConflictError(CityNexusError):
    """A record with that name or id exists already (HTTP 409)."""


class SpecError(CityNexusError):
    """A method specification (TOML or Python) asks for something impossible."""


class ComputationError(CityNexusError):
    """Input data cannot be processed by the requested method (e.g. log of zero)."""


@dataclass
class Location:
    """Where a problem sits in a file: file name, 1-based row as shown in a spreadsheet
    (the header is row 1), and column name. Any part may be unknown (None)."""

    file: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts) if parts else "(no location)"


class DataProblem(CityNexusError):
    """One problem found while loading or validating a dataset.

    Attributes ``location`` (file/row/column), ``problem`` (what is wrong) and ``fix``
    (what to do about it). Subclasses name the kind of problem.
    """

    def __init__(self, problem: str, fix: str = "", location: Location | None = None):
        self.problem = problem
        self.fix = fix
        self.location = location or Location()
        super().__init__(str(self))

    def __str__(self) -> str:
        msg = f"{self.location}: {self.problem}"
        if self.fix:
            msg += f" -> {self.fix}"
        return msg


class EmptyFileError(DataProblem):
    """A file or sheet has no content (or only a header)."""


class MissingFileError(DataProblem):
    """An expected file or folder does not exist."""


class EncodingProblem(DataProblem):
    """A text file is neither UTF-8 (with or without BOM) nor GBK/GB18030."""


class SheetNameError(DataProblem):
    """An Excel workbook lacks one of the expected sheets."""


class MissingColumnError(DataProblem):
    """A required column is absent."""


class DuplicateError(DataProblem):
    """A code, or a unit/period/indicator combination, appears more than once."""


class UnknownParentError(DataProblem):
    """An indicator's parent is not declared in the framework."""


class FrameworkCycleError(DataProblem):
    """Following parents from an indicator leads back to itself."""


class FrameworkStructureError(DataProblem):
    """Levels, kinds, weights or denominators of the framework do not fit together."""


class MissingDirectionError(DataProblem):
    """An indicator has no direction (+1 or -1) or an invalid one."""


class NonNumericValueError(DataProblem):
    """A cell that must hold a number holds something else."""


class UndeclaredCodeError(DataProblem):
    """The values refer to a unit or indicator that is not declared."""


class PeriodError(DataProblem):
    """A period is not an integer year."""


def problems_message(problems: list, source: str = "", head: str = "", tail: str = "", limit: int | None = None) -> str:
    """``"{head}N problem(s){tail}[ in source]:"`` and one ``  - problem`` line each (at
    most ``limit``, then ``  ... and K more``): the message of an error listing every problem."""
    n = len(problems)
    text = f"{head}{n} problem{'s' if n != 1 else ''}{tail}"
    if source:
        text += f" in {source}"
    shown = problems if limit is None else problems[:limit]
    lines = [text + ":"] + [f"  - {p}" for p in shown]
    if n > len(shown):
        lines.append(f"  ... and {n - len(shown)} more")
    return "\n".join(lines)


@dataclass
class RecordProblem:
    """One problem of one input record: the ``line`` (JSON Lines line or spreadsheet row; 0 for a
    problem of the whole input), the ``field``, what is wrong and how to fix it.

    Shown as ``"{where}, field '{field}': {problem} -> {fix}"``; :meth:`where` names the place
    (subclasses add the sheet or the file). Where no place is named, a field in parentheses
    (``"(file)"``, ``"(sheets)"``) is a kind of problem, not a field, and only the problem is shown."""

    line: int
    field: str
    problem: str
    fix: str = ""

    def where(self) -> str:
        """``"line N"``, or ``""`` for a problem of the whole input (``line <= 0``)."""
        return f"line {self.line}" if self.line > 0 else ""

    def __str__(self) -> str:
        where = self.where()
        named = "" if not where and self.field.startswith("(") else f"field '{self.field}'"
        head = ", ".join(part for part in (where, named) if part)
        msg = f"{head}: {self.problem}" if head else self.problem
        if self.fix:
            msg += f" -> {self.fix}"
        return msg


class ImportRejectedError(CityNexusError):
    """An import was rejected and nothing was stored; ``problems`` lists every problem found
    (:class:`RecordProblem` or a subclass), ``source`` names the input. Subclasses set ``head``,
    the words before the count."""

    head = "import rejected, nothing stored: "

    def __init__(self, problems: list, source: str = ""):
        self.problems = list(problems)
        self.source = source
        super().__init__(problems_message(self.problems, source, head=self.head, limit=50))

    def summary(self) -> str:
        """``"{head}N problem(s)[ in source]"``: the first line of the message, for a response."""
        n = len(self.problems)
        return f"{self.head}{n} problem{'s' if n != 1 else ''}" + (f" in {self.source}" if self.source else "")


class DatasetValidationError(CityNexusError):
    """Loading a dataset found one or more problems; all of them are in ``problems``."""

    def __init__(self, problems: list[DataProblem], source: str = ""):
        self.problems = list(problems)
        self.source = source
        super().__init__(problems_message(self.problems, source, tail=" found"))


class UnknownDatasetError(CityNexusError):
    """A dataset name is neither a bundled dataset nor an existing path."""


class BoundaryError(ComputationError):
    """City boundaries are not available for a requested unit (use coordinates instead).

    Raised by the boundary reader (:mod:`citynexus.data.boundaries`) and by contiguity weights
    (:mod:`citynexus.region.spatial`); re-exported as ``citynexus.region.BoundaryError``."""
