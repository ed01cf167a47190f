"""Slider values of the explorer: a shared link's weights exactly, defaults for Reset."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from citynexus.web.explorer import slider_values


def test_shared_link_values_are_kept_exactly():
    rows, exact = slider_values(["IND", "URB"], {"IND": 1, "URB": 1}, {"w.IND": "99", "w.URB": "8"})
    assert [(r["code"], r["value"], r["default"]) for r in rows] == [("IND", 99, 50), ("URB", 8, 50)] and exact


def test_defaults_without_a_link_and_bad_values():
    rows, exact = slider_values(["A", "B", "C"], {"A": 1, "B": 1, "C": 2}, {})
    assert [r["value"] for r in rows] == [25, 25, 50] and exact
    rows, _ = slider_values(["A", "B"], {"A": 1, "B": 3}, {"w.A": "abc", "w.B": "-4"})
    assert [r["value"] for r in rows] == [25, 75]  # not numbers / negative -> the defaults
    rows, _ = slider_values(["A", "B"], {"A": 1, "B": 1}, {"w.A": "nan", "w.B": "inf"})
    assert [r["value"] for r in rows] == [50, 50]


def test_fractional_and_large_values_keep_the_ratio():
    rows, exact = slider_values(["A", "B"], {"A": 1, "B": 1}, {"w.A": "0.5", "w.B": "2"})
    assert [r["value"] for r in rows] == [0.5, 2.0] and not exact  # the page then steps by any amount
    rows, exact = slider_values(["A", "B"], {"A": 1, "B": 1}, {"w.A": "400", "w.B": "100"})
    assert [r["value"] for r in rows] == [100, 25] and exact


@given(st.lists(st.integers(0, 100), min_size=2, max_size=6))
def test_any_integer_link_round_trips(ws):
    codes = [f"C{i}" for i in range(len(ws))]
    rows, exact = slider_values(codes, dict.fromkeys(codes, 1.0), {f"w.{c}": str(w) for c, w in zip(codes, ws)})
    assert exact and [r["value"] for r in rows] == ws


def test_untouched_sliders_send_exact_weights():
    # three equal weights: the sliders show 33 (whole percentages) but send 100/3 each
    rows, exact = slider_values(["A", "B", "C"], {"A": 1, "B": 1, "C": 1}, {})
    assert [r["value"] for r in rows] == [33, 33, 33] and exact
    assert [r["weight"] for r in rows] == [100 / 3] * 3 and [r["share"] for r in rows] == [100 / 3] * 3
    # weights 0.07 / 0.18 / 0.75 of a pillar: shown 7 / 18 / 75, sent as given by the spec
    rows, _ = slider_values(["A", "B", "C"], {"A": 0.07, "B": 0.18, "C": 0.75}, {})
    assert [round(r["weight"], 12) for r in rows] == [7.0, 18.0, 75.0]
    rows, _ = slider_values(["A", "B"], {"A": 1, "B": 2}, {})
    assert [r["value"] for r in rows] == [33, 67] and rows[0]["weight"] * 2 == rows[1]["weight"]
    # a link's values are sent as given; a code the link leaves out sends the exact share
    rows, _ = slider_values(["IND", "URB", "X"], {"IND": 1, "URB": 1, "X": 1}, {"w.IND": "99", "w.URB": "8"})
    assert [r["weight"] for r in rows] == [99.0, 8.0, 100 / 3]
    rows, _ = slider_values(["A", "B"], {"A": 1, "B": 1}, {"w.A": "400", "w.B": "100"})
    assert [r["weight"] for r in rows] == [100.0, 25.0]  # scaled with the values: same ratio
