"""Network structure: thresholds, centralities, density, core–periphery, communities."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citynexus.network import (
    NetworkInputError,
    NetworkSpecError,
    centrality,
    communities,
    core_periphery,
    density,
    gravity,
    interlocking,
    structure,
    threshold_links,
    to_graph,
)

LINKS = pd.DataFrame(
    {"a": ["A", "A", "A", "B", "B", "C"], "b": ["B", "C", "D", "C", "D", "D"], "r": [10.0, 6, 1, 4, 2, 0]}
)


def pairs(df):
    return set(zip(df["a"], df["b"]))


def test_threshold_methods_by_hand():
    # positive links: 10, 6, 1, 4, 2 -> mean 4.6
    assert pairs(threshold_links(LINKS, "mean")) == {("A", "B"), ("A", "C")}
    assert pairs(threshold_links(LINKS, "value", value=4)) == {("A", "B"), ("A", "C"), ("B", "C")}
    assert len(threshold_links(LINKS, "none")) == 5  # r = 0 dropped
    # quantile 0.5 of (1, 2, 4, 6, 10) = 4
    assert pairs(threshold_links(LINKS, "quantile", q=0.5)) == {("A", "B"), ("A", "C"), ("B", "C")}
    # top-1: A's best AB, B's best AB, C's best AC, D's best BD
    assert pairs(threshold_links(LINKS, "top_k", k=1)) == {("A", "B"), ("A", "C"), ("B", "D")}
    # directed top-1 uses the origin only: A->B, B->C (C->D has r=0)
    assert pairs(threshold_links(LINKS, "top_k", k=1, directed=True)) == {("A", "B"), ("B", "C")}


@pytest.mark.parametrize(
    ("method", "kw"), [("quantile", {"q": 1.5}), ("quantile", {}), ("top_k", {"k": 0}), ("value", {}), ("max", {})]
)
def test_bad_threshold(method, kw):
    with pytest.raises(NetworkSpecError):
        threshold_links(LINKS, method, **kw)


def test_bad_links_table():
    with pytest.raises(NetworkInputError, match="missing r"):
        threshold_links(LINKS.drop(columns="r"))


def test_centrality_on_weighted_path():
    # path A - B - C with weights 2 and 1 -> distances 0.5 and 1
    lk = pd.DataFrame({"a": ["A", "B"], "b": ["B", "C"], "r": [2.0, 1.0]})
    G = to_graph(lk)
    c = centrality(G)
    assert c.loc["B", "degree"] == 2 and c.loc["A", "degree"] == 1
    assert c.loc["B", "strength"] == 3.0
    assert c.loc["B", "betweenness"] == pytest.approx(1.0)  # lies on the only A-C path
    assert c.loc["A", "betweenness"] == 0.0
    # closeness of B = (3-1) / (0.5 + 1); of A = 2 / (0.5 + 1.5)
    assert c.loc["B", "closeness"] == pytest.approx(2 / 1.5)
    assert c.loc["A", "closeness"] == pytest.approx(2 / 2.0)
    assert density(G) == pytest.approx(2 / 3)


def test_directed_centrality_has_in_and_out():
    lk = pd.DataFrame({"a": ["A", "B", "A"], "b": ["B", "A", "C"], "r": [3.0, 1.0, 2.0]})
    G = to_graph(lk, directed=True)
    c = centrality(G)
    assert c.loc["A", "out_strength"] == 5 and c.loc["A", "in_strength"] == 1
    assert density(G) == pytest.approx(3 / 6)


def test_isolated_cities_are_kept():
    v = pd.DataFrame({"f": [1, 1, 0]}, index=["X", "Y", "Z"])
    G = to_graph(interlocking(v))
    assert set(G.nodes) == {"X", "Y", "Z"} and G.degree("Z") == 0


def planted_core(n_core=5, n_per=15, seed=0):
    rng = np.random.default_rng(seed)
    nodes = [f"c{i}" for i in range(n_core)] + [f"p{i}" for i in range(n_per)]
    rows = []
    for u, v in itertools.combinations(nodes, 2):
        cu, cv = u.startswith("c"), v.startswith("c")
        w = 10 + rng.random() if cu and cv else (3 + rng.random() if cu or cv else 0.2 * rng.random())
        rows.append((u, v, w))
    return pd.DataFrame(rows, columns=["a", "b", "r"])


def test_core_periphery_recovers_planted_core():
    cp = core_periphery(to_graph(planted_core()))
    assert sorted(cp.core) == [f"c{i}" for i in range(5)]
    assert cp.fit > 0.9
    assert (cp.membership == "core").sum() == 5


def test_core_periphery_matches_brute_force():
    """The prefix-sum correlation equals numpy's Pearson correlation for every core size."""
    G = to_graph(planted_core(3, 6, seed=4))
    cp = core_periphery(G)
    nodes = cp.order
    A = nx.to_numpy_array(G, nodelist=nodes)
    n = len(nodes)
    best = None
    for c in range(2, n - 1):
        xs, ds = [], []
        for i, j in itertools.combinations(range(n), 2):
            if (i < c) == (j < c):
                xs.append(A[i, j])
                ds.append(1.0 if i < c else 0.0)
        rho = np.corrcoef(xs, ds)[0, 1]
        if best is None or rho > best[1] + 1e-12:
            best = (c, rho)
    assert len(cp.core) == best[0]
    assert cp.fit == pytest.approx(best[1])


