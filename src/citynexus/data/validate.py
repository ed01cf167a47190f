"""Validation of raw tables into a :class:`~citynexus.data.dataset.Dataset`.

Every check collects problems instead of stopping at the first; at the end one
:class:`~citynexus.errors.DatasetValidationError` lists them all. Row numbers are those a
spreadsheet shows: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd

from citynexus.data.dataset import INDICATOR_COLUMNS, KINDS, UNIT_CORE, Dataset
from citynexus.data.framework import Framework
from citynexus.errors import (
    DataProblem,
    DatasetValidationError,
    DuplicateError,
    EmptyFileError,
    FrameworkCycleError,
    FrameworkStructureError,
    Location,
    MissingColumnError,
    MissingDirectionError,
    NonNumericValueError,
    PeriodError,
    UndeclaredCodeError,
    UnknownParentError,
)

#: Cell contents read as "missing" in numeric columns.
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "..", "-", "—", "–"})


def _row(i: int) -> int:
    """Spreadsheet row number of the 0-based data row ``i``."""
    return i + 2


def _rows_text(rows: list[int], limit: int = 4) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


def parse_number(text: str) -> float | None:
    """Parse a numeric cell. Returns None for a missing token, NaN-free float otherwise;
    raises ValueError for anything else."""
    t = text.strip()
    if t.lower() in MISSING_TOKENS:
        return None
    x = float(t)  # raises ValueError
    if math.isnan(x):
        return None
    if math.isinf(x):
        raise ValueError("infinite")
    return x


def _clean(df: pd.DataFrame, known: list[str]) -> pd.DataFrame:
    """Strip whitespace from headers and cells; lower-case the known column names."""
    df = df.copy()
    cols = []
    for c in df.columns:
        s = str(c).strip()
        cols.append(s.lower() if s.lower() in known else s)
    df.columns = cols
    df = df.loc[:, [not str(c).startswith("Unnamed:") for c in df.columns]]
    return df.apply(lambda col: col.astype(str).str.strip())


def _check_nonempty(df: pd.DataFrame, file: str, problems: list[DataProblem]) -> bool:
    if df.shape[1] == 0:
        problems.append(EmptyFileError("the file is empty", "add a header row and data rows", Location(file)))
        return False
    if len(df) == 0:
        problems.append(
            EmptyFileError("the file has a header but no data rows", "add at least one data row", Location(file))
        )
        return False
    return True


def _require(df: pd.DataFrame, cols: list[str], file: str, problems: list[DataProblem]) -> bool:
    missing = [c for c in cols if c not in df.columns]
    for c in missing:
        problems.append(
            MissingColumnError(
                f"required column '{c}' is missing (columns found: {', '.join(map(str, df.columns))})",
                f"add a column named '{c}'",
                Location(file, 1, c),
            )
        )
    return not missing


def _check_code(
    code: str,
    r: int,
    seen: dict[str, int],
    messages: tuple[str, str, str, str],
    file: str,
    problems: list[DataProblem],
) -> None:
    """A code must be given and unique within its table; ``seen`` maps codes to the row
    they were first met on. ``messages``: (empty problem, its fix, name of the code in the
    "already used" problem, its fix)."""
    empty, empty_fix, name, dup_fix = messages
    if not code:
        problems.append(DataProblem(empty, empty_fix, Location(file, r, "code")))
    elif code in seen:
        problems.append(
            DuplicateError(f"{name} '{code}' already used on row {seen[code]}", dup_fix, Location(file, r, "code"))
        )
    else:
        seen[code] = r


_UNIT_CODE = ("unit code is empty", "give every unit a code", "unit code", "make unit codes unique")
_INDICATOR_CODE = ("indicator code is empty", "give every row a code", "code", "make indicator codes unique")


# ---------------------------------------------------------------------------- units
def _coordinate(rec: dict, col: str, bound: int, file: str, r: int, problems: list[DataProblem]) -> float:
    try:
        x = parse_number(rec[col])
    except ValueError:
        problems.append(
            NonNumericValueError(
                f"'{rec[col]}' is not a number",
                f"write {col} in decimal degrees (e.g. 22.54) or leave it empty",
                Location(file, r, col),
            )
        )
        return np.nan
    if x is None:
        return np.nan
    if abs(x) > bound:
        problems.append(
            DataProblem(
                f"{col} {x} is outside [-{bound}, {bound}]", "use decimal degrees (WGS84)", Location(file, r, col)
            )
        )
    return x


def validate_units(raw: pd.DataFrame, file: str, problems: list[DataProblem]) -> pd.DataFrame | None:
    if not _check_nonempty(raw, file, problems):
        return None
    df = _clean(raw, UNIT_CORE)
    if not _require(df, ["code", "name"], file, problems):
        return None
    for c in ("name_zh", "lat", "lon"):
        if c not in df.columns:
            df[c] = ""
    seen: dict[str, int] = {}
    lat = np.full(len(df), np.nan)
    lon = np.full(len(df), np.nan)
    for i, rec in enumerate(df.to_dict("records")):
        r = _row(i)
        _check_code(rec["code"], r, seen, _UNIT_CODE, file, problems)
        if not rec["name"]:
            problems.append(DataProblem("unit name is empty", "give every unit a name", Location(file, r, "name")))
        lat[i] = _coordinate(rec, "lat", 90, file, r, problems)
        lon[i] = _coordinate(rec, "lon", 180, file, r, problems)
    out = df[[*UNIT_CORE, *[c for c in df.columns if c not in UNIT_CORE]]].copy()
    out["lat"] = lat
    out["lon"] = lon
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------- indicators
def _parse_direction(text: str) -> int | None:
    t = text.strip().lower()
    if t in {"1", "+1", "+", "1.0", "+1.0", "positive", "pos"}:
        return 1
    if t in {"-1", "-", "-1.0", "negative", "neg"}:
        return -1
    return None


def _structure(file: str, r: int, col: str, problem: str, fix: str) -> FrameworkStructureError:
    return FrameworkStructureError(problem, fix, Location(file, r, col))


def _level_and_kind(rec: dict, file: str, r: int, problems: list[DataProblem]) -> tuple[int, str]:
    """The row's level (0 when unknown or a denominator's) and kind (inferred from the
    level when empty), with every inconsistency between them reported."""
    code, kind = rec["code"], rec["kind"].lower()
    fix_level = "use 1 for indicators, 2 and up for aggregates"
    try:
        lv = int(float(rec["level"])) if rec["level"] else None
        if lv is not None and (lv != float(rec["level"]) or lv < 1):
            raise ValueError
    except ValueError:
        problems.append(_structure(file, r, "level", f"level '{rec['level']}' is not a positive integer", fix_level))
        lv = None
    if not kind:
        kind = "indicator" if lv == 1 else ("aggregate" if lv else "indicator")
    if kind not in KINDS:
        problems.append(
            _structure(
                file,
                r,
                "kind",
                f"kind '{rec['kind']}' is not one of {', '.join(KINDS)}",
                "set kind to indicator, aggregate or denominator",
            )
        )
    if kind == "denominator":
        lv = lv or 0
    elif lv is None and rec["level"] == "":
        problems.append(_structure(file, r, "level", "level is empty", fix_level))
    elif kind == "indicator" and lv not in (None, 1):
        problems.append(
            _structure(
                file,
                r,
                "level",
                f"indicator '{code}' has level {lv}",
                "indicators are level 1; use kind 'aggregate' for higher levels",
            )
        )
    elif kind == "aggregate" and lv is not None and lv < 2:
        problems.append(
            _structure(file, r, "level", f"aggregate '{code}' has level {lv}", "aggregates sit at level 2 or above")
        )
    return lv or 0, kind


def _direction_and_weight(rec: dict, kind: str, file: str, r: int, problems: list[DataProblem]) -> tuple[int, float]:
    direction, weight = 0, 1.0
    if kind == "indicator":
        d = _parse_direction(rec["direction"])
        if d is None:
            what = "has no direction" if not rec["direction"] else f"has direction '{rec['direction']}'"
            problems.append(
                MissingDirectionError(
                    f"indicator '{rec['code']}' {what}",
                    "write 1 if higher is better, -1 if lower is better",
                    Location(file, r, "direction"),
                )
            )
        else:
            direction = d
    if rec["weight"]:
        try:
            w = parse_number(rec["weight"])
            if w is None or w <= 0:
                raise ValueError
            weight = w
        except ValueError:
            problems.append(
                _structure(
                    file,
                    r,
                    "weight",
                    f"weight '{rec['weight']}' is not a positive number",
                    "give a positive weight (any scale; it is relative to the siblings) or leave it empty for 1",
                )
            )
    return direction, weight


def _parse_indicator_rows(df: pd.DataFrame, file: str, problems: list[DataProblem]) -> dict[str, int]:
    """Check codes, levels, kinds, directions and weights row by row and write the parsed
    columns into ``df``; returns ``code -> row`` of the first occurrence of each code."""
    n = len(df)
    level = np.zeros(n, dtype=int)
    direction = np.zeros(n, dtype=int)
    weight = np.ones(n)
    kinds: list[str] = []
    rows: dict[str, int] = {}
    for i, rec in enumerate(df.to_dict("records")):
        r = _row(i)
        _check_code(rec["code"], r, rows, _INDICATOR_CODE, file, problems)
        level[i], kind = _level_and_kind(rec, file, r, problems)
        kinds.append(kind)
        direction[i], weight[i] = _direction_and_weight(rec, kind, file, r, problems)
    df["kind"] = kinds
    df["level"] = level
    df["direction"] = direction
    df["weight"] = weight
    return rows


def _check_parent(
    rec: dict, r: int, kind_of: dict, level_of: dict, has_aggregates: bool, file: str, problems: list[DataProblem]
) -> str | None:
    """The row's parent when it is a declared aggregate above it (else None, reported)."""
    code, parent = rec["code"], rec["parent"]
    if not parent:
        if rec["kind"] == "indicator" and has_aggregates:
            problems.append(
                _structure(
                    file, r, "parent", f"indicator '{code}' has no parent", "name the aggregate (pillar) it belongs to"
                )
            )
        return None
    if parent not in kind_of:
        problems.append(
            UnknownParentError(
                f"parent '{parent}' of '{code}' is not declared",
                "add a row for it (kind aggregate) or correct the spelling",
                Location(file, r, "parent"),
            )
        )
        return None
    if kind_of[parent] != "aggregate":
        problems.append(
            _structure(
                file,
                r,
                "parent",
                f"parent '{parent}' of '{code}' is a {kind_of[parent]}, not an aggregate",
                "only aggregates can have children",
            )
        )
        return None
    if level_of[parent] and level_of[code] and level_of[parent] <= level_of[code]:
        problems.append(
            _structure(
                file,
                r,
                "level",
                f"parent '{parent}' (level {level_of[parent]}) is not above '{code}' (level {level_of[code]})",
                "a parent's level must be higher than its children's",
            )
        )
    return parent


