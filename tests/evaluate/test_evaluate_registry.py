"""The method registry and the stage registry: one source for lists, options, docs and calls."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _evaluate_data import tiny

from citynexus.evaluate import IndexSpec, IndexSpecError, build, prepare, run_stages
from citynexus.evaluate import aggregate as agg
from citynexus.evaluate import registry as reg
from citynexus.evaluate import weights as wts
from citynexus.evaluate.aggregate import AGGREGATE_METHODS
from citynexus.evaluate.impute import CROSS_SECTION_METHODS, IMPUTE_METHODS, PANEL_METHODS
from citynexus.evaluate.normalise import NORMALISE_METHODS, normalise_array
from citynexus.evaluate.robustness import RobustnessSpecError, factor_from_dict
from citynexus.evaluate.robustness.factors import FACTOR_KINDS, KINDS
from citynexus.evaluate.robustness.rankrange import rank_ranges
from citynexus.evaluate.stages import DATA_STAGES, STAGES, StageContext, StageResult, run_data_stages, stage_order
from citynexus.evaluate.treat import FALLBACKS, TREAT_METHODS
from citynexus.evaluate.weights import WEIGHT_METHODS

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_docs_methods_table_is_the_registry():
    text = (DOCS / "methods.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- methods-table:begin[^\n]*-->\n(.*?)<!-- methods-table:end -->", text, re.S)
    assert m, "docs/methods.md lost its generated methods table"
    assert m.group(1) == reg.methods_table(), "regenerate the table with citynexus.evaluate.registry.methods_table()"


def test_docs_factor_kinds_table_lists_every_kind_and_option():
    text = (DOCS / "robustness.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| (.*?) \|", text, re.M)}
    kinds = [k for k in rows if k in KINDS or k in ("choice", "integer", "continuous", "exclude")]
    assert kinds == list(FACTOR_KINDS)
    for kind, spec in KINDS.items():
        named = set(re.findall(r"`(\w+)`", rows[kind]))
        assert spec.options <= named, (kind, spec.options - named)


def test_method_lists_come_from_the_registry():
    assert reg.methods("normalise") == NORMALISE_METHODS
    assert reg.methods("treat") == TREAT_METHODS and FALLBACKS == ("log", "boxcox", "none")
    assert reg.methods("weights") == WEIGHT_METHODS and reg.methods("aggregate") == AGGREGATE_METHODS
    assert IMPUTE_METHODS == CROSS_SECTION_METHODS + PANEL_METHODS == reg.methods("impute")
    assert reg.methods("aggregate", "mcda") == ("topsis", "vikor", "gra")
    # the options the spec accepts per entry are the registered parameters (+ method)
    assert reg.spec_options("aggregate") == {"method", "p", "min_share", "normalisation", "v", "rho", "scale"}
    assert "shift" in reg.spec_options("weights") and "cap" in reg.spec_options("normalise")


def test_lookups_refuse_unknown_names_and_double_registration():
    with pytest.raises(KeyError, match="did you mean 'zscore'"):
        reg.method("normalise", "zscor")
    with pytest.raises(KeyError, match="no step named"):
        reg.methods("paint")
    with pytest.raises(RuntimeError, match="registered twice"):
        reg.add("normalise", "minmax")
    assert reg.method("normalise", "goalposts").required() == ("lower", "upper")
    assert reg.method("weights", "pca").defaults() == {"min_eigenvalue": 1.0, "min_share": 0.10, "rotate": True}


def test_spec_checks_follow_the_registered_parameters():
    ok = IndexSpec().normalise_with("minmax", indicators={"i1": {"method": "dist2target", "target": 3, "cap": True}})
    assert ok.normalise.indicators["i1"]["cap"] is True
    with pytest.raises(IndexSpecError, match="unknown option 'shfit'"):
        IndexSpec().weights_with("entropy_minmax", level=1, shfit=0.1)
    with pytest.raises(IndexSpecError, match="needs per-indicator parameters"):
        IndexSpec().normalise_with("dist2ref")
    with pytest.raises(RobustnessSpecError, match="unknown method 'minmix'"):
        factor_from_dict(
            {
                "name": "n",
                "kind": "choice",
                "target": "normalise",
                "options": [{"method": "minmix"}, {"method": "rank"}],
            }
        )


@pytest.mark.parametrize("name", [m for m in NORMALISE_METHODS if not reg.method("normalise", m).required()])
def test_every_normalisation_runs_with_its_defaults(name):
    x = np.array([[1.0, 4.0], [2.0, np.nan], [4.0, 1.0]])
    params = reg.method("normalise", name).defaults()
    y = normalise_array(x, name, [1, -1], **params)
    assert y.shape == x.shape and np.isnan(y[1, 1]) and np.isfinite(y[[0, 2]]).all()


def test_multi_output_methods_return_result_objects():
    A = [[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]]
    res = wts.ahp(A)
    w, cr = res
    assert res.weights is w and res.cr == cr and abs(w.sum() - 1) < 1e-12 and 0 <= cr < 0.1
    x = np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 2.0]])
    v = agg.vikor(x, [0.5, 0.5])
    S, R, Q = v
    assert v.S is S and v.R is R and v.Q is Q
    np.testing.assert_allclose(agg.aggregate_array("vikor", x, [0.5, 0.5]), 100 * (1 - Q))


def test_stages_are_one_registry_shared_by_build():
    assert tuple(STAGES) == DATA_STAGES
    assert stage_order(IndexSpec()) == ["denominate", "screen", "impute", "treat", "normalise"]
    after = IndexSpec().screen_with(when="after_impute")
    assert stage_order(after) == ["denominate", "impute", "screen", "treat", "normalise"]
    ds, spec = tiny(), IndexSpec().impute_with("mean").screen_with(0, 0)
    inp = prepare(ds, spec)
    ctx = StageContext(inp.framework, spec, inp.denominators, inp.groups, inp.panel, inp.period, list(inp.raw.columns))
    last, tables, log, records = run_data_stages(inp.raw, ctx)
    st = run_stages(inp.raw, inp.denominators, inp.framework, spec, inp.groups, inp.panel, inp.period)
    pd.testing.assert_frame_equal(last, st.stages["normalised"])
    assert list(tables) == ["denominated", "screened", "imputed", "treated", "normalised"]
    assert log == st.log and set(records) == {"imputed_cells", "treatment", "treated_points"}
    pd.testing.assert_frame_equal(build(ds, spec).normalised, last)
    res = STAGES["treat"](tables["imputed"], spec.treat, ctx)
    assert isinstance(res, StageResult)
    pd.testing.assert_frame_equal(res.table, tables["treated"])


def test_rank_ranges_write_nothing_to_stdout(capfd):
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.random((30, 4)), index=[f"u{i}" for i in range(30)], columns=list("abcd"))
    rr = rank_ranges(x, method="milp", time_limit=0.5)
    out, _ = capfd.readouterr()
    assert out == "" and len(rr.table) == 30


def test_weight_sets_come_from_the_tables_handed_over():
    table = pd.DataFrame({"set": ["a", "b"], "i1": [1, 2], "i2": [1, 1]})
    f = factor_from_dict({"name": "w", "kind": "weights_sets", "file": "w.csv"}, tables={"w.csv": table})
    assert f.sets == [{"i1": 1.0, "i2": 1.0}, {"i1": 2.0, "i2": 1.0}] and f.labels == ["a", "b"]
    with pytest.raises(RobustnessSpecError, match=r"w\.csv does not exist"):
        factor_from_dict({"name": "w", "kind": "weights_sets", "file": "w.csv"})


def test_importing_the_packages_loads_only_what_is_asked_for():
    code = (
        "import sys, citynexus.evaluate as e, citynexus.region as r\n"
        "assert 'citynexus.evaluate.pipeline' not in sys.modules\n"
        "assert e.build.__module__ == 'citynexus.evaluate.pipeline' and 'build' in dir(e)\n"
        "assert r.gini.__module__ == 'citynexus.region.disparity'\n"
        "try:\n    e.nope\nexcept AttributeError as err:\n    assert 'nope' in str(err)\n"
        "else:\n    raise SystemExit(1)\n"
    )
    env_path = str(Path(__file__).resolve().parents[2] / "src")
    done = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": env_path}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_evaluate_walks_the_datasets_own_tree():
    from citynexus.data.framework import Framework as DataFramework
    from citynexus.evaluate import Framework

    ds = tiny()
    assert Framework is DataFramework
    inp = prepare(ds, IndexSpec())
    assert inp.framework is ds.framework and build(ds, IndexSpec()).framework is ds.framework


def test_replay_tables_are_checked_without_a_file():
    from citynexus.evaluate.robustness.sample import samples_from_table

    fs = [factor_from_dict({"name": "wm", "kind": "integer", "path": "treat.winmax", "low": 1, "high": 3})]
    got = samples_from_table(pd.DataFrame({"replication": [1, 2], "wm": [1, 3]}), fs)
    np.testing.assert_array_equal(got, [[1.0], [3.0]])
    with pytest.raises(RobustnessSpecError, match="x: no column for factor 'wm'"):
        samples_from_table(pd.DataFrame({"a": [1]}), fs, "x")
    with pytest.raises(RobustnessSpecError, match="not a whole number from 1 to 3"):
        samples_from_table(pd.DataFrame({"wm": [4]}), fs)
