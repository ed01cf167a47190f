"""The change-point metrics reproduce the doctest values published with the TCPD benchmark code
(van den Burg & Williams 2020, TCPDBench analysis/scripts/metrics.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citynexus.watch.errors import WatchSpecError
from citynexus.watch.metrics import cover_single, covering, f_measure, jaccard, partition, true_positives


def test_true_positives_published():
    assert true_positives({1, 10, 20, 23}, {3, 8, 20}) == {1, 10, 20}
    assert true_positives({1, 10, 20, 23}, {1, 3, 8, 20}) == {1, 10, 20}
    assert true_positives({1, 10, 20, 23}, {1, 3, 5, 8, 20}) == {1, 10, 20}
    assert true_positives(set(), {1, 2, 3}) == set()
    assert true_positives({1, 2, 3}, set()) == set()


def test_f_measure_published():
    assert f_measure({1: [10, 20], 2: [11, 20], 3: [10], 4: [0, 5]}, [10, 20]) == pytest.approx(1.0)
    assert f_measure({1: [], 2: [10], 3: [50]}, [10]) == pytest.approx(0.9090909090909091)
    assert f_measure({1: [], 2: [10], 3: [50]}, []) == pytest.approx(0.8)


def test_jaccard_published():
    assert jaccard({1, 2, 3}, set()) == 0.0
    assert jaccard({1, 2, 3}, {2, 5}) == 0.25
    assert jaccard(set(), {1, 2, 3}) == 0.0
    assert jaccard({1, 2, 3}, {1, 2, 3}) == 1.0


def test_partition_published():
    as_sets = lambda cps, n: [set(r) for r in partition(cps, n)]  # noqa: E731
    assert as_sets([], 5) == [{0, 1, 2, 3, 4}]
    assert as_sets([3, 5], 8) == [{0, 1, 2}, {3, 4}, {5, 6, 7}]
    assert as_sets([1, 2, 7], 8) == [{0}, {1}, {2, 3, 4, 5, 6}, {7}]
    assert as_sets([0, 4], 6) == [{0, 1, 2, 3}, {4, 5}]


def test_cover_single_published():
    assert cover_single([{1, 2, 3}, {4, 5}, {6}], [{1, 2, 3}, {4, 5, 6}]) == pytest.approx(0.8333333333333334)
    assert cover_single([{1, 2, 3, 4}, {5, 6}], [{1, 2, 3, 4, 5, 6}]) == pytest.approx(0.6666666666666666)
    assert cover_single([{1, 2}, {3, 4}, {5, 6}], [{1, 2, 3}, {4, 5, 6}]) == pytest.approx(0.6666666666666666)
    assert cover_single([{1, 2, 3, 4, 5, 6}], [{1}, {2}, {3}, {4, 5, 6}]) == pytest.approx(0.3333333333333333)


def test_covering_published():
    assert covering({1: [10, 20], 2: [10], 3: [0, 5]}, [10, 20], 45) == pytest.approx(0.7962962962962963)
    assert covering({1: [], 2: [10], 3: [40]}, [10], 45) == pytest.approx(0.7954144620811286)
    assert covering({1: [], 2: [10], 3: [40]}, [], 45) == pytest.approx(0.8189300411522634)


def test_hand_computed_nile_zero():
    # annotators of the Nile series in TCPD: [], [28], [], [28], [28]; predicting nothing:
    # P = 1, R = (1 + 1/2 + 1 + 1/2 + 1/2) / 5 = 0.7, F1 = 2 * 0.7 / 1.7
    ann = {"a": [], "b": [28], "c": [], "d": [28], "e": [28]}
    f, p, r = f_measure(ann, [], return_pr=True)
    assert (p, r) == (1.0, pytest.approx(0.7))
    assert f == pytest.approx(1.4 / 1.7)
    assert f_measure(ann, [30]) == pytest.approx(1.0)  # within the 5-observation margin
    assert f_measure(ann, [34]) < f_measure(ann, [33])  # 34 is outside it


def test_bad_arguments():
    with pytest.raises(WatchSpecError, match="annotator"):
        f_measure({}, [1])
    with pytest.raises(WatchSpecError, match="margin"):
        true_positives({1}, {1}, margin=-1)
    with pytest.raises(WatchSpecError, match="n=0"):
        covering({1: []}, [], 0)
    with pytest.raises(WatchSpecError, match="same number"):
        cover_single([{1, 2}], [{1}])


cps = st.lists(st.integers(0, 99), max_size=8)


@given(cps, st.dictionaries(st.integers(0, 4), cps, min_size=1, max_size=5))
def test_bounds_and_perfect(pred, ann):
    f = f_measure(ann, pred)
    c = covering(ann, pred, 100)
    assert 0.0 <= f <= 1.0 + 1e-12
    assert 0.0 <= c <= 1.0 + 1e-12
    single = {"x": pred}
    assert f_measure(single, pred) == pytest.approx(1.0)
    assert covering(single, pred, 100) == pytest.approx(1.0)


@given(cps)
def test_partition_covers_range(p):
    parts = partition(p, 100)
    assert sum(len(r) for r in parts) == 100
    assert [r.start for r in parts][1:] == sorted({x for x in p if 0 < x < 100})