def _check_links(df: pd.DataFrame, rows: dict[str, int], file: str, problems: list[DataProblem]) -> None:
    """Parents, denominators, cycles (on the framework tree) and childless aggregates."""
    kind_of = dict(zip(df["code"], df["kind"]))
    level_of = dict(zip(df["code"], df["level"]))
    has_aggregates = "aggregate" in kind_of.values()
    parent_of: dict[str, str] = {}
    for i, rec in enumerate(df.to_dict("records")):
        r, code = _row(i), rec["code"]
        if rec["kind"] == "denominator":
            if rec["parent"]:
                problems.append(
                    _structure(
                        file,
                        r,
                        "parent",
                        f"denominator '{code}' has a parent",
                        "denominators stand outside the framework: leave parent empty",
                    )
                )
            continue
        parent = _check_parent(rec, r, kind_of, level_of, has_aggregates, file, problems)
        if parent is not None:
            parent_of[code] = parent
        den = rec["denominator"]
        if den and kind_of.get(den) != "denominator":
            what = "is not declared" if den not in kind_of else f"is a {kind_of[den]}"
            problems.append(
                UnknownParentError(
                    f"denominator '{den}' of '{code}' {what}",
                    "declare it as a row with kind 'denominator'",
                    Location(file, r, "denominator"),
                )
            )
    tree = Framework.from_frame(df.assign(parent=[parent_of.get(c, "") for c in df["code"]]))
    for cycle in tree.cycles():
        problems.append(
            FrameworkCycleError(
                "the framework has a cycle: " + " -> ".join(cycle),
                "make sure following parents always ends at a top aggregate",
                Location(file, rows.get(cycle[0]), "parent"),
            )
        )
    with_children = set(parent_of.values())
    for code, kind in kind_of.items():
        if kind == "aggregate" and code not in with_children:
            problems.append(
                _structure(
                    file, rows.get(code), "code", f"aggregate '{code}' has no children", "give it children or remove it"
                )
            )


