"""Inputs of the risk early-warning use cases: report and target tables (CSV, uploaded CSV or Excel),
validated all-or-nothing with errors that name file, row and column; and the pinned
``watch changepoints`` use case (a ``t,value`` file or a list of values -> the default detector's JSON)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

#: Bounds of an uploaded report table.
MAX_ROWS = 100_000


MAX_PARTIES = 300


def _read_csv(path: str | Path, need: Iterable[str], what: str) -> pd.DataFrame:
    from citynexus.watch.errors import WatchInputError

    p = Path(path)
    if not p.is_file():
        raise WatchInputError(f"{p}: file not found -> give a CSV file of {what}")
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise WatchInputError(f"{p}: cannot be read as CSV ({str(err).splitlines()[0]})") from err
    df.columns = [c.strip().lower() for c in df.columns]
    if missing := [c for c in need if c not in df.columns]:
        raise WatchInputError(f"{p}, row 1: no column(s) {', '.join(missing)} -> the header needs {', '.join(need)}")
    return df


def read_reports(path: str | Path) -> pd.DataFrame:
    """A report table ``party, metric, period, value`` (optional ``agreement``, ``submitted``) from CSV.

    Every value must be a number or empty and every period a month, quarter or year; the first
    problem is reported with its row (header = row 1) and column. Keys must be unique.
    """
    df = _read_csv(path, ("party", "metric", "period", "value"), "reports (party,metric,period,value)")
    return check_reports(df, str(path))


def check_reports(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Validate a report table read as text (see :func:`read_reports`); ``source`` names it in errors."""
    from citynexus.watch.errors import WatchInputError
    from citynexus.watch.io import parse_number
    from citynexus.watch.periods import to_period

    vals = []
    for i, (cell, per) in enumerate(zip(df["value"], df["period"]), start=2):
        try:
            vals.append(parse_number(cell))
        except ValueError:
            raise WatchInputError(f"{source}, row {i}, column 'value': {cell!r} is not a number") from None
        try:
            to_period(per)
        except WatchInputError as err:
            raise WatchInputError(f"{source}, row {i}, column 'period': {err}") from None
    df["value"] = pd.to_numeric(pd.Series(vals, index=df.index, dtype=object), errors="coerce")
    key = ["party", "metric", "period"] + (["agreement"] if "agreement" in df.columns else [])
    dup = df.duplicated(key, keep="first")
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0]) + 2
        raise WatchInputError(f"{source}, row {i}: the same party, metric and period appear twice -> keep one row")
    return df


def read_targets(path: str | Path) -> dict[str, list[Any]]:
    """KPI targets per party from CSV ``party, rule, due`` (rule ``metric OP number`` or ``cum.metric OP number``)."""
    from citynexus.watch.errors import WatchSpecError
    from citynexus.watch.trajectory import parse_term

    df = _read_csv(path, ("party", "rule", "due"), "targets (party,rule,due)")
    out: dict[str, list[Any]] = {}
    for i, r in enumerate(df.itertuples(index=False), start=2):
        try:
            t = parse_term(r.rule, r.due, getattr(r, "name", "") or "")
        except WatchSpecError as err:
            raise WatchSpecError(f"{path}, row {i}, column 'rule': {err}") from None
        out.setdefault(str(r.party), []).append(t)
    return out


def reports_from_upload(filename: str, content: bytes) -> pd.DataFrame:
    """A report table from an uploaded CSV (UTF-8) or Excel (.xlsx) file; validated like
    :func:`read_reports`, at most :data:`MAX_ROWS` rows and :data:`MAX_PARTIES` parties."""
    import io

    from citynexus.watch.errors import WatchInputError

    name = Path(filename or "upload.csv").name
    if Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        try:
            df = pd.read_excel(io.BytesIO(content), dtype=str, keep_default_na=False)
        except Exception as err:  # openpyxl raises many kinds on a broken file
            raise WatchInputError(f"{name}: cannot be read as an Excel workbook ({type(err).__name__})") from None
        if "period" in df.columns:  # Excel turns a typed month (2026-03) into a date on the 1st
            df["period"] = (
                df["period"].astype(str).str.replace(r"^(\d{4})-(\d{2})-01(?: 00:00:00)?$", r"\1-\2", regex=True)
            )
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise WatchInputError(f"{name}: is not UTF-8 text -> save the CSV as UTF-8") from None
        try:
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise WatchInputError(f"{name}: cannot be read as CSV ({str(err).splitlines()[0]})") from None
    df = df.astype(str).fillna("")
    df.columns = [str(c).strip().lower() for c in df.columns]
    need = ("party", "metric", "period", "value")
    if missing := [c for c in need if c not in df.columns]:
        raise WatchInputError(f"{name}, row 1: no column(s) {', '.join(missing)} -> the header needs {', '.join(need)}")
    if df.empty:
        raise WatchInputError(f"{name}: no report rows -> one row per party, metric and period")
    if len(df) > MAX_ROWS:
        raise WatchInputError(f"{name}: {len(df)} rows; at most {MAX_ROWS} per scan -> split the file")
    if (n := df["party"].nunique()) > MAX_PARTIES:
        raise WatchInputError(f"{name}: {n} parties; at most {MAX_PARTIES} per scan -> split the file")
    if (df["party"].str.strip() == "").any() or (df["metric"].str.strip() == "").any():
        i = int(((df["party"].str.strip() == "") | (df["metric"].str.strip() == "")).to_numpy().nonzero()[0][0]) + 2
        raise WatchInputError(f"{name}, row {i}: party and metric must not be empty")
    return check_reports(df, name)


def changepoints_of_file(path: str | Path, lang: str = "en") -> dict[str, Any]:
    """Read a ``t,value`` CSV and run the default change-point detector; a JSON-ready dict with
    ``changepoints`` (0-based starts of new segments, never 0), ``t`` labels of those positions, the
    segments, magnitudes, settings, a note when there was nothing to detect, and an explanation."""
    from citynexus.watch.changepoints import ChangePointDetector
    from citynexus.watch.io import read_series_csv

    labels, values = read_series_csv(path)
    return _changepoints_json(ChangePointDetector().fit(values).result_, labels, lang)


def changepoints_of_values(values: list[float | None], labels: list[str] | None = None, lang: str = "en") -> dict:
    """The default change-point detector on a list of values (None = missing), as the CLI's ``--json``."""
    from citynexus.watch.changepoints import ChangePointDetector
    from citynexus.watch.errors import WatchInputError

    if labels is not None and len(labels) != len(values):
        raise WatchInputError(f"{len(labels)} labels for {len(values)} values -> give one label per value")
    x = [float("nan") if v is None else float(v) for v in values]
    lab = labels or [str(i) for i in range(len(values))]
    return _changepoints_json(ChangePointDetector().fit(x).result_, lab, lang)


def _changepoints_json(res: Any, labels: list[str], lang: str) -> dict[str, Any]:
    """The pinned JSON shape of ``citynexus watch changepoints --json`` for a detector result:
    ``changepoints`` (0-based starts of new segments, never 0) and their ``t`` labels first."""
    assert res is not None
    return {
        "changepoints": res.changepoints,
        "t": [labels[i] for i in res.changepoints],
        "n": res.n,
        "n_observed": res.n_observed,
        "segments": res.segments,
        "magnitudes": res.magnitudes,
        "sigma": res.sigma,
        "penalty": res.penalty,
        "settings": res.settings,
        "period": res.extra.get("period"),
        "note": res.note,
        "explanation": res.explain(lang),
    }
