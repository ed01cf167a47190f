"""The one framework tree: Dataset queries, the validator's cycle check and evaluate share it."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citynexus.data import Dataset, load
from citynexus.data.framework import Framework, find_cycles
from citynexus.data.specfiles import read_spec_file, table_files
from citynexus.errors import DatasetValidationError, FrameworkCycleError, problems_message


def _frames(parents: dict[str, str], levels: dict[str, int], denominators: tuple[str, ...] = ()) -> tuple:
    codes = list(parents)
    kinds = ["indicator" if levels[c] == 1 else "aggregate" for c in codes] + ["denominator"] * len(denominators)
    ind = pd.DataFrame(
        {
            "code": codes + list(denominators),
            "name": codes + list(denominators),
            "parent": [parents[c] for c in codes] + [""] * len(denominators),
            "level": [levels[c] for c in codes] + [""] * len(denominators),
            "kind": kinds,
            "direction": [1 if levels[c] == 1 else "" for c in codes] + [""] * len(denominators),
        }
    )
    leaves = [c for c in codes if levels[c] == 1]
    units = pd.DataFrame({"code": ["A", "B"], "name": ["a", "b"]})
    vals = pd.DataFrame(
        {
            "unit": ["A", "B"] * len(leaves),
            "period": 2020,
            "indicator": [c for c in leaves for _ in range(2)],
            "value": range(2 * len(leaves)),
        }
    )
    return units, ind, vals


def test_dataset_tree_queries_follow_the_table():
    # framework order deliberately interleaves levels
    parents = {"i1": "P", "T": "", "P": "T", "i2": "P", "Q": "T", "i3": "Q"}
    levels = {"i1": 1, "T": 3, "P": 2, "i2": 1, "Q": 2, "i3": 1}
    ds = Dataset.from_frames(*_frames(parents, levels, ("pop",)))
    fw = ds.framework
    assert isinstance(fw, Framework) and fw.denominators == ["pop"]
    assert ds.children("T") == ["P", "Q"] and ds.children("P") == ["i1", "i2"] and ds.children("i1") == []
    assert ds.roots() == ["T"] and fw.top == "T"
    assert ds.descendants("T") == ["i1", "i2", "i3"] and ds.descendants("T", "aggregate") == ["P", "Q"]
    assert list(ds.walk()) == [("T", 0), ("P", 1), ("i1", 2), ("i2", 2), ("Q", 1), ("i3", 2)]
    assert ds.parent_of("i3") == "Q" and ds.parent_of("T") is None and ds.parent_of("pop") is None
    with pytest.raises(KeyError):
        ds.parent_of("nope")
    assert fw.path("i3") == ["i3", "Q", "T"] and fw.aggregation_order() == ["P", "Q", "T"]


def test_flat_framework_roots_are_its_indicators_and_it_has_no_top():
    ds = Dataset.from_frames(*_frames({"a": "", "b": ""}, {"a": 1, "b": 1}))
    assert ds.roots() == ["a", "b"] and ds.framework.top == ""
    assert list(ds.walk()) == [("a", 0), ("b", 0)]


def test_bundled_gba_tree_matches_its_table():
    ds = load("gba")
    ind = ds.indicators
    for code in ds.codes("aggregate"):
        assert ds.children(code) == list(ind.loc[ind["parent"] == code, "code"])
    assert ds.roots() == list(ind.loc[(ind["parent"] == "") & (ind["kind"] != "denominator"), "code"])
    assert ds.framework.top == "GBA"


def test_the_validator_reports_each_cycle_once_from_the_tree():
    parents = {"T": "", "A": "B", "B": "C", "C": "A", "i1": "A", "i2": "T"}
    levels = {"T": 9, "A": 2, "B": 3, "C": 4, "i1": 1, "i2": 1}
    with pytest.raises(DatasetValidationError) as err:
        Dataset.from_frames(*_frames(parents, levels))
    cycles = [p for p in err.value.problems if isinstance(p, FrameworkCycleError)]
    assert len(cycles) == 1 and "A -> B -> C -> A" in str(cycles[0])
    assert cycles[0].location.row == 3  # the row of A, the first code met again


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 7), min_size=1, max_size=8))
def test_find_cycles_finds_exactly_the_cycles(targets):
    """Random functional graphs: a code is on a reported cycle iff following parents from it
    comes back to it; every cycle is reported once."""
    codes = [f"c{i}" for i in range(len(targets))]
    parent = {c: (f"c{t}" if t < len(codes) else None) for c, t in zip(codes, targets)}
    found = find_cycles(parent)
    on_cycle = set()
    for c in codes:
        seen, cur = [], c
        while cur is not None and cur not in seen:
            seen.append(cur)
            cur = parent[cur]
        if cur == c:
            on_cycle.add(c)
    assert {c for cyc in found for c in cyc} == on_cycle
    assert len(found) == len({frozenset(cyc) for cyc in found})
    for cyc in found:
        assert cyc[0] == cyc[-1] and all(parent[a] == b for a, b in itertools.pairwise(cyc))


def test_problems_message_counts_and_cuts():
    assert problems_message(["x"], tail=" found") == "1 problem found:\n  - x"
    text = problems_message(list("abc"), "f.csv", head="rejected: ", limit=2)
    assert text.splitlines() == ["rejected: 3 problems in f.csv:", "  - a", "  - b", "  ... and 1 more"]


def test_spec_files_are_read_with_the_tables_their_factors_name(tmp_path):
    (tmp_path / "sets.csv").write_text("set,i1\nx,1\n")
    text = (
        '[[robustness.factor]]\nname = "w"\nkind = "weights_sets"\nfile = "sets.csv"\n'
        '[[robustness.factor]]\nname = "v"\nkind = "weights_sets"\nfile = "gone.csv"\n'
    )
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    sf = read_spec_file(tmp_path / "s.toml")
    assert sf.name == "s.toml" and sf.text == text
    assert list(sf.tables) == ["sets.csv"] and sf.tables["sets.csv"].to_dict("list") == {"set": ["x"], "i1": [1]}
    assert sf.missing == {"gone.csv": tmp_path / "gone.csv"}
    assert table_files("not [toml") == [] and table_files("[robustness]\nfactor = 3\n") == []
    with pytest.raises(FileNotFoundError):
        read_spec_file(tmp_path / "none.toml")


def test_csv_tables_are_read_or_refused(tmp_path):
    from citynexus.data.specfiles import read_csv_table

    (tmp_path / "ok.csv").write_text("a,b\n1,2\n")
    (tmp_path / "empty.csv").write_text("")
    assert read_csv_table(tmp_path / "ok.csv").to_dict("list") == {"a": [1], "b": [2]}
    with pytest.raises(ValueError):
        read_csv_table(tmp_path / "empty.csv")
    with pytest.raises(FileNotFoundError):
        read_csv_table(tmp_path / "none.csv")
