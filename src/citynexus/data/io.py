"""Readers and writers: a folder of CSV files, an Excel workbook, a folder of Parquet files.

All three hold the same three tables — ``units``, ``indicators``, ``values`` — and
round-trip without loss (Chinese text included). CSV files may be UTF-8 (with or without
BOM) or GBK/GB18030, as Excel on a Chinese Windows writes them.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from citynexus.data.validate import build_dataset
from citynexus.errors import (
    CityNexusError,
    DataProblem,
    DatasetValidationError,
    EmptyFileError,
    EncodingProblem,
    Location,
    MissingFileError,
    SheetNameError,
    UnknownDatasetError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from citynexus.data.dataset import Dataset

TABLES = ("units", "indicators", "values")
FORMATS = ("csv", "excel", "parquet")


def _read_csv_text(path: Path, problems: list[DataProblem], notes: list[str]) -> pd.DataFrame | None:
    raw = path.read_bytes()
    if not raw.strip():
        problems.append(EmptyFileError("the file is empty", "add a header row and data rows", Location(path.name)))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        try:
            text = raw.decode("gb18030")
            notes.append(f"{path.name} was read as GBK/GB18030; citynexus writes UTF-8")
        except UnicodeDecodeError:
            line = raw[: err.start].count(b"\n") + 1
            problems.append(
                EncodingProblem(
                    f"the file is neither UTF-8 nor GBK (undecodable byte 0x{raw[err.start]:02x} at byte {err.start})",
                    "save it as 'CSV UTF-8' from Excel",
                    Location(path.name, line),
                )
            )
            return None
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.ParserError as err:
        problems.append(
            DataProblem(f"not a valid CSV file: {err}", "check quoting and separators", Location(path.name))
        )
        return None
    except pd.errors.EmptyDataError:
        problems.append(EmptyFileError("the file is empty", "add a header row and data rows", Location(path.name)))
        return None


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Turn a typed table (Excel, Parquet) into strings the validator reads; floats keep
    their exact repr, empty cells become ''."""

    def cell(x: object) -> str:
        if x is None or (isinstance(x, float) and x != x):
            return ""
        if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
            return str(int(x))
        return str(x)

    out = df.astype(object).map(cell)
    out.columns = [str(c) for c in df.columns]
    return out


Tables = dict[str, pd.DataFrame | None]


def _gather(read_one: Callable[[str, list[DataProblem]], tuple[str, pd.DataFrame | None]]) -> tuple:
    """Read the three tables with ``read_one(table, problems) -> (file label, raw table or
    None)``; returns ``(tables, files, problems)`` for :func:`build_dataset`."""
    problems: list[DataProblem] = []
    tables: Tables = {}
    files: dict[str, str] = {}
    for t in TABLES:
        files[t], tables[t] = read_one(t, problems)
    return tables, files, problems


def _missing_file(folder: Path, p: Path, fix: str) -> MissingFileError:
    return MissingFileError(f"{p.name} is missing from {folder}", fix, Location(p.name))


def read_csv_folder(folder: Path, name: str = "") -> Dataset:
    notes: list[str] = []

    def one(t: str, problems: list[DataProblem]) -> tuple[str, pd.DataFrame | None]:
        p = folder / f"{t}.csv"
        if not p.exists():
            problems.append(_missing_file(folder, p, f"add {t}.csv (see `citynexus template`)"))
            return p.name, None
        return p.name, _read_csv_text(p, problems, notes)

    tables, files, problems = _gather(one)
    return build_dataset(tables, files, name=name or folder.name, problems=problems, notes=notes)


def read_excel(path: Path, name: str = "") -> Dataset:
    import zipfile

    from citynexus.data.limits import check_xlsx

    if not zipfile.is_zipfile(path):
        raise DatasetValidationError(
            [
                DataProblem(
                    "cannot open as an Excel workbook: it is not an .xlsx file", "save it as .xlsx", Location(path.name)
                )
            ],
            path.name,
        )
    check_xlsx(path)  # entry count and unpacked size, counted while streaming (a workbook is a zip)
    try:
        book = pd.read_excel(path, sheet_name=None, dtype=object, header=0)
    except Exception as err:  # openpyxl raises many kinds
        raise DatasetValidationError(
            [DataProblem(f"cannot open as an Excel workbook: {err}", "save it as .xlsx", Location(path.name))],
            path.name,
        ) from err
    by_lower = {str(k).strip().lower(): k for k in book}

    def one(t: str, problems: list[DataProblem]) -> tuple[str, pd.DataFrame | None]:
        if t not in by_lower:
            problems.append(
                SheetNameError(
                    f"sheet '{t}' not found (sheets: {', '.join(map(str, book))})",
                    f"rename the sheet to '{t}'",
                    Location(path.name),
                )
            )
            return f"{path.name}[{t}]", None
        return f"{path.name}[{t}]", _as_text(book[by_lower[t]])

    tables, files, problems = _gather(one)
    return build_dataset(tables, files, name=name or path.stem, problems=problems)