def validate_indicators(raw: pd.DataFrame, file: str, problems: list[DataProblem]) -> pd.DataFrame | None:
    """Check the framework table (every problem reported, with file, row and column) and
    return it with parsed ``kind``, ``level``, ``direction`` and ``weight`` columns."""
    if not _check_nonempty(raw, file, problems):
        return None
    df = _clean(raw, INDICATOR_COLUMNS)
    if not _require(df, ["code", "name", "parent", "level", "direction"], file, problems):
        return None
    for c in ("name_zh", "kind", "weight", "unit", "denominator", "source"):
        if c not in df.columns:
            df[c] = ""
    rows = _parse_indicator_rows(df, file, problems)
    _check_links(df, rows, file, problems)
    return df[INDICATOR_COLUMNS].reset_index(drop=True)


# ---------------------------------------------------------------------------- values
def validate_values(
    raw: pd.DataFrame,
    file: str,
    units: pd.DataFrame | None,
    indicators: pd.DataFrame | None,
    problems: list[DataProblem],
    units_file: str = "units",
    indicators_file: str = "indicators",
) -> pd.DataFrame | None:
    if not _check_nonempty(raw, file, problems):
        return None
    df = _clean(raw, ["unit", "period", "indicator", "value"])
    if not _require(df, ["unit", "period"], file, problems):
        return None
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
        cells = [
            (i, rec["unit"], rec["period"], rec["indicator"], "value", rec["value"])
            for i, rec in enumerate(df.to_dict("records"))
        ]
    else:
        ind_cols = [c for c in df.columns if c not in ("unit", "period")]
        if not ind_cols:
            problems.append(
                MissingColumnError(
                    "values need either columns indicator and value (long form) or one column per indicator "
                    "(wide form)",
                    "add the indicator columns",
                    Location(file, 1),
                )
            )
            return None
        recs = df.to_dict("records")
        cells = [(i, rec["unit"], rec["period"], c, c, rec[c]) for i, rec in enumerate(recs) for c in ind_cols]

    unit_set = set(units["code"]) if units is not None else None
    ind_kind = dict(zip(indicators["code"], indicators["kind"])) if indicators is not None else None
    bad_units: dict[str, list[int]] = defaultdict(list)
    bad_inds: dict[str, list[int]] = defaultdict(list)
    agg_inds: dict[str, list[int]] = defaultdict(list)
    bad_periods: dict[str, list[int]] = defaultdict(list)
    seen: dict[tuple[str, int, str], int] = {}
    out_u, out_p, out_i, out_v = [], [], [], []
    period_cache: dict[str, int | None] = {}
    for i, unit, ptxt, ind, col, vtxt in cells:
        r = _row(i)
        ok = True
        if unit_set is not None and unit not in unit_set:
            bad_units[unit].append(r)
            ok = False
        if ind_kind is not None:
            k = ind_kind.get(ind)
            if k is None:
                bad_inds[ind].append(r)
                ok = False
            elif k == "aggregate":
                agg_inds[ind].append(r)
                ok = False
        if ptxt not in period_cache:
            try:
                f = float(ptxt)
                period_cache[ptxt] = int(f) if f.is_integer() and 1000 <= f <= 9999 else None
            except ValueError:
                period_cache[ptxt] = None
        period = period_cache[ptxt]
        if period is None:
            bad_periods[ptxt].append(r)
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
            problems.append(
                DuplicateError(
                    f"unit {unit}, period {period}, indicator {ind} is given again (first on row {seen[key]})",
                    "keep one row per unit, period and indicator",
                    Location(file, r, col if not long_form else "indicator"),
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
    for u, rs in bad_units.items():
        problems.append(
            UndeclaredCodeError(
                f"unit '{u}' is not declared in {units_file} ({_rows_text(sorted(set(rs)))})",
                f"add it to {units_file} or correct the code",
                Location(file, rs[0], "unit"),
            )
        )
    for c, rs in bad_inds.items():
        problems.append(
            UndeclaredCodeError(
                f"indicator '{c}' is not declared in {indicators_file} ({_rows_text(sorted(set(rs)))})",
                f"add it to {indicators_file} or correct the code",
                Location(file, rs[0], "indicator" if long_form else c),
            )
        )
    for c, rs in agg_inds.items():
        problems.append(
            FrameworkStructureError(
                f"values given for aggregate '{c}' ({_rows_text(sorted(set(rs)))})",
                "aggregates are computed from their children: remove these values",
                Location(file, rs[0], "indicator" if long_form else c),
            )
        )
    for p, rs in bad_periods.items():
        problems.append(
            PeriodError(
                f"period '{p}' is not an integer year ({_rows_text(sorted(set(rs)))})",
                "write the year as four digits, e.g. 2023",
                Location(file, rs[0], "period"),
            )
        )
    if not out_v and not problems:
        problems.append(EmptyFileError("no values at all (every cell empty)", "fill in some values", Location(file)))
    vals = pd.DataFrame(
        {
            "unit": pd.Series(out_u, dtype=object),
            "period": pd.Series(out_p, dtype="int64"),
            "indicator": pd.Series(out_i, dtype=object),
            "value": pd.Series(out_v, dtype="float64"),
        }
    )
    return vals


# ---------------------------------------------------------------------------- all three
def build_dataset(
    tables: dict[str, pd.DataFrame | None],
    files: dict[str, str],
    name: str = "",
    problems: list[DataProblem] | None = None,
    notes: list[str] | None = None,
) -> Dataset:
    """Validate raw string tables (keys ``units``, ``indicators``, ``values``) and build a
    Dataset, or raise :class:`DatasetValidationError` listing every problem (including
    those passed in ``problems`` from reading)."""
    problems = list(problems or [])
    units = validate_units(tables["units"], files["units"], problems) if tables.get("units") is not None else None
    inds = (
        validate_indicators(tables["indicators"], files["indicators"], problems)
        if tables.get("indicators") is not None
        else None
    )
    vals = (
        validate_values(tables["values"], files["values"], units, inds, problems, files["units"], files["indicators"])
        if tables.get("values") is not None
        else None
    )
    if problems or units is None or inds is None or vals is None:
        raise DatasetValidationError(problems, name)
    # order values as units x periods x framework for stable output
    uorder = {c: k for k, c in enumerate(units["code"])}
    iorder = {c: k for k, c in enumerate(inds["code"])}
    vals = (
        vals.assign(_u=vals["unit"].map(uorder), _i=vals["indicator"].map(iorder))
        .sort_values(["_u", "period", "_i"])
        .drop(columns=["_u", "_i"])
        .reset_index(drop=True)
    )
    return Dataset(
        units=units,
        indicators=inds,
        values=vals,
        name=name,
        notes=list(notes or []),
        framework=Framework.from_frame(inds),
    )
