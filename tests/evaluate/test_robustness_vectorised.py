"""The vectorised engine against the naive oracle (one full pipeline per replication),
and the oracle against build()."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _evaluate_data import tiny
from _robustness_data import random_dataset
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from citynexus.errors import CityNexusError
from citynexus.evaluate import IndexSpec, build
from citynexus.evaluate.robustness import (
    Engine,
    RobustnessError,
    factor_from_dict,
    naive_evaluate,
    random_sample,
    rank_batch,
)
from citynexus.evaluate.robustness.vectorised import present_codes
from citynexus.evaluate.stages import STAGES


def assert_same(engine: Engine, values: np.ndarray) -> None:
    """Vectorised == oracle on every replication: scores to 1e-9, ranks exactly except
    within groups of scores closer than 1e-9 (where the order is floating-point noise)."""
    try:
        want_s, want_r = naive_evaluate(engine, values)
    except RobustnessError as err:
        with pytest.raises(RobustnessError):
            engine.evaluate(values)
        event(f"both paths refuse: {type(err).__name__}")
        return
    got_s, got_r = engine.evaluate(values)
    np.testing.assert_array_equal(np.isnan(got_s), np.isnan(want_s))
    np.testing.assert_allclose(got_s, want_s, rtol=0, atol=1e-9, equal_nan=True)
    for b in range(values.shape[0]):
        s = want_s[b]
        d = np.abs(s[:, None] - s[None, :])
        np.fill_diagonal(d, np.inf)
        clear = ~np.isnan(s) & ~(d < 1e-9).any(axis=1)
        np.testing.assert_array_equal(got_r[b][clear], want_r[b][clear], err_msg=f"replication {b}")
        np.testing.assert_array_equal(np.isnan(got_r[b]), np.isnan(want_r[b]))


# ------------------------------------------------------------------ random specs and data
@st.composite
def problems(draw):
    seed = draw(st.integers(0, 10_000))
    sub = draw(st.booleans())
    ds = random_dataset(
        seed,
        n_units=draw(st.integers(4, 9)),
        n_pillars=draw(st.integers(2, 4)),
        sub_indices=sub,
        missing=draw(st.sampled_from([0.0, 0.08, 0.2])),
    )
    geometric = draw(st.booleans())
    spec = IndexSpec()
    spec = spec.impute_with(draw(st.sampled_from(["none", "mean", "group_mean"])))
    spec = spec.treat_with(draw(st.sampled_from(["winsorise", "none"])), winmax=draw(st.integers(1, 3)))
    spec = spec.normalise_with("minmax", range=(1, 100))
    if draw(st.booleans()):
        spec = spec.screen_with(0.0, 0.0)
    if geometric:
        spec = spec.aggregate_with(draw(st.sampled_from(["geometric", "harmonic"])), level=2)
    if draw(st.booleans()):
        spec = spec.aggregate_with("geometric", level=3)
    spec = spec.weights_with(draw(st.sampled_from(["given", "equal", "entropy_minmax"])), level=1)
    if draw(st.booleans()):
        spec = spec.weights_with("std", level=2)
    fdicts = []
    pos_norms = [{"method": "minmax", "range": [1, 100]}, {"method": "rank"}, {"method": "minmax", "range": [5, 10]}]
    if draw(st.booleans()):
        opts = pos_norms if geometric else [*pos_norms, {"method": "zscore", "mean": 0, "sd": 1}]
        fdicts.append({"name": "norm", "kind": "choice", "target": "normalise", "options": opts})
    if draw(st.booleans()):
        fdicts.append({"name": "winmax", "kind": "integer", "path": "treat.winmax", "low": 0, "high": 3})
    if draw(st.booleans()):
        fdicts.append(
            {
                "name": "agg",
                "kind": "choice",
                "target": "aggregate",
                "options": [{"method": "arithmetic"}, {"method": "geometric"}],
            }
        )
        if not geometric and "norm" in [f["name"] for f in fdicts]:
            fdicts[0]["options"] = pos_norms
    if draw(st.booleans()):
        fdicts.append(
            {
                "name": "impute",
                "kind": "choice",
                "target": "impute",
                "options": [{"method": "none"}, {"method": "mean"}, {"method": "group_median"}],
            }
        )
    if draw(st.booleans()):
        lv = draw(st.sampled_from([[1], [2], [1, 2]]))
        fdicts.append({"name": "noise", "kind": "weights_noise", "levels": lv, "a": 0.4, "sets": 7, "seed": seed})
    elif draw(st.booleans()):
        top_kids = ["S1", "S2"] if sub else [f"P{p + 1}" for p in range(len(ds.codes("aggregate")) - 1)]
        sets = [{c: float(1 + (i + j) % 3) for j, c in enumerate(top_kids)} for i in range(3)]
        fdicts.append({"name": "wsets", "kind": "weights_sets", "sets": sets})
    if draw(st.booleans()):
        fdicts.append({"name": "drop", "kind": "exclude"})
    if not fdicts:
        fdicts.append({"name": "winmax", "kind": "integer", "path": "treat.winmax", "low": 0, "high": 3})
    n = draw(st.integers(1, 14))
    return ds, spec, [factor_from_dict(f) for f in fdicts], n, seed


@settings(max_examples=45, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_vectorised_equals_oracle_on_random_specs_and_data(problem):
    ds, spec, factors, n, seed = problem
    try:
        engine = Engine(ds, spec, factors)
    except CityNexusError as err:  # the nominal build may refuse a random spec; then nothing to compare
        event(f"nominal refused: {type(err).__name__}")
        return
    event(
        f"factors: {len(factors)}; geometric: {'geometric' in str(spec.aggregate) or 'harmonic' in str(spec.aggregate)}"
    )
    event(f"missing cells: {int(np.isnan(engine.inputs.raw.to_numpy()).sum() > 0)}")
    values = random_sample(engine.factors, n, seed)
    assert_same(engine, values)


# ------------------------------------------------------------------ targeted cases
def test_oracle_without_changes_equals_build():
    ds = random_dataset(3, n_units=9, sub_indices=True, missing=0.15)
    spec = IndexSpec().impute_with("none").aggregate_with("geometric", level=3).normalise_with("minmax", range=(1, 100))
    # a factor whose only option keeps the nominal setting
    f = factor_from_dict(
        {"name": "same", "kind": "choice", "target": "treat", "options": [{"winmax": 5}, {"winmax": 5}]}
    )
    eng = Engine(ds, spec, [f])
    r = build(ds, spec)
    s, rk = naive_evaluate(eng, np.array([[0.0], [1.0]]))
    want = r.scores["T"].reindex(eng.units).to_numpy()
    np.testing.assert_array_equal(s[0], want)
    np.testing.assert_array_equal(rk[1], r.ranks["T"].reindex(eng.units).astype(float).to_numpy())
    vs, _vr = eng.evaluate(np.array([[0.0], [1.0]]))
    np.testing.assert_allclose(vs, s, atol=1e-9)
    np.testing.assert_array_equal(eng.nominal_scores, want)


def test_oracle_changes_equal_build_with_changed_spec():
    ds = random_dataset(5, n_units=8)
    spec = IndexSpec().normalise_with("minmax", range=(1, 100))
    f = factor_from_dict(
        {
            "name": "norm",
            "kind": "choice",
            "target": "normalise",
            "options": [{"method": "minmax", "range": [1, 100]}, {"method": "zscore", "mean": 10, "sd": 2}],
        }
    )
    g = factor_from_dict({"name": "wm", "kind": "integer", "path": "treat.winmax", "low": 1, "high": 3})
    eng = Engine(ds, spec, [f, g])
    s, _ = naive_evaluate(eng, np.array([[1.0, 2.0]]))
    want = build(
        ds,
        spec.with_(**{"normalise.method": "zscore", "normalise.mean": 10, "normalise.sd": 2}).with_(
            **{"treat.winmax": 2}
        ),
    )
    np.testing.assert_allclose(s[0], want.scores["T"].reindex(eng.units).to_numpy(), atol=1e-12)


def test_exclusion_equals_build_on_dataset_without_the_indicator():
    ds = tiny()
    spec = IndexSpec().screen_with(0, 0).weights_set(i1=0.25, i2=0.75)
    f = factor_from_dict({"name": "drop", "kind": "exclude", "indicators": ["i2", "i3"]})
    eng = Engine(ds, spec, [f])
    assert eng.factors[0].n_options == 3
    s, _ = eng.evaluate(np.array([[1.0]]))
    # leaving out i2: P = i1 alone (the given weights are rescaled over what remains)
    from citynexus.data import Dataset

    vals = ds.values[ds.values["indicator"] != "i2"]
    ind = ds.indicators[ds.indicators["code"] != "i2"].astype({"level": str, "direction": str})
    ind = ind.replace({"level": {"0": ""}, "direction": {"0": ""}})
    want = build(Dataset.from_frames(ds.units, ind, vals), IndexSpec().screen_with(0, 0))
    np.testing.assert_allclose(s[0], want.scores["T"].reindex(eng.units).to_numpy(), atol=1e-12)
    assert_same(eng, np.array([[0.0], [1.0], [2.0]]))


def test_weight_sets_are_the_given_weights_of_a_build():
    ds = random_dataset(11, n_units=6, n_pillars=2, missing=0.0)
    spec = IndexSpec()
    f = factor_from_dict({"name": "w", "kind": "weights_sets", "sets": [{"P1": 1, "P2": 3}, {"P1": 2, "P2": 0}]})
    eng = Engine(ds, spec, [f])
    s, r = eng.evaluate(np.array([[0.0], [1.0]]))
    a = build(ds, spec.weights_with("given", parent="T", values={"P1": 0.25, "P2": 0.75}))
    b = build(ds, spec.weights_with("given", parent="T", values={"P1": 1.0, "P2": 0.0}))
    np.testing.assert_allclose(s[0], a.scores["T"].to_numpy(), atol=1e-12)
    np.testing.assert_allclose(s[1], b.scores["P1"].to_numpy(), atol=1e-12)  # all weight on P1
    np.testing.assert_array_equal(r[1], b.ranks["P1"].astype(float).to_numpy())


def test_weights_noise_formula_and_determinism():
    ds = random_dataset(2, n_units=6, n_pillars=3, missing=0.0)
    f = factor_from_dict({"name": "n", "kind": "weights_noise", "levels": [2], "a": 0.25, "sets": 50, "seed": 4})
    eng = Engine(ds, IndexSpec(), [f])
    tab = eng.weight_tables[0]["T"]
    nominal = eng.nominal.weights.query("parent == 'T'")["weight"].to_numpy()
    assert tab.shape == (50, 3)
    np.testing.assert_allclose(tab.sum(axis=1), 1.0)
    # before rescaling every weight is within +-25% of nominal: ratios of weights within [0.75/1.25, 1.25/0.75]
    ratio = (tab / nominal) / (tab / nominal).mean(axis=1, keepdims=True)
    assert ratio.min() > 0.75 / 1.25 - 1e-12 and ratio.max() < 1.25 / 0.75 + 1e-12
    rng = np.random.default_rng(4)
    u = rng.random((50, 3))
    w = nominal * (1 + 0.25 * (2 * u - 1))
    np.testing.assert_allclose(tab, w / w.sum(axis=1, keepdims=True), rtol=1e-14)
    eng2 = Engine(ds, IndexSpec(), [f])
    np.testing.assert_array_equal(eng2.weight_tables[0]["T"], tab)


def test_screening_differs_between_variants_and_units_go_missing():
    ds = random_dataset(8, n_units=9, n_pillars=3, missing=0.3)
    spec = IndexSpec().impute_with("none")
    f = factor_from_dict(
        {
            "name": "screen",
            "kind": "choice",
            "target": "screen",
            "options": [{"unit_threshold": 0.0}, {"unit_threshold": 0.8}],
        }
    )
    eng = Engine(ds, spec, [f])
    values = np.array([[0.0], [1.0], [0.0]])
    s, _r = eng.evaluate(values)
    assert np.isnan(s[1]).sum() > 0 and np.isnan(s[0]).sum() == 0
    assert_same(eng, values)


def test_rank_batch_matches_pandas_min_ranks():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 5, size=(40, 9)).astype(float)
    s[rng.random(s.shape) < 0.15] = np.nan
    r = rank_batch(s)
    for b in range(len(s)):
        want = pd.Series(s[b]).rank(ascending=False, method="min").to_numpy()
        np.testing.assert_array_equal(r[b], want)
    assert rank_batch(np.array([3.0, 1.0, 3.0])).tolist() == [1.0, 3.0, 1.0]


def test_cache_computes_each_upstream_variant_once():
    ds = random_dataset(4, n_units=7)
    fs = [
        factor_from_dict({"name": "wm", "kind": "integer", "path": "treat.winmax", "low": 1, "high": 2}),
        factor_from_dict(
            {
                "name": "norm",
                "kind": "choice",
                "target": "normalise",
                "options": [{"method": "minmax", "range": [1, 100]}, {"method": "rank"}],
            }
        ),
        factor_from_dict({"name": "n", "kind": "weights_noise", "levels": [1], "sets": 20}),
    ]
    eng = Engine(ds, IndexSpec(), fs)
    calls = {name: 0 for name in ("impute", "treat", "normalise")}
    real = dict(STAGES)

    def counted(name):
        def run(*args, **kwargs):
            calls[name] += 1
            return real[name](*args, **kwargs)

        return run

    with pytest.MonkeyPatch.context() as mp:
        for name in calls:
            mp.setitem(STAGES, name, counted(name))
        s1, r1 = eng.evaluate(random_sample(eng.factors, 200, 1))
    np.testing.assert_array_equal(r1, rank_batch(s1))
    # one prepared table, 2 winmax values treated, 2 x 2 normalised variants
    assert calls == {"impute": 1, "treat": 2, "normalise": 4}
    want_s, want_r = eng.naive(random_sample(eng.factors, 200, 1)[:5])
    np.testing.assert_array_equal(r1[:5], want_r)
    np.testing.assert_allclose(s1[:5], want_s, atol=1e-9)


def test_present_codes_follow_the_tree():
    ds = tiny()
    eng = Engine(ds, IndexSpec().screen_with(0, 0), [factor_from_dict({"name": "d", "kind": "exclude"})])
    fw = eng.framework
    assert present_codes(fw, ["i1"]) == {"i1", "P", "T"}
    s, _ = eng.evaluate(np.array([[3.0]]))  # leave out i3: pillar Q has no children, T = P
    want = build(ds, IndexSpec().screen_with(0, 0)).scores["P"]
    np.testing.assert_allclose(s[0], want.reindex(eng.units).to_numpy(), atol=1e-12)


def test_values_are_checked():
    eng = Engine(tiny(), IndexSpec(), [factor_from_dict({"name": "d", "kind": "exclude"})])
    with pytest.raises(Exception, match="option index"):
        eng.evaluate(np.array([[7.0]]))
    with pytest.raises(Exception, match="one column per factor"):
        eng.evaluate(np.zeros((2, 3)))


def test_geometric_on_non_positive_values_names_the_replication():
    ds = random_dataset(6, n_units=6, missing=0.0)
    spec = IndexSpec().normalise_with("minmax", range=(1, 100))
    f = factor_from_dict(
        {
            "name": "norm",
            "kind": "choice",
            "target": "normalise",
            "options": [{"method": "minmax", "range": [1, 100]}, {"method": "zscore"}],
        }
    )
    g = factor_from_dict(
        {
            "name": "agg",
            "kind": "choice",
            "target": "aggregate",
            "options": [{"method": "arithmetic"}, {"method": "geometric"}],
        }
    )
    eng = Engine(ds, spec, [f, g])
    with pytest.raises(RobustnessError, match=r"norm=method=zscore.*agg=method=geometric.*positive"):
        eng.evaluate(np.array([[0.0, 1.0], [1.0, 1.0]]))
    with pytest.raises(RobustnessError, match="positive"):
        naive_evaluate(eng, np.array([[1.0, 1.0]]))


def test_weight_factors_meet_excluded_children_the_same_way_in_both_paths():
    """A weight set over a parent whose children are all left out is skipped; a set whose
    remaining children weigh 0 is refused, by the engine and by the oracle alike."""
    ds = tiny()
    fs = [
        factor_from_dict({"name": "d", "kind": "exclude", "indicators": ["i2", "i3"]}),
        factor_from_dict({"name": "top", "kind": "weights_sets", "sets": [{"P": 1, "Q": 1}, {"P": 1, "Q": 3}]}),
        factor_from_dict({"name": "pw", "kind": "weights_sets", "sets": [{"i1": 1, "i2": 1}, {"i1": 0, "i2": 1}]}),
    ]
    eng = Engine(ds, IndexSpec().screen_with(0, 0), fs)
    ok = np.array([[0, 0, 0], [2, 1, 0], [2, 0, 1], [1, 1, 0]], dtype=float)  # 2 = leave out i3: Q is gone
    s, r = eng.evaluate(ok)
    want_s, want_r = eng.naive(ok)
    np.testing.assert_allclose(s, want_s, atol=1e-12)
    np.testing.assert_array_equal(r, want_r)
    bad = np.array([[1, 0, 1]], dtype=float)  # leave out i2, and i1 weighs 0
    for run in (eng.evaluate, eng.naive):
        with pytest.raises(CityNexusError, match="sum to 0"):
            run(bad)
