"""Inputs and outputs of the ``citynexus region`` commands: the dataset or a CSV of scores in,
tables out to .csv, .json or .xlsx (one sheet per table, unit names beside the codes)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from citynexus.cli._names import tr, with_names
from citynexus.cli.common import check_out, console
from citynexus.region.errors import RegionInputError

OUT_HELP = (
    "Write the result to this file: .csv (main table), .json (all tables) or .xlsx (one sheet per table, "
    "English and Chinese names beside the unit codes)."
)
OUT_SUFFIXES = (".csv", ".json", ".xlsx")
FIG_SUFFIXES = (".png", ".svg", ".pdf")


def check_region_out(out: Path | None) -> None:
    """Refuse a wrong --out before any work starts."""
    if out is not None and out.suffix.lower() not in OUT_SUFFIXES:
        raise RegionInputError(f"--out must end in .xlsx, .csv or .json, got {out.name}")
    if out is not None and out.is_dir():
        raise RegionInputError(f"--out {out} is a folder; give a file name ending in .xlsx, .csv or .json")
    check_out(out, suffixes=OUT_SUFFIXES)


def open_data(data: str | None, lang: str = "en"):
    """The dataset named or found at ``data`` (a note in ``lang`` when it is synthetic)."""
    if data is None:
        raise RegionInputError("give a dataset (DATA argument) or a CSV of scores (--scores)")
    from citynexus.data import open_dataset

    ds = open_dataset(data)
    if ds.synthetic:
        console.print(tr("cli_synthetic_note", lang))
    return ds


def read_scores(path: Path) -> pd.DataFrame:
    """A CSV of scores indexed by ``unit`` (and ``period`` when the file has one)."""
    if not path.exists():
        raise RegionInputError(f"scores file {path} does not exist")
    try:
        df = pd.read_csv(path)
    except Exception as e:  # parser errors
        raise RegionInputError(f"cannot read {path} as CSV: {e}") from e
    if "unit" not in df.columns:
        raise RegionInputError(f"{path}: needs a 'unit' column (and optionally 'period') plus one column per score")
    df["unit"] = df["unit"].astype(str)
    if "period" in df.columns:
        df["period"] = df["period"].astype(int)
        return df.set_index(["unit", "period"])
    return df.set_index("unit")


def split(text: str | None) -> list[str] | None:
    """Comma-separated codes as a list (None for no text)."""
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def jsonable(obj):
    """``obj`` as plain JSON data: tables as records, numpy scalars as Python, NaN/inf as null."""
    if isinstance(obj, pd.DataFrame):
        df = obj.reset_index() if not isinstance(obj.index, pd.RangeIndex) else obj
        return json.loads(df.to_json(orient="records", force_ascii=False))
    if isinstance(obj, pd.Series):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_xlsx(out: Path, main: pd.DataFrame, everything: dict, ds, about: dict[str, str]) -> None:
    """One sheet per table of ``everything`` (the main table first), unit names beside codes,
    and an ``about`` sheet (what was computed, on which scores)."""
    tables = {k: v for k, v in everything.items() if isinstance(v, pd.DataFrame)}
    if not tables:
        tables = {"result": main}
    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        for name, df in tables.items():
            with_names(df, ds).to_excel(xw, sheet_name=str(name)[:31], index=False)
        rows = [{"item": k, "value": v} for k, v in about.items()]
        if ds is not None and ds.synthetic:
            rows.insert(0, {"item": "data", "value": "SYNTHETIC DATA (合成数据) — for demonstration only"})
        pd.DataFrame(rows).to_excel(xw, sheet_name="about", index=False)


def write_out(
    out: Path | None,
    main: pd.DataFrame,
    everything: dict,
    ds=None,
    about: dict | None = None,
    columns: dict | None = None,
) -> None:
    """Write ``out``; ``columns`` are constant columns added to a CSV (e.g. the coupling
    model), which has no other place to say them."""
    if out is None:
        return
    check_region_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".json":
        out.write_text(json.dumps(jsonable(everything), ensure_ascii=False, indent=2), encoding="utf-8")
    elif out.suffix.lower() == ".csv":
        main.assign(**(columns or {})).to_csv(out, encoding="utf-8")
    else:
        write_xlsx(out, main, everything, ds, about or {})
    console.print(f"wrote {out}")


POOLED = "pooled panel scores, all years on one scale / 面板合并得分"
SPEC_HELP = "Index spec (TOML) for the subsystem scores (default: the dataset's bundled spec, else min-max 0-100)."


def read_spec(path: Path | None):
    """The index spec at ``path`` (None: the dataset's own)."""
    if path is None:
        return None
    from citynexus.evaluate import IndexSpec

    return IndexSpec.read(path)


def variable_panel(ds, variable: str) -> pd.Series:
    """(unit, period) Series of an indicator, denominator or subsystem score."""
    from citynexus.services.scores import subsystem_scores

    codes = set(ds.codes("indicator")) | set(ds.codes("denominator"))
    if variable in codes:
        return ds.panel([variable])[variable].dropna()
    if variable in set(ds.codes("aggregate")):
        return subsystem_scores(ds, [variable])[variable].dropna()
    raise RegionInputError(
        f"unknown variable '{variable}': use an indicator, denominator or aggregate code of the dataset "
        f"(e.g. {', '.join((ds.codes('aggregate') + ds.codes('denominator'))[:6])})"
    )


def scale_of(ds, variable: str) -> str:
    """Which scores ``variable`` is: the pooled panel scores when it is a subsystem score of the
    index engine (every year on one scale), else '' (raw indicator values or given scores)."""
    return POOLED if ds is not None and variable in set(ds.codes("aggregate")) else ""


def paren(text: str) -> str:
    """`` (text)`` or nothing."""
    return f" ({text})" if text else ""


def panel_from(data: str | None, scores: Path | None, variable: str, lang: str = "en") -> tuple[pd.Series, object]:
    """(unit, period) values of ``variable`` from the --scores CSV (no dataset) or the dataset."""
    if scores is not None:
        df = read_scores(scores)
        if variable not in df.columns:
            raise RegionInputError(f"{scores}: no column '{variable}' (columns: {list(df.columns)})")
        s = df[variable].astype(float).dropna()
        if s.index.nlevels == 1:
            s.index = pd.MultiIndex.from_arrays([s.index, np.zeros(len(s), dtype=int)], names=["unit", "period"])
        return s, None
    ds = open_data(data, lang)
    return variable_panel(ds, variable), ds


# ---------------------------------------------------------------------------- coupling
def given_scores(path: Path, cols: list[str] | None, scale: float | None = None) -> pd.DataFrame:
    """Scores of a CSV for the coupling model, on [0, 1]: the named columns (default: every
    numeric column but ``rank``). ``index build``'s files (``scores.csv``, ``panel_scores.csv``:
    they have a ``rank`` column) on 0-100 are divided by 100, with a note saying so; any other
    file is divided by ``scale`` when given (``--scale 100``), else used as it is."""
    sc = read_scores(path)
    from_build = "rank" in sc.columns
    if cols is None:
        cols = [c for c in sc.columns if c != "rank" and pd.api.types.is_numeric_dtype(sc[c])]
    missing = [c for c in cols if c not in sc.columns]
    if missing:
        raise RegionInputError(f"{path.name}: no column '{missing[0]}' (columns: {', '.join(map(str, sc.columns))})")
    sc = sc[cols].apply(pd.to_numeric, errors="coerce")
    lo, hi = float(sc.min().min()), float(sc.max().max())
    if scale is not None:
        if not scale > 0:
            raise RegionInputError(f"--scale must be a positive number, got {scale:g}")
        console.print(f"[yellow]note:[/] the scores of {path.name} are divided by {scale:g} (--scale)")
        return sc / scale
    if from_build and hi > 1 and lo >= 0 and hi <= 100:
        console.print(
            f"[yellow]note:[/] the scores of {path.name} lie on 0-100 (max {hi:.4g}), as `index build` writes "
            "them: divided by 100 to put them on [0, 1] for the coupling model"
        )
        sc = sc / 100.0
    return sc


#: each coupling model's name as the outputs state it (see docs/methods.md, Part II section 1)
