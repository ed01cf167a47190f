"""Files of city networks: readers for service-value matrices and city coordinates (CSV), and
the atomic writer of the text exports that :mod:`citynexus.network.export` builds.

The network core (:mod:`citynexus.network`) takes and returns frames and strings; reading and
writing files happens here, at the edge.

Layouts understood by :func:`read_service_values`:

- **wide** (GaWC style): one row per city; the first column holds the city name (any
  header, e.g. ``name``, ``city`` or empty), every other column is a firm; optional
  coordinate columns ``lat``/``latitude``/``纬度`` and ``lon``/``lng``/``longitude``/``经度``.
- **long**: columns ``city, firm, value`` (any order, any extra ``lat``/``lon`` columns
  repeated per city), one row per office; absent rows mean 0. Stored sparse.

Files may be UTF-8 (with or without BOM) or GBK/GB18030.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from citynexus.errors import (
    DataProblem,
    DatasetValidationError,
    DuplicateError,
    EmptyFileError,
    EncodingProblem,
    Location,
    MissingColumnError,
    MissingFileError,
    NonNumericValueError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

LAT_NAMES = ("lat", "latitude", "纬度")
LON_NAMES = ("lon", "lng", "long", "longitude", "经度")
CITY_NAMES = ("city", "name", "code", "城市", "unit")
MAX_REPORTED = 50


@dataclass
class ServiceValues:
    """A service-value matrix read from a file: ``values`` (cities x firms DataFrame,
    sparse columns for the long layout) and ``coords`` (``lat, lon`` per city, or None)."""

    values: pd.DataFrame
    coords: pd.DataFrame | None
    source: str = ""
    layout: str = "wide"


def _read_text_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DatasetValidationError(
            [MissingFileError(f"{path} does not exist", "check the path", Location(path.name))], path.name
        )
    raw = path.read_bytes()
    if not raw.strip():
        raise DatasetValidationError(
            [EmptyFileError("the file is empty", "add a header row and one row per city", Location(path.name))],
            path.name,
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError as err:
            raise DatasetValidationError(
                [EncodingProblem("neither UTF-8 nor GBK", "save it as 'CSV UTF-8'", Location(path.name))], path.name
            ) from err
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DatasetValidationError(
            [DataProblem(f"not a valid CSV file: {err}", "check quoting and separators", Location(path.name))],
            path.name,
        ) from err


def _find(cols: list[str], names: tuple[str, ...]) -> str | None:
    low = {c.strip().lower(): c for c in cols}
    return next((low[n] for n in names if n in low), None)


def _numbers(
    df: pd.DataFrame, cols: list[str], file: str, problems: list[DataProblem], what: str, allow_empty: bool = False
) -> np.ndarray:
    out = np.zeros((len(df), len(cols)))
    for j, c in enumerate(cols):
        txt = df[c].astype(str).str.strip()
        num = pd.to_numeric(txt, errors="coerce").to_numpy(float)
        empty = (txt == "").to_numpy()
        bad = np.flatnonzero(~np.isfinite(num) & ~(empty & allow_empty))
        for i in bad[: max(0, MAX_REPORTED - len(problems))]:
            problems.append(
                NonNumericValueError(
                    f"{what} {txt.iloc[i]!r} is not a number" if txt.iloc[i] else f"{what} is empty",
                    "write a number (0 = no office)" if what == "service value" else "write decimal degrees",
                    Location(file, int(i) + 2, c),
                )
            )
        neg = np.flatnonzero(np.isfinite(num) & (num < 0)) if what == "service value" else []
        for i in neg[: max(0, MAX_REPORTED - len(problems))]:
            problems.append(
                DataProblem(
                    f"negative service value {num[i]:g}", "service values are >= 0", Location(file, int(i) + 2, c)
                )
            )
        out[:, j] = np.where(np.isfinite(num), num, np.nan)
    return out


def _coords(df: pd.DataFrame, cities: list[str], file: str, problems: list[DataProblem]) -> pd.DataFrame | None:
    lat, lon = _find(list(df.columns), LAT_NAMES), _find(list(df.columns), LON_NAMES)
    if lat is None or lon is None:
        return None
    xy = _numbers(df, [lat, lon], file, problems, "coordinate", allow_empty=True)
    bad = np.flatnonzero(np.abs(xy[:, 0]) > 90)
    for i in bad[:5]:
        problems.append(
            DataProblem(
                f"latitude {xy[i, 0]:g} outside [-90, 90]", "are lat and lon swapped?", Location(file, int(i) + 2, lat)
            )
        )
    return pd.DataFrame({"lat": xy[:, 0], "lon": xy[:, 1]}, index=pd.Index(cities, name="city"))


def read_service_values(path: str | Path, layout: str = "auto") -> ServiceValues:
    """Read a cities x firms service-value table (``layout`` ``wide``, ``long`` or ``auto``).

    Every problem (non-numeric or negative cell, duplicate city, missing column) is
    collected with its file, row and column and raised together as
    :class:`citynexus.errors.DatasetValidationError`.
    """
    path = Path(path)
    df = _read_text_csv(path)
    file = path.name
    cols = [str(c) for c in df.columns]
    df.columns = cols
    problems: list[DataProblem] = []
    city_c, firm_c, val_c = (
        _find(cols, CITY_NAMES),
        _find(cols, ("firm", "company", "企业")),
        _find(cols, ("value", "service_value", "值")),
    )
    if layout == "auto":
        layout = "long" if city_c and firm_c and val_c else "wide"
    if layout not in ("wide", "long"):
        raise DatasetValidationError([DataProblem(f"unknown layout {layout!r}", "use wide, long or auto")], file)
    if len(df) == 0:
        raise DatasetValidationError([EmptyFileError("no data rows", "add one row per city", Location(file))], file)
    if layout == "long":
        for need, got in (("city", city_c), ("firm", firm_c), ("value", val_c)):
            if got is None:
                problems.append(
                    MissingColumnError(f"column '{need}' is missing", f"add a '{need}' column", Location(file))
                )
        if problems:
            raise DatasetValidationError(problems, file)
        vals = _numbers(df, [val_c], file, problems, "service value")[:, 0]
        key = df[[city_c, firm_c]].astype(str).apply(lambda s: s.str.strip())
        dup = key.duplicated(keep="first").to_numpy()
        for i in np.flatnonzero(dup)[:10]:
            problems.append(
                DuplicateError(
                    f"city {key.iat[i, 0]!r} and firm {key.iat[i, 1]!r} appear twice",
                    "keep one row per city and firm",
                    Location(file, int(i) + 2),
                )
            )
        if problems:
            raise DatasetValidationError(problems, file)
        cities = list(dict.fromkeys(key[city_c]))
        firms = list(dict.fromkeys(key[firm_c]))
        ci = pd.Index(cities).get_indexer(key[city_c])
        fi = pd.Index(firms).get_indexer(key[firm_c])
        M = sp.csr_array((vals, (ci, fi)), shape=(len(cities), len(firms)))
        values = pd.DataFrame.sparse.from_spmatrix(M, index=pd.Index(cities, name="city"), columns=firms)
        first = ~key[city_c].duplicated().to_numpy()
        coords = _coords(df.loc[first].reset_index(drop=True), cities, file, problems)
    else:
        name_col = cols[0]
        lat, lon = _find(cols, LAT_NAMES), _find(cols, LON_NAMES)
        firm_cols = [c for c in cols[1:] if c not in (lat, lon)]
        if not firm_cols:
            raise DatasetValidationError(
                [MissingColumnError("no firm columns", "one column per firm after the city column", Location(file))],
                file,
            )
        cities = [s.strip() for s in df[name_col].astype(str)]
        seen: dict[str, int] = {}
        for i, c in enumerate(cities):
            if not c:
                problems.append(DataProblem("city name is empty", "name every city", Location(file, i + 2, name_col)))
            elif c in seen:
                problems.append(
                    DuplicateError(
                        f"city {c!r} appears again (first on row {seen[c] + 2})",
                        "merge the rows",
                        Location(file, i + 2, name_col),
                    )
                )
            else:
                seen[c] = i
        arr = _numbers(df, firm_cols, file, problems, "service value")
        values = pd.DataFrame(arr, index=pd.Index(cities, name="city"), columns=firm_cols)
        coords = _coords(df, cities, file, problems)
    if problems:
        raise DatasetValidationError(problems, file)
    return ServiceValues(values=values, coords=coords, source=str(path), layout=layout)


def read_coordinates(path: str | Path) -> pd.DataFrame:
    """Read city coordinates: a city column (first column, or one named city/name/code)
    and latitude/longitude columns. Returns ``lat, lon`` indexed by city."""
    path = Path(path)
    df = _read_text_csv(path)
    cols = [str(c) for c in df.columns]
    df.columns = cols
    file = path.name
    lat, lon = _find(cols, LAT_NAMES), _find(cols, LON_NAMES)
    if lat is None or lon is None:
        raise DatasetValidationError(
            [MissingColumnError("latitude/longitude columns not found", "name them lat and lon", Location(file))], file
        )
    city_c = _find(cols, CITY_NAMES) or cols[0]
    cities = [s.strip() for s in df[city_c].astype(str)]
    problems: list[DataProblem] = []
    dups = pd.Index(cities)[pd.Index(cities).duplicated()]
    for c in list(dict.fromkeys(dups))[:10]:
        problems.append(
            DuplicateError(f"city {c!r} appears more than once", "keep one row per city", Location(file, None, city_c))
        )
    xy = _coords(df, cities, file, problems)
    if problems:
        raise DatasetValidationError(problems, file)
    assert xy is not None
    return xy


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder moved into place
    (``os.replace``, atomic on POSIX), so a reader never sees half a file. ``.csv`` files get a
    UTF-8 byte-order mark (Excel then shows Chinese names); other files are plain UTF-8."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig" if path.suffix == ".csv" else "utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_texts(folder: str | Path, texts: Mapping[str, str]) -> dict[str, Path]:
    """Write each ``{file name: text}`` of ``texts`` into ``folder`` (created if missing) with
    :func:`write_text_atomic`; returns ``{stem: path}`` (e.g. ``{"nodes": .../nodes.csv}``)."""
    folder = Path(folder)
    return {Path(name).stem: write_text_atomic(folder / name, text) for name, text in texts.items()}
