"""Result objects shared by the interlocking and gravity models."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class NetworkResult:
    """A valued city network: links plus node totals.

    Attributes
    ----------
    links:
        DataFrame with columns ``a, b, r`` (city labels and link value). For an undirected
        model there is one row per unordered pair (``a`` before ``b`` in input order); for a
        directed model one row per ordered pair ``a -> b``. Sorted by ``r`` descending.
        Only links with ``r > 0`` appear; for large inputs only the links selected by the
        rule in ``meta["links"]`` (see :func:`citynexus.network.interlocking`).
    gnc:
        Series indexed by city: the node total (global network connectivity for the
        interlocking model, total gravitational linkage for the gravity model). Always
        computed over *all* pairs, whatever links were kept.
    relative_gnc:
        ``100 * gnc / gnc.max()``.
    total:
        ``gnc.sum()`` (for undirected models every link is counted twice).
    proportional:
        ``gnc / total``.
    directed:
        Whether ``links`` are directed.
    model:
        ``"interlocking"``, ``"interlocking-proportional"``, ``"gravity-classic"`` or
        ``"gravity-modified"``.
    node_data:
        Extra per-city columns (``lat``, ``lon``, ``name``, ``name_zh``, in/out totals),
        indexed by city; may be empty.
    meta:
        Parameters and notes (e.g. the link selection rule actually applied).
    """

    links: pd.DataFrame
    gnc: pd.Series
    relative_gnc: pd.Series
    total: float
    proportional: pd.Series
    directed: bool = False
    model: str = ""
    node_data: pd.DataFrame = field(default_factory=pd.DataFrame)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def cities(self) -> list[str]:
        return [str(c) for c in self.gnc.index]

    def nodes(self) -> pd.DataFrame:
        """One row per city: ``city, gnc, relative_gnc, proportional`` and then the
        columns of ``node_data``; sorted by ``gnc`` descending."""
        out = pd.DataFrame({"gnc": self.gnc, "relative_gnc": self.relative_gnc, "proportional": self.proportional})
        if len(self.node_data.columns):
            out = out.join(self.node_data, how="left")
        out.index.name = "city"
        out = out.sort_values("gnc", ascending=False, kind="stable")
        return out.reset_index()

    def coordinates(self) -> pd.DataFrame | None:
        """``lat, lon`` per city if known for every city, else None."""
        nd = self.node_data
        if {"lat", "lon"} <= set(nd.columns):
            xy = nd[["lat", "lon"]].astype(float)
            if len(xy) and xy.notna().all().all():
                return xy
        return None

    def top(self, n: int = 10) -> pd.Series:
        """The ``n`` cities with the highest relative GNC."""
        return self.relative_gnc.sort_values(ascending=False, kind="stable").head(n)

    # exports live in citynexus.network.export; a thin wrapper for convenience
    def to_geojson(self, top: int | None = None) -> dict[str, Any]:
        """GeoJSON FeatureCollection of links as lines (see
        :func:`citynexus.network.export.to_geojson`)."""
        from citynexus.network.export import to_geojson

        return to_geojson(self, top=top)

    def plot(self, top: int = 50, **kwargs: Any) -> Any:
        """Map of the strongest links (see :func:`citynexus.network.plot.plot_links`)."""
        from citynexus.network.plot import plot_links

        return plot_links(self, top=top, **kwargs)


@dataclass
class InterlockingResult(NetworkResult):
    """Result of :func:`citynexus.network.interlocking` (undirected)."""


@dataclass
class GravityResult(NetworkResult):
    """Result of :func:`citynexus.network.gravity`.

    ``membership`` is the city x city matrix of membership degrees
    ``F_ij / sum_j F_ij`` (rows sum to 1; zero diagonal). ``distance`` is the distance
    matrix used.
    """

    membership: pd.DataFrame = field(default_factory=pd.DataFrame)
    distance: pd.DataFrame = field(default_factory=pd.DataFrame)
