"""Reported metric values: rows ``agreement, party, metric, period, value``.

Read from CSV (UTF-8, header row), Excel (first sheet, header row) or JSON (a list of objects,
or ``{"reports": [...]}``). Import is all-or-nothing: every problem is listed with file, row
(spreadsheet numbering: the header is row 1; for JSON the 1-based item number), column and
fix, and nothing is returned if there is one. Problems: a missing column, an unknown
agreement, a party that is not a party of that agreement, a malformed period, a metric that
is not a name, a value that is not a finite number, and duplicate
(agreement, party, metric, period) rows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from citynexus.agree.errors import ReportImportError, ReportProblem
from citynexus.agree.model import _METRIC, Agreement
from citynexus.agree.periods import parse_period
from citynexus.errors import Location

COLUMNS = ("agreement", "party", "metric", "period", "value")
#: how many problems are collected before the rest are summarised
MAX_PROBLEMS = 1000


def read_table(path: str | Path) -> tuple[pd.DataFrame, int]:
    """The raw rows of a report file as strings, and the row number of the first data row."""
    p = Path(path)
    if not p.exists():
        raise ReportImportError(
            [ReportProblem("file not found", "check the path", Location(file=str(p)), "file_not_found")], source=str(p)
        )
    suffix = p.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(p, dtype=str, keep_default_na=False)
            return df, 2
        if suffix == ".json":
            data = json.loads(p.read_text(encoding="utf-8-sig"))
            if isinstance(data, dict):
                data = data.get("reports", [])
            if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
                raise ReportImportError(
                    [
                        ReportProblem(
                            'JSON must be a list of row objects or {"reports": [...]}',
                            'write [{"agreement": ..., "party": ..., "metric": ..., "period": ..., "value": ...}]',
                            Location(file=p.name),
                            "bad_report_json",
                        )
                    ],
                    source=p.name,
                )
            df = pd.DataFrame([{k: ("" if v is None else v) for k, v in r.items()} for r in data])
            for c in df.columns:
                df[c] = df[c].map(lambda v: v if isinstance(v, str) else json.dumps(v))
            return df, 1
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True)
        return df, 2
    except ReportImportError:
        raise
    except (ValueError, UnicodeDecodeError, OSError) as err:
        raise ReportImportError(
            [
                ReportProblem(
                    f"cannot read the file: {err}",
                    "save it as UTF-8 CSV, .xlsx or JSON",
                    Location(file=p.name),
                    "unreadable_reports",
                    error=err,
                )
            ],
            source=p.name,
        ) from None


def validate_reports(
    raw: pd.DataFrame,
    agreements: Iterable[Agreement] | None,
    source: str = "<reports>",
    first_row: int = 2,
    only_known: bool = False,
) -> pd.DataFrame:
    """Check raw string rows and return the clean frame (columns ``agreement, party, metric,
    period, value`` with ``value`` a float and ``period`` its canonical label, plus ``kind`` and
    ``index`` of the period). With ``only_known``, rows of agreements not given are dropped
    (the pinned ``check`` counts only the agreement's rows); otherwise they are problems.
    Raises :class:`ReportImportError` listing every problem."""
    probs: list[ReportProblem] = []

    def bad(row: int, col: str, problem: str, fix: str, kind: str, **values: Any) -> None:
        if len(probs) < MAX_PROBLEMS:
            probs.append(ReportProblem(problem, fix, Location(file=source, row=row, column=col), kind, **values))

    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        for c in missing:
            probs.append(
                ReportProblem(
                    f"column '{c}' is missing",
                    f"add a header with {', '.join(COLUMNS)}",
                    Location(file=source, column=c),
                    "missing_column",
                    column=c,
                    columns=", ".join(COLUMNS),
                )
            )
        raise ReportImportError(probs, source=source)
    df = raw[list(COLUMNS)].astype(str).apply(lambda s: s.str.strip())
    df["row"] = range(first_row, first_row + len(df))
    ags = {a.id: a for a in agreements} if agreements is not None else None
    if ags is not None:
        known = df["agreement"].isin(list(ags))
        if only_known:
            df = df[known]
        else:
            for r in df.loc[~known, ["row", "agreement"]].itertuples(index=False):
                some = sorted(ags)[:5]
                problem = f"unknown agreement {r.agreement!r}"
                bad(
                    r.row,
                    "agreement",
                    problem,
                    f"use one of {some}",
                    "unknown_agreement",
                    value=repr(r.agreement),
                    allowed=some,
                )
            df = df[known]
        parties = {(a.id, p) for a in ags.values() for p in a.parties}
        pair_ok = pd.Series(
            [(a, p) in parties for a, p in zip(df["agreement"], df["party"])], index=df.index, dtype=bool
        )
        for r in df.loc[~pair_ok, ["row", "agreement", "party"]].itertuples(index=False):
            problem = f"{r.party!r} is not a party of agreement {r.agreement!r}"
            bad(
                r.row,
                "party",
                problem,
                "use one of its parties",
                "not_a_party",
                party=repr(r.party),
                agreement=repr(r.agreement),
            )
    # periods: parse each distinct label once
    labels = {}
    for lab in df["period"].unique():
        try:
            labels[lab] = parse_period(lab)
        except ValueError as err:
            labels[lab] = err
    per = df["period"].map(labels)
    is_bad = per.map(lambda v: isinstance(v, ValueError))
    for r in df.loc[is_bad, ["row", "period"]].itertuples(index=False):
        bad(
            r.row,
            "period",
            f"period {r.period!r} is malformed",
            "write 2026-03 (month), 2026Q1 (quarter) or 2026 (year)",
            "bad_period",
            value=repr(r.period),
        )
    met_ok = df["metric"].str.match(_METRIC.pattern)
    met_ok &= ~df["metric"].isin(["prev", "cum"])
    for r in df.loc[~met_ok, ["row", "metric"]].itertuples(index=False):
        bad(
            r.row,
            "metric",
            f"metric {r.metric!r} is not a name",
            "use letters, digits and _ (not starting with a digit)",
            "bad_metric",
            value=repr(r.metric),
        )
    vals = pd.to_numeric(df["value"], errors="coerce")
    val_bad = vals.isna() | ~vals.map(lambda v: math.isfinite(v) if v == v else False)
    for r in df.loc[val_bad, ["row", "value"]].itertuples(index=False):
        fix = "write a finite number such as 12.5"
        bad(r.row, "value", f"value {r.value!r} is not a number", fix, "report_not_number", value=repr(r.value))
    good = ~is_bad
    canon = per.map(lambda v: v.label if not isinstance(v, ValueError) else "")
    key = pd.DataFrame({"a": df["agreement"], "p": df["party"], "m": df["metric"], "q": canon})[good]
    dup = key.duplicated(keep="first")
    if dup.any():
        firsts = key[key.duplicated(keep=False) & ~dup]
        first_row_of = {tuple(k): r for k, r in zip(firsts.itertuples(index=False), df.loc[firsts.index, "row"])}
        for idx in key.index[dup.to_numpy()]:
            k = tuple(key.loc[idx])
            bad(
                int(df.at[idx, "row"]),
                "period",
                f"duplicate row for ({', '.join(k)}); first at row {first_row_of.get(k)}",
                "keep one value per agreement, party, metric and period",
                "duplicate_report",
                key=", ".join(k),
                first=first_row_of.get(k),
            )
    if probs:
        raise ReportImportError(probs, source=source)
    out = pd.DataFrame(
        {
            "agreement": df["agreement"].to_numpy(),
            "party": df["party"].to_numpy(),
            "metric": df["metric"].to_numpy(),
            "period": canon.to_numpy(),
            "kind": per.map(lambda v: v.kind).to_numpy(),
            "index": per.map(lambda v: v.index).astype("int64").to_numpy(),
            "value": vals.astype(float).to_numpy(),
        }
    )
    return out


def read_reports(path: str | Path, agreements: Iterable[Agreement] | None, only_known: bool = False) -> pd.DataFrame:
    """Read and validate a report file (CSV, Excel or JSON); see :func:`validate_reports`."""
    raw, first = read_table(path)
    return validate_reports(raw, agreements, source=Path(path).name, first_row=first, only_known=only_known)


def empty_reports() -> pd.DataFrame:
    """A clean, empty report frame."""
    return pd.DataFrame(
        {
            "agreement": pd.Series(dtype=str),
            "party": pd.Series(dtype=str),
            "metric": pd.Series(dtype=str),
            "period": pd.Series(dtype=str),
            "kind": pd.Series(dtype=str),
            "index": pd.Series(dtype="int64"),
            "value": pd.Series(dtype=float),
        }
    )
