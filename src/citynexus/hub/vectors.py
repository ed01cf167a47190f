"""Vector search behind an interface (向量检索): exact by default, approximate when plugged in.

:class:`ExactIndex` scores every stored vector (inner product of unit vectors = cosine),
which takes O(n·d) per query: about 10 ms for 100,000 x 512 float32 on one core, fine up to
hundreds of thousands of items. A larger deployment registers an approximate index (HNSW,
IVF-PQ, ...) with :func:`register_index` and names it in ``MatchConfig.vector_index``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from citynexus.hub.errors import HubConfigError

if TYPE_CHECKING:
    from collections.abc import Callable


@runtime_checkable
class VectorIndex(Protocol):
    """What the matcher needs from a vector index over unit-length float32 vectors."""

    def build(self, vectors: np.ndarray) -> None:
        """Index ``vectors`` (n, d); row i is item i."""
        ...

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The (at most) ``k`` rows most similar to ``query`` (d,): (row indices, cosine), best first."""
        ...

    def similarity(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Cosine similarity of ``query`` with the given rows (used to explain a match)."""
        ...

    def __len__(self) -> int: ...


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest scores, best first (ties by lower index)."""
    n = scores.shape[0]
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k < n:
        # argpartition picks any of the items tied with the k-th score; take the lowest indices
        kth = -np.partition(-scores, k - 1)[k - 1]
        above = np.flatnonzero(scores > kth)
        part = np.concatenate([above, np.flatnonzero(scores == kth)[: k - len(above)]])
    else:
        part = np.arange(n)
    order = np.lexsort((part, -scores[part]))
    return part[order]


class ExactIndex:
    """Brute-force inner-product search over a float32 matrix."""

    def __init__(self) -> None:
        self.matrix = np.zeros((0, 0), dtype=np.float32)

    def build(self, vectors: np.ndarray) -> None:
        self.matrix = np.ascontiguousarray(vectors, dtype=np.float32)

    def scores(self, query: np.ndarray) -> np.ndarray:
        if len(self) == 0:
            return np.zeros(0, dtype=np.float32)
        return self.matrix @ np.asarray(query, dtype=np.float32)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        s = self.scores(query)
        idx = top_k(s, k)
        return idx, s[idx]

    def similarity(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0, dtype=np.float32)
        return self.matrix[np.asarray(rows)] @ np.asarray(query, dtype=np.float32)

    def __len__(self) -> int:
        return self.matrix.shape[0]

    @property
    def nbytes(self) -> int:
        return int(self.matrix.nbytes)


_FACTORIES: dict[str, Callable[[], VectorIndex]] = {"exact": ExactIndex}


def register_index(name: str, factory: Callable[[], VectorIndex]) -> None:
    """Make ``MatchConfig(vector_index=name)`` use indices made by ``factory()``."""
    _FACTORIES[name] = factory


def make_index(name: str) -> VectorIndex:
    """A new, empty index of the registered kind ``name``."""
    try:
        return _FACTORIES[name]()
    except KeyError:
        raise HubConfigError(
            f"unknown vector index {name!r}; registered: {', '.join(sorted(_FACTORIES))} "
            "(register more with citynexus.hub.vectors.register_index)"
        ) from None
