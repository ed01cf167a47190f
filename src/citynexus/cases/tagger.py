"""Bilingual SDG tagging (可持续发展目标标注): sentence encoder + keyword ontology.

For a text :math:`x` (Chinese or English) and each goal :math:`g`:

* **encoder score** — with the multilingual sentence encoder of the hub
  (:func:`citynexus.hub.encoder.default_encoder`, USE multilingual v3; unit vectors, so the dot
  product is the cosine), :math:`e_g = \\tfrac12 \\max_\\ell \\cos(x, \\text{title}^\\ell_g) +
  \\tfrac12 \\max_{t \\in g, \\ell} \\cos(x, \\text{target}^\\ell_t)` over both languages
  :math:`\\ell \\in \\{en, zh\\}`, then min-max scaled over the 17 goals to :math:`\\hat e_g \\in [0, 1]`;
* **keyword score** — the phrases of :mod:`citynexus.cases.ontology` found in the text; a phrase
  listed under :math:`n` goals weighs :math:`1/n`; :math:`k_g = 1 - \\exp(-\\sum w)` (one
  exclusive phrase gives 0.63, two give 0.86);
* **hybrid** — each part is first standardised over the 17 goals of the text,
  :math:`z(v)_g = (v_g - \\bar v) / \\sigma_v` (:math:`z = 0` for a part that is constant, e.g. no
  phrase matched), then mixed, :math:`f_g = \\alpha\\, z(\\hat e)_g + (1 - \\alpha)\\, z(k)_g`, and the
  mix is min-max scaled to :math:`h_g \\in [0, 1]` for display (default :math:`\\alpha = 0.5`:
  equal weight for the two standardised parts, fixed before the second held-out set was scored).
  Standardising first is score normalisation before fusion (z-score / "CombSUM over z", Montague &
  Aslam 2001, "Relevance score normalization for metasearch", CIKM): without it the keyword
  side's scale (many goals at 0, a few near 1) and the encoder's (all 17 spread over [0, 1]) weigh
  differently from text to text.

As in OSDG (Pukelis et al. 2022, "OSDG 2.0", arXiv:2211.11252), the machine-learned side and the
ontology must agree for a goal to score high; unlike OSDG, nothing is trained here. Goals are
ranked by ``score`` (hybrid, or one side with ``method="encoder"`` / ``"keywords"``), ties by
goal number (``encoder``: :math:`\\hat e_g`; ``keywords``: :math:`k_g`). Targets of a goal get
:math:`\\tfrac12 h_g + \\tfrac12 (\\alpha \\hat e_t + (1 - \\alpha) [\\text{a phrase points to } t])` with
:math:`\\hat e_t` the target cosine min-max scaled over the 169 targets.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from citynexus.cases import sdg
from citynexus.cases.errors import CasesError
from citynexus.cases.ontology import ONTOLOGY, phrases
from citynexus.hub.encoder import process_wide

METHODS = ("hybrid", "encoder", "keywords")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class GoalScore:
    """One goal's scores for a text and the phrases that matched."""

    goal: int
    score: float
    encoder: float
    keywords: float
    cosine: float
    phrases: list[str] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        return {
            "goal": self.goal,
            "score": round(self.score, 4),
            "title": sdg.goal(self.goal).title(lang),
            "encoder": round(self.encoder, 4),
            "keywords": round(self.keywords, 4),
            "cosine": round(self.cosine, 4),
            "phrases": self.phrases,
            "targets": [t | {"text": sdg.target_index()[t["target"]].text(lang)} for t in self.targets],
        }


@dataclass
class TagResult:
    """Goals best first (all 17), with the method and encoder used."""

    text: str
    lang: str
    method: str
    encoder_name: str
    goals: list[GoalScore]

    def top(self, k: int = 3) -> list[int]:
        return [g.goal for g in self.goals[:k]]

    def to_json(self, top: int | None = 5, lang: str | None = None) -> dict[str, Any]:
        shown = self.goals if top is None else self.goals[:top]
        lg = lang or self.lang
        return {
            "goals": [g.to_json(lg) for g in shown],
            "targets": sorted((t for g in shown for t in g.to_json(lg)["targets"]), key=lambda t: -t["score"])[:5],
            "lang": self.lang,
            "method": self.method,
            "encoder": self.encoder_name,
        }


def _split_phrase(p: str) -> tuple[list[str], bool]:
    from citynexus.hub.text import tokenize

    star = p.endswith("*")
    toks = tokenize(p.rstrip("*").replace("-", " "))
    return toks, star


