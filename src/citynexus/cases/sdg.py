"""The 17 Sustainable Development Goals and their 169 targets (可持续发展目标及具体目标).

Texts in English and Chinese from UN General Assembly resolution A/RES/70/1 (2015),
*Transforming our world: the 2030 Agenda for Sustainable Development*, shipped in
``citynexus/cases/data/`` (see the README there for how closely each text follows the
resolution: long English targets are abridged; the Chinese targets follow the UN Chinese wording
as shipped by the Open SDG project, the Chinese goal titles are not verified).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: A target id: goal number, a dot, then a number (outcome target) or a letter (means of implementation).
TARGET_RE = re.compile(r"^(1[0-7]|[1-9])\.([1-9][0-9]?|[a-z])$")


@dataclass(frozen=True)
class Goal:
    """One SDG: number 1..17 and its title in English and Chinese."""

    number: int
    title_en: str
    title_zh: str

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh


@dataclass(frozen=True)
class Target:
    """One SDG target: id such as ``"11.2"`` or ``"1.a"``, its goal and its text in both languages."""

    id: str
    goal: int
    text_en: str
    text_zh: str

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" else self.text_zh


def _rows(name: str) -> list[dict[str, str]]:
    path = resources.files("citynexus.cases").joinpath(f"data/{name}")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


@cache
def goals() -> tuple[Goal, ...]:
    """The 17 goals, in order."""
    return tuple(Goal(int(r["goal"]), r["title_en"].strip(), r["title_zh"].strip()) for r in _rows("sdg_goals.tsv"))


@cache
def targets() -> tuple[Target, ...]:
    """The 169 targets, in the order of the resolution (1.1 ... 1.5, 1.a, 1.b, 2.1 ...)."""
    out = []
    for r in _rows("sdg_targets.tsv"):
        tid = r["target"].strip()
        out.append(Target(tid, int(tid.split(".")[0]), r["text_en"].strip(), r["text_zh"].strip()))
    return tuple(out)


@cache
def target_index() -> dict[str, Target]:
    """Target id -> target."""
    return {t.id: t for t in targets()}


def goal(number: int) -> Goal:
    """Goal ``number`` (1..17); ``KeyError`` otherwise."""
    if not 1 <= int(number) <= 17:
        raise KeyError(number)
    return goals()[int(number) - 1]


def is_target_id(text: str) -> bool:
    """True when ``text`` is the id of one of the 169 targets."""
    return text in target_index()
