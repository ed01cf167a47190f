"""Reading series and report tables for the detectors (CSV, all-or-nothing, errors name file/row/column)."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from citynexus.watch.errors import WatchInputError

__all__ = ["parse_number", "read_series_csv"]


def parse_number(text: str) -> float | None:
    """A cell as a float; empty (or NA/NaN) -> None; text -> ValueError. Accepts thousands separators."""
    s = text.strip()
    if s == "" or s.upper() in ("NA", "NAN", "NULL", "N/A"):
        return None
    v = float(s.replace(",", "").replace("_", ""))
    if math.isinf(v):
        raise ValueError("infinite")
    return v


def _read_text(path: Path) -> str:
    if not path.exists():
        raise WatchInputError(f"{path}: file not found -> give the path of a CSV file with columns t,value")
    if path.is_dir():
        raise WatchInputError(f"{path}: is a folder, not a CSV file -> give a file with columns t,value")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise WatchInputError(f"{path}: cannot be read ({err.strerror or err})") from err
    if b"\x00" in raw[:4096]:
        raise WatchInputError(f"{path}: is a binary file, not CSV text -> save it as CSV (UTF-8) with columns t,value")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise WatchInputError(f"{path}: is neither UTF-8 nor GB18030 text -> save it as CSV (UTF-8)")


def read_series_csv(path: str | Path) -> tuple[list[str], np.ndarray]:
    """Read a series file with columns ``t,value`` (in that order; more columns are ignored).

    Returns the ``t`` labels and the values (NaN where the cell is empty). Raises
    :class:`WatchInputError` naming the file, row (1-based, header = row 1) and column for a missing
    ``value`` column, text in a value cell, or a file without any numeric value.
    """
    p = Path(path)
    text = _read_text(p)
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise WatchInputError(f"{p}: the file is empty -> write a header 't,value' and one row per period")
    header = [h.strip().lower() for h in rows[0]]
    if "value" not in header:
        raise WatchInputError(
            f"{p}, row 1: no 'value' column (header is {','.join(rows[0])!r}) -> the header must be 't,value'"
        )
    vi = header.index("value")
    ti = header.index("t") if "t" in header else (0 if vi != 0 else None)
    labels: list[str] = []
    vals: list[float] = []
    for i, r in enumerate(rows[1:], start=2):
        cell = r[vi] if vi < len(r) else ""
        try:
            v = parse_number(cell)
        except ValueError:
            raise WatchInputError(
                f"{p}, row {i}, column 'value': {cell.strip()!r} is not a number -> write a number or leave it empty"
            ) from None
        vals.append(np.nan if v is None else v)
        labels.append(r[ti].strip() if ti is not None and ti < len(r) else str(i - 2))
    arr = np.asarray(vals, dtype=float)
    if arr.size == 0 or np.isnan(arr).all():
        raise WatchInputError(f"{p}: column 'value' holds no numeric value -> give at least two numbers")
    return labels, arr
