"""Evaluation metrics for change-point detection (van den Burg & Williams, 2020).

Reference: G. J. J. van den Burg and C. K. I. Williams, "An Evaluation of Change Point Detection
Algorithms", arXiv:2003.06222 (2020), section 4.1 (the TCPD benchmark protocol).

Conventions: a change point is the 0-based position at which a new segment starts; the series start
(position 0) is counted as a change point both in every annotation and in the prediction, so that a
method predicting nothing is not undefined and "no change at all" is rewarded when annotators agree.
Annotations are a mapping annotator -> positions (several annotators label the same series).

* :func:`true_positives` — the annotated points matched by a distinct predicted point within ``margin``
  observations (each prediction matches at most one annotation, the closest).
* :func:`f_measure` — precision against the union of all annotations, recall averaged over annotators
  (eq. 4 of the paper), combined as ``F = P R / (alpha R + (1 - alpha) P)`` (F1 for ``alpha = 0.5``).
* :func:`covering` — segmentation covering (Arbeláez et al., 2011, eq. 8): for the annotated partition
  ``G`` and the predicted partition ``S``, ``C(S, G) = (1/T) sum_{A in G} |A| max_{A' in S} J(A, A')``
  with ``J`` the Jaccard index, averaged over annotators.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence

from citynexus.watch.errors import WatchSpecError

__all__ = ["cover_single", "covering", "f_measure", "jaccard", "partition", "true_positives"]


def true_positives(truth: Iterable[int], predicted: Iterable[int], margin: int = 5) -> set[int]:
    """The annotated positions that a predicted position lies within ``margin`` of.

    Each annotated position ``tau`` (in increasing order) takes the closest still unused prediction
    ``x`` with ``|tau - x| <= margin``; a prediction is used at most once, so two annotations cannot be
    matched by one prediction (no double counting). Ties go to the smaller prediction.
    """
    if margin < 0:
        raise WatchSpecError(f"margin must be >= 0, not {margin}")
    free = sorted(set(predicted))
    hits: set[int] = set()
    for tau in sorted(set(truth)):
        best: int | None = None
        for x in free:
            d = abs(tau - x)
            if d <= margin and (best is None or d < abs(tau - best)):
                best = x
        if best is not None:
            hits.add(tau)
            free.remove(best)
    return hits


def f_measure(
    annotations: Mapping[object, Iterable[int]],
    predicted: Iterable[int],
    margin: int = 5,
    alpha: float = 0.5,
    return_pr: bool = False,
) -> float | tuple[float, float, float]:
    """F-measure of ``predicted`` change points against several annotators.

    With ``T_k`` the annotations of annotator ``k`` (plus 0), ``T* = U_k T_k``, ``X`` the predictions
    (plus 0) and ``TP(T, X)`` from :func:`true_positives`:
    ``P = |TP(T*, X)| / |X|``, ``R = (1/K) sum_k |TP(T_k, X)| / |T_k|``, ``F = P R / (alpha R + (1-alpha) P)``.
    Returns ``F`` or ``(F, P, R)``.
    """
    if not annotations:
        raise WatchSpecError("f_measure needs at least one annotator (an empty list of positions is fine)")
    sets = [set(v) | {0} for v in annotations.values()]
    x = set(predicted) | {0}
    union: set[int] = set().union(*sets)
    p = len(true_positives(union, x, margin)) / len(x)
    r = sum(len(true_positives(tk, x, margin)) / len(tk) for tk in sets) / len(sets)
    f = p * r / (alpha * r + (1 - alpha) * p) if (p > 0 or r > 0) else 0.0
    return (f, p, r) if return_pr else f


def partition(positions: Iterable[int], n: int) -> list[range]:
    """The segments ``[start, next start)`` of ``range(n)`` cut at ``positions`` (0 and duplicates ignored).

    Positions outside ``1..n-1`` are ignored. Segments are returned as ``range`` objects.
    """
    cuts = sorted({int(p) for p in positions if 0 < int(p) < n})
    bounds = [0, *cuts, n]
    return [range(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def jaccard(a: range | set[int], b: range | set[int]) -> float:
    """Jaccard index ``|A ∩ B| / |A ∪ B|`` (0 when both are empty)."""
    sa, sb = set(a), set(b)
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0


def cover_single(predicted: Sequence[range | set[int]], truth: Sequence[range | set[int]]) -> float:
    """Covering of the partition ``truth`` by the partition ``predicted`` (Arbeláez et al., eq. 8):
    ``(1/T) sum_{A in truth} |A| max_{A' in predicted} J(A, A')``."""
    total = sum(len(a) for a in truth)
    if total != sum(len(a) for a in predicted):
        raise WatchSpecError("the two partitions do not cover the same number of observations")
    if total == 0:
        return 0.0
    return sum(len(a) * max(jaccard(a, b) for b in predicted) for a in truth) / total


def covering(annotations: Mapping[object, Iterable[int]], predicted: Iterable[int], n: int) -> float:
    """Segmentation covering of the prediction, averaged over annotators, for a series of ``n`` points."""
    if not annotations:
        raise WatchSpecError("covering needs at least one annotator (an empty list of positions is fine)")
    if n < 1:
        raise WatchSpecError(f"covering needs a series of at least one observation, not n={n}")
    px = partition(predicted, n)
    return sum(cover_single(px, partition(a, n)) for a in annotations.values()) / len(annotations)
