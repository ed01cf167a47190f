"""Gravity models of inter-city linkage.

Classic (undirected)::

    R_ij = sqrt(M_i P_i) * sqrt(M_j P_j) / D_ij ** b          (b default 2)

Modified (directed)::

    F_ij = K_ij * Q_i * Q_j / D_ij ** b,   K_ij = M_i / (M_i + M_j)   (b default 1)

with ``M`` a mass (GDP, a composite index score, ...), ``P`` an optional population (without
it the size is ``M`` itself) and ``Q`` the size ``sqrt(M P)`` unless a separate ``quality``
(e.g. a composite development score) is given. Membership degree (隶属度)
``L_ij = F_ij / sum_j F_ij``.

References: J.Q. Stewart (1948) "Demographic gravitation", *Sociometry* 11; W.J. Reilly
(1931) *The Law of Retail Gravitation*; for the modified form with ``K_ij`` e.g. 侯赟慧,
刘志彪, 岳中刚 (2009) 长三角区域经济一体化进程的社会网络分析, 中国软科学 (12).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from citynexus.network.errors import NetworkInputError, NetworkSpecError
from citynexus.network.interlocking import links_frame
from citynexus.network.result import GravityResult

if TYPE_CHECKING:
    from collections.abc import Sequence

#: Mean Earth radius in km (IUGG R1).
EARTH_RADIUS_KM = 6371.0088


def great_circle(lat: Sequence[float], lon: Sequence[float], radius: float = EARTH_RADIUS_KM) -> np.ndarray:
    """Pairwise great-circle distances (haversine formula) in km.

    ``d = 2 R asin( sqrt( sin^2((phi2-phi1)/2) + cos phi1 cos phi2 sin^2((lam2-lam1)/2) ) )``
    (R.W. Sinnott 1984, "Virtues of the haversine", *Sky and Telescope* 68(2) 159).
    """
    la = np.radians(np.asarray(lat, dtype=float))
    lo = np.radians(np.asarray(lon, dtype=float))
    if la.shape != lo.shape or la.ndim != 1:
        raise NetworkInputError("lat and lon must be 1-D sequences of the same length")
    if not (np.isfinite(la).all() and np.isfinite(lo).all()):
        raise NetworkInputError("every city needs a latitude and longitude to compute great-circle distances")
    if (np.abs(la) > np.pi / 2 + 1e-12).any():
        raise NetworkInputError("latitudes must lie in [-90, 90] (are lat and lon swapped?)")
    dphi = la[:, None] - la[None, :]
    dlam = lo[:, None] - lo[None, :]
    h = np.sin(dphi / 2) ** 2 + np.cos(la)[:, None] * np.cos(la)[None, :] * np.sin(dlam / 2) ** 2
    return 2 * radius * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _series(x: Any, name: str, cities: pd.Index | None) -> pd.Series:
    if isinstance(x, pd.Series):
        s = x.copy()
    else:
        arr = np.asarray(x, dtype=float).ravel()
        if cities is not None and len(arr) != len(cities):
            raise NetworkInputError(f"{name} has {len(arr)} values for {len(cities)} cities -> give one per city")
        s = pd.Series(arr, index=cities)
    s = pd.to_numeric(s, errors="coerce").astype(float)
    if cities is not None:
        missing = [str(c) for c in cities if c not in s.index]
        if missing:
            raise NetworkInputError(f"{name} has no value for {', '.join(missing[:5])} -> give a value for every city")
        s = s.reindex(cities)
    bad = s[~np.isfinite(s.to_numpy()) | (s.to_numpy() <= 0)]
    if len(bad):
        raise NetworkInputError(
            f"{name} must be a positive number for every city; {bad.index[0]!r} has {bad.iloc[0]!r} -> "
            "fill the gap or drop the city"
        )
    return s


def distance_matrix(
    cities: Sequence[Any],
    *,
    coords: pd.DataFrame | None = None,
    distance: pd.DataFrame | np.ndarray | None = None,
) -> pd.DataFrame:
    """City x city distances: a supplied matrix (km, travel time, ...) reordered to
    ``cities``, or great-circle km from ``coords`` (columns ``lat``, ``lon``)."""
    idx = pd.Index(list(cities), name="city")
    if distance is not None:
        if isinstance(distance, pd.DataFrame):
            missing = [str(c) for c in idx if c not in distance.index or c not in distance.columns]
            if missing:
                raise NetworkInputError(
                    f"the distance matrix lacks {', '.join(missing[:5])} -> give a row and a column for every city"
                )
            D = distance.reindex(index=idx, columns=idx).to_numpy(dtype=float)
        else:
            D = np.asarray(distance, dtype=float)
            if D.shape != (len(idx), len(idx)):
                raise NetworkInputError(f"distance matrix must be {len(idx)} x {len(idx)}, got {D.shape}")
    elif coords is not None:
        cols = {str(c).lower(): c for c in coords.columns}
        lat = next((cols[c] for c in ("lat", "latitude") if c in cols), None)
        lon = next((cols[c] for c in ("lon", "lng", "long", "longitude") if c in cols), None)
        if lat is None or lon is None:
            raise NetworkInputError("coords need columns lat and lon")
        missing = [str(c) for c in idx if c not in coords.index]
        if missing:
            raise NetworkInputError(f"no coordinates for {', '.join(missing[:5])} -> add lat/lon for every city")
        xy = coords.loc[idx]
        D = great_circle(xy[lat].to_numpy(float), xy[lon].to_numpy(float))
    else:
        raise NetworkInputError("give either coordinates (lat/lon) or a distance matrix")
    off = ~np.eye(len(idx), dtype=bool)
    bad = off & ~(np.isfinite(D) & (D > 0))
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise NetworkInputError(
            f"distance between {idx[i]!r} and {idx[j]!r} is {D[i, j]!r}; distances between different cities must "
            "be positive -> check duplicate coordinates or the distance matrix"
        )
    D = D.copy()
    np.fill_diagonal(D, 0.0)
    return pd.DataFrame(D, index=idx, columns=idx)


def gravity(
    mass: pd.Series | Sequence[float],
    *,
    population: pd.Series | Sequence[float] | None = None,
    quality: pd.Series | Sequence[float] | None = None,
    coords: pd.DataFrame | None = None,
    distance: pd.DataFrame | np.ndarray | None = None,
    model: Literal["classic", "modified"] = "classic",
    beta: float | None = None,
    cities: Sequence[Any] | None = None,
    node_data: pd.DataFrame | None = None,
) -> GravityResult:
    """Gravity-model city network.

    ``model="classic"`` (undirected): ``R_ij = sqrt(M_i P_i) sqrt(M_j P_j) / D_ij^b``,
    ``b`` default 2. ``model="modified"`` (directed): ``F_ij = K_ij Q_i Q_j / D_ij^b`` with
    ``K_ij = M_i / (M_i + M_j)`` and ``Q_i = sqrt(M_i P_i)`` (or ``quality`` when given),
    ``b`` default 1. Without ``population`` the size is ``M_i`` itself.

    Node totals: ``gnc_i = sum_j R_ij`` (classic) or the out-total ``sum_j F_ij``
    (modified; the in-total ``sum_j F_ji`` is in ``node_data["in_total"]``). Membership
    degree ``L_ij = F_ij / sum_j F_ij`` is in ``result.membership``.

    Distances: ``distance`` (a city x city DataFrame or array: km, travel time, ...) or
    great-circle km from ``coords`` (``lat``/``lon`` indexed by city).

    References: Stewart (1948) *Sociometry* 11; 侯赟慧 et al. (2009) 中国软科学 (12).
    """
    if model not in ("classic", "modified"):
        raise NetworkSpecError(f"model must be 'classic' or 'modified', not {model!r}")
    if beta is None:
        beta = 2.0 if model == "classic" else 1.0
    if not np.isfinite(beta) or beta < 0:
        raise NetworkSpecError(f"distance exponent beta must be a number >= 0, got {beta!r}")
    if cities is not None:
        idx = pd.Index(list(cities), name="city")
    elif isinstance(mass, pd.Series):
        idx = pd.Index(list(mass.index), name="city")
    else:
        idx = pd.Index(range(len(mass)), name="city")
    if len(idx) < 2:
        raise NetworkInputError("a gravity network needs at least 2 cities")
    if idx.has_duplicates:
        raise NetworkInputError("city labels are not unique")
    M = _series(mass, "mass", idx).to_numpy()
    P = None if population is None else _series(population, "population", idx).to_numpy()
    size = np.sqrt(M * P) if P is not None else M
    D = distance_matrix(idx, coords=coords, distance=distance)
    Dv = D.to_numpy()
    n = len(idx)
    off = ~np.eye(n, dtype=bool)
    Db = np.ones_like(Dv)
    Db[off] = Dv[off] ** beta
    if model == "classic":
        F = np.outer(size, size) / Db
        directed = False
    else:
        Q = size if quality is None else _series(quality, "quality", idx).to_numpy()
        K = M[:, None] / (M[:, None] + M[None, :])
        F = K * np.outer(Q, Q) / Db
        directed = True
    F[~off] = 0.0
    out_total = F.sum(axis=1)
    total = float(out_total.sum())
    gmax = float(out_total.max())
    membership = pd.DataFrame(F / out_total[:, None], index=idx, columns=idx)
    if directed:
        a, b = np.nonzero(off & (F > 0))
    else:
        a, b = np.nonzero(np.triu(F > 0, 1))
    r = F[a, b]
    order = np.lexsort((b, a, -r))
    a, b, r = a[order], b[order], r[order]
    nd = pd.DataFrame(index=idx)
    if coords is not None:
        cols = {str(c).lower(): c for c in coords.columns}
        for want, names in (("lat", ("lat", "latitude")), ("lon", ("lon", "lng", "long", "longitude"))):
            src = next((cols[c] for c in names if c in cols), None)
            if src is not None:
                nd[want] = pd.to_numeric(coords[src].reindex(idx), errors="coerce")
    if node_data is not None:
        for c in node_data.columns:
            if c not in nd.columns:
                nd[c] = node_data[c].reindex(idx)
    nd["mass"] = M
    if P is not None:
        nd["population"] = P
    if directed:
        nd["in_total"] = F.sum(axis=0)
    return GravityResult(
        links=links_frame(idx, a, b, r),
        gnc=pd.Series(out_total, index=idx, name="gnc"),
        relative_gnc=pd.Series(100 * out_total / gmax if gmax > 0 else out_total, index=idx, name="relative_gnc"),
        total=total,
        proportional=pd.Series(out_total / total if total > 0 else out_total, index=idx, name="proportional"),
        directed=directed,
        model=f"gravity-{model}",
        node_data=nd,
        meta={
            "links": "all pairs",
            "beta": float(beta),
            "distance": "supplied" if distance is not None else "great-circle km",
        },
        membership=membership,
        distance=D,
    )
