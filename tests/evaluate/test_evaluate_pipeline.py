"""build() on a hand-computed tiny dataset and on the bundled gba data; spec TOML,
fluent form and validation messages; exports; analysis."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _evaluate_data import tiny
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._datasets import PLAIN

from citynexus.evaluate import EvaluationError, IndexSpec, IndexSpecError, build, default_spec
from citynexus.evaluate.analysis import cronbach_alpha


@pytest.fixture(scope="module")
def ds():
    return tiny()


@pytest.fixture(scope="module")
def res(ds):
    return build(ds, PLAIN)


# ---------------------------------------------------------------- hand-computed build
def test_tiny_build_hand_computed(res):
    # normalised: i1 (0, 25, 50, 100); i2 reversed (100, 66.7, 33.3, 0); i3 (0, -, 50, 100)
    n = res.normalised
    np.testing.assert_allclose(n["i1"], [0, 25, 50, 100])
    np.testing.assert_allclose(n["i2"], [100, 200 / 3, 100 / 3, 0])
    # P = .25 i1 + .75 i2 (metadata weights 1 and 3)
    np.testing.assert_allclose(res.scores["P"], [75, 56.25, 37.5, 25])
    # Q = i3; B has no i3 -> missing; T skips it and rescales: T_B = P_B
    assert np.isnan(res.scores.loc["B", "Q"])
    np.testing.assert_allclose(res.scores["T"], [37.5, 56.25, 43.75, 62.5])
    assert res.ranks["T"].tolist() == [4, 2, 3, 1]
    assert list(res.scores.columns) == ["T", "P", "Q"]
    assert res.period == 2020 and res.index_code == "T"
    w = res.weights.set_index("code")
    assert w.loc["i2", "weight"] == pytest.approx(0.75) and w.loc["i2", "effective"] == pytest.approx(0.375)


def test_min_share_makes_aggregate_missing(ds):
    r = build(ds, PLAIN.aggregate_with("arithmetic", level=3, min_share=1.0))
    assert np.isnan(r.scores.loc["B", "T"]) and r.scores["T"].notna().sum() == 3
    assert any("no score" in rec["message"] for rec in r.log)


def test_group_mean_imputation_in_build(ds):
    r = build(ds, PLAIN.impute_with("group_mean"))  # i3 for B <- mean of g1 = A's 4
    assert r.stages["imputed"].loc["B", "i3"] == 4.0
    assert r.scores.loc["B", "T"] == pytest.approx((56.25 + 0) / 2)
    assert r.imputed.to_dict("records") == [{"unit": "B", "indicator": "i3", "value": 4.0, "method": "group_mean"}]


def test_panel_imputation_and_denominate_override(ds):
    r = build(ds, PLAIN.impute_with("locf"), period=2020)
    assert np.isnan(r.stages["imputed"].loc["B", "i3"])  # no earlier i3 value for B
    r2 = build(ds, PLAIN.denominate_with(i1={"by": "pop", "scale": 10}))
    np.testing.assert_allclose(r2.stages["denominated"]["i1"], [10, 10, 7.5, 10])


def test_explain_contributions_sum_to_score(res):
    e = res.explain("B")
    # Q is missing for B, so P carries the whole weight: i1 .25, i2 .75
    assert e.table.loc["i1", "effective_weight"] == pytest.approx(0.25)
    assert e.table.loc["i3", "effective_weight"] == 0.0
    assert e.table["contribution"].sum() == pytest.approx(e.score) == pytest.approx(56.25)
    assert e.rank == 2
    assert e.strengths.index[0] == "i2"
    for u in "ACD":
        ex = res.explain(u)
        assert ex.table["contribution"].sum() == pytest.approx(res.scores.loc[u, "T"])
    with pytest.raises(KeyError, match="not in this result"):
        res.explain("ZZ")


def test_compare_reports_rank_shifts(ds, res):
    other = build(ds, PLAIN.weights_set(P=0.8, Q=0.2))
    cmp = res.compare(other)
    # T with P .8 / Q .2: A 60, B 56.25, C 40, D 40
    np.testing.assert_allclose(cmp.loc[list("ABCD"), "score_b"], [60, 56.25, 40, 40])
    assert cmp.loc["A", "rank_shift"] == 3  # from 4th to 1st
    assert cmp.loc["D", "rank_b"] == 3 and cmp.loc["C", "rank_b"] == 3  # tie takes the minimum rank
    assert cmp["abs_shift"].sum() == 3 + 0 + 0 + 2


def test_analysis_tables(res):
    s = res.stats()
    assert s.loc["i3", "availability"] == pytest.approx(0.75) and s.loc["i3", "n"] == 3
    assert s.loc["i1", "mean"] == pytest.approx(2.75)
    corr = res.correlations().set_index("code")
    assert corr.loc["P", "r_parent"] == pytest.approx(res.scores["P"].corr(res.scores["T"]))
    alpha = res.cronbach().set_index("aggregate")
    assert alpha.loc["P", "k"] == 2
    # i1 and i2 (oriented) are perfectly anti-aligned in the tiny data -> a negative-correlation flag
    neg = res.negative_correlations()
    assert ((neg["a"] == "i1") & (neg["b"] == "i2")).any()


def test_cronbach_alpha_hand_computed():
    x = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 5.0]])
    # var items 1 and 7/3, var total of (3, 5, 8) = 19/3 -> alpha = 2 (1 - (10/3)/(19/3)) = 18/19
    assert cronbach_alpha(x) == pytest.approx(18 / 19)


# ---------------------------------------------------------------- exports and provenance
def test_exports(res, tmp_path):
    files = res.to_csv(tmp_path / "out")
    names = {p.relative_to(tmp_path / "out").as_posix() for p in files}
    assert {"scores.csv", "weights.csv", "log.json", "result.json", "stages/raw.csv", "stages/normalised.csv"} <= names
    sc = pd.read_csv(tmp_path / "out" / "scores.csv", encoding="utf-8-sig", index_col="unit")
    assert list(sc.columns) == ["T", "P", "Q", "rank"]
    assert sc.loc["D", "rank"] == 1
    data = json.loads((tmp_path / "out" / "result.json").read_text())
    assert data["index"] == "T" and data["provenance"]["spec_digest"] == PLAIN.digest()
    b = next(r for r in data["scores"] if r["unit"] == "B")
    assert b["Q"] is None and b["T"] == pytest.approx(56.25)
    xl = res.to_excel(tmp_path / "r.xlsx")
    book = pd.read_excel(xl, sheet_name=None)
    assert {"scores", "ranking", "normalised", "weights", "log", "provenance"} <= set(book)


def test_provenance_and_determinism(ds, res):
    again = build(ds, PLAIN)
    pd.testing.assert_frame_equal(res.scores, again.scores)
    assert res.provenance == again.provenance
    assert res.provenance["dataset_digest"] == ds.digest()
    other = build(ds, PLAIN.with_(**{"normalise.range": (1, 100)}))
    assert other.provenance["spec_digest"] != res.provenance["spec_digest"]


# ---------------------------------------------------------------- spec: TOML, fluent, validation
def test_spec_toml_roundtrip_and_with(tmp_path):
    spec = (
        IndexSpec(name="demo")
        .impute_with("group_mean", group="group")
        .normalise_with("minmax", range=(1, 100))
        .weights_with("entropy_minmax", level=1)
        .weights_with("ahp", parent="T", matrix=[[1, 3], [1 / 3, 1]])
        .aggregate_with("geometric", level=3)
    )
    p = spec.write(tmp_path / "s.toml")
    back = IndexSpec.read(p)
    assert back == spec and back.digest() == spec.digest()
    changed = spec.with_(**{"treat.winmax": 3})
    assert changed.treat.winmax == 3 and spec.treat.winmax == 5
    assert changed.digest() != spec.digest()
    assert spec.with_(treat__winmax=3) == changed


def test_default_gba_spec_parses():
    spec = default_spec("gba")
    assert spec.weights.level["1"]["method"] == "entropy_minmax"
    assert IndexSpec.from_toml(spec.to_toml()) == spec


@pytest.mark.parametrize(
    ("toml", "match"),
    [
        ('[normalise]\nmethod = "minmx"', r"unknown method 'minmx' in normalise.method \(did you mean 'minmax'\?\)"),
        ('[aggregate]\nmethod = "geometric"', r"geometric mean but normalise.range starts at 0.*\[1, 100\]"),
        ('[normalise]\nmethod = "zscore"\n[aggregate]\nmethod = "harmonic"', r"harmonic mean.*'zscore'"),
        ('[weights.parent.T]\nmethod = "ahp"\nmatrix = [[1, 3], [0.5, 1]]', r"not reciprocal.*1/3"),
        (
            '[weights.parent.T]\nmethod = "ahp"\n'
            "matrix = [[1, 9, 0.111111111], [0.111111111, 1, 9], [9, 0.111111111, 1]]",
            "CR",
        ),
        ('[weigths]\nmethod = "equal"', r"unknown section or key 'weigths' \(did you mean 'weights'\?\)"),
        ("[treat]\nwinmax = -1", "winmax must be a whole number"),
        ("[screen]\nunit_threshold = 1.5", "share between 0 and 1"),
        ('[impute]\nmethod = "avg"', "unknown method 'avg' in impute.method"),
        ("[normalise]\nrange = [100, 0]", "low < high"),
        ('[normalise]\nmethod = "goalposts"', r"needs per-indicator parameters"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_bad_specs_say_what_to_change(toml, match):
    with pytest.raises(IndexSpecError, match=match):
        IndexSpec.from_toml(toml)


def test_bad_specs_found_against_the_data(ds):
    with pytest.raises(IndexSpecError, match=r"children of P \(level 1\) sum to 0.9, not 1.*i1 = 0.3333"):
        build(ds, PLAIN.weights_with("given", parent="P", values={"i1": 0.3, "i2": 0.6}))
    with pytest.raises(IndexSpecError, match="gives weights for i1 but not for i2"):
        build(ds, PLAIN.weights_set(i1=1.0))
    with pytest.raises(IndexSpecError, match=r"AHP matrix for T is 3x3 but T has 2 children"):
        build(ds, PLAIN.weights_with("ahp", parent="T", matrix=[[1, 2, 4], [0.5, 1, 2], [0.25, 0.5, 1]]))
    with pytest.raises(IndexSpecError, match="'i9' is not an indicator"):
        build(ds, PLAIN.with_(**{"treat.indicators": {"i9": {"method": "none"}}}))
    with pytest.raises(IndexSpecError, match="needs the unit grouping column 'region'"):
        build(ds, PLAIN.impute_with("group_mean", group="region"))
    with pytest.raises(IndexSpecError, match="not a denominator"):
        build(ds, PLAIN.denominate_with(i1={"by": "gdp"}))


def test_geometric_on_zero_aggregate_names_unit(ds):
    # level-3 geometric mean: A has Q = 0 (worst on i3) -> refused with unit and child named
    spec = PLAIN.aggregate_with("geometric", level=3)
    with pytest.raises(EvaluationError, match=r"aggregating T \(level 3, geometric\).*unit A, Q has value 0"):
        build(ds, spec)
    ok = build(ds, spec.normalise_with("minmax", range=(1, 100)))
    assert ok.scores["T"].notna().all()


def test_mcda_levels_and_ahp_in_build(ds):
    r = build(ds, PLAIN.aggregate_with("topsis", level=2).weights_with("ahp", parent="T", matrix=[[1, 3], [1 / 3, 1]]))
    w = r.weights.set_index("code")
    assert w.loc["P", "weight"] == pytest.approx(0.75) and w.loc["P", "method"] == "ahp"
    assert r.scores["P"].between(0, 100).all()
    for m in ("vikor", "gra"):
        rr = build(ds, PLAIN.aggregate_with(m, level=2))
        assert rr.scores["P"].notna().all()


# ---------------------------------------------------------------- bundled gba
def test_gba_default_spec_builds():
    from citynexus.data import load

    ds = load("gba")
    r = build(ds, default_spec("gba"))
    assert r.index_code == "GBA" and len(r.scores) == 11
    assert set(r.scores.columns) == {"GBA", "IND", "URB"}
    assert r.scores["GBA"].notna().all() and r.ranks["GBA"].min() == 1
    assert r.provenance["synthetic"] is True
    lvl1 = r.weights[r.weights["level"] == 1]
    assert (lvl1["method"] == "entropy_minmax").all()
    assert lvl1.groupby("parent")["weight"].sum().round(12).eq(1).all()
    e = r.explain(r.ranking().index[0])
    assert e.table["contribution"].sum() == pytest.approx(e.score)


def test_public_stage_functions_reproduce_build(ds, res):
    # the path a robustness module takes: prepare once, then run_stages + aggregate_tree per variant
    from citynexus.evaluate import aggregate_tree, prepare, run_stages

    inp = prepare(ds, PLAIN)
    st = run_stages(inp.raw, inp.denominators, inp.framework, PLAIN, inp.groups, inp.panel, inp.period)
    scores, weights = aggregate_tree(st.stages["normalised"], inp.framework, PLAIN)
    pd.testing.assert_frame_equal(scores, res.scores)
    pd.testing.assert_frame_equal(weights, res.weights)
    # leaving an indicator out = dropping its column; the parent rescales the rest
    s2, _ = aggregate_tree(st.stages["normalised"].drop(columns="i2"), inp.framework, PLAIN)
    np.testing.assert_allclose(s2["P"], res.normalised["i1"])


def test_ahp_with_explicit_code_order(ds):
    spec = PLAIN.weights_with("ahp", parent="T", matrix=[[1, 3], [1 / 3, 1]], codes=["Q", "P"])
    w = build(ds, spec).weights.set_index("code")
    assert w.loc["Q", "weight"] == pytest.approx(0.75) and w.loc["P", "weight"] == pytest.approx(0.25)
    with pytest.raises(IndexSpecError, match="codes must list the 2 children of T"):
        build(ds, PLAIN.weights_with("ahp", parent="T", matrix=[[1, 3], [1 / 3, 1]], codes=["Q", "X"]))


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(["none", "mean", "median", "group_mean", "interpolate", "nearest"]),
    st.sampled_from(["winsorise", "log", "boxcox", "none"]),
    st.integers(0, 6),
    st.sampled_from(["minmax", "zscore", "rank", "percentile", "borda", "dist2max", "fracmax"]),
    st.sampled_from(["given", "equal", "entropy_minmax", "critic", "std", "pca"]),
    st.sampled_from(["arithmetic", "topsis", "vikor", "gra", "generalised"]),
    st.floats(0, 1),
)
def test_spec_toml_roundtrip_property(imp, tr, winmax, norm, wm, ag, share):
    spec = IndexSpec(name="p").with_(
        **{
            "impute.method": imp,
            "treat.method": tr,
            "treat.winmax": winmax,
            "normalise.method": norm,
            "weights.method": wm,
            "aggregate.level": {"3": {"method": ag, "min_share": share}},
        }
    )
    back = IndexSpec.from_toml(spec.to_toml())
    assert back == spec and back.digest() == spec.digest()
