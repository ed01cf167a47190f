"""Cell-level helpers shared by the validators of the three tables (no I/O).

Row numbers are those a spreadsheet shows: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from citynexus.errors import DataProblem, EmptyFileError, Location, MissingColumnError

if TYPE_CHECKING:
    import pandas as pd

#: Cell contents read as "missing" in numeric columns.
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "..", "-", "—", "–"})


def sheet_row(i: int) -> int:
    """Spreadsheet row number of the 0-based data row ``i``."""
    return i + 2


def rows_text(rows: list[int], limit: int = 4) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


def did_you_mean(code: str, candidates) -> str:
    """``" — did you mean 'X'?"`` for the closest of ``candidates`` (difflib, case
    ignored), or ``""`` when none is close."""
    import difflib

    cands = [str(c) for c in candidates if str(c)]
    lower = {c.lower(): c for c in cands}
    if str(code).lower() in lower and lower[str(code).lower()] != code:
        return f" — did you mean '{lower[str(code).lower()]}'?"
    best = difflib.get_close_matches(str(code).lower(), list(lower), n=1, cutoff=0.6)
    return f" — did you mean '{lower[best[0]]}'?" if best else ""


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


def clean_table(df: pd.DataFrame, known: list[str]) -> pd.DataFrame:
    """Strip whitespace from headers and cells; lower-case the known column names."""
    df = df.copy()
    cols = []
    for c in df.columns:
        s = str(c).strip()
        cols.append(s.lower() if s.lower() in known else s)
    df.columns = cols
    df = df.loc[:, [not str(c).startswith("Unnamed:") for c in df.columns]]
    return df.apply(lambda col: col.astype(str).str.strip())


def check_nonempty(df: pd.DataFrame, file: str, problems: list[DataProblem]) -> bool:
    if df.shape[1] == 0:
        problems.append(EmptyFileError("the file is empty", "add a header row and data rows", Location(file)))
        return False
    if len(df) == 0:
        problems.append(
            EmptyFileError("the file has a header but no data rows", "add at least one data row", Location(file))
        )
        return False
    return True


def require_columns(df: pd.DataFrame, cols: list[str], file: str, problems: list[DataProblem]) -> bool:
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
