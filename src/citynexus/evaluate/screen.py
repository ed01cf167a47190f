"""Step 2 — screen: drop units and indicators with too little data."""

from __future__ import annotations

import pandas as pd


def availability(table: pd.DataFrame, axis: str = "unit") -> pd.Series:
    """Data availability: share of non-missing cells per unit (``axis="unit"``) or per
    indicator (``axis="indicator"``).

    .. math:: a_i = 1 - \\frac{\\#\\{j: x_{ij}\\ \\text{missing}\\}}{m}
    """
    if axis == "unit":
        return table.notna().mean(axis=1)
    if axis == "indicator":
        return table.notna().mean(axis=0)
    raise ValueError("axis must be 'unit' or 'indicator'")


def screen(
    table: pd.DataFrame,
    unit_threshold: float = 2 / 3,
    indicator_threshold: float = 2 / 3,
) -> tuple[pd.DataFrame, dict]:
    """Keep units whose availability is at least ``unit_threshold`` and indicators whose
    availability (over the kept units) is at least ``indicator_threshold``.

    Units are screened first (COINr ``Screen(unit_screen = "byNA")``), then indicators
    over the remaining units. A threshold of 0 keeps everything. A small tolerance
    (1e-12) protects thresholds such as 2/3 against rounding.

    Returns the screened table and ``{"dropped_units": {code: availability},
    "dropped_indicators": {code: availability}}``.

    Reference: COINr ``Screen()``; OECD/JRC (2008) Handbook, step 3.
    """
    eps = 1e-12
    ua = availability(table, "unit")
    keep_u = ua >= unit_threshold - eps
    t = table.loc[keep_u]
    ia = availability(t, "indicator") if len(t) else pd.Series(0.0, index=table.columns)
    keep_i = ia >= indicator_threshold - eps
    t = t.loc[:, keep_i]
    info = {
        "dropped_units": {str(k): float(v) for k, v in ua[~keep_u].items()},
        "dropped_indicators": {str(k): float(v) for k, v in ia[~keep_i].items()},
    }
    return t, info
