"""Partner risk: signals from the detectors combined into a score per party and category.

Categories (the seeds' three plus compliance): ``funding`` (funding status), ``rd`` (R&D progress),
``supply_chain`` (supply-chain stability), ``compliance`` (reporting discipline and agreement terms).
A metric belongs to a category by an explicit mapping, else by keywords in its name
(:data:`CATEGORY_KEYWORDS`); a metric is "higher is better" unless its name says otherwise
(:data:`LOWER_IS_BETTER`) or the caller says so.

Each signal has a strength ``s`` in [0, 1] and a documented weight ``w`` (:data:`SIGNAL_WEIGHTS`):

* ``changepoint`` — an adverse shift at the latest change point (its segment lasts to the last report,
  so it is in force): ``s = min(1, |shift| / 4 sigma)``;
* ``anomaly`` — an adverse outlier within the last 3 periods: ``s = min(1, |M| / 10)``; or a period
  among the last 3 where the party's metrics together look unusual (IsolationForest): ``s = min(1, z / 10)``
  with ``z`` the robust z-score of its anomaly score;
* ``trajectory`` — a KPI term not yet due: ``s`` = probability of breach; ``breached`` — a due term failed: 1;
* ``stopped`` — a series that stopped reporting: 1; ``missing`` — ``min(1, count / 3)``;
  ``late`` — ``min(1, share late / 0.2) * min(1, mean days late / 30)``; ``revised`` — ``min(1, count / 2)``.

The category score is the noisy-or ``1 - prod(1 - w_k s_k)`` of its signals; the party score is
``0.6 max_c score_c + 0.4 sum_c W_c score_c`` with the category weights :data:`CATEGORY_WEIGHTS` (so
one category in full alarm makes a party high, and breadth raises it further). Levels: low below
0.25, medium below 0.5, high from 0.5 (:data:`LEVELS`). The reasons are the signals ordered by
``w s``, in English and Chinese.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from citynexus.watch.errors import WatchSpecError

__all__ = [
    "CATEGORIES",
    "CATEGORY_WEIGHTS",
    "SIGNAL_WEIGHTS",
    "PartyRisk",
    "Signal",
    "category_of",
    "combine",
    "level_of",
]

CATEGORIES = ("funding", "rd", "supply_chain", "compliance")
CATEGORY_LABELS = {
    "funding": ("funding status", "资金状况"),
    "rd": ("R&D progress", "研发进展"),
    "supply_chain": ("supply-chain stability", "供应链稳定性"),
    "compliance": ("compliance", "合规"),
}
CATEGORY_WEIGHTS = {"funding": 0.30, "rd": 0.25, "supply_chain": 0.25, "compliance": 0.20}
SIGNAL_WEIGHTS = {
    "changepoint": 0.8,
    "anomaly": 0.5,
    "trajectory": 0.9,
    "breached": 1.0,
    "stopped": 1.0,
    "missing": 0.6,
    "late": 0.4,
    "revised": 0.5,
}
LEVELS = ((0.5, "high"), (0.25, "medium"), (0.0, "low"))
LEVEL_ZH = {"high": "高", "medium": "中", "low": "低"}

CATEGORY_KEYWORDS = {
    "funding": ("fund", "cash", "invest", "capital", "revenue", "finance", "budget", "loan", "资金", "融资"),
    "rd": ("rd", "r_d", "research", "patent", "milestone", "prototype", "研发", "专利"),
    "supply_chain": (
        "deliver",
        "supply",
        "shipment",
        "lead_time",
        "inventory",
        "order",
        "otd",
        "on_time",
        "供应",
        "交付",
    ),
}
LOWER_IS_BETTER = ("delay", "lead_time", "defect", "late", "backlog", "cost", "churn", "complaint", "slippage")


def category_of(metric: str, mapping: dict[str, str] | None = None) -> str:
    """The category of a metric: from ``mapping``, else keywords in its name, else compliance."""
    if mapping and metric in mapping:
        c = mapping[metric]
        if c not in CATEGORIES:
            raise WatchSpecError(f"category {c!r} of metric {metric!r} is not one of {', '.join(CATEGORIES)}")
        return c
    name = metric.lower()
    for cat, words in CATEGORY_KEYWORDS.items():
        if any(w in name.split("_") or (len(w) > 3 and w in name) for w in words):
            return cat
    return "compliance"


def higher_is_better(metric: str, lower: set[str] | None = None) -> bool:
    if lower and metric in lower:
        return False
    name = metric.lower()
    return not any(w in name for w in LOWER_IS_BETTER)


def level_of(score: float) -> str:
    for lo, name in LEVELS:
        if score >= lo:
            return name
    return "low"


@dataclass
class Signal:
    """One piece of evidence: kind, category, strength in [0, 1], where, and words in both languages."""

    kind: str
    category: str
    strength: float
    metric: str | None
    period: str | None
    text_en: str
    text_zh: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def weight(self) -> float:
        return SIGNAL_WEIGHTS[self.kind]

    @property
    def contribution(self) -> float:
        return self.weight * max(0.0, min(1.0, self.strength))


@dataclass
class PartyRisk:
    """Risk of one party: overall score and level, per-category scores and levels, top reasons."""

    party: str
    score: float
    level: str
    categories: dict[str, dict[str, Any]]
    signals: list[Signal]

    def reasons(self, lang: str = "en", top: int = 3) -> list[str]:
        sig = sorted(self.signals, key=lambda s: -s.contribution)[:top]
        return [(s.text_en if lang == "en" else s.text_zh).rstrip(".。") for s in sig]

    def explain(self, lang: str = "en") -> str:
        if lang == "en":
            head = f"{self.party}: {self.level} risk (score {self.score:.2f})"
            return head + (": " + "; ".join(self.reasons("en")) if self.signals else ", no warning signal") + "."
        head = f"{self.party}：{LEVEL_ZH[self.level]}风险（得分{self.score:.2f}）"
        return head + ("：" + "；".join(self.reasons("zh")) if self.signals else "，无预警信号") + "。"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["reasons_en"] = self.reasons("en")
        d["reasons_zh"] = self.reasons("zh")
        return d


def combine(party: str, signals: list[Signal]) -> PartyRisk:
    """Category scores (noisy-or of weighted signals) and the party score (see the module docstring)."""
    cats: dict[str, dict[str, Any]] = {}
    for c in CATEGORIES:
        prod = 1.0
        mine = [s for s in signals if s.category == c]
        for s in mine:
            prod *= 1.0 - s.contribution
        score = 1.0 - prod
        cats[c] = {
            "score": score,
            "level": level_of(score),
            "label_en": CATEGORY_LABELS[c][0],
            "label_zh": CATEGORY_LABELS[c][1],
            "signals": len(mine),
        }
    top = max(v["score"] for v in cats.values())
    overall = 0.6 * top + 0.4 * sum(CATEGORY_WEIGHTS[c] * cats[c]["score"] for c in CATEGORIES)
    return PartyRisk(party, overall, level_of(overall), cats, sorted(signals, key=lambda s: -s.contribution))
