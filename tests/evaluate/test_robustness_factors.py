"""Factors from the [robustness] TOML section, sampling designs and replay files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _evaluate_data import tiny

from citynexus.errors import CityNexusError
from citynexus.evaluate import IndexSpec
from citynexus.evaluate.robustness import (
    ChoiceFactor,
    Engine,
    ExcludeFactor,
    IntegerFactor,
    RobustnessSpecError,
    WeightSetsFactor,
    WeightsNoiseFactor,
    factor_from_dict,
    random_sample,
    read_samples,
    read_spec,
    saltelli_sample,
    samples_frame,
)
from citynexus.evaluate.robustness.factors import apply_factors, fit_weights_to_present

SPEC = """
name = "demo"
[normalise]
method = "minmax"
range = [1, 100]

[robustness]
samples = 40
seed = 7
top_k = 2

[[robustness.factor]]
name = "winmax"
kind = "integer"
path = "treat.winmax"
low = 1
high = 5

[[robustness.factor]]
name = "norm"
kind = "choice"
target = "normalise"
options = [{method = "minmax", range = [1, 100]}, {method = "zscore", mean = 10, sd = 2}]
labels = ["min-max", "z-score"]

[[robustness.factor]]
name = "noise"
kind = "weights_noise"
levels = [2]
sets = 10

[[robustness.factor]]
name = "agg"
kind = "choice"
target = "aggregate"
options = [{method = "arithmetic"}, {method = "geometric"}]

[[robustness.factor]]
name = "alt"
kind = "weights_sets"
sets = [{i1 = 1, i2 = 1}, {i1 = 1, i2 = 3}]

[[robustness.factor]]
name = "drop"
kind = "exclude"

