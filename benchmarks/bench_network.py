"""City networks: the sparse interlocking network model vs a dense numpy baseline.

Input: a random sparse service-value matrix of 10,000 cities x 1,000 firms (2 % of cells
hold an office, values 1-5; seeded). Cases:

- GNC only: ours uses ``GNC = V s - rowsum(V^2)`` on the sparse matrix (never forms the
  city x city matrix); the baseline densifies ``V``, forms ``R = V V^T`` (10,000 x 10,000,
  800 MB) with BLAS, zeroes the diagonal and sums rows.
- GNC + each city's 10 strongest links: ours works through ``V V^T`` in row blocks of at
  most 4 Mi cells; the baseline forms the full ``R`` and takes ``np.partition`` per row.
- The GaWC 2000 matrix (315 x 100) when ``../shared/data`` is present: small-data case.

Times are measured without tracing; peak memory (tracemalloc, which sees numpy and scipy
buffers) in a second, traced run of each side. Memory rows use unit MiB and their ratio
is baseline / ours as well.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from citynexus.network import interlocking

N_CITIES, N_FIRMS, DENSITY, TOP_K, SEED = 10_000, 1_000, 0.02, 10, 2024


def _matrix(n: int = N_CITIES, m: int = N_FIRMS) -> sp.csr_array:
    rng = np.random.default_rng(SEED)
    V = sp.random_array(
        (n, m), density=DENSITY, format="csr", rng=rng, data_sampler=lambda size: rng.integers(1, 6, size)
    )
    return sp.csr_array(V, dtype=float)


def _dense_gnc(V: sp.csr_array) -> np.ndarray:
    D = V.toarray()
    R = D @ D.T
    np.fill_diagonal(R, 0.0)
    return R.sum(axis=1)


def _dense_topk(V: sp.csr_array, k: int = TOP_K) -> tuple[np.ndarray, int]:
    D = V.toarray()
    R = D @ D.T
    np.fill_diagonal(R, 0.0)
    n = len(R)
    kth = np.partition(R, n - k, axis=1)[:, n - k]
    mask = (kth[:, None] <= R) & (R > 0)
    mask |= mask.T
    return R.sum(axis=1), int(np.triu(mask, 1).sum())


def _time(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _peak_mib(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def run() -> list[dict]:
    rows: list[dict] = []
    V = _matrix()
    shape = f"{N_CITIES:,} x {N_FIRMS:,}, {V.nnz:,} offices"

    ours_s, res = _time(lambda: interlocking(V, links="none"))
    base_s, gnc = _time(lambda: _dense_gnc(V))
    assert np.allclose(res.gnc.to_numpy(), gnc)
    rows.append(
        {
            "benchmark": "interlocking GNC",
            "case": shape,
            "ours_s": ours_s,
            "baseline": "numpy dense V V^T",
            "baseline_s": base_s,
            "note": "identical GNC",
        }
    )
    ours_mb = _peak_mib(lambda: interlocking(V, links="none"))
    base_mb = _peak_mib(lambda: _dense_gnc(V))
    rows.append(
        {
            "benchmark": "interlocking GNC peak memory",
            "case": shape,
            "ours_s": ours_mb,
            "baseline": "numpy dense",
            "baseline_s": base_mb,
            "unit": "MiB",
            "note": "tracemalloc peak",
        }
    )

    ours_s, res = _time(lambda: interlocking(V, top_k=TOP_K))
    base_s, (gnc, n_links) = _time(lambda: _dense_topk(V))
    assert np.allclose(res.gnc.to_numpy(), gnc) and len(res.links) == n_links
    rows.append(
        {
            "benchmark": f"interlocking GNC + top-{TOP_K} links",
            "case": shape,
            "ours_s": ours_s,
            "baseline": "numpy dense R + partition",
            "baseline_s": base_s,
            "note": f"{n_links:,} identical links",
        }
    )
    ours_mb = _peak_mib(lambda: interlocking(V, top_k=TOP_K))
    base_mb = _peak_mib(lambda: _dense_topk(V))
    rows.append(
        {
            "benchmark": f"interlocking top-{TOP_K} peak memory",
            "case": shape,
            "ours_s": ours_mb,
            "baseline": "numpy dense",
            "baseline_s": base_mb,
            "unit": "MiB",
            "note": "tracemalloc peak, incl. links",
        }
    )

    gawc = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "gawc-2000" / "da11-1.csv"
    if gawc.exists():
        from citynexus.data.network_io import read_service_values

        df = read_service_values(gawc).values
        Vg = sp.csr_array(df.to_numpy(float))
        reps = 20
        ours_s, _ = _time(lambda: [interlocking(df, links="all") for _ in range(reps)])
        base_s, _ = _time(lambda: [_dense_topk(Vg, k=314) for _ in range(reps)])
        rows.append(
            {
                "benchmark": "interlocking GNC + all links",
                "case": "GaWC 2000, 315 x 100",
                "ours_s": ours_s / reps,
                "baseline": "numpy dense R",
                "baseline_s": base_s / reps,
                "note": "small real matrix; ours includes validation and the links DataFrame",
            }
        )
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
