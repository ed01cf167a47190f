"""Simple subsystem scores from a :class:`~citynexus.data.Dataset`, for region analytics
without a full index specification.

The composite-indicator engine (:mod:`citynexus.evaluate`) is the proper source of
subsystem scores; these helpers give a transparent default so that ``citynexus region``
works on any dataset directly:

- :func:`normalised_panel`: min-max per indicator over all units and periods, direction
  applied (``x' = (x - min)/(max - min)`` for +1, ``(max - x)/(max - min)`` for -1), on [0, 1];
- :func:`effective_weights`: the weight of each indicator in the index, the product of the
  framework weights along its path, each normalised among its siblings;
- :func:`subsystem_scores`: weighted arithmetic mean of the normalised indicators under each
  subsystem (``U_s = sum_j w_j x'_j / sum_j w_j`` over available indicators).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from citynexus.data import Dataset
from citynexus.region.errors import RegionInputError


def normalised_panel(ds: Dataset) -> pd.DataFrame:
    """(unit, period) x indicators, min-max normalised over the whole panel, direction applied.
    A constant indicator maps to 1 (no unit falls short of the best)."""
    panel = ds.panel(ds.codes("indicator"))
    ind = ds.indicators.set_index("code")
    out = {}
    for c in panel.columns:
        x = panel[c]
        mn, mx = x.min(), x.max()
        if not mx > mn:
            out[c] = x.where(x.isna(), 1.0)
            continue
        d = float(ind.at[c, "direction"] or 1)
        out[c] = (x - mn) / (mx - mn) if d >= 0 else (mx - x) / (mx - mn)
    return pd.DataFrame(out, index=panel.index)


def _sibling_normalised(ds: Dataset) -> pd.Series:
    ind = ds.indicators[ds.indicators["kind"] != "denominator"].set_index("code")
    w = pd.to_numeric(ind["weight"], errors="coerce").fillna(1.0)
    parent = ind["parent"].fillna("")
    sums = w.groupby(parent).transform("sum")
    return w / sums.replace(0, np.nan)


def effective_weights(ds: Dataset, root: str | None = None) -> pd.Series:
    """indicator -> weight of the indicator in the index ``root`` (default: the single root):
    the product of sibling-normalised framework weights from the indicator up to ``root``."""
    roots = ds.roots()
    if root is None:
        if len(roots) != 1:
            raise RegionInputError(f"the framework has {len(roots)} roots {roots}; name one with root=")
        root = roots[0]
    rel = _sibling_normalised(ds)
    ind = ds.indicators.set_index("code")
    out = {}
    for c in ds.descendants(root, "indicator"):
        w, node = 1.0, c
        while node and node != root:
            w *= float(rel[node])
            node = ind.at[node, "parent"] or ""
        out[c] = w
    s = pd.Series(out, name="weight")
    return s / s.sum()


def pillar_of(ds: Dataset, level: int = 2) -> pd.Series:
    """indicator -> its ancestor at framework ``level`` (e.g. the subsystem)."""
    ind = ds.indicators.set_index("code")
    out = {}
    for c in ds.codes("indicator"):
        node = c
        while node and int(float(ind.at[node, "level"] or 0)) < level:
            node = ind.at[node, "parent"] or ""
        if node:
            out[c] = node
    return pd.Series(out, name="pillar")


def subsystem_scores(ds: Dataset, subsystems: list[str] | None = None) -> pd.DataFrame:
    """(unit, period) x subsystems: weighted mean of the normalised indicators under each
    subsystem (default: the children of the single root). Values on [0, 1]."""
    if subsystems is None:
        roots = ds.roots()
        if len(roots) != 1:
            raise RegionInputError(f"the framework has {len(roots)} roots {roots}; name the subsystems")
        subsystems = ds.children(roots[0])
    norm = normalised_panel(ds)
    out = {}
    for s in subsystems:
        codes = ds.descendants(s, "indicator")
        if not codes:
            raise RegionInputError(f"subsystem '{s}' has no indicators in the framework")
        ew = effective_weights(ds, root=s)
        X = norm[codes]
        w = ew.reindex(codes).to_numpy()
        avail = X.notna().to_numpy()
        num = np.nansum(X.to_numpy() * w, axis=1)
        den = (avail * w).sum(axis=1)
        out[s] = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return pd.DataFrame(out, index=norm.index)
