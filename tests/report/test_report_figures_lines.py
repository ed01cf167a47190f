"""Line figures with many lines (29 cities): labels at the lines' ends, spread apart, and a
select box that highlights one line; a few lines keep their legend."""

from __future__ import annotations

from itertools import pairwise

import pandas as pd
import pytest

from citynexus.report.figures import MANY_LINES, spread_labels, timeseries_figure


def panel(n: int, periods=(2010, 2020)) -> pd.DataFrame:
    rows = [
        {"unit": f"U{i:02d}", "period": p, "D": 0.40 + 0.001 * i + 0.01 * (p - 2010) / 10}
        for i in range(n)
        for p in periods
    ]
    return pd.DataFrame(rows)


def test_spread_labels_hand_computed():
    assert spread_labels([0.50, 0.51, 0.52], 0.05, 0.0, 1.0) == pytest.approx([0.50, 0.55, 0.60])
    # near the top the labels are pushed back down below the upper bound
    assert spread_labels([0.99, 0.98], 0.05, 0.0, 1.0) == pytest.approx([1.0, 0.95])
    # far apart: unchanged, in the caller's order
    assert spread_labels([0.9, 0.1, 0.5], 0.05, 0.0, 1.0) == pytest.approx([0.9, 0.1, 0.5])
    assert spread_labels([], 0.05, 0.0, 1.0) == []


def test_few_lines_keep_a_legend():
    fig = timeseries_figure(panel(MANY_LINES), "D", {}, "D")
    assert fig.layout.showlegend is not False and not fig.layout.updatemenus
    assert not [a for a in fig.layout.annotations if a.text and a.text.startswith("U")]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_many_lines_are_labelled_at_their_ends(lang):
    from citynexus.region import GRADES_10

    names = {f"U{i:02d}": f"City {i}" for i in range(29)}
    fig = timeseries_figure(panel(29), "D", names, "D", lang, bands=GRADES_10, y_range=(0.3, 0.6))
    assert fig.layout.showlegend is False
    ends = [a for a in fig.layout.annotations if a.text in names.values()]
    assert sorted(a.text for a in ends) == sorted(names.values())
    assert all(a.x == 2020 and a.axref == "pixel" and a.ayref == "y" for a in ends)
    assert tuple(fig.layout.xaxis.range) == pytest.approx((2009.7, 2020.3))  # the leaders do not widen the axis
    # spread apart: at least one label height (in data units of the plot's height) between neighbours
    ys = sorted(a.ay for a in ends)
    plot_px = fig.layout.height - 95
    gap = min(b - a for a, b in pairwise(ys)) * plot_px / (0.6 - 0.3)
    assert gap >= 12.9, gap
    assert fig.layout.margin.r >= max(len(n) for n in names.values()) * 6
    menu = fig.layout.updatemenus[0]
    assert len(menu.buttons) == 30
    assert menu.buttons[0].label == ("Highlight: all lines" if lang == "en" else "突出显示：全部")
    third = menu.buttons[3].args[0]["opacity"]
    assert third[2] == 1.0 and sum(o < 1 for o in third) == 28
    assert menu.buttons[0].args[0]["opacity"] == [1.0] * 29
    # the grade names moved inside the plot (the right margin holds the labels)
    grades = {b.name if lang == "en" else b.name_zh for b in GRADES_10}
    inside = [a for a in fig.layout.annotations if a.text in grades]
    assert len(inside) == 10 and all(a.x == 0.0 and a.xanchor == "left" for a in inside)
