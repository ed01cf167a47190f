"""Step 3 — impute missing values. Observed values are never changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from citynexus.evaluate.registry import add, methods

if TYPE_CHECKING:
    import pandas as pd


def impute(
    table: pd.DataFrame,
    method: str = "mean",
    groups: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill missing cells of a units x indicators table from the same column.

    - ``none``: leave missing;
    - ``mean``: :math:`\\hat x_{ij} = \\frac1{|O_j|}\\sum_{k\\in O_j} x_{kj}` over the observed units
      :math:`O_j`;
    - ``median``: the median of the observed values (mean of the two middle values for
      an even count);
    - ``group_mean`` / ``group_median``: the same within the unit's group (``groups``:
      unit -> label). A group with no observed value leaves the cell missing; units
      without a group (empty or NaN label) are left alone.

    Returns the imputed table and a long table of the imputed cells
    (``unit, indicator, value, method``).

    Reference: COINr ``i_mean``, ``i_median``, ``i_mean_grp``, ``i_median_grp``;
    OECD/JRC (2008) Handbook, step 4.
    """
    if method not in CROSS_SECTION_METHODS:
        raise ValueError(f"unknown cross-section imputation {method!r}; choose one of {CROSS_SECTION_METHODS}")
    x = table.astype(float)
    if method == "none":
        return x.copy(), _imputed_cells(x, x, method)
    if method in ("mean", "median"):
        fill = x.mean() if method == "mean" else x.median()
        out = x.fillna(fill)
    else:
        if groups is None:
            raise ValueError(f"{method} needs a unit grouping")
        g = groups.reindex(x.index)
        g = g.where(g.notna() & (g.astype(str) != ""), None)
        agg = "mean" if method == "group_mean" else "median"
        out = x.copy()
        has = g.notna()
        if has.any():
            filled = x[has].groupby(g[has], sort=False).transform(agg)
            out.loc[has] = x[has].fillna(filled)
    return out, _imputed_cells(x, out, method)


def impute_panel(panel: pd.DataFrame, method: str = "interpolate") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill missing cells of a (unit, period) x indicators panel along time, per unit.

    - ``interpolate``: linear in the period between the nearest observed years before
      and after (no extrapolation beyond the first/last observation);
    - ``locf``: last observation carried forward;
    - ``nocb``: next observation carried backward;
    - ``nearest``: value of the nearest observed year (ties: the earlier year).

    Returns the imputed panel and the imputed cells (``unit, period, indicator, value,
    method``). Reference: COINr ``impute_panel``.
    """
    if method not in PANEL_METHODS:
        raise ValueError(f"unknown panel imputation {method!r}; choose one of {PANEL_METHODS}")
    x = panel.astype(float).sort_index()
    out = x.copy()
    for _unit, block in x.groupby(level=0, sort=False):
        years = block.index.get_level_values(1).to_numpy(dtype=float)
        for col in block.columns:
            v = block[col].to_numpy()
            obs = ~np.isnan(v)
            if obs.all() or not obs.any():
                continue
            yo, vo = years[obs], v[obs]
            miss = np.where(~obs)[0]
            res = v.copy()
            for k in miss:
                t = years[k]
                before = yo < t
                after = yo > t
                if method == "interpolate":
                    if before.any() and after.any():
                        t0, t1 = yo[before][-1], yo[after][0]
                        v0, v1 = vo[before][-1], vo[after][0]
                        res[k] = v0 + (v1 - v0) * (t - t0) / (t1 - t0)
                elif method == "locf":
                    if before.any():
                        res[k] = vo[before][-1]
                elif method == "nocb":
                    if after.any():
                        res[k] = vo[after][0]
                else:  # nearest
                    dist = np.abs(yo - t)
                    res[k] = vo[int(np.argmin(dist))]  # argmin takes the first (= earlier) on ties
            out.loc[block.index, col] = res
    cells = out.where(x.isna() & out.notna()).stack().dropna().rename("value").reset_index()
    cells.columns = ["unit", "period", "indicator", "value"]
    cells["method"] = method
    return out, cells


def _imputed_cells(before: pd.DataFrame, after: pd.DataFrame, method: str) -> pd.DataFrame:
    new = after.where(before.isna() & after.notna())
    cells = new.stack().dropna().rename("value").reset_index()
    cells.columns = ["unit", "indicator", "value"]
    cells["method"] = method
    return cells


for _name, _summary in (
    ("none", "leave missing cells missing"),
    ("mean", "column mean of the observed units"),
    ("median", "column median of the observed units"),
    ("group_mean", "mean within the unit's group (impute.group)"),
    ("group_median", "median within the unit's group (impute.group)"),
):
    add("impute", _name, impute, summary=_summary, family="cross-section")
for _name, _summary in (
    ("interpolate", "linear in time between the nearest observed periods"),
    ("locf", "last observation carried forward"),
    ("nocb", "next observation carried backward"),
    ("nearest", "value of the nearest observed period (ties: the earlier)"),
):
    add("impute", _name, impute_panel, summary=_summary, family="panel")

CROSS_SECTION_METHODS = methods("impute", "cross-section")
PANEL_METHODS = methods("impute", "panel")
IMPUTE_METHODS = methods("impute")
