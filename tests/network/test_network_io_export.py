"""Readers (wide/long CSV, coordinates), CSV and GeoJSON export, the link map."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection

from citynexus.data.network_io import read_coordinates, read_service_values, write_text_atomic, write_texts
from citynexus.errors import DatasetValidationError, DuplicateError, NonNumericValueError
from citynexus.network import (
    NetworkInputError,
    csv_texts,
    geojson_text,
    gravity,
    interlocking,
    plot_links,
    to_geojson,
)

WIDE = "city,KPMG,HSBC,lat,lon\nLondon,5,4,51.5,-0.12\nParis,2,3,48.86,2.35\nRome,0,2,41.9,12.5\n"


def test_read_wide_with_coordinates(tmp_path):
    p = tmp_path / "sv.csv"
    p.write_text(WIDE)
    sv = read_service_values(p)
    assert sv.layout == "wide"
    assert list(sv.values.columns) == ["KPMG", "HSBC"]
    assert sv.values.loc["Paris", "HSBC"] == 3
    assert sv.coords.loc["Rome"].tolist() == [41.9, 12.5]
    res = interlocking(sv.values, coords=sv.coords)
    assert res.gnc["London"] == (5 * 2 + 4 * 3) + (4 * 2)


def test_read_long_layout_matches_wide(tmp_path):
    p = tmp_path / "long.csv"
    p.write_text("firm,city,value\nKPMG,London,5\nHSBC,London,4\nKPMG,Paris,2\nHSBC,Paris,3\nHSBC,Rome,2\n")
    w = tmp_path / "wide.csv"
    w.write_text(WIDE)
    long_ = read_service_values(p)
    wide = read_service_values(w)
    assert long_.layout == "long"
    assert isinstance(long_.values.dtypes.iloc[0], pd.SparseDtype)
    pd.testing.assert_series_equal(interlocking(long_.values).gnc, interlocking(wide.values).gnc)


def test_read_gbk_chinese_names(tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_bytes("城市,企业甲,企业乙\n广州,3,1\n深圳,2,2\n香港,5,0\n".encode("gb18030"))
    sv = read_service_values(p)
    assert list(sv.values.index) == ["广州", "深圳", "香港"]
    assert sv.coords is None
    assert interlocking(sv.values).gnc["香港"] == 15 + 10


def test_reader_collects_every_problem_with_location(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("name,F1,F2\nA,1,x\nB,,2\nA,1,-1\n")
    with pytest.raises(DatasetValidationError) as ei:
        read_service_values(p)
    probs = ei.value.problems
    kinds = {type(q) for q in probs}
    assert {NonNumericValueError, DuplicateError} <= kinds
    where = {(q.location.row, q.location.column) for q in probs}
    assert (2, "F2") in where  # 'x'
    assert (3, "F1") in where  # empty
    assert (4, "F2") in where  # negative
    assert (4, "name") in where  # duplicate city
    assert all(q.location.file == "bad.csv" for q in probs)


def test_reader_missing_and_empty_files(tmp_path):
    with pytest.raises(DatasetValidationError, match="does not exist"):
        read_service_values(tmp_path / "nope.csv")
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(DatasetValidationError, match="empty"):
        read_service_values(tmp_path / "e.csv")
    (tmp_path / "c.csv").write_text("city,x,y\nA,1,2\n")
    with pytest.raises(DatasetValidationError, match="latitude/longitude"):
        read_coordinates(tmp_path / "c.csv")


def test_gawc_coordinates_file(shared_data):
    xy = read_coordinates(shared_data / "gawc-2000" / "wcn-cities-ll.csv")
    assert len(xy) == 315 and xy.notna().all().all()
    assert xy.loc["LONDON", "lat"] == pytest.approx(51.5, abs=0.1)


@pytest.fixture
def small_result():
    v = pd.DataFrame({"f1": [5, 2, 0, 1], "f2": [1, 1, 3, 0]}, index=["A", "B", "C", "D"])
    xy = pd.DataFrame({"lat": [10.0, 20.0, 30.0, 40.0], "lon": [100.0, 110.0, 120.0, 130.0]}, index=v.index)
    return interlocking(v, coords=xy)


def test_csv_export(tmp_path, small_result):
    paths = write_texts(
        tmp_path / "out",
        csv_texts(small_result, extra_nodes=pd.DataFrame({"community": [0, 0, 1, 1]}, index=["A", "B", "C", "D"])),
    )
    nodes = pd.read_csv(paths["nodes"], encoding="utf-8-sig")
    links = pd.read_csv(paths["links"], encoding="utf-8-sig")
    assert list(nodes.columns[:4]) == ["city", "gnc", "relative_gnc", "proportional"]
    assert {"lat", "lon", "community"} <= set(nodes.columns)
    assert nodes["gnc"].is_monotonic_decreasing
    assert list(links.columns) == ["a", "b", "r", "r_rel"]
    assert links["r"].sum() * 2 == small_result.total
    assert not list((tmp_path / "out").glob(".*"))  # no temporary files left


def test_geojson_lines(tmp_path, small_result):
    gj = to_geojson(small_result, top=2)
    lines = [f for f in gj["features"] if f["geometry"]["type"] == "LineString"]
    pts = [f for f in gj["features"] if f["geometry"]["type"] == "Point"]
    assert len(lines) == 2 and len(pts) == 4
    first = lines[0]
    assert (first["properties"]["a"], first["properties"]["b"]) == ("A", "B")
    assert first["geometry"]["coordinates"] == [[100.0, 10.0], [110.0, 20.0]]  # [lon, lat]
    p = write_text_atomic(tmp_path / "l.geojson", geojson_text(small_result))
    assert json.loads(p.read_text())["type"] == "FeatureCollection"


def test_geojson_and_map_need_coordinates():
    res = interlocking(np.array([[1, 2], [3, 4]]))
    with pytest.raises(NetworkInputError, match="coordinates"):
        to_geojson(res)
    with pytest.raises(NetworkInputError, match="coordinates"):
        plot_links(res)


def test_map_draws_strongest_links(tmp_path, small_result):
    fig = small_result.plot(top=2)
    ax = fig.axes[0]
    lcs = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lcs) == 1 and len(lcs[0].get_segments()) == 2
    fig.savefig(tmp_path / "m.png")
    assert (tmp_path / "m.png").stat().st_size > 1000


def test_directed_export_marks_direction(tmp_path):
    xy = pd.DataFrame({"lat": [22.0, 23.0, 22.5], "lon": [113.0, 114.0, 113.5]}, index=list("XYZ"))
    res = gravity(pd.Series([1.0, 2.0, 3.0], index=list("XYZ")), coords=xy, model="modified")
    paths = write_texts(tmp_path, csv_texts(res))
    links = pd.read_csv(paths["links"], encoding="utf-8-sig")
    assert len(links) == 6 and (links["direction"] == "a->b").all()
