"""Errors of the cooperation hub (合作平台)."""

from __future__ import annotations

from dataclasses import dataclass

from citynexus import errors
from citynexus.errors import CityNexusError, ImportRejectedError


class HubError(CityNexusError):
    """Root of the errors raised by :mod:`citynexus.hub`."""


class UnknownCityError(HubError):
    """A city is neither a unit code of the bundled ``gba`` dataset nor one of its names."""


class NotFoundError(HubError, errors.NotFoundError):
    """An organization, offer or need id is not in the hub."""


class HubConfigError(HubError):
    """A matching configuration (TOML or keyword) names an unknown option or a bad value."""


@dataclass
class ImportProblem:
    """One problem of one input record: where (``line`` of a JSON Lines file, or sheet and
    ``line`` = spreadsheet row), which ``field``, what is wrong and how to fix it."""

    line: int
    field: str
    problem: str
    fix: str = ""
    sheet: str | None = None

    def __str__(self) -> str:
        if self.line <= 0:
            msg = f"{self.problem}" if self.field.startswith("(") else f"field '{self.field}': {self.problem}"
        else:
            where = f"sheet '{self.sheet}' row {self.line}" if self.sheet else f"line {self.line}"
            msg = f"{where}, field '{self.field}': {self.problem}"
        if self.fix:
            msg += f" -> {self.fix}"
        return msg


class HubImportError(HubError, ImportRejectedError):
    """An import was rejected; nothing was stored. ``problems`` lists every :class:`ImportProblem` found."""

    head = "import rejected, nothing stored: "
