"""Interlocking network model: published GaWC figures, hand-computed cases, sparse vs dense."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from citynexus.data.network_io import read_coordinates, read_service_values
from citynexus.errors import CityNexusError
from citynexus.network import (
    NetworkInputError,
    NetworkSpecError,
    connectivity,
    dyad_links,
    interlocking,
)


@pytest.fixture(scope="module")
def gawc(shared_data):
    folder = shared_data / "gawc-2000"
    sv = read_service_values(folder / "da11-1.csv")
    xy = read_coordinates(folder / "wcn-cities-ll.csv")
    return sv, xy


def test_gawc_2000_published_relative_gnc(gawc):
    """GaWC 2000 relative global network connectivities (Taylor 2004; GaWC Data Set 12)."""
    sv, xy = gawc
    assert sv.values.shape == (315, 100)
    assert sv.values.to_numpy().sum() == 16892  # README: sum of all values
    res = interlocking(sv.values, coords=xy)
    top = res.top(5)
    assert list(top.index) == ["LONDON", "NEW YORK", "HONG KONG", "PARIS", "TOKYO"]
    published = {"LONDON": 100.0, "NEW YORK": 97.6, "HONG KONG": 70.7, "PARIS": 69.9, "TOKYO": 69.1}
    for city, value in published.items():
        assert top[city] == pytest.approx(value, abs=0.05), city
    # all-zero rows (README) have zero connectivity
    assert res.gnc["LUCKNOW"] == 0 and res.gnc["PYONGYANG"] == 0
    # London-New York is the strongest dyad; r_rel of the top link is 1
    assert tuple(res.links.iloc[0][["a", "b"]]) == ("LONDON", "NEW YORK")
    assert res.links["r_rel"].iloc[0] == 1.0
    # links are complete for this size: sum of links = T / 2
    assert res.links["r"].sum() * 2 == pytest.approx(res.total)
    assert res.proportional.sum() == pytest.approx(1.0)
    assert res.coordinates() is not None and len(res.coordinates()) == 315


def test_gawc_against_dense_matrix(gawc):
    sv, _ = gawc
    V = sv.values.to_numpy(float)
    R = V @ V.T
    np.fill_diagonal(R, 0)
    res = interlocking(sv.values, links="all")
    np.testing.assert_allclose(res.gnc.to_numpy(), R.sum(1))
    iu = np.triu_indices(len(V), 1)
    assert len(res.links) == int((R[iu] > 0).sum())
    lab = list(sv.values.index)
    pos = {c: i for i, c in enumerate(lab)}
    sample = res.links.sample(200, random_state=1)
    for a, b, r in zip(sample["a"], sample["b"], sample["r"]):
        assert R[pos[a], pos[b]] == r


def test_hand_computed_three_cities():
    # f1: A=5, B=2, C=0 ; f2: A=1, B=1, C=3
    v = pd.DataFrame({"f1": [5, 2, 0], "f2": [1, 1, 3]}, index=["A", "B", "C"])
    res = interlocking(v)
    # r_AB = 5*2 + 1*1 = 11, r_AC = 0 + 3 = 3, r_BC = 0 + 3 = 3
    assert res.links[["a", "b", "r"]].values.tolist() == [["A", "B", 11.0], ["A", "C", 3.0], ["B", "C", 3.0]]
    assert res.gnc.to_dict() == {"A": 14.0, "B": 14.0, "C": 6.0}
    assert res.relative_gnc.to_dict() == {"A": 100.0, "B": 100.0, "C": pytest.approx(600 / 14)}
    assert res.total == 34.0
    assert res.proportional["C"] == pytest.approx(6 / 34)
    nodes = res.nodes()
    assert list(nodes.columns[:4]) == ["city", "gnc", "relative_gnc", "proportional"]


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.int8, st.tuples(st.integers(2, 25), st.integers(1, 12)), elements=st.integers(0, 5)),
    st.integers(1, 400),
)
def test_sparse_equals_dense(M, block_cells):
    V = M.astype(float)
    R = V @ V.T
    np.fill_diagonal(R, 0)
    np.testing.assert_allclose(connectivity(sp.csr_array(V)), R.sum(1))
    np.testing.assert_allclose(connectivity(V), R.sum(1))
    a, b, r = dyad_links(sp.csr_array(V), block_cells=block_cells)
    iu = np.triu_indices(len(V), 1)
    want = {(i, j): R[i, j] for i, j in zip(*iu) if R[i, j] > 0}
    assert dict(zip(zip(a.tolist(), b.tolist()), r.tolist())) == want
    assert (np.diff(r) <= 0).all()  # sorted strongest first


@settings(max_examples=30, deadline=None)
@given(
    arrays(np.int8, st.tuples(st.integers(3, 20), st.integers(1, 8)), elements=st.integers(0, 5)),
    st.integers(1, 5),
    st.integers(1, 200),
)
def test_top_k_rule(M, k, block_cells):
    V = M.astype(float)
    n = len(V)
    R = V @ V.T
    np.fill_diagonal(R, 0)
    a, b, _ = dyad_links(sp.csr_array(V), top_k=k, block_cells=block_cells)
    got = set(zip(a.tolist(), b.tolist()))
    want = set()
    for i in range(n):
        row = np.delete(R[i], i)
        kth = np.sort(row)[::-1][min(k, n - 1) - 1]
        for j in range(n):
            if j != i and R[i, j] > 0 and R[i, j] >= kth:
                want.add((min(i, j), max(i, j)))
    assert got == want


def test_threshold_and_auto_fallback():
    rng = np.random.default_rng(3)
    V = (rng.random((60, 15)) < 0.3) * rng.integers(1, 6, (60, 15))
    R = (V @ V.T).astype(float)
    np.fill_diagonal(R, 0)
    res = interlocking(V, threshold=20)
    assert (res.links["r"] >= 20).all()
    assert len(res.links) == int((np.triu(R, 1) >= 20).sum())
    assert res.meta["links"] == "r >= 20"
    # more pairs than max_links: auto keeps each city's top links and says so
    res2 = interlocking(V, max_links=100)
    assert res2.meta["links"].startswith("top 10 per city")
    np.testing.assert_allclose(res2.gnc.to_numpy(), R.sum(1))  # GNC is always over all pairs
    assert len(res2.links) < 60 * 59 / 2
    assert len(interlocking(V, links="none").links) == 0
    with pytest.raises(NetworkInputError, match="max_links"):
        interlocking(V, links="all", max_links=100)


def test_sparse_inputs_agree():
    rng = np.random.default_rng(0)
    dense = (rng.random((30, 10)) < 0.4) * rng.integers(1, 6, (30, 10))
    df = pd.DataFrame(dense, index=[f"c{i}" for i in range(30)], columns=[f"f{j}" for j in range(10)])
    sdf = df.astype(pd.SparseDtype(float, 0))
    r1 = interlocking(df)
    r2 = interlocking(sdf)
    r3 = interlocking(sp.coo_matrix(dense), cities=df.index, firms=df.columns)
    pd.testing.assert_series_equal(r1.gnc, r2.gnc)
    pd.testing.assert_series_equal(r1.gnc, r3.gnc)
    pd.testing.assert_frame_equal(r1.links, r3.links)


@pytest.mark.parametrize(
    ("values", "match"),
    [
        (np.array([[1.0, -1.0], [0.0, 2.0]]), "negative"),
        (np.array([[1.0, np.nan], [0.0, 2.0]]), "missing or not finite"),
        (np.array([1.0, 2.0, 3.0]), "2-D"),
        (np.array([[1.0, 2.0]]), "at least 2 cities"),
        (pd.DataFrame({"f": [1, 2]}, index=["X", "X"]), "not unique"),
        (pd.DataFrame({"f": [1, 2], "g": ["a", "b"]}, index=["X", "Y"]), "not numeric"),
        ([["a", "b"], ["c", "d"]], "numeric matrix"),
    ],
)
def test_bad_service_values(values, match):
    with pytest.raises(NetworkInputError, match=match) as ei:
        interlocking(values)
    assert isinstance(ei.value, CityNexusError)


def test_bad_value_names_city_and_firm():
    df = pd.DataFrame({"KPMG": [1.0, 2.0], "HSBC": [0.0, -3.0]}, index=["Paris", "Rome"])
    with pytest.raises(NetworkInputError, match="'Rome', firm 'HSBC'"):
        interlocking(df)


def test_bad_link_rules():
    v = np.eye(3)
    with pytest.raises(NetworkSpecError):
        interlocking(v, threshold=1, top_k=1)
    with pytest.raises(NetworkSpecError):
        interlocking(v, top_k=0)
    with pytest.raises(NetworkSpecError):
        interlocking(v, links="some")  # type: ignore[arg-type]
    with pytest.raises(NetworkInputError, match="lat and lon"):
        interlocking(v, coords=pd.DataFrame({"x": [1, 2, 3]}, index=[0, 1, 2]))


def test_memory_stays_bounded():
    """GNC and top-k links never hold the city x city matrix: peak traced memory stays far
    below the 4000 x 4000 float64 matrix (122 MiB) a dense computation needs."""
    import tracemalloc

    rng = np.random.default_rng(7)
    V = sp.random_array((4000, 200), density=0.03, format="csr", rng=rng)
    dense_bytes = 4000 * 4000 * 8
    tracemalloc.start()
    try:
        res = interlocking(V, links="none")
        _, peak_gnc = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        res_k = interlocking(V, top_k=5, block_cells=1 << 18)
        _, peak_k = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak_gnc < 0.05 * dense_bytes
    assert peak_k < 0.25 * dense_bytes
    assert len(res_k.links) >= 4000 * 5 / 2
    np.testing.assert_allclose(res.gnc, res_k.gnc)


def test_all_zero_matrix_gives_empty_network():
    res = interlocking(np.zeros((3, 2)))
    assert res.total == 0 and len(res.links) == 0
    assert (res.relative_gnc == 0).all() and (res.proportional == 0).all()
