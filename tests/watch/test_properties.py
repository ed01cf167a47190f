"""Invariants of the risk score, the anomaly detector and the trajectory (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from citynexus.watch.anomalies import series_anomalies
from citynexus.watch.risk import CATEGORIES, SIGNAL_WEIGHTS, Signal, combine
from citynexus.watch.trajectory import parse_term, trajectory

signal = st.builds(
    lambda k, c, s: Signal(k, c, s, "m", "2026-01", "x", "x"),
    st.sampled_from(sorted(SIGNAL_WEIGHTS)),
    st.sampled_from(CATEGORIES),
    st.floats(0, 1),
)


@given(st.lists(signal, max_size=12), signal)
def test_score_bounded_and_monotone(signals, extra):
    a = combine("p", signals)
    b = combine("p", [*signals, extra])
    assert 0.0 <= a.score <= 1.0
    assert b.score >= a.score - 1e-12  # a new warning never lowers the risk
    for c in CATEGORIES:
        assert b.categories[c]["score"] >= a.categories[c]["score"] - 1e-12


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), max_size=80), st.floats(-1e3, 1e3), st.floats(0.5, 1e3))
def test_anomalies_affine_invariant(values, shift, scale):
    a = series_anomalies(values, period=0)
    moved = [None if v is None else v * scale + shift for v in values]
    b = series_anomalies(moved, period=0)
    assert all(0 <= p < len(values) and values[p] is not None for p in a.positions)
    if not a.note and not b.note:
        # the same points, up to rounding at the threshold
        assert len(set(a.positions) ^ set(b.positions)) <= 1


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0, 1e4), min_size=1, max_size=20), st.floats(0, 1e5))
def test_breach_probability_is_a_probability_and_complements(values, threshold):
    periods = [f"{2024 + i // 12}-{i % 12 + 1:02d}" for i in range(len(values))]
    hi = trajectory(periods, values, parse_term(f"x >= {threshold}", "2027-12"))
    lo = trajectory(periods, values, parse_term(f"x < {threshold}", "2027-12"))
    assert 0.0 <= hi.probability_breach <= 1.0
    # the same paths: x >= t fails exactly where x < t holds
    assert abs(hi.probability_breach + lo.probability_breach - 1.0) < 1e-12
    assert np.isfinite(hi.forecast)
