"""Reporting periods: months ``2026-03``, quarters ``2026Q1``, years ``2026`` and, for
``once`` terms, a due date ``2026-06-30``.

A period is a closed calendar interval ``[first, last]`` of days; ``previous`` is the period
of the same kind just before. Periods of a term run from the one containing the
agreement's ``start`` to the one containing its ``end``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

FREQUENCIES = ("month", "quarter", "year", "once")

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period. ``kind`` is ``month``, ``quarter`` or ``year``; ``index`` counts
    periods of that kind from year 0 (``year*12 + month-1``, ``year*4 + q-1``, ``year``), so the
    previous period is ``index - 1``."""

    kind: str
    index: int

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.index // 12:04d}-{self.index % 12 + 1:02d}"
        if self.kind == "quarter":
            return f"{self.index // 4:04d}Q{self.index % 4 + 1}"
        return f"{self.index:04d}"

    @property
    def first(self) -> dt.date:
        if self.kind == "month":
            return dt.date(self.index // 12, self.index % 12 + 1, 1)
        if self.kind == "quarter":
            return dt.date(self.index // 4, 3 * (self.index % 4) + 1, 1)
        return dt.date(self.index, 1, 1)

    @property
    def last(self) -> dt.date:
        return Period(self.kind, self.index + 1).first - dt.timedelta(days=1)

    def previous(self) -> Period:
        return Period(self.kind, self.index - 1)

    def __str__(self) -> str:
        return self.label


def parse_period(text: str) -> Period:
    """``2026-03`` -> month, ``2026Q1`` -> quarter, ``2026`` -> year; ``ValueError`` otherwise."""
    s = str(text).strip()
    year = s[:4]
    if year.isdigit() and not 1000 <= int(year) <= 9998:
        raise ValueError(f"year {year} is outside 1000..9998")
    if m := _MONTH.match(s):
        y, mo = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12:
            raise ValueError(f"month {mo} is not 01..12")
        return Period("month", y * 12 + mo - 1)
    if m := _QUARTER.match(s):
        return Period("quarter", int(m.group(1)) * 4 + int(m.group(2)) - 1)
    if m := _YEAR.match(s):
        return Period("year", int(m.group(1)))
    raise ValueError("expected YYYY-MM (month), YYYYQn (quarter) or YYYY (year)")


def containing(kind: str, day: dt.date) -> Period:
    """The period of ``kind`` that contains ``day``."""
    if kind == "month":
        return Period("month", day.year * 12 + day.month - 1)
    if kind == "quarter":
        return Period("quarter", day.year * 4 + (day.month - 1) // 3)
    if kind == "year":
        return Period("year", day.year)
    raise ValueError(f"unknown period kind {kind!r}")


def span(kind: str, start: dt.date, end: dt.date) -> list[Period]:
    """Every period of ``kind`` from the one containing ``start`` to the one containing ``end``."""
    a, b = containing(kind, start), containing(kind, end)
    return [Period(kind, i) for i in range(a.index, b.index + 1)]