[[robustness.factor]]
name = "thr"
kind = "continuous"
path = "treat.skew_threshold"
low = 1.5
high = 2.5
"""


def test_read_spec_parses_every_kind():
    spec, cfg = read_spec("demo.toml", text=SPEC)
    assert isinstance(spec, IndexSpec) and spec.normalise.range == (1.0, 100.0)
    assert (cfg.samples, cfg.seed, cfg.top_k) == (40, 7, [2])
    kinds = [type(f) for f in cfg.factors]
    assert kinds == [
        IntegerFactor,
        ChoiceFactor,
        WeightsNoiseFactor,
        ChoiceFactor,
        WeightSetsFactor,
        ExcludeFactor,
        type(cfg.factors[-1]),
    ]
    assert [f.stage for f in cfg.factors] == [
        "treat",
        "normalise",
        "weights",
        "structure",
        "weights",
        "prepare",
        "treat",
    ]
    assert cfg.factors[1].label(1) == "z-score"
    assert cfg.factors[2].a == 0.25 and cfg.factors[2].n_options == 10
    # IndexSpec reads the same file and leaves the [robustness] section to read_spec
    assert IndexSpec.from_toml(SPEC).to_dict() == spec.to_dict()
    with pytest.raises(CityNexusError, match="unknown section"):
        IndexSpec.from_toml(SPEC + "\n[robustnes]\nsamples = 3\n")


def test_read_spec_from_file_and_weight_sets_csv(tmp_path):
    (tmp_path / "sets.csv").write_text("set,i1,i2\nequal,1,1\nheavy,1,3\n")
    (tmp_path / "s.toml").write_text(
        '[[robustness.factor]]\nname = "w"\nkind = "weights_sets"\nfile = "sets.csv"\n', encoding="utf-8"
    )
    _, cfg = read_spec(tmp_path / "s.toml")
    f = cfg.factors[0]
    assert f.sets == [{"i1": 1.0, "i2": 1.0}, {"i1": 1.0, "i2": 3.0}] and f.labels == ["equal", "heavy"]
    with pytest.raises(RobustnessSpecError, match="does not exist"):
        read_spec(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"kind": "choice"}, "needs name"),
        ({"name": "x", "kind": "dice"}, "kind = 'dice' is not known"),
        ({"name": "x", "kind": "choice", "options": [{"method": "minmax"}]}, "at least two"),
        (
            {"name": "x", "kind": "choice", "target": "normalise", "options": [{"method": "minmax"}, {"method": "zz"}]},
            "unknown method 'zz'",
        ),
        ({"name": "x", "kind": "choice", "target": "normalise", "options": [{"colour": 1}, {"colour": 2}]}, "unknown"),
        ({"name": "x", "kind": "choice", "options": [{"name": "a"}, {"name": "b"}]}, "not an option of a spec section"),
        ({"name": "x", "kind": "integer", "path": "treat.winmax", "low": 3, "high": 1}, "low <= high"),
        ({"name": "x", "kind": "integer", "path": "treat.winmax"}, "needs low and high"),
        ({"name": "x", "kind": "integer", "path": "treat.nothing", "low": 1, "high": 2}, "unknown spec option"),
        ({"name": "x", "kind": "continuous", "path": "treat.skew_threshold", "low": 2, "high": 2}, "low < high"),
        ({"name": "x", "kind": "weights_noise", "levels": []}, "levels"),
        ({"name": "x", "kind": "weights_noise", "levels": [2], "a": 1.5}, "amplitude"),
        ({"name": "x", "kind": "weights_noise", "levels": [2], "sets": 0}, "sets"),
        ({"name": "x", "kind": "weights_sets"}, "either inline"),
        ({"name": "x", "kind": "exclude", "indicators": "i1"}, "list of indicator codes"),
        ({"name": "x", "kind": "exclude", "what": 1}, "unknown option 'what'"),
    ],
)
def test_bad_factor_tables_say_what_to_change(table, message):
    with pytest.raises(RobustnessSpecError, match=message):
        factor_from_dict(table)


def test_bad_robustness_section():
    with pytest.raises(RobustnessSpecError, match="unknown option 'sample'"):
        read_spec("x", text="[robustness]\nsample = 3\n")
    with pytest.raises(RobustnessSpecError, match="used twice"):
        read_spec(
            "x",
            text='[[robustness.factor]]\nname = "a"\nkind = "exclude"\n[[robustness.factor]]\nname = "a"\n'
            'kind = "exclude"\n',
        )
    with pytest.raises(RobustnessSpecError, match="not valid TOML"):
        read_spec("x", text="[robustness\n")
    with pytest.raises(RobustnessSpecError, match="top_k"):
        read_spec("x", text="[robustness]\ntop_k = [0]\n")


def test_references_are_checked_against_the_data():
    ds = tiny()
    with pytest.raises(RobustnessSpecError, match="'zz' is not an indicator"):
        Engine(ds, IndexSpec(), [factor_from_dict({"name": "d", "kind": "exclude", "indicators": ["zz"]})])
    with pytest.raises(RobustnessSpecError, match="but not for i2"):
        Engine(ds, IndexSpec(), [factor_from_dict({"name": "w", "kind": "weights_sets", "sets": [{"i1": 1}]})])
    with pytest.raises(RobustnessSpecError, match="no weighted items at levels"):
        Engine(ds, IndexSpec(), [factor_from_dict({"name": "w", "kind": "weights_noise", "levels": [7]})])
    both = [
        factor_from_dict({"name": "a", "kind": "weights_noise", "levels": [2]}),
        factor_from_dict({"name": "b", "kind": "weights_sets", "sets": [{"P": 1, "Q": 2}]}),
    ]
    with pytest.raises(RobustnessSpecError, match="both set the weights of the children of T"):
        Engine(ds, IndexSpec(), both)


def test_flooring_a_uniform_gives_equal_shares():
    f = factor_from_dict({"name": "x", "kind": "integer", "path": "treat.winmax", "low": 1, "high": 5})
    u = np.linspace(0, 1, 1001)
    v = f.from_unit(u)
    assert v.min() == 1 and v.max() == 5 and set(np.unique(v)) == {1, 2, 3, 4, 5}
    assert v[0] == 1 and v[-1] == 5  # u = 1 maps to the last option, not beyond
    counts = np.bincount(v.astype(int))[1:]
    assert counts.max() - counts.min() <= 1
    c = factor_from_dict({"name": "c", "kind": "continuous", "path": "treat.skew_threshold", "low": 1, "high": 3})
    np.testing.assert_allclose(c.from_unit(np.array([0.0, 0.25, 1.0])), [1.0, 1.5, 3.0])


def test_random_sample_is_seeded_and_saltelli_has_the_design_size():
    _, cfg = read_spec("x", text=SPEC)
    fs = cfg.factors[:4]
    a, b = random_sample(fs, 30, 3), random_sample(fs, 30, 3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, random_sample(fs, 30, 4))
    s = saltelli_sample(fs, 16, 0)
    assert s.shape == (16 * (4 + 2), 4)
    assert set(np.unique(s[:, 1])) <= {0.0, 1.0}
    with pytest.raises(RobustnessSpecError):
        random_sample([], 3)


def test_apply_factors_and_weight_refit():
    spec, cfg = read_spec("x", text=SPEC)
    fs = cfg.factors
    fs[5].indicators = ["i1", "i2", "i3"]
    new, excluded = apply_factors(spec, fs, [3, 1, 0, 1, 1, 2, 2.25])
    assert new.treat.winmax == 3 and isinstance(new.treat.winmax, int)
    assert (new.normalise.method, new.normalise.mean, new.normalise.sd) == ("zscore", 10, 2)
    assert new.aggregate.method == "geometric"
    assert new.treat.skew_threshold == 2.25
    assert excluded == ["i2"]
    assert spec.normalise.method == "minmax"  # the original is untouched
    fw = Engine(tiny(), IndexSpec(), []).framework
    s2 = IndexSpec().weights_set(i1=0.25, i2=0.75, P=0.5, Q=0.5)
    assert fit_weights_to_present(s2, fw, {"i1", "i2", "i3", "P", "Q"}) is s2
    s3 = fit_weights_to_present(s2, fw, {"i2", "i3", "P", "Q"})
    assert s3.weights.values == {"i2": 1.0, "P": 0.5, "Q": 0.5}


def test_samples_csv_round_trip_and_bad_replay_files(tmp_path):
    _, cfg = read_spec("x", text=SPEC)
    fs = [*cfg.factors[:4], cfg.factors[6]]
    v = random_sample(fs, 12, 0)
    df = samples_frame(v, fs)
    assert list(df.columns) == ["replication", "winmax", "norm", "noise", "agg", "thr"]
    assert df["winmax"].dtype.kind == "i"
    p = tmp_path / "samples.csv"
    df.to_csv(p, index=False)
    np.testing.assert_array_equal(read_samples(p, fs), v)
    # columns in another order, no replication column
    df[["thr", "agg", "noise", "norm", "winmax"]].to_csv(tmp_path / "b.csv", index=False)
    np.testing.assert_array_equal(read_samples(tmp_path / "b.csv", fs), v)
    bad = {
        "missing": (df.drop(columns="agg"), "no column for factor 'agg'"),
        "extra": (df.assign(colour=1), "column 'colour' is not a factor"),
        "range": (df.assign(winmax=9), "not a whole number from 1 to 5"),
        "index": (df.assign(norm=2), "use a whole number from 0 to 1"),
        "fraction": (df.assign(agg=0.5), "not an option index"),
        "outside": (df.assign(thr=3.0), "outside"),
        "text": (df.assign(noise="a"), "non-numeric"),
    }
    for name, (table, message) in bad.items():
        table.to_csv(tmp_path / f"{name}.csv", index=False)
        with pytest.raises(RobustnessSpecError, match=message):
            read_samples(tmp_path / f"{name}.csv", fs)
    pd.DataFrame(columns=df.columns).to_csv(tmp_path / "empty.csv", index=False)
    with pytest.raises(RobustnessSpecError, match="no replications"):
        read_samples(tmp_path / "empty.csv", fs)
    with pytest.raises(RobustnessSpecError, match="does not exist"):
        read_samples(tmp_path / "none.csv", fs)