class SDGTagger:
    """Tag texts with SDG goals and targets (see the module docstring for the formulas).

    ``encoder``: any object with ``name``, ``dim`` and ``encode(texts)`` (default: the hub's
    USE multilingual encoder); ``alpha``: weight of the encoder side in the hybrid score."""

    def __init__(self, encoder=None, alpha: float = 0.5):
        if not 0.0 <= alpha <= 1.0:
            raise CasesError(f"alpha must be between 0 and 1, got {alpha}")
        self._encoder = encoder
        self.alpha = float(alpha)
        self._lock = threading.Lock()
        self._ref: dict[str, np.ndarray] | None = None
        self._targets = sdg.targets()
        self._t_goal = np.array([t.goal for t in self._targets])
        self._compile_ontology()

    # ---------------------------------------------------------------- ontology
    def _compile_ontology(self) -> None:
        count: dict[str, int] = {}
        for g in ONTOLOGY:
            for lang in ("en", "zh"):
                for p, _ in phrases(g, lang):
                    count[p] = count.get(p, 0) + 1
        self._phr: list[tuple[int, str, str, list[str], bool, str | None, float]] = []
        from citynexus.hub.text import tokenize

        for g in ONTOLOGY:
            for lang in ("en", "zh"):
                for p, tgt in phrases(g, lang):
                    if lang == "en":
                        toks, star = _split_phrase(p)
                    else:
                        toks, star = [w for w in tokenize(p)], False
                    self._phr.append((g, lang, p, toks, star, tgt, 1.0 / count[p]))

    @staticmethod
    def _match_en(toks: list[str], star: bool, text_toks: list[str]) -> bool:
        n = len(toks)
        if n == 0:
            return False
        for i in range(len(text_toks) - n + 1):
            ok = all(text_toks[i + j] == toks[j] for j in range(n - 1))
            last = text_toks[i + n - 1]
            if ok and (last.startswith(toks[-1]) if star else last == toks[-1]):
                return True
        return False

    def keyword_hits(self, text: str) -> tuple[np.ndarray, dict[int, list[str]], dict[str, float]]:
        """Keyword scores :math:`k_g` (17,), the phrases matched per goal and target credits."""
        from citynexus.hub.text import normalise, tokenize

        norm = normalise(text)
        toks = tokenize(norm.replace("-", " "))
        tokset = set(toks)
        weight = np.zeros(17)
        matched: dict[int, list[str]] = {}
        tcredit: dict[str, float] = {}
        has_cjk = _CJK.search(norm) is not None
        for g, lang, p, ptoks, star, tgt, w in self._phr:
            if lang == "en":
                hit = self._match_en(ptoks, star, toks)
            else:
                hit = has_cjk and (p in norm or (len(ptoks) > 1 and all(t in tokset for t in ptoks)))
            if hit:
                weight[g - 1] += w
                matched.setdefault(g, []).append(p)
                if tgt:
                    tcredit[tgt] = 1.0
        return 1.0 - np.exp(-weight), matched, tcredit

    # ---------------------------------------------------------------- encoder
    @property
    def encoder(self):
        if self._encoder is None:
            from citynexus.hub.encoder import default_encoder

            self._encoder = default_encoder()
        return self._encoder

    def _reference(self) -> dict[str, np.ndarray]:
        with self._lock:
            if self._ref is None:
                gs = sdg.goals()
                enc = self.encoder
                self._ref = {
                    "goal_en": enc.encode([g.title_en for g in gs]),
                    "goal_zh": enc.encode([g.title_zh for g in gs]),
                    "t_en": enc.encode([t.text_en for t in self._targets]),
                    "t_zh": enc.encode([t.text_zh for t in self._targets]),
                }
            return self._ref

    def encoder_scores(self, vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For rows of unit vectors (n, dim): goal scores :math:`e_g` (n, 17) and target
        cosines (n, 169), each the best over the two languages."""
        ref = self._reference()
        g_cos = np.maximum(vecs @ ref["goal_en"].T, vecs @ ref["goal_zh"].T)
        t_cos = np.maximum(vecs @ ref["t_en"].T, vecs @ ref["t_zh"].T)
        t_best = np.full((vecs.shape[0], 17), -1.0)
        for g in range(1, 18):
            t_best[:, g - 1] = t_cos[:, self._t_goal == g].max(axis=1)
        return 0.5 * g_cos + 0.5 * t_best, t_cos

    # ---------------------------------------------------------------- tagging
    def tag(self, text: str, method: str = "hybrid", n_targets: int = 3) -> TagResult:
        """Goals (all 17, best first) and their best targets for one text."""
        return self.tag_many([text], method=method, n_targets=n_targets)[0]

    def tag_many(self, texts: list[str], method: str = "hybrid", n_targets: int = 3) -> list[TagResult]:
        """:meth:`tag` for many texts (one encoder call)."""
        if method not in METHODS:
            raise CasesError(f"unknown tagging method {method!r}; choose one of {', '.join(METHODS)}")
        clean = []
        for i, t in enumerate(texts):
            if not isinstance(t, str) or not t.strip():
                raise CasesError(f"text {i + 1} is empty; give a description of the practice to tag")
            clean.append(t.strip()[:5000])
        from citynexus.hub.text import detect_lang

        need_enc = method != "keywords"
        if need_enc:
            vecs = self.encoder.encode(clean)
            e_all, t_all = self.encoder_scores(vecs)
        out = []
        a = self.alpha if method == "hybrid" else (1.0 if method == "encoder" else 0.0)
        for i, text in enumerate(clean):
            k, matched, tcredit = self.keyword_hits(text)
            if need_enc:
                e = e_all[i]
                e_hat = minmax(e)
                t_hat = minmax(t_all[i])
            else:
                e = e_hat = np.zeros(17)
                t_hat = np.zeros(len(self._targets))
            if method == "hybrid":
                score = fuse(e_hat, k, a)
            else:
                score = e_hat if method == "encoder" else k
            order = sorted(range(17), key=lambda j: (-round(float(score[j]), 12), j))
            goals = []
            for j in order:
                g = j + 1
                idx = np.flatnonzero(self._t_goal == g)
                ts = []
                for ti in idx:
                    tid = self._targets[ti].id
                    s = 0.5 * score[j] + 0.5 * (a * t_hat[ti] + (1 - a) * tcredit.get(tid, 0.0))
                    ts.append((float(s), tid))
                ts.sort(key=lambda x: (-x[0], x[1]))
                goals.append(
                    GoalScore(
                        goal=g,
                        score=float(score[j]),
                        encoder=float(e_hat[j]),
                        keywords=float(k[j]),
                        cosine=float(e[j]),
                        phrases=matched.get(g, []),
                        targets=[{"target": tid, "score": round(s, 4)} for s, tid in ts[:n_targets]],
                    )
                )
            name = self.encoder.name if need_enc else "none"
            out.append(TagResult(text, detect_lang(text), method, name, goals))
        return out


_default_tagger = process_wide(SDGTagger)  # built at the first call


def default_tagger() -> SDGTagger:
    """The process-wide tagger on the hub's default encoder: built once per process, under a
    lock (:func:`citynexus.hub.encoder.process_wide`, the builder of the default encoder too)."""
    return _default_tagger()


def minmax(v: np.ndarray) -> np.ndarray:
    """:math:`(v - \\min v) / (\\max v - \\min v)`; zeros for a constant vector."""
    span = float(v.max() - v.min())
    return (v - v.min()) / span if span > 0 else np.zeros(len(v))


def zscore(v: np.ndarray) -> np.ndarray:
    """:math:`(v - \\bar v) / \\sigma_v` (population standard deviation); zeros for a constant vector."""
    sd = float(v.std())
    return (v - v.mean()) / sd if sd > 0 else np.zeros(len(v))


def fuse(encoder: np.ndarray, keywords: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """The hybrid score of one text: :math:`h = \\mathrm{minmax}(\\alpha\\, z(\\hat e) + (1 - \\alpha)\\, z(k))`.

    ``encoder`` (:math:`\\hat e`) and ``keywords`` (:math:`k`) are one text's scores of the same goals;
    :func:`zscore` standardises each over the goals (a constant part contributes 0, so with no phrase
    matched the encoder alone orders the goals) and :func:`minmax` scales the mix to [0, 1]. One
    phrase matched for one goal of :math:`n` gives that goal :math:`z = \\sqrt{n - 1}` (4 for 17 goals)
    whatever its strength. Score normalisation before fusion: Montague & Aslam (2001), "Relevance
    score normalization for metasearch", CIKM."""
    e, k = np.asarray(encoder, dtype=float), np.asarray(keywords, dtype=float)
    if e.ndim != 1 or e.shape != k.shape or len(e) < 2:
        raise CasesError(f"fuse needs two score lists of the same length >= 2, got shapes {e.shape} and {k.shape}")
    if not (np.isfinite(e).all() and np.isfinite(k).all()):
        raise CasesError("fuse got a score that is NaN or infinite; every goal needs a finite score in each part")
    if not 0.0 <= alpha <= 1.0:
        raise CasesError(f"alpha must be between 0 and 1, got {alpha}")
    return minmax(alpha * zscore(e) + (1 - alpha) * zscore(k))


def keyword_score(n_exclusive_phrases: int) -> float:
    """:math:`1 - e^{-n}`, the keyword score of ``n`` phrases that name one goal only."""
    return 1.0 - math.exp(-n_exclusive_phrases)