def test_core_periphery_needs_four_cities():
    with pytest.raises(NetworkInputError):
        core_periphery(to_graph(LINKS.head(2)))


def test_communities_find_two_cliques():
    rows = [(f"a{i}", f"a{j}", 5.0) for i, j in itertools.combinations(range(5), 2)]
    rows += [(f"b{i}", f"b{j}", 5.0) for i, j in itertools.combinations(range(5), 2)]
    rows += [("a0", "b0", 0.5)]
    G = to_graph(pd.DataFrame(rows, columns=["a", "b", "r"]))
    for method in ("louvain", "greedy", "label_propagation"):
        com = communities(G, method)
        assert sorted(map(sorted, com.communities)) == [[f"a{i}" for i in range(5)], [f"b{i}" for i in range(5)]]
        assert com.modularity > 0.45
    with pytest.raises(NetworkSpecError):
        communities(G, "infomap")  # type: ignore[arg-type]


@settings(max_examples=15, deadline=None)
@given(st.integers(5, 12), st.integers(0, 10_000))
def test_thresholding_never_adds_links(n, seed):
    rng = np.random.default_rng(seed)
    lat, lon = rng.uniform(20, 25, n), rng.uniform(110, 116, n)
    res = gravity(pd.Series(rng.uniform(1, 100, n)), coords=pd.DataFrame({"lat": lat, "lon": lon}))
    full = density(to_graph(res))
    assert full == pytest.approx(1.0)  # unthresholded gravity networks are complete
    for method, kw in (("mean", {}), ("top_k", {"k": 2}), ("quantile", {"q": 0.75})):
        kept = threshold_links(res.links, method, **kw)
        assert pairs(kept) <= pairs(res.links)
        assert density(to_graph(kept, nodes=list(res.gnc.index))) <= full


def test_structure_summary_on_gba():
    from citynexus.data import load

    ds = load("gba")
    tab = ds.table(2023, codes=["gdp", "population"])
    res = gravity(
        tab["gdp"], population=tab["population"], coords=ds.units.set_index("code")[["lat", "lon"]], model="modified"
    )
    table, summary = structure(res, "top_k", k=3)
    assert set(table.index) == set(ds.unit_codes)
    assert {"strength_full", "degree", "closeness", "betweenness", "position", "community"} <= set(table.columns)
    assert summary["density_full"] == 1.0 and summary["density"] < 1.0
    assert summary["links_total"] == 110
    np.testing.assert_allclose(table["strength_full"].reindex(res.gnc.index), res.gnc + res.node_data["in_total"])
