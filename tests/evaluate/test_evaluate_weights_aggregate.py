"""Weights and aggregation: hand-computed cases, pymcdm's published reference cases, and
direct comparison with pymcdm on random matrices."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from citynexus.evaluate import aggregate as agg
from citynexus.evaluate import weights as wts
from citynexus.evaluate.errors import EvaluationError, InconsistentJudgementsError, IndexSpecError

pymcdm = pytest.importorskip("pymcdm")
from pymcdm import methods as pm  # noqa: E402
from pymcdm import normalizations as pn  # noqa: E402
from pymcdm import weights as pw  # noqa: E402

# pymcdm's reference matrices (its tests cite the papers)
ENTROPY_REF = np.array(
    [
        [7, 312, 1891, 6613, 163],
        [72, 88, 728, 941804, 1078],
        [10, 252, 2594, 3466, 117471],
        [10, 145, 980, 2371, 86329],
        [65, 54, 350, 501, 29897],
        [29, 48, 380, 912, 34051],
        [7, 476, 3300, 78470, 2212],
        [70, 87, 650, 733, 819000],
        [4, 86, 591, 3015, 103],
        [12, 79, 579, 3240, 96098],
        [21, 45, 261, 1253, 453],
        [1, 72, 530, 4333, 0.104800],
    ]
)  # Elsayed, Dawood & Karthikeyan (2017)
CRITIC_REF = np.array(
    [[5000, 3, 3, 4, 3, 2], [680, 5, 3, 2, 2, 1], [2000, 3, 2, 3, 4, 3], [600, 4, 3, 1, 2, 2], [800, 2, 4, 3, 3, 4]]
)  # Tus & Adali (2019)
VIKOR_REF = np.array([[78, 56, 34, 6], [4, 45, 3, 97], [18, 2, 50, 63], [9, 14, 11, 92], [85, 9, 100, 29]])
AHP_REF = np.array(
    [
        [1, 4, 3, 1, 3, 4],
        [1 / 4, 1, 7, 3, 1 / 5, 1],
        [1 / 3, 1 / 7, 1, 1 / 5, 1 / 5, 1 / 6],
        [1, 1 / 3, 5, 1, 1, 1 / 3],
        [1 / 3, 5, 5, 1, 1, 3],
        [1 / 4, 1, 6, 3, 1 / 3, 1],
    ]
)  # Wang & Chin (2011)


# ---------------------------------------------------------------- weights: hand-computed
def test_given_and_equal():
    np.testing.assert_allclose(wts.given([1, 3]), [0.25, 0.75])
    np.testing.assert_allclose(wts.given([2, 2, 4]), [0.25, 0.25, 0.5])
    np.testing.assert_allclose(wts.equal(np.zeros((5, 4))), [0.25] * 4)
    with pytest.raises(IndexSpecError, match="sum to 0"):
        wts.given([0, 0])
    with pytest.raises(IndexSpecError, match="non-negative"):
        wts.given([1, -1])


def test_entropy_pymcdm_variant_hand_computed():
    # column [1,1,2]: shares .25,.25,.5 -> e = 1.039721/ln 3; column [1,2,3]: shares 1/6,1/3,1/2
    x = np.array([[1.0, 1.0], [1.0, 2.0], [2.0, 3.0]])
    e1 = -(2 * 0.25 * np.log(0.25) + 0.5 * np.log(0.5)) / np.log(3)
    e2 = -(1 / 6 * np.log(1 / 6) + 1 / 3 * np.log(1 / 3) + 0.5 * np.log(0.5)) / np.log(3)
    d = np.array([1 - e1, 1 - e2])
    np.testing.assert_allclose(wts.entropy(x), d / d.sum(), rtol=1e-12)
    np.testing.assert_allclose(wts.entropy(x), [0.40309, 0.59691], atol=1e-5)


def test_entropy_minmax_variant_hand_computed():
    x = np.array([[1.0, 1.0], [1.0, 2.0], [2.0, 3.0]])
    z1 = np.array([0.0, 0.0, 1.0]) + 1e-4
    z2 = np.array([0.0, 0.5, 1.0]) + 1e-4
    d = []
    for z in (z1, z2):
        p = z / z.sum()
        d.append(1 + np.sum(p * np.log(p)) / np.log(3))
    d = np.array(d)
    np.testing.assert_allclose(wts.entropy_minmax(x), d / d.sum(), rtol=1e-12)


def test_entropy_variants_differ_as_documented():
    rng = np.random.default_rng(7)
    x = rng.uniform(1, 10, size=(12, 4))
    # pymcdm variant: invariant to scaling a column, not to shifting it
    np.testing.assert_allclose(wts.entropy(x * [1, 10, 100, 0.5]), wts.entropy(x))
    assert not np.allclose(wts.entropy(x + np.array([0, 50, 0, 0])), wts.entropy(x))
    # min-max variant: invariant to both (positive affine maps of a column)
    np.testing.assert_allclose(wts.entropy_minmax(x * [1, 10, 100, 0.5] + [0, 50, -3, 7]), wts.entropy_minmax(x))
    # and the two give different weights on the same data
    assert not np.allclose(wts.entropy(x), wts.entropy_minmax(x), atol=1e-3)
    with pytest.raises(EvaluationError, match="entropy_minmax"):
        wts.entropy(x - 5)


def test_critic_symmetric_hand_case():
    # z1 = (0, .5, 1), z2 = (0, 1, .5): sd .5 each, r = .5 -> C = .5 * .5 each
    x = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 1.0]])
    np.testing.assert_allclose(wts.critic(x), [0.5, 0.5])


def test_std_weights_hand_case():
    x = np.array([[0.0, 0.0], [2.0, 1.0], [4.0, 2.0]])  # sd 2 and 1
    np.testing.assert_allclose(wts.std(x), [2 / 3, 1 / 3])


def test_ahp_consistent_matrix_and_cr():
    A = [[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]]
    w, cr = wts.ahp(A)
    np.testing.assert_allclose(w, [4 / 7, 2 / 7, 1 / 7], rtol=1e-10)
    assert abs(cr) < 1e-10


def test_ahp_refuses_inconsistent_unless_forced_and_non_reciprocal():
    A = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.raises(InconsistentJudgementsError, match=r"CR = .* >= 0.1.*force"):
        wts.ahp(A)
    w, cr = wts.ahp(A, force=True)
    assert cr > 0.1 and w.sum() == pytest.approx(1)
    with pytest.raises(IndexSpecError, match=r"not reciprocal: a\[1,2\] = 3 but a\[2,1\] = 0.5"):
        wts.ahp([[1, 3], [0.5, 1]])
    with pytest.raises(IndexSpecError, match="square"):
        wts.ahp([[1, 2, 3], [0.5, 1, 2]])
    with pytest.raises(IndexSpecError, match="diagonal"):
        wts.ahp([[2, 1], [1, 1]])


def test_pca_weights_properties():
    rng = np.random.default_rng(3)
    f = rng.normal(size=(60, 1))
    x = np.hstack([f + 0.1 * rng.normal(size=(60, 1)), f + 0.5 * rng.normal(size=(60, 1)), rng.normal(size=(60, 1))])
    w = wts.pca(x)
    assert w.sum() == pytest.approx(1) and (w > 0).all()
    # one-factor case: weights are the scaled squared loadings of the first component
    x1 = np.hstack([f + 0.2 * rng.normal(size=(60, 1)) for _ in range(3)])
    c = np.corrcoef(x1, rowvar=False)
    _, vecs = np.linalg.eigh(c)
    sq = vecs[:, -1] ** 2
    np.testing.assert_allclose(wts.pca(x1, rotate=False), sq / sq.sum(), rtol=1e-8)


# ---------------------------------------------------------------- weights: pymcdm
def test_entropy_matches_pymcdm_reference_case():
    expected = [0.104991, 0.069124, 0.071373, 0.449937, 0.304575]
    assert [round(v, 6) for v in wts.entropy(ENTROPY_REF)] == expected
    np.testing.assert_allclose(wts.entropy(ENTROPY_REF), pw.entropy_weights(ENTROPY_REF), rtol=1e-12)


def test_critic_matches_pymcdm_reference_case():
    assert [round(v, 3) for v in wts.critic(CRITIC_REF)] == [0.157, 0.249, 0.168, 0.121, 0.154, 0.151]
    np.testing.assert_allclose(wts.critic(CRITIC_REF), pw.critic_weights(CRITIC_REF), rtol=1e-12)


def test_std_and_ahp_match_pymcdm():
    m = np.array(
        [
            [0, 0, 0],
            [0.39, 0.3, 0.77],
            [0.17, 0.36, 0.8],
            [0.35, 0.29, 0.93],
            [0.3, 0.4, 0.94],
            [0.84, 0.71, 1],
            [1, 1, 0.99],
        ]
    )
    assert [round(v, 2) for v in wts.std(m)] == [0.35, 0.31, 0.34]
    w, cr = wts.ahp(AHP_REF, force=True)
    assert [round(v, 4) for v in w] == [0.3208, 0.1395, 0.0348, 0.1285, 0.2374, 0.1391]
    from pymcdm.weights.subjective import AHP

    assert cr == pytest.approx(AHP(matrix=AHP_REF).get_cr() * 1.1159 / 1.12, rel=1e-3)  # RI 1.12 vs 1.1159


@pytest.mark.parametrize("seed", range(5))
def test_entropy_critic_match_pymcdm_random(seed):
    x = np.random.default_rng(seed).uniform(0.5, 50, size=(15, 6))
    np.testing.assert_allclose(wts.entropy(x), pw.entropy_weights(x), rtol=1e-10)
    np.testing.assert_allclose(wts.critic(x), pw.critic_weights(x), rtol=1e-10)
    np.testing.assert_allclose(wts.std(x), pw.standard_deviation_weights(x), rtol=1e-10)


@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, (2, 7, 3), elements=st.floats(0.1, 100, allow_nan=False)))
def test_weight_batch_axis_equals_loop(x):
    for f in (wts.entropy, wts.entropy_minmax, wts.std, wts.critic):
        b = f(x)
        for k in range(2):
            np.testing.assert_allclose(b[k], f(x[k]), rtol=1e-9, atol=1e-12)
        assert np.allclose(b.sum(axis=-1), 1)


# ---------------------------------------------------------------- means: hand-computed
XA = np.array([[50.0, 100.0], [20.0, np.nan], [np.nan, np.nan]])
WA = np.array([0.25, 0.75])


def test_means_hand_computed_with_missing_children():
    a = agg.arithmetic(XA, WA)
    assert a[0] == pytest.approx(87.5) and a[1] == 20.0 and np.isnan(a[2])
    g = agg.geometric(XA, WA)
    assert g[0] == pytest.approx(np.exp(0.25 * np.log(50) + 0.75 * np.log(100))) and g[1] == pytest.approx(20.0)
    assert g[0] == pytest.approx(84.0896, abs=1e-4)
    h = agg.harmonic(XA, WA)
    assert h[0] == pytest.approx(80.0) and h[1] == pytest.approx(20.0)
    q = agg.generalised(XA, WA, p=2)
    assert q[0] == pytest.approx(np.sqrt(8125))
    # availability threshold: unit 1 has 1 of 2 children -> missing with min_share 0.6
    a2 = agg.arithmetic(XA, WA, min_share=0.6)
    assert a2[0] == pytest.approx(87.5) and np.isnan(a2[1])


def test_geometric_and_harmonic_refuse_with_unit_and_child():
    x = np.array([[10.0, 0.0], [5.0, 5.0]])
    with pytest.raises(EvaluationError, match=r"unit SZ, rd_intensity has value 0.*range = \[1, 100\]"):
        agg.geometric(x, [0.5, 0.5], units=["SZ", "GZ"], children=["sei", "rd_intensity"])
    with pytest.raises(EvaluationError, match="harmonic mean needs values > 0"):
        agg.harmonic(x, [0.5, 0.5])


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, (5, 4), elements=st.floats(0.5, 100, allow_nan=False)),
    arrays(np.float64, (4,), elements=st.floats(0.05, 1, allow_nan=False)),
)
def test_power_means_ordered_and_bounded(x, w):
    w = w / w.sum()
    h, g, a = agg.harmonic(x, w), agg.geometric(x, w), agg.arithmetic(x, w)
    q = agg.generalised(x, w, p=3)
    assert np.all(h <= g + 1e-9) and np.all(g <= a + 1e-9) and np.all(a <= q + 1e-9)
    assert np.all(x.min(axis=1) - 1e-9 <= h) and np.all(q <= x.max(axis=1) + 1e-9)
    np.testing.assert_allclose(agg.generalised(x, w, p=-1), h, rtol=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    arrays(np.float64, (3, 6, 4), elements=st.one_of(st.floats(1, 100), st.just(np.nan))),
    arrays(np.float64, (3, 4), elements=st.floats(0.05, 1)),
)
def test_mean_batch_axis_equals_loop(x, w):
    for f in (agg.arithmetic, agg.geometric, agg.harmonic):
        b = f(x, w)
        for k in range(3):
            np.testing.assert_allclose(b[k], f(x[k], w[k]), rtol=1e-12, equal_nan=True)


# ---------------------------------------------------------------- MCDA
def test_topsis_hand_computed_vector_normalisation():
    x = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])
    c = agg.topsis(x, [0.5, 0.5])
    np.testing.assert_allclose(c, [(np.sqrt(5) - 1) / 4, (np.sqrt(5) - 1) / 4, 1.0], rtol=1e-12)


def test_topsis_matches_pymcdm_reference_and_random():
    m = np.array([[1, 2, 5], [3000, 3750, 4500]]).T
    c = agg.topsis(m, [0.5, 0.5], types=[-1, 1], normalisation="minmax")
    assert [round(v, 3) for v in c] == [0.5, 0.617, 0.5]
    rng = np.random.default_rng(11)
    for _ in range(5):
        x = rng.uniform(1, 100, size=(9, 5))
        w = rng.dirichlet(np.ones(5))
        t = np.array([1, -1, 1, 1, -1])
        np.testing.assert_allclose(agg.topsis(x, w, t, "minmax"), pm.TOPSIS()(x, w, t), rtol=1e-10)
        np.testing.assert_allclose(
            agg.topsis(x, w, t, "vector"), pm.TOPSIS(pn.vector_normalization)(x, w, t), rtol=1e-10
        )


def test_vikor_matches_pymcdm_reference_cases_and_random():
    _, _, q = agg.vikor(VIKOR_REF, [0.25] * 4)
    assert [round(v, 4) for v in q] == [0.5679, 0.7667, 1, 0.7493, 0]
    m = np.array([[1, 2, 5], [3000, 3750, 4500]]).T
    _, _, q2 = agg.vikor(m, [0.5, 0.5], types=[-1, 1])
    assert list(q2) == [1, 0, 1]
    rng = np.random.default_rng(5)
    for v in (0.2, 0.5, 0.9):
        x = rng.uniform(1, 100, size=(8, 4))
        w = rng.dirichlet(np.ones(4))
        t = np.array([1, 1, -1, 1])
        np.testing.assert_allclose(agg.vikor(x, w, t, v=v)[2], pm.VIKOR(v=v)(x, w, t), rtol=1e-10)


def test_vikor_hand_computed_s_r():
    x = np.array([[0.0, 10.0], [10.0, 0.0], [5.0, 5.0]])
    S, R, Q = agg.vikor(x, [0.5, 0.5])
    np.testing.assert_allclose(S, [0.5, 0.5, 0.5])
    np.testing.assert_allclose(R, [0.5, 0.5, 0.25])
    np.testing.assert_allclose(Q, [0.5, 0.5, 0.0])  # S constant -> its term is 0


def test_gra_hand_computed():
    x = np.array([[1.0, 3.0], [2.0, 1.0], [3.0, 2.0]])
    np.testing.assert_allclose(agg.gra(x, [0.5, 0.5]), [2 / 3, 5 / 12, 0.75], rtol=1e-12)
    # rho changes the coefficients: rho = 1 -> xi = 1/(delta + 1)
    np.testing.assert_allclose(agg.gra(x, [0.5, 0.5], rho=1.0), [(0.5 + 1) / 2, (1 / 1.5 + 0.5) / 2, (1 + 1 / 1.5) / 2])


def test_aggregate_array_scales_mcda_and_rejects_unknown():
    x = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])
    y = agg.aggregate_array("topsis", x, [0.5, 0.5])
    assert y[2] == pytest.approx(100.0)
    v = agg.aggregate_array("vikor", x, [0.5, 0.5])
    assert v[2] == pytest.approx(100.0) and v.argmax() == 2
    with pytest.raises(ValueError, match="unknown aggregation"):
        agg.aggregate_array("median", x, [0.5, 0.5])
