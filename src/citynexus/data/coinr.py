"""Read COINr's ``iData`` / ``iMeta`` layout (R package COINr, ``new_coin(iData, iMeta)``)
into a :class:`~citynexus.data.Dataset` (``citynexus data convert --from coinr``).

- ``iData``: one row per unit (and ``Time``, the year): ``uCode``, ``uName``, group columns,
  denominators and indicators as columns.
- ``iMeta``: one row per column of iData that is not a unit code or name, plus the
  aggregates: ``Level``, ``iCode``, ``iName``, ``Direction``, ``Weight``, ``Unit``,
  ``Denominator``, ``Parent``, ``Type`` (``Indicator``, ``Aggregate``, ``Denominator``,
  ``Group``, ``Other``).

Indicators, aggregates and denominators become the framework (kind, level, direction,
weight, unit, denominator as iMeta says); ``Group`` columns become unit grouping columns
under their iCode; ``Other`` columns are left out. Without a ``Time`` column every row is
given ``period``. The source is a folder with two CSV files whose names contain ``iData``
and ``iMeta`` (e.g. ``ASEM_iData.csv``), or an Excel workbook with sheets ``iData`` and
``iMeta``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from citynexus.data.dataset import Dataset
from citynexus.errors import DataProblem, DatasetValidationError, Location

META_COLUMNS = ("Level", "iCode", "iName", "Direction", "Weight", "Parent", "Type")


def _fail(problem: str, fix: str, where: str) -> DatasetValidationError:
    return DatasetValidationError([DataProblem(problem, fix, Location(where))], where)


def _find(folder: Path, key: str) -> Path:
    hits = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv" and key.lower() in p.name.lower())
    if len(hits) != 1:
        raise _fail(
            f"{'no' if not hits else len(hits)} CSV file(s) with '{key}' in the name in {folder.name}",
            f"give one {key} CSV file (e.g. MY_{key}.csv) beside the other",
            folder.name,
        )
    return hits[0]


def read_coinr_tables(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, str, str]:
    """``(iData, iMeta, iData's name, iMeta's name)`` from a folder of CSVs or a workbook."""
    p = Path(path)
    if p.is_dir():
        fd, fm = _find(p, "iData"), _find(p, "iMeta")
        return pd.read_csv(fd), pd.read_csv(fm), fd.name, fm.name
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        from citynexus.data.limits import check_xlsx

        check_xlsx(p)
        book = pd.read_excel(p, sheet_name=None)
        low = {str(k).lower(): k for k in book}
        missing = [s for s in ("idata", "imeta") if s not in low]
        if missing:
            sheet = "iData" if missing[0] == "idata" else "iMeta"
            raise _fail(
                f"sheet '{sheet}' not found (sheets: {', '.join(map(str, book))})",
                "name the sheets iData and iMeta",
                p.name,
            )
        return book[low["idata"]], book[low["imeta"]], f"{p.name}[iData]", f"{p.name}[iMeta]"
    raise _fail(
        f"{p} is neither a folder of iData/iMeta CSV files nor an .xlsx workbook",
        "give the folder or workbook of COINr's iData and iMeta",
        str(p),
    )


def _int_text(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype("Int64").astype(str).replace("<NA>", "")


def from_coinr(idata: pd.DataFrame, imeta: pd.DataFrame, name: str = "", period: int | None = None,
               files: tuple[str, str] = ("iData", "iMeta")) -> Dataset:  # fmt: skip
    """A Dataset from COINr's iData and iMeta tables (validated like any other dataset)."""
    fd, fm = files
    missing = [c for c in META_COLUMNS if c not in imeta.columns]
    if missing:
        raise _fail(f"{fm}: column '{missing[0]}' is missing", f"iMeta needs the columns {', '.join(META_COLUMNS)}", fm)
    for c in ("uCode",):
        if c not in idata.columns:
            raise _fail(f"{fd}: column 'uCode' is missing", "iData needs uCode (and uName, Time)", fd)
    meta = imeta.copy()
    meta["Type"] = meta["Type"].astype(str).str.strip()
    fw = meta[meta["Type"].isin(["Indicator", "Aggregate", "Denominator"])]
    groups = [c for c in meta.loc[meta["Type"] == "Group", "iCode"] if c in idata.columns]
    absent = [c for c in fw.loc[fw["Type"] != "Aggregate", "iCode"] if c not in idata.columns]
    if absent:
        raise _fail(
            f"{fm} declares '{absent[0]}' ({len(absent)} in all) but {fd} has no such column",
            "give iData a column for every indicator and denominator of iMeta",
            fm,
        )
    units = pd.DataFrame({"code": idata["uCode"].astype(str), "name": idata.get("uName", idata["uCode"]).astype(str)})
    for g in groups:
        units[g] = idata[g].astype(str).to_numpy()
    if "Time" in idata.columns:
        time = pd.to_numeric(idata["Time"], errors="coerce")
    elif period is not None:
        time = pd.Series(int(period), index=idata.index)
    else:
        raise _fail(f"{fd} has no Time column", "add a Time column (the year) or pass --period YEAR", fd)
    units = units.assign(_t=time.to_numpy()).drop_duplicates("code").drop(columns="_t")
    ind = pd.DataFrame(
        {
            "code": fw["iCode"].astype(str),
            "name": fw["iName"].fillna(fw["iCode"]).astype(str),
            "parent": fw["Parent"].fillna("").astype(str),
            "level": _int_text(fw["Level"]),
            "kind": fw["Type"].str.lower(),
            "direction": _int_text(fw["Direction"]),
            "weight": fw["Weight"].fillna(1),
            "unit": fw["Unit"].fillna("").astype(str) if "Unit" in fw else "",
            "denominator": fw["Denominator"].fillna("").astype(str) if "Denominator" in fw else "",
        }
    )
    ind.loc[ind["kind"] == "denominator", ["level", "direction", "parent"]] = ""
    codes = [c for c in fw["iCode"] if c in idata.columns]
    vals = (
        idata.assign(Time=time.to_numpy())
        .melt(id_vars=["uCode", "Time"], value_vars=codes, var_name="indicator", value_name="value")
        .dropna(subset=["value"])
        .rename(columns={"uCode": "unit", "Time": "period"})
    )
    return Dataset.from_frames(units, ind, vals, name=name)


def read_coinr(path: str | Path, period: int | None = None) -> Dataset:
    """Read a folder (``*iData*.csv``, ``*iMeta*.csv``) or a workbook (sheets iData, iMeta)."""
    p = Path(path)
    idata, imeta, fd, fm = read_coinr_tables(p)
    return from_coinr(idata, imeta, name=p.stem, period=period, files=(fd, fm))
