"""Validation of raw tables into a :class:`~citynexus.data.dataset.Dataset`.

Every check collects problems instead of stopping at the first; at the end one
:class:`~citynexus.errors.DatasetValidationError` lists them all. Row numbers are those a
spreadsheet shows: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from citynexus.data.checks import (
    MISSING_TOKENS,
    check_nonempty,
    clean_table,
    did_you_mean,
    parse_number,
    require_columns,
    sheet_row,
)
from citynexus.data.dataset import INDICATOR_COLUMNS, KINDS, UNIT_CORE, Dataset
from citynexus.data.framework import Framework
from citynexus.data.validate_values import validate_values
from citynexus.errors import (
    DataProblem,
    DatasetValidationError,
    DuplicateError,
    FrameworkCycleError,
    FrameworkStructureError,
    Location,
    MissingDirectionError,
    NonNumericValueError,
    UnknownParentError,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MISSING_TOKENS",
    "build_dataset",
    "parse_number",
    "validate_indicators",
    "validate_units",
    "validate_values",
]


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
    if not check_nonempty(raw, file, problems):
        return None
    df = clean_table(raw, UNIT_CORE)
    if not require_columns(df, ["code", "name"], file, problems):
        return None
    for c in ("name_zh", "lat", "lon"):
        if c not in df.columns:
            df[c] = ""
    seen: dict[str, int] = {}
    lat = np.full(len(df), np.nan)
    lon = np.full(len(df), np.nan)
    for i, rec in enumerate(df.to_dict("records")):
        r = sheet_row(i)
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
            if w is None or w < 0:
                raise ValueError
            weight = w
        except ValueError:
            problems.append(
                _structure(
                    file,
                    r,
                    "weight",
                    f"weight '{rec['weight']}' is not a positive number or 0",
                    "give a weight >= 0 (any scale; it is relative to the siblings; 0 excludes the row from its "
                    "parent) or leave it empty for 1",
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
        r = sheet_row(i)
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
                f"parent '{parent}' of '{code}' is not declared"
                + did_you_mean(parent, [c for c, k in kind_of.items() if k == "aggregate" and c != code]),
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
        r, code = sheet_row(i), rec["code"]
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
            if den not in kind_of:
                what += did_you_mean(den, [c for c, k in kind_of.items() if k == "denominator"])
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
    if not check_nonempty(raw, file, problems):
        return None
    df = clean_table(raw, INDICATOR_COLUMNS)
    if not require_columns(df, ["code", "name", "parent", "level", "direction"], file, problems):
        return None
    for c in ("name_zh", "kind", "weight", "unit", "denominator", "source"):
        if c not in df.columns:
            df[c] = ""
    rows = _parse_indicator_rows(df, file, problems)
    _check_links(df, rows, file, problems)
    return df[INDICATOR_COLUMNS].reset_index(drop=True)


# ---------------------------------------------------------------------------- template examples
def _same(cell: object, example: object) -> bool:
    a, b = str(cell).strip(), "" if example is None else str(example).strip()
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def _example_rows(raw: pd.DataFrame, example: pd.DataFrame) -> list[tuple[int, str]]:
    """(spreadsheet row, code) of the rows of ``raw`` equal to a row of the template's
    ``example`` in every example column the table has."""
    cols = {str(c).strip().lower(): c for c in raw.columns}
    shared = [c for c in example.columns if c in cols]
    if not {"code", "unit"} & set(shared) or len(shared) < min(3, len(example.columns)):
        return []
    hits = []
    examples = example.to_dict("records")
    for i, rec in enumerate(raw[[cols[c] for c in shared]].to_dict("records")):
        vals = dict(zip(shared, rec.values()))
        if any(all(_same(vals[c], ex[c]) for c in shared) for ex in examples):
            hits.append((sheet_row(i), str(vals.get("code", vals.get("unit", "")))))
    return hits


def template_leftovers(
    tables: dict[str, pd.DataFrame | None], files: dict[str, str], problems: list[DataProblem]
) -> None:
    """Report the example rows of ``citynexus template`` left in a filled workbook: a table
    with other rows as well that still holds a row equal to the template's example. The unit
    example (Guangzhou, with the bundled data's coordinates) is only reported when an
    indicator or values example is left too, since a real Guangzhou row looks the same."""
    from citynexus.data.template import template_frames

    examples = template_frames()
    found: dict[str, list[tuple[int, str]]] = {}
    for t in ("indicators", "values", "units"):
        raw = tables.get(t)
        if raw is None or not len(raw):
            continue
        hits = _example_rows(raw, examples[t])
        if hits and len(hits) < len(raw):
            found[t] = hits
    if set(found) == {"units"}:
        return
    for t, hits in found.items():
        for r, code in hits:
            problems.append(
                DataProblem(
                    f"row {r} is the template's example ({code}) — delete it",
                    "the example rows of `citynexus template` only show the layout; delete them once your own "
                    "rows are in",
                    Location(files[t], r),
                )
            )


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
    template_leftovers(tables, files, problems)
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
