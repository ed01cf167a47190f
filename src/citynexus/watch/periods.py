"""Reporting periods: ``2026-03`` (month), ``2026Q1`` (quarter), ``2026`` (year)."""

from __future__ import annotations

import re

import pandas as pd

from citynexus.watch.errors import WatchInputError

__all__ = ["period_end", "period_index", "to_period"]

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def to_period(label: object) -> pd.Period:
    """A period label as a :class:`pandas.Period` (freq M, Q or Y); WatchInputError otherwise."""
    s = str(label).strip()
    if m := _MONTH.match(s):
        if not 1 <= int(m.group(2)) <= 12:
            raise WatchInputError(f"period {s!r}: month must be 01..12")
        return pd.Period(year=int(m.group(1)), month=int(m.group(2)), freq="M")
    if m := _QUARTER.match(s):
        return pd.Period(year=int(m.group(1)), quarter=int(m.group(2)), freq="Q")
    if m := _YEAR.match(s):
        return pd.Period(year=int(m.group(1)), freq="Y")
    raise WatchInputError(f"period {s!r} is not a month (2026-03), a quarter (2026Q1) or a year (2026)")


def period_end(label: object) -> pd.Timestamp:
    """The last day of the period (a date, no time)."""
    return to_period(label).end_time.normalize()


def period_index(labels: list[str]) -> list[pd.Period]:
    """Periods of one series, checked to share a frequency."""
    ps = [to_period(x) for x in labels]
    freqs = {p.freqstr for p in ps}
    if len(freqs) > 1:
        raise WatchInputError(
            f"one series mixes period kinds ({', '.join(sorted(freqs))}): use one of month, quarter, year"
        )
    return ps
