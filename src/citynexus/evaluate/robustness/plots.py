"""Figures of a robustness run (matplotlib ``Figure`` objects, made without pyplot so no
global state is touched; save one with ``fig.savefig(path)``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


def _unit_rank_axes(ax, units, title: str) -> None:
    """One row per unit (best at the top), ranks along x."""
    n = len(units)
    ax.set_yticks(np.arange(n))
    ax.set_yticklabels([str(u) for u in units], fontsize=7 if n > 40 else 9)
    ax.invert_yaxis()
    ax.set_xlabel("rank (1 = best)")
    ax.set_title(title)


def rank_uncertainty_plot(summary: pd.DataFrame, title: str = "Rank uncertainty", max_units: int = 80):
    """Dots at each unit's median rank (hollow: nominal rank) with bars from the 5th to
    the 95th percentile, units ordered by nominal rank (best at the top). ``summary``:
    the table of :func:`citynexus.evaluate.robustness.uncertainty.summarise`."""
    s = summary.sort_values(["nominal_rank", "median_rank"], na_position="last").head(max_units)
    n = len(s)
    fig, ax = _figure(6.5, max(2.5, 0.22 * n + 1.0))
    y = np.arange(n)
    ax.hlines(y, s["q05"], s["q95"], color="#4c72b0", lw=2.2, alpha=0.55, label="5–95% of ranks")
    ax.plot(s["median_rank"], y, "o", color="#4c72b0", ms=5, label="median rank")
    ax.plot(s["nominal_rank"], y, "o", mfc="none", mec="#c44e52", ms=7, label="nominal rank")
    _unit_rank_axes(ax, s["unit"], title)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def sobol_plot(indices: pd.DataFrame, title: str = "Sobol sensitivity indices"):
    """Bars of first-order (S1) and total (ST) indices per factor with their bootstrap
    intervals. ``indices``: columns ``factor, S1, S1_low, S1_high, ST, ST_low, ST_high``."""
    d = indices.reset_index(drop=True)
    n = len(d)
    fig, ax = _figure(max(4.0, 1.3 * n + 1.5), 3.6)
    x = np.arange(n)
    wdt = 0.38
    for off, key, color in ((-wdt / 2, "S1", "#4c72b0"), (wdt / 2, "ST", "#dd8452")):
        v = d[key].to_numpy(dtype=float)
        err = np.vstack(
            [np.clip(v - d[f"{key}_low"].to_numpy(dtype=float), 0, None), np.clip(d[f"{key}_high"] - v, 0, None)]
        )
        ax.bar(x + off, v, wdt, yerr=err, capsize=3, color=color, label={"S1": "first order S1", "ST": "total ST"}[key])
    ax.set_xticks(x)
    ax.set_xticklabels([str(f) for f in d["factor"]], rotation=20 if n > 4 else 0, ha="right" if n > 4 else "center")
    ax.set_ylabel("share of variance")
    ax.axhline(0, color="black", lw=0.6)
    ax.set_title(title)
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def rank_range_plot(ranges: pd.DataFrame, title: str = "Rank ranges under any weights", max_units: int = 80):
    """Bars from the best to the worst achievable rank per unit (hollow dot: nominal)."""
    s = ranges.sort_values([c for c in ("nominal_rank", "best_rank") if c in ranges.columns]).head(max_units)
    n = len(s)
    fig, ax = _figure(6.5, max(2.5, 0.22 * n + 1.0))
    y = np.arange(n)
    ax.hlines(y, s["best_rank"], s["worst_rank"], color="#55a868", lw=3, alpha=0.7, label="best–worst rank")
    if "nominal_rank" in s.columns:
        ax.plot(s["nominal_rank"], y, "o", mfc="none", mec="#c44e52", ms=7, label="nominal rank")
    _unit_rank_axes(ax, s["unit"], title)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
