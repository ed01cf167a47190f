"""Gravity models: hand-computed 3-city cases (classic undirected, modified directed)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citynexus.network import NetworkInputError, NetworkSpecError, distance_matrix, gravity, great_circle
from citynexus.network.gravity import EARTH_RADIUS_KM

CITIES = ["A", "B", "C"]
MASS = pd.Series([4.0, 1.0, 9.0], index=CITIES)
POP = pd.Series([1.0, 4.0, 1.0], index=CITIES)  # sqrt(M P) = 2, 2, 3
DIST = pd.DataFrame([[0, 2, 3], [2, 0, 4], [3, 4, 0]], index=CITIES, columns=CITIES, dtype=float)


def test_classic_three_cities_by_hand():
    res = gravity(MASS, population=POP, distance=DIST)
    # R_AB = 2*2/2^2 = 1, R_AC = 2*3/3^2 = 2/3, R_BC = 2*3/4^2 = 3/8
    got = {(a, b): r for a, b, r in zip(res.links["a"], res.links["b"], res.links["r"])}
    assert got == pytest.approx({("A", "B"): 1.0, ("A", "C"): 2 / 3, ("B", "C"): 3 / 8})
    assert list(res.links["r"]) == sorted(res.links["r"], reverse=True)
    assert not res.directed and res.model == "gravity-classic"
    assert res.gnc.to_dict() == pytest.approx({"A": 5 / 3, "B": 11 / 8, "C": 25 / 24})
    assert res.relative_gnc.to_dict() == pytest.approx({"A": 100.0, "B": 82.5, "C": 62.5})
    assert res.total == pytest.approx(49 / 12)
    # membership degree L_ij = R_ij / sum_j R_ij
    assert res.membership.loc["A", "B"] == pytest.approx(1 / (5 / 3))
    assert res.membership.loc["C", "A"] == pytest.approx((2 / 3) / (25 / 24))
    np.testing.assert_allclose(res.membership.sum(axis=1), 1.0)
    assert (np.diag(res.membership) == 0).all()


def test_classic_beta_and_no_population():
    res = gravity(MASS, distance=DIST, beta=1)
    # size = M: R_AB = 4*1/2, R_AC = 36/3, R_BC = 9/4
    got = {(a, b): r for a, b, r in zip(res.links["a"], res.links["b"], res.links["r"])}
    assert got == pytest.approx({("A", "B"): 2.0, ("A", "C"): 12.0, ("B", "C"): 2.25})


def test_modified_directed_three_cities_by_hand():
    res = gravity(MASS, population=POP, distance=DIST, model="modified")
    # F_ij = M_i/(M_i+M_j) * Q_i Q_j / D_ij, Q = sqrt(MP) = (2, 2, 3), b = 1
    want = {
        ("A", "B"): 4 / 5 * 4 / 2,
        ("B", "A"): 1 / 5 * 4 / 2,
        ("A", "C"): 4 / 13 * 6 / 3,
        ("C", "A"): 9 / 13 * 6 / 3,
        ("B", "C"): 1 / 10 * 6 / 4,
        ("C", "B"): 9 / 10 * 6 / 4,
    }
    got = {(a, b): r for a, b, r in zip(res.links["a"], res.links["b"], res.links["r"])}
    assert got == pytest.approx(want)
    assert res.directed and res.model == "gravity-modified"
    out = {"A": 1.6 + 8 / 13, "B": 0.4 + 0.15, "C": 18 / 13 + 1.35}
    assert res.gnc.to_dict() == pytest.approx(out)
    assert res.node_data["in_total"].to_dict() == pytest.approx(
        {"A": 0.4 + 18 / 13, "B": 1.6 + 1.35, "C": 8 / 13 + 0.15}
    )
    assert res.relative_gnc["C"] == 100.0
    assert res.membership.loc["A", "B"] == pytest.approx(1.6 / (1.6 + 8 / 13))  # = 13/18
    assert res.membership.loc["A", "B"] == pytest.approx(13 / 18)
    assert res.total == pytest.approx(sum(want.values()))


def test_modified_with_quality_score():
    Q = pd.Series([0.5, 0.8, 0.2], index=CITIES)  # e.g. composite index scores
    res = gravity(MASS, quality=Q, distance=DIST, model="modified", beta=2)
    F = {(a, b): r for a, b, r in zip(res.links["a"], res.links["b"], res.links["r"])}
    assert F[("A", "B")] == pytest.approx(4 / 5 * 0.5 * 0.8 / 4)
    assert F[("C", "B")] == pytest.approx(9 / 10 * 0.2 * 0.8 / 16)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.1, 1e4), min_size=3, max_size=8), st.floats(0, 3))
def test_modified_splits_classic_pair(masses, beta):
    """K_ij + K_ji = 1, so F_ij + F_ji equals the undirected value with the same exponent."""
    n = len(masses)
    rng = np.random.default_rng(n)
    lat, lon = rng.uniform(-60, 60, n), rng.uniform(-170, 170, n)
    coords = pd.DataFrame({"lat": lat, "lon": lon})
    m = pd.Series(masses)
    c = gravity(m, coords=coords, beta=beta)
    d = gravity(m, coords=coords, beta=beta, model="modified")
    F = d.membership.to_numpy() * d.gnc.to_numpy()[:, None]
    R = c.membership.to_numpy() * c.gnc.to_numpy()[:, None]
    np.testing.assert_allclose(F + F.T, R, rtol=1e-9)
    np.testing.assert_allclose(R, R.T, rtol=1e-9)


def test_great_circle_known_distances():
    d = great_circle([0, 0, 90, -90], [0, 1, 0, 0])
    assert d[0, 1] == pytest.approx(2 * math.pi * EARTH_RADIUS_KM / 360)  # 1 degree on the equator
    assert d[2, 3] == pytest.approx(math.pi * EARTH_RADIUS_KM)  # pole to pole
    assert d[0, 2] == pytest.approx(math.pi * EARTH_RADIUS_KM / 2)
    np.testing.assert_allclose(d, d.T)
    # London - Paris is about 344 km
    lp = great_circle([51.5074, 48.8566], [-0.1278, 2.3522])[0, 1]
    assert 340 < lp < 347


def test_distance_from_dataset_coordinates():
    from citynexus.data import load

    ds = load("gba")
    units = ds.units.set_index("code")
    tab = ds.table(2023, codes=["gdp", "population"])
    res = gravity(tab["gdp"], population=tab["population"], coords=units[["lat", "lon"]])
    assert len(res.links) == 55  # 11 cities, undirected
    # Hong Kong - Shenzhen: about 25 km apart (city reference points)
    assert 15 < res.distance.loc["HK", "SZ"] < 40
    assert res.coordinates() is not None


def test_supplied_asymmetric_travel_time():
    T = DIST.copy()
    T.loc["A", "B"] = 1.0  # A->B faster than B->A
    res = gravity(MASS, population=POP, distance=T, model="modified")
    F = {(a, b): r for a, b, r in zip(res.links["a"], res.links["b"], res.links["r"])}
    assert F[("A", "B")] == pytest.approx(4 / 5 * 4 / 1)
    assert F[("B", "A")] == pytest.approx(1 / 5 * 4 / 2)


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"mass": pd.Series([1.0, -2.0, 3.0], index=CITIES), "distance": DIST}, NetworkInputError, "positive"),
        ({"mass": pd.Series([1.0, np.nan, 3.0], index=CITIES), "distance": DIST}, NetworkInputError, "'B'"),
        ({"mass": MASS, "population": POP.drop("C"), "distance": DIST}, NetworkInputError, "no value for C"),
        ({"mass": MASS}, NetworkInputError, "coordinates"),
        ({"mass": MASS, "distance": DIST.drop(columns="C")}, NetworkInputError, "lacks C"),
        ({"mass": MASS, "distance": np.ones((2, 2))}, NetworkInputError, "3 x 3"),
        ({"mass": MASS, "distance": DIST.replace(4.0, 0.0)}, NetworkInputError, "'B' and 'C'"),
        ({"mass": MASS, "distance": DIST, "model": "radiation"}, NetworkSpecError, "model"),
        ({"mass": MASS, "distance": DIST, "beta": -1}, NetworkSpecError, "beta"),
        ({"mass": MASS.iloc[:1], "distance": DIST.iloc[:1, :1]}, NetworkInputError, "at least 2"),
        (
            {"mass": MASS, "coords": pd.DataFrame({"lat": [1, 1, 2], "lon": [5, 5, 6]}, index=CITIES)},
            NetworkInputError,
            "'A' and 'B'",
        ),
        (
            {"mass": MASS, "coords": pd.DataFrame({"lat": [100, 1, 2], "lon": [5, 6, 7]}, index=CITIES)},
            NetworkInputError,
            "swapped",
        ),
    ],
)
def test_bad_gravity_inputs(kwargs, err, match):
    with pytest.raises(err, match=match):
        gravity(**kwargs)


def test_distance_matrix_reorders_labels():
    rev = DIST.loc[["C", "B", "A"], ["B", "C", "A"]]
    D = distance_matrix(CITIES, distance=rev)
    pd.testing.assert_frame_equal(D, DIST.rename_axis(index="city", columns="city"))


def test_plain_sequences_and_length_mismatch():
    res = gravity([4.0, 1.0, 9.0], population=[1.0, 4.0, 1.0], distance=DIST.to_numpy())
    assert res.gnc.tolist() == pytest.approx([5 / 3, 11 / 8, 25 / 24])
    with pytest.raises(NetworkInputError, match="2 values for 3 cities"):
        gravity([4.0, 1.0, 9.0], population=[1.0, 4.0], distance=DIST.to_numpy())
