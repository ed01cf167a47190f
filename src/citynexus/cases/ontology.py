"""Keyword and phrase ontology per SDG, in English and Chinese (可持续发展目标关键词本体).

In the spirit of the OSDG ontology and the Aurora SDG queries (both open), but written for
city practices and kept short: each goal has phrases in English (matched on the word tokens of
:func:`citynexus.hub.text.tokenize`, stop-words removed, plurals folded; a trailing ``*`` matches
any word that starts so) and Chinese (matched as a substring, or, for phrases jieba splits into
several words, when every word occurs among the text's jieba words). A phrase ending in
``@11.2`` also points to that target, which must be a target of the same goal. Phrases are the
maintainers' own, not copied from OSDG or Aurora.

The table is package data, ``citynexus/cases/data/sdg_ontology.json``
(``{"goals": {"1": {"en": [...], "zh": [...]}, ..., "17": {...}}}``); :func:`load` reads and
validates it, :data:`ONTOLOGY` is the validated table.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

from citynexus.cases.errors import CasesError
from citynexus.cases.sdg import is_target_id

LANGS = ("en", "zh")
FILE = "data/sdg_ontology.json"
_CJK = re.compile(r"[\u3400-\u9fff]")
_EN = re.compile(r"^[a-z0-9][a-z0-9 '\-]*\*?$")


class OntologyError(CasesError):
    """The phrase table is not usable as written; the message names goal, language, phrase and fix."""


def _check_phrase(goal: int, lang: str, entry: Any) -> str | None:
    """What is wrong with one entry of ``goal``'s ``lang`` list, or ``None``."""
    if not isinstance(entry, str) or not entry.strip():
        return "is not a non-empty string"
    phrase, at, target = entry.partition("@")
    if at and not (is_target_id(target) and int(target.split(".")[0]) == goal):
        return f"points to {target!r}, which is not a target of goal {goal} (write e.g. '{goal}.1')"
    if lang == "en" and not _EN.match(phrase):
        return "is not lower-case English words (a-z, digits, spaces, hyphens; an optional trailing '*')"
    if lang == "zh" and not _CJK.search(phrase):
        return "has no Chinese character"
    return None


def validate(table: Any, source: str = FILE) -> dict[int, dict[str, list[str]]]:
    """The table as ``{goal: {"en": [...], "zh": [...]}}`` for goals 1..17, or :class:`OntologyError`
    listing every problem (goal, language, phrase: what is wrong)."""
    goals = table.get("goals") if isinstance(table, dict) else None
    if not isinstance(goals, dict):
        raise OntologyError(f"{source}: expected an object with a 'goals' object keyed '1'..'17'")
    problems = []
    keys = {str(g) for g in range(1, 18)}
    if set(goals) != keys:
        missing, extra = sorted(keys - set(goals), key=int), sorted(set(goals) - keys)
        problems.append(f"goals missing {missing} / unexpected {extra}: give each of '1'..'17' once")
    out: dict[int, dict[str, list[str]]] = {}
    for key in sorted(set(goals) & keys, key=int):
        g, entry = int(key), goals[key]
        out[g] = {}
        for lang in LANGS:
            lst = entry.get(lang) if isinstance(entry, dict) else None
            if not isinstance(lst, list) or not lst:
                problems.append(f"goal {g}, {lang}: expected a non-empty list of phrases")
                continue
            seen: set[str] = set()
            for p in lst:
                why = _check_phrase(g, lang, p)
                if why is None and p.partition("@")[0] in seen:
                    why = "is listed twice"
                if why:
                    problems.append(f"goal {g}, {lang}, phrase {p!r} {why}")
                else:
                    seen.add(p.partition("@")[0])
            out[g][lang] = list(lst)
    if problems:
        raise OntologyError(f"{source}: {len(problems)} problem(s): " + "; ".join(problems[:20]))
    return out


def load() -> dict[int, dict[str, list[str]]]:
    """Read and validate the shipped phrase table."""
    text = resources.files("citynexus.cases").joinpath(FILE).read_text(encoding="utf-8")
    try:
        table = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OntologyError(f"{FILE}: not valid JSON ({exc.msg} at line {exc.lineno}); fix the file") from exc
    return validate(table)


ONTOLOGY: dict[int, dict[str, list[str]]] = load()


def phrases(goal: int, lang: str) -> list[tuple[str, str | None]]:
    """``(phrase, target or None)`` pairs of ``goal`` in ``lang`` (``en`` or ``zh``)."""
    out = []
    for p in ONTOLOGY[goal][lang]:
        phrase, _, target = p.partition("@")
        out.append((phrase, target or None))
    return out
