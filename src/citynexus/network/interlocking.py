"""The interlocking network model of world-city networks (Taylor 2001).

A service-value matrix ``V`` (cities x firms; GaWC codes 0 = no office ... 5 = headquarters)
defines

- elemental interlock ``r_ab,j = v_aj * v_bj``,
- city-dyad connectivity ``r_ab = sum_j v_aj * v_bj`` (``a != b``),
- global network connectivity ``GNC_a = sum_{b != a} r_ab``,
- relative GNC ``100 * GNC_a / max_c GNC_c``,
- total network connectivity ``T = sum_a GNC_a`` (every dyad counted twice) and
  proportional connectivity ``P_a = GNC_a / T``.

References: P.J. Taylor (2001) "Specification of the world city network", *Geographical
Analysis* 33(2), 181-194; P.J. Taylor (2004) *World City Network: A Global Urban
Analysis*, Routledge; GaWC Research Bulletin 23.

Scale. ``GNC`` never needs the city x city matrix: with column sums ``s_j = sum_b v_bj``,
``GNC_a = sum_j v_aj s_j - sum_j v_aj^2``, which costs O(nnz(V)) time and O(cities + firms)
memory. Links are produced block by block (a few thousand rows of ``V V^T`` at a time), so
memory stays bounded by ``block_cells`` plus the links that are kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from citynexus.network.errors import NetworkInputError, NetworkSpecError
from citynexus.network.result import InterlockingResult

if TYPE_CHECKING:
    from collections.abc import Sequence

#: Above this many city pairs ``links="auto"`` keeps only each city's top links.
MAX_LINKS = 5_000_000
#: The number of strongest links per city kept by ``links="auto"`` on large inputs.
AUTO_TOP_K = 10
#: Cells of ``V V^T`` materialised at once (4 Mi cells = 32 MiB as float64).
BLOCK_CELLS = 1 << 22


def as_service_matrix(
    service_values: Any,
    cities: Sequence[Any] | None = None,
    firms: Sequence[Any] | None = None,
) -> tuple[sp.csr_array, pd.Index, pd.Index]:
    """Validate a service-value matrix and return it as ``(csr_array float64, cities, firms)``.

    Accepts a DataFrame (cities as index, firms as columns; sparse dtypes are kept sparse),
    a 2-D numpy array or any scipy sparse matrix/array. Values must be finite and >= 0.
    """
    if isinstance(service_values, pd.DataFrame):
        df = service_values
        if cities is None:
            cities = list(df.index)
        if firms is None:
            firms = list(df.columns)
        non_numeric = [str(c) for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
        if non_numeric:
            raise NetworkInputError(
                f"service values must be numbers; column(s) {', '.join(non_numeric[:5])} are not numeric -> "
                "remove text columns (city names belong in the index) or convert them"
            )
        if len(df.columns) and all(isinstance(t, pd.SparseDtype) for t in df.dtypes):
            V = sp.csr_array(df.sparse.to_coo().astype(float))
        else:
            V = sp.csr_array(df.to_numpy(dtype=float, na_value=np.nan))
    elif sp.issparse(service_values):
        V = sp.csr_array(service_values, dtype=float)
    else:
        try:
            arr = np.asarray(service_values, dtype=float)
        except (TypeError, ValueError) as err:
            raise NetworkInputError(f"service values must be a numeric matrix: {err}") from err
        if arr.ndim != 2:
            raise NetworkInputError(f"service values must be a 2-D matrix (cities x firms), got {arr.ndim}-D")
        V = sp.csr_array(arr)
    n, m = V.shape
    if n < 2 or m < 1:
        raise NetworkInputError(f"need at least 2 cities and 1 firm, got a {n} x {m} matrix")
    bad = ~np.isfinite(V.data)
    if bad.any() or (V.data < 0).any():
        coo = V.tocoo()
        k = int(np.flatnonzero(bad | (coo.data < 0))[0])
        i, j = int(coo.row[k]), int(coo.col[k])
        what = "missing or not finite" if bad[k] else f"negative ({coo.data[k]:g})"
        where = f"city {cities[i]!r}, firm {firms[j]!r}" if cities is not None and firms is not None else f"[{i}, {j}]"
        raise NetworkInputError(
            f"service value at {where} is {what} -> service values are >= 0 (0 = no office); fill gaps with 0"
        )
    V.eliminate_zeros()
    V.sort_indices()
    city_idx = pd.Index(range(n) if cities is None else list(cities), name="city")
    firm_idx = pd.Index(range(m) if firms is None else list(firms), name="firm")
    if len(city_idx) != n or len(firm_idx) != m:
        raise NetworkInputError(
            f"{len(city_idx)} city labels and {len(firm_idx)} firm labels for a {n} x {m} matrix -> give one label per "
            "row and per column"
        )
    if city_idx.has_duplicates:
        dups = city_idx[city_idx.duplicated()].unique()[:5]
        raise NetworkInputError(f"city labels are not unique: {', '.join(map(str, dups))} -> merge or rename the rows")
    return V, city_idx, firm_idx


def connectivity(V: sp.sparray | np.ndarray) -> np.ndarray:
    """Global network connectivity of every city without forming ``V V^T``.

    ``GNC_a = sum_{b != a} sum_j v_aj v_bj = sum_j v_aj s_j - sum_j v_aj^2`` with
    ``s_j = sum_b v_bj`` (Taylor 2001, eq. for N_a). O(nnz) time, O(cities + firms) memory.
    """
    if sp.issparse(V):
        V = sp.csr_array(V, dtype=float)
        s = np.asarray(V.sum(axis=0)).ravel()
        own = np.asarray(V.multiply(V).sum(axis=1)).ravel()
        return np.asarray(V @ s).ravel() - own
    A = np.asarray(V, dtype=float)
    return A @ A.sum(axis=0) - (A * A).sum(axis=1)


def _block_rows(n: int, block_cells: int) -> int:
    return max(1, min(n, block_cells // max(n, 1)))


def dyad_links(
    V: sp.csr_array,
    *,
    threshold: float | None = None,
    top_k: int | None = None,
    max_links: int = MAX_LINKS,
    block_cells: int = BLOCK_CELLS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """City-dyad connectivities ``r_ab = sum_j v_aj v_bj`` for pairs ``a < b``, computed in
    row blocks of ``V V^T`` so that at most ``block_cells`` cells exist at once.

    Rule: ``top_k`` keeps a pair when it is among either city's ``k`` strongest links
    (every link whose value is at least the city's k-th largest value, so ties are all
    kept); otherwise pairs with ``r_ab >= threshold`` (``threshold=None``: every ``r_ab > 0``).
    Raises :class:`NetworkInputError` when more than ``max_links`` pairs would be kept.

    Returns ``(a, b, r)`` arrays (row indices and values), sorted by ``r`` descending, then
    ``a``, then ``b``.
    """
    if top_k is not None and threshold is not None:
        raise NetworkSpecError("give either top_k or threshold, not both")
    if top_k is not None and top_k < 1:
        raise NetworkSpecError(f"top_k must be >= 1, got {top_k}")
    n = V.shape[0]
    VT = V.T.tocsr()
    step = _block_rows(n, block_cells)
    parts_a: list[np.ndarray] = []
    parts_b: list[np.ndarray] = []
    parts_r: list[np.ndarray] = []
    kept = 0
    for start in range(0, n, step):
        stop = min(n, start + step)
        P = V[start:stop] @ VT  # (stop-start) x n, sparse
        if top_k is not None:
            D = P.toarray()
            rows = np.arange(stop - start)
            D[rows, rows + start] = 0.0
            if top_k < n - 1:
                kth = np.partition(D, n - top_k, axis=1)[:, n - top_k]
                mask = (kth[:, None] <= D) & (D > 0)
            else:
                mask = D > 0
            ri, ci = np.nonzero(mask)
            vals = D[ri, ci]
            gi = ri + start
            a, b = np.minimum(gi, ci), np.maximum(gi, ci)
        else:
            C = P.tocoo()
            gi = C.row.astype(np.int64) + start
            ci = C.col.astype(np.int64)
            lo = 0.0 if threshold is None else float(threshold)
            mask = (ci > gi) & (C.data > 0) & (C.data >= lo)
            a, b, vals = gi[mask], ci[mask], C.data[mask]
        kept += len(vals)
        if kept > max_links * (2 if top_k is not None else 1):
            raise NetworkInputError(
                f"more than {max_links:,} links would be kept -> raise the threshold, use a smaller top_k, "
                "or raise max_links if the memory is available"
            )
        parts_a.append(a.astype(np.int64))
        parts_b.append(b.astype(np.int64))
        parts_r.append(vals.astype(float))
    a = np.concatenate(parts_a) if parts_a else np.zeros(0, np.int64)
    b = np.concatenate(parts_b) if parts_b else np.zeros(0, np.int64)
    r = np.concatenate(parts_r) if parts_r else np.zeros(0)
    if top_k is not None and len(a):
        key = a * n + b
        key, first = np.unique(key, return_index=True)
        a, b, r = a[first], b[first], r[first]
        if len(a) > max_links:
            raise NetworkInputError(
                f"{len(a):,} links would be kept (more than max_links={max_links:,}) -> use a smaller top_k"
            )
    order = np.lexsort((b, a, -r))
    return a[order], b[order], r[order]


def links_frame(labels: pd.Index, a: np.ndarray, b: np.ndarray, r: np.ndarray) -> pd.DataFrame:
    """``DataFrame(a, b, r)`` with city labels; ``r_rel = r / max r`` as a fourth column."""
    lab = np.asarray(labels, dtype=object)
    rmax = float(r.max()) if len(r) else 0.0
    return pd.DataFrame(
        {
            "a": lab[a] if len(a) else np.array([], dtype=object),
            "b": lab[b] if len(b) else np.array([], dtype=object),
            "r": r,
            "r_rel": r / rmax if rmax > 0 else r,
        }
    )


def _node_data(coords: pd.DataFrame | None, cities: pd.Index) -> pd.DataFrame:
    if coords is None:
        return pd.DataFrame(index=cities)
    cols = {str(c).lower(): c for c in coords.columns}
    lat = next((cols[c] for c in ("lat", "latitude") if c in cols), None)
    lon = next((cols[c] for c in ("lon", "lng", "long", "longitude") if c in cols), None)
    if lat is None or lon is None:
        raise NetworkInputError(
            f"coordinates need columns lat and lon (or latitude/longitude), got {', '.join(map(str, coords.columns))}"
        )
    out = pd.DataFrame(
        {"lat": pd.to_numeric(coords[lat], errors="coerce"), "lon": pd.to_numeric(coords[lon], errors="coerce")}
    )
    if out.index.has_duplicates:
        raise NetworkInputError("coordinates list a city twice -> keep one row per city")
    extra = [c for c in coords.columns if c not in (lat, lon)]
    for c in extra:
        out[str(c)] = coords[c]
    out = out.reindex(cities)
    out.index.name = "city"
    return out


def interlocking(
    service_values: Any,
    *,
    cities: Sequence[Any] | None = None,
    firms: Sequence[Any] | None = None,
    coords: pd.DataFrame | None = None,
    links: Literal["auto", "all", "none"] = "auto",
    threshold: float | None = None,
    top_k: int | None = None,
    max_links: int = MAX_LINKS,
    block_cells: int = BLOCK_CELLS,
) -> InterlockingResult:
    """Interlocking network model (Taylor 2001) of a cities x firms service-value matrix.

    ``r_ab = sum_j v_aj v_bj`` (a != b); ``GNC_a = sum_b r_ab``; relative GNC
    ``= 100 GNC_a / max GNC``; ``total = T = sum_a GNC_a``; ``proportional = GNC_a / T``.
    ``links`` also carries ``r_rel = r_ab / max r`` (link strength as a share of the
    strongest link, the way GaWC reports dyads).

    Parameters
    ----------
    service_values:
        Cities x firms: DataFrame (index = cities), numpy array or scipy sparse matrix.
    cities, firms:
        Labels when ``service_values`` carries none.
    coords:
        Optional DataFrame indexed by city with ``lat``/``lon`` (or ``latitude``/
        ``longitude``); stored in ``node_data`` for maps and GeoJSON.
    links:
        Which dyads to list when neither ``threshold`` nor ``top_k`` is given: ``"all"``
        (every pair with ``r > 0``), ``"none"`` (no links, only GNC) or ``"auto"``: all
        pairs when there are at most ``max_links`` city pairs, else each city's
        ``AUTO_TOP_K`` strongest links (recorded in ``meta["links"]``; the cap then is
        ``max(max_links, 2 * AUTO_TOP_K * cities)``).
    threshold:
        Keep only dyads with ``r_ab >= threshold``.
    top_k:
        Keep a dyad when it is among the ``k`` strongest links of either of its cities.
    max_links:
        Refuse (with an explanation) to build more links than this.
    block_cells:
        Cells of ``V V^T`` computed at once; bounds the working memory.

    Reference: P.J. Taylor (2001), *Geographical Analysis* 33(2) 181-194.
    """
    V, city_idx, _ = as_service_matrix(service_values, cities, firms)
    n = V.shape[0]
    gnc_v = connectivity(V)
    total = float(gnc_v.sum())
    gmax = float(gnc_v.max())
    gnc = pd.Series(gnc_v, index=city_idx, name="gnc")
    rel = pd.Series(100.0 * gnc_v / gmax if gmax > 0 else np.zeros(n), index=city_idx, name="relative_gnc")
    prop = pd.Series(gnc_v / total if total > 0 else np.zeros(n), index=city_idx, name="proportional")
    if links not in ("auto", "all", "none"):
        raise NetworkSpecError(f"links must be 'auto', 'all' or 'none', not {links!r}")
    pairs = n * (n - 1) // 2
    note: str
    if threshold is not None or top_k is not None:
        rule = {"threshold": threshold, "top_k": top_k}
        note = f"top {top_k} per city" if top_k is not None else f"r >= {threshold:g}"
    elif links == "none":
        rule = None
        note = "none (GNC only)"
    elif links == "all" or pairs <= max_links:
        rule = {"threshold": None, "top_k": None}
        note = "all pairs with r > 0"
    else:
        rule = {"threshold": None, "top_k": AUTO_TOP_K}
        max_links = max(max_links, 2 * AUTO_TOP_K * n)  # k per city, ties included
        note = f"top {AUTO_TOP_K} per city ({pairs:,} pairs exceed max_links={max_links:,})"
    if rule is None:
        frame = links_frame(city_idx, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    else:
        a, b, r = dyad_links(V, max_links=max_links, block_cells=block_cells, **rule)
        frame = links_frame(city_idx, a, b, r)
    return InterlockingResult(
        links=frame,
        gnc=gnc,
        relative_gnc=rel,
        total=total,
        proportional=prop,
        directed=False,
        model="interlocking",
        node_data=_node_data(coords, city_idx),
        meta={"links": note, "cities": n, "firms": int(V.shape[1]), "nnz": int(V.nnz)},
    )
