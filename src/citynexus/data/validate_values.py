"""Validation of the values table (long or wide) against the units and the framework.

Every problem is collected (see :mod:`citynexus.data.validate`); row numbers are those a
spreadsheet shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from citynexus.data.checks import (
    check_nonempty,
    clean_table,
    did_you_mean,
    parse_number,
    require_columns,
    rows_text,
    sheet_row,
)
from citynexus.errors import (
    DataProblem,
    DuplicateError,
    EmptyFileError,
    FrameworkStructureError,
    Location,
    MissingColumnError,
    NonNumericValueError,
    PeriodError,
    UndeclaredCodeError,
)

_Cell = tuple[int, str, str, str, str, str]  # (row index, unit, period text, indicator, column, value text)


def _value_cells(df: pd.DataFrame, file: str, problems: list[DataProblem]) -> tuple[list[_Cell], bool] | None:
    """The cells of a long (``unit, period, indicator, value``) or wide (one column per
    indicator) values table, and whether it is long."""
    long_form = "indicator" in df.columns and "value" in df.columns
    if long_form:
        extra = [c for c in df.columns if c not in ("unit", "period", "indicator", "value")]
        if extra:
            problems.append(
                DataProblem(
                    f"unexpected columns {extra} in long-form values",
                    "long form has exactly unit, period, indicator, value",
                    Location(file, 1, extra[0]),
                )
            )
        recs = df.to_dict("records")
        return [
            (i, rec["unit"], rec["period"], rec["indicator"], "value", rec["value"]) for i, rec in enumerate(recs)
        ], True
    ind_cols = [c for c in df.columns if c not in ("unit", "period")]
    if not ind_cols:
        problems.append(
            MissingColumnError(
                "values need either columns indicator and value (long form) or one column per indicator (wide form)",
                "add the indicator columns",
                Location(file, 1),
            )
        )
        return None
    recs = df.to_dict("records")
    return [(i, rec["unit"], rec["period"], c, c, rec[c]) for i, rec in enumerate(recs) for c in ind_cols], False


@dataclass
class _BadRefs:
    """Rows that name an undeclared unit or indicator, an aggregate, or a bad period."""

    units: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    indicators: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    aggregates: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    periods: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def report(
        self,
        file: str,
        long_form: bool,
        units_file: str,
        indicators_file: str,
        problems: list,
        unit_codes=(),
        indicator_codes=(),
    ) -> None:
        """One problem per bad reference, naming the rows (in this order: units,
        indicators, aggregates, periods); an unknown code gets the closest known one."""

        def col(c: str) -> str:
            return "indicator" if long_form else c

        kinds = (
            (self.units, UndeclaredCodeError, lambda c: f"unit '{c}' is not declared in {units_file}",
             f"add it to {units_file} or correct the code", lambda c: "unit"),
            (self.indicators, UndeclaredCodeError, lambda c: f"indicator '{c}' is not declared in {indicators_file}",
             f"add it to {indicators_file} or correct the code", col),
            (self.aggregates, FrameworkStructureError, lambda c: f"values given for aggregate '{c}'",
             "aggregates are computed from their children: remove these values", col),
            (self.periods, PeriodError, lambda c: f"period '{c}' is not an integer year",
             "write the year as four digits, e.g. 2023", lambda c: "period"),
        )  # fmt: skip
        known = {id(self.units): unit_codes, id(self.indicators): indicator_codes}
        for rows, error, problem, fix, column in kinds:
            for c, rs in rows.items():
                where = Location(file, rs[0], column(c))
                hint = did_you_mean(c, known[id(rows)]) if id(rows) in known else ""
                problems.append(error(f"{problem(c)} ({rows_text(sorted(set(rs)))}){hint}", fix, where))


def _period(text: str, cache: dict[str, int | None]) -> int | None:
    if text not in cache:
        try:
            f = float(text)
            cache[text] = int(f) if f.is_integer() and 1000 <= f <= 9999 else None
        except ValueError:
            cache[text] = None
    return cache[text]


def _check_cells(
    cells: list[_Cell],
    long_form: bool,
    unit_set: set[str] | None,
    ind_kind: dict[str, str] | None,
    bad: _BadRefs,
    file: str,
    problems: list[DataProblem],
) -> pd.DataFrame:
    """Check every cell (references, period, number, duplicates) and return the values."""
    seen: dict[tuple[str, int, str], int] = {}
    dup_rows: set[int] = set()
    out_u, out_p, out_i, out_v = [], [], [], []
    period_cache: dict[str, int | None] = {}
    for i, unit, ptxt, ind, col, vtxt in cells:
        r = sheet_row(i)
        ok = True
        if unit_set is not None and unit not in unit_set:
            bad.units[unit].append(r)
            ok = False
        if ind_kind is not None:
            k = ind_kind.get(ind)
            if k is None:
                bad.indicators[ind].append(r)
                ok = False
            elif k == "aggregate":
                bad.aggregates[ind].append(r)
                ok = False
        period = _period(ptxt, period_cache)
        if period is None:
            bad.periods[ptxt].append(r)
            ok = False
        try:
            v = parse_number(vtxt)
        except ValueError:
            problems.append(
                NonNumericValueError(
                    f"'{vtxt}' is not a number (unit {unit}, period {ptxt}, indicator {ind})",
                    "write a plain number with '.' as decimal point and no thousands separators, "
                    "or leave the cell empty for missing",
                    Location(file, r, col),
                )
            )
            continue
        if not ok:
            continue
        key = (unit, period, ind)
        if key in seen:
            if long_form:
                problems.append(
                    DuplicateError(
                        f"unit {unit}, period {period}, indicator {ind} is given again (first on row {seen[key]})",
                        "keep one row per unit, period and indicator",
                        Location(file, r, "indicator"),
                    )
                )
            elif r not in dup_rows:  # a wide row repeats every indicator: one problem for the row
                dup_rows.add(r)
                problems.append(
                    DuplicateError(
                        f"unit {unit}, period {period} is given again (first on row {seen[key]})",
                        "keep one row per unit and period",
                        Location(file, r, "unit"),
                    )
                )
            continue
        seen[key] = r
        if v is None:
            continue
        out_u.append(unit)
        out_p.append(period)
        out_i.append(ind)
        out_v.append(v)
    return pd.DataFrame(
        {
            "unit": pd.Series(out_u, dtype=object),
            "period": pd.Series(out_p, dtype="int64"),
            "indicator": pd.Series(out_i, dtype=object),
            "value": pd.Series(out_v, dtype="float64"),
        }
    )


def validate_values(
    raw: pd.DataFrame,
    file: str,
    units: pd.DataFrame | None,
    indicators: pd.DataFrame | None,
    problems: list[DataProblem],
    units_file: str = "units",
    indicators_file: str = "indicators",
) -> pd.DataFrame | None:
    """Check the values table (long or wide) against the units and the framework and
    return it in long form without missing cells."""
    if not check_nonempty(raw, file, problems):
        return None
    df = clean_table(raw, ["unit", "period", "indicator", "value"])
    if not require_columns(df, ["unit", "period"], file, problems):
        return None
    got = _value_cells(df, file, problems)
    if got is None:
        return None
    cells, long_form = got
    unit_set = set(units["code"]) if units is not None else None
    ind_kind = dict(zip(indicators["code"], indicators["kind"])) if indicators is not None else None
    bad = _BadRefs()
    vals = _check_cells(cells, long_form, unit_set, ind_kind, bad, file, problems)
    inds = [c for c, k in (ind_kind or {}).items() if k != "aggregate"]
    bad.report(file, long_form, units_file, indicators_file, problems, sorted(unit_set or ()), inds)
    if not len(vals) and not problems:
        problems.append(EmptyFileError("no values at all (every cell empty)", "fill in some values", Location(file)))
    return vals
