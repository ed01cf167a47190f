"""The ASEM four-factor uncertainty run (COINr's ASEM example, real data): winmax 1..5;
min-max 1-100 vs z-score mean 10 sd 2; 100 noisy weight sets at levels 2 and 3 (a = 0.25);
arithmetic vs geometric aggregation. N = 500."""

from __future__ import annotations

import numpy as np
import pytest
from _evaluate_data import asem
from _robustness_data import ASEM_ROBUST_SPEC

from citynexus.evaluate.robustness import Engine, naive_evaluate, read_spec, uncertainty
from citynexus.evaluate.stages import STAGES


@pytest.fixture(scope="module")
def asem_engine(shared_data):
    spec, cfg = read_spec("asem-robust.toml", text=ASEM_ROBUST_SPEC)
    return Engine(asem(shared_data / "asem"), spec, cfg.factors), cfg


def _counting(monkeypatch, name: str) -> list[int]:
    """Count the calls of the registered pipeline stage ``name``."""
    calls: list[int] = []
    real = STAGES[name]

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setitem(STAGES, name, counted)
    return calls


def test_asem_four_factor_run_at_n_500(asem_engine, monkeypatch):
    eng, cfg = asem_engine
    eng.clear_cache()
    normalised = _counting(monkeypatch, "normalise")
    assert [f.n_options for f in eng.factors] == [5, 2, 100, 2]
    # the noisy weights perturb the pillars (under Conn, Sust) and the sub-indices (under Index)
    assert sorted(eng.weight_tables[2]) == ["Conn", "Index", "Sust"]
    res = uncertainty(engine=eng, n=cfg.samples, seed=cfg.seed, top_k=cfg.top_k)
    s = res.summary
    assert res.ranks.shape == (500, 51) and not np.isnan(res.ranks).any()
    assert list(s["nominal_rank"][:3]) == [1, 2, 3] and list(s["unit"][:3]) == ["CHE", "NLD", "DNK"]
    assert (s["q05"] <= s["median_rank"]).all() and (s["median_rank"] <= s["q95"]).all()
    assert s["q05"].min() >= 1 and s["q95"].max() <= 51
    # 10 upstream variants (5 winmax x 2 normalisations), each normalised once for 500 replications
    assert len(normalised) == 10
    # the first replications agree with a full rebuild each
    want_s, want_r = naive_evaluate(eng, res.samples.drop(columns="replication").to_numpy()[:8])
    np.testing.assert_allclose(res.scores[:8], want_s, atol=1e-9)
    np.testing.assert_array_equal(res.ranks[:8], want_r)
