"""Errors of the cooperation hub (合作平台)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Self

from citynexus import errors
from citynexus.errors import CityNexusError, ImportRejectedError, RecordProblem


class HubError(CityNexusError):
    """Root of the errors raised by :mod:`citynexus.hub`."""


class UnknownCityError(HubError):
    """A city is neither a unit code of the bundled ``gba`` dataset nor one of its names."""


class NotFoundError(HubError, errors.NotFoundError):
    """An organization, offer or need id is not in the hub."""


class HubConfigError(HubError):
    """A matching configuration (TOML or keyword) names an unknown option or a bad value."""


@dataclass
class ImportProblem(RecordProblem):
    """One problem of one input record: where (``line`` of a JSON Lines file, or sheet and
    ``line`` = spreadsheet row), which ``field``, what is wrong and how to fix it.

    ``kind`` names the kind of problem (``missing_text``, ``not_date``, ...; ``""`` when none was
    given) and ``values`` the values its sentence quotes (``{"value": "'2026-13-01'"}``), so that a
    page can write problem and fix in its own language from the templates ``hubprob_<kind>`` and
    ``hubfix_<kind>`` (catalog ``i18n/catalog/fetched.toml``); ``problem`` and ``fix`` stay the English text."""

    sheet: str | None = None
    kind: str = ""
    values: dict[str, str] = dc_field(default_factory=dict)

    def where(self) -> str:
        """``"sheet 'S' row N"`` or ``"line N"``; ``""`` for a problem of the whole input."""
        return f"sheet '{self.sheet}' row {self.line}" if self.sheet and self.line > 0 else super().where()


class HubImportError(HubError, ImportRejectedError):
    """An import was rejected; nothing was stored. ``problems`` lists every :class:`ImportProblem` found."""

    head = "import rejected, nothing stored: "

    @classmethod
    def of_file(cls, path: Path | str, problem: str, fix: str = "", kind: str = "", **values: str) -> Self:
        """The error for a file that cannot be used at all: one problem of the whole file
        (line 0, field ``"(file)"``; ``kind`` and ``values`` as in :class:`ImportProblem`), the file as its source."""
        return cls([ImportProblem(0, "(file)", problem, fix, kind=kind, values=values)], str(path))