def read_parquet_folder(folder: Path, name: str = "") -> Dataset:
    def one(t: str, problems: list[DataProblem]) -> tuple[str, pd.DataFrame | None]:
        p = folder / f"{t}.parquet"
        if not p.exists():
            problems.append(_missing_file(folder, p, f"add {t}.parquet"))
            return p.name, None
        return p.name, _as_text(pd.read_parquet(p))

    tables, files, problems = _gather(one)
    return build_dataset(tables, files, name=name or folder.name, problems=problems)


def detect_format(path: Path) -> str:
    """``csv``, ``excel`` or ``parquet`` for an existing path."""
    if path.is_file():
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            return "excel"
        raise CityNexusError(
            f"{path}: a dataset is a folder (CSV or Parquet files) or an Excel workbook (.xlsx), "
            f"not a '{path.suffix}' file"
        )
    if any(path.glob("*.parquet")) and not any(path.glob("*.csv")):
        return "parquet"
    return "csv"


def read(path: str | Path, name: str = "") -> Dataset:
    """Read a dataset from a CSV folder, an Excel workbook or a Parquet folder.

    Raises :class:`DatasetValidationError` listing every problem found.
    """
    path = Path(path)
    if not path.exists():
        raise MissingFileError(
            f"{path} does not exist", "give the path of a dataset folder or .xlsx workbook", Location(str(path))
        )
    fmt = detect_format(path)
    if fmt == "excel":
        return read_excel(path, name)
    if fmt == "parquet":
        return read_parquet_folder(path, name)
    return read_csv_folder(path, name)


def open_dataset(ref: str | Path) -> Dataset:
    """A bundled dataset by name (``gba``) or a dataset at a path."""
    from citynexus.data.bundled import available, load

    if str(ref) in available():
        return load(str(ref))
    p = Path(ref)
    if not p.exists():
        raise UnknownDatasetError(
            f"'{ref}' is neither a bundled dataset ({', '.join(available())}) nor an existing path"
        )
    return read(p)


# ---------------------------------------------------------------------------- writers
def _values_out(ds: Dataset, wide: bool) -> pd.DataFrame:
    if not wide:
        return ds.values.copy()
    codes = ds.codes("indicator") + ds.codes("denominator")
    w = ds.values.pivot(index=["unit", "period"], columns="indicator", values="value")
    w = w.reindex(columns=[c for c in codes if c in w.columns]).reset_index()
    w.columns.name = None
    return w


def _indicators_out(ds: Dataset) -> pd.DataFrame:
    ind = ds.indicators.copy()
    ind["direction"] = ind["direction"].map(lambda d: "" if d == 0 else str(int(d)))
    ind["level"] = [("" if k == "denominator" else str(lv)) for k, lv in zip(ind["kind"], ind["level"])]
    return ind


def write(ds: Dataset, path: str | Path, fmt: str | None = None, wide: bool = False) -> Path:
    """Write a dataset as ``csv`` (folder), ``excel`` (.xlsx) or ``parquet`` (folder).

    ``fmt=None`` picks Excel for a ``.xlsx`` path and CSV otherwise. CSV files are UTF-8
    with a BOM so that Excel shows Chinese text correctly. ``wide=True`` writes values as
    one column per indicator. Writing goes to a temporary name first and is moved into
    place at the end, so a failed write leaves no half-written dataset.
    """
    import shutil
    import tempfile

    path = Path(path)
    if fmt is None:
        fmt = "excel" if path.suffix.lower() == ".xlsx" else "csv"
    if fmt not in FORMATS:
        raise CityNexusError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}")
    tables = {"units": ds.units, "indicators": _indicators_out(ds), "values": _values_out(ds, wide)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmpdir = Path(tempfile.mkdtemp(prefix=".citynexus-", dir=path.parent))
    try:
        if fmt == "excel":
            tmp = tmpdir / "out.xlsx"
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                for t, df in tables.items():
                    df.to_excel(xw, sheet_name=t, index=False)
                    _autosize(xw.sheets[t], df)
            tmp.replace(path)
        else:
            tmp = tmpdir / "out"
            tmp.mkdir()
            for t, df in tables.items():
                if fmt == "csv":
                    df.to_csv(tmp / f"{t}.csv", index=False, encoding="utf-8-sig")
                else:
                    df.to_parquet(tmp / f"{t}.parquet", index=False)
            if path.exists():
                if not path.is_dir():
                    raise CityNexusError(f"{path} exists and is not a folder")
                for t in TABLES:
                    for ext in ("csv", "parquet"):
                        (path / f"{t}.{ext}").unlink(missing_ok=True)
            else:
                path.mkdir()
            for f in tmp.iterdir():
                f.replace(path / f.name)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return path


def _autosize(ws, df: pd.DataFrame) -> None:
    from openpyxl.utils import get_column_letter

    for j, c in enumerate(df.columns, start=1):
        width = max([len(str(c))] + [len(str(x)) for x in df[c].head(200)])
        ws.column_dimensions[get_column_letter(j)].width = min(max(8, width + 2), 60)
    ws.freeze_panes = "A2"
