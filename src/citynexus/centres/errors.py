"""Errors of the SME technology service network (中小企业技术服务网络)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from citynexus.errors import CityNexusError
from citynexus.hub.errors import HubImportError, ImportProblem

__all__ = [
    "CentresError",
    "CentresImportError",
    "FormulaError",
    "FundingError",
    "ImportProblem",
    "RecordError",
    "RoutingError",
    "file_failure",
    "problem_of",
]


def problem_of(line: int, fld: str, problem: str, fix: str = "", kind: str = "", **values: Any) -> ImportProblem:
    """An :class:`ImportProblem` of ``line`` and field ``fld`` with its ``kind`` and the ``values``
    its English ``problem`` and ``fix`` quote (as texts), for a page to write them in its language."""
    return ImportProblem(line, fld, problem, fix, kind=kind, values={k: str(v) for k, v in values.items()})


class CentresError(CityNexusError):
    """Root of the errors raised by :mod:`citynexus.centres`."""


class CentresImportError(HubImportError, CentresError):
    """A centres, requests, records or talent file was rejected; nothing was used or stored.
    ``problems`` lists every problem with its line (or CSV row) and field."""


class RoutingError(CentresError):
    """A routing option is impossible (unknown mode, ``top`` < 1, no centres)."""


class FormulaError(CentresError):
    """A funding formula (TOML) names an unknown key or an impossible value."""


class FundingError(CentresError):
    """Funding cannot be allocated (negative budget, floors above the budget, ...)."""


class RecordError(CentresError):
    """A service record transition is not allowed (e.g. confirming an undelivered service)."""


def file_failure(path: Path | str) -> Callable[[str, str], CentresImportError]:
    """The error :func:`citynexus.data.recordfiles.read_utf8` raises for the file at ``path``: one
    problem of the whole file, kind ``not_utf8`` when it is not UTF-8, else ``unreadable_file``."""

    def fail(problem: str, fix: str) -> CentresImportError:
        kind = "not_utf8" if problem.startswith("not UTF-8") else "unreadable_file"
        return CentresImportError.of_file(path, problem, fix, kind, file=str(path))

    return fail
