"""Talent matching (人才匹配): talent profiles and positions or projects, matched both ways in
Chinese and English on the hub's hybrid matcher, with hard constraints and reasons.

Records (JSON Lines, validated all-or-nothing like the hub import)::

    talent:   {"type": "talent", "id", "name", "skills": [..], "field", "languages": ["en", "zh", ...],
               "cities": [preferred cities], "level", "permit", "summary"}
    position: {"type": "position", "id", "org", "title", "text", "field", "skills"?: [..],
               "languages"?: [required], "city", "min_level"?, "sponsorship"?: bool}

A talent is a hub offer of kind ``talent`` (its organization: the person, located in the first
preferred city, with the other preferred cities as cities served); a position is a hub need of
kind ``talent`` with the constraint ``cities = [position city]``. Ranking (BM25 + dense + RRF)
and the city constraint are the hub matcher's (:meth:`Matcher.match_need` /
:meth:`Matcher.match_offer`); the talent-specific hard constraints are checked on its results:

- **languages**: the talent speaks every language the position requires;
- **permit**: ``citizen``, ``permanent_resident`` and ``work_permit`` may work; ``needs_sponsorship``
  only where the position offers ``sponsorship``;
- **level**: ``junior < mid < senior < lead``; the talent's level is at least ``min_level``.

The city is a hard constraint here, so the hub's soft city bonus is shrunk to a tie-breaker as in
routing (:func:`citynexus.centres.routing.routing_match_config`). Reasons list the hub's reasons
(shared terms, similarity, city) plus each talent constraint met.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citynexus.centres.errors import CentresImportError, ImportProblem, RoutingError, problem_of
from citynexus.centres.records import Checker, _read_lines
from citynexus.hub.encoder import Encoder
from citynexus.hub.matching import Matcher
from citynexus.hub.models import Need, Offer, Organization
from citynexus.hub.text import detect_lang

LEVELS = ("junior", "mid", "senior", "lead")
PERMITS = ("citizen", "permanent_resident", "work_permit", "needs_sponsorship")
LANGS = ("en", "zh", "yue", "pt")
_LANG_ALIASES = {
    "english": "en",
    "英语": "en",
    "mandarin": "zh",
    "chinese": "zh",
    "普通话": "zh",
    "中文": "zh",
    "cantonese": "yue",
    "粤语": "yue",
    "portuguese": "pt",
    "葡萄牙语": "pt",
}


@dataclass
class Talent:
    id: str
    name: str
    skills: list[str]
    field: str
    languages: list[str]
    cities: list[str]
    level: str
    permit: str
    summary: str

    def offer(self) -> Offer:
        text = f"{self.summary} {' '.join(self.skills)} {self.field}"
        attrs = {"cities": self.cities[1:]} if len(self.cities) > 1 else {}
        return Offer(f"T:{self.id}", f"P:{self.id}", "talent", self.name, text, [], attrs, detect_lang(text))

    def organization(self) -> Organization:
        return Organization(f"P:{self.id}", self.name, "agency", self.cities[0], [])


@dataclass
class Position:
    id: str
    org: str
    title: str
    text: str
    field: str
    city: str
    skills: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    min_level: str | None = None
    sponsorship: bool = False

    def need(self) -> Need:
        text = f"{self.text} {' '.join(self.skills)} {self.field}"
        return Need(
            f"J:{self.id}",
            f"O:{self.org}",
            "talent",
            self.title,
            text,
            [],
            {"cities": [self.city]},
            detect_lang(f"{self.title} {text}"),
        )

    def organization(self) -> Organization:
        return Organization(f"O:{self.org}", self.org, "enterprise", self.city, [])


def _not_one_of(c: Checker, fld: str, value: Any, what: str, allowed: tuple[str, ...]) -> None:
    """Note that ``value`` of ``fld`` is not one of ``allowed`` (kind ``not_choice``)."""
    listed = ", ".join(allowed)
    c.bad(fld, f"{value!r} is not {what}", f"use one of {listed}", "not_choice", value=repr(value), allowed=listed)


def _langs(c: Checker, obj: dict, fld: str, required: bool) -> list[str] | None:
    v = c.ids(obj, fld, required)
    if v is None:
        return None
    out = []
    for x in v:
        k = _LANG_ALIASES.get(x.lower(), x.lower())
        if k not in LANGS:
            listed = ", ".join(LANGS)
            fix = f"use {listed} (or English, 中文, 粤语, ...)"
            c.bad(fld, f"{x!r} is not a known language", fix, "unknown_language", value=repr(x), allowed=listed)
            return None
        out.append(k)
    return list(dict.fromkeys(out))


def parse_talent_records(rows: list[tuple[int, Any]], source: str) -> tuple[list[Talent], list[Position]]:
    """Validate talent and position records; :class:`CentresImportError` lists every problem."""
    problems: list[ImportProblem] = []
    talents: list[Talent] = []
    positions: list[Position] = []
    seen: dict[tuple[str, str], int] = {}
    allowed = {
        "talent": {
            "type": 1,
            "id": 1,
            "name": 1,
            "skills": 1,
            "field": 1,
            "languages": 1,
            "cities": 1,
            "level": 1,
            "permit": 1,
            "summary": 1,
        },
        "position": {
            "type": 1,
            "id": 1,
            "org": 1,
            "title": 1,
            "text": 1,
            "field": 1,
            "skills": 0,
            "languages": 0,
            "city": 1,
            "min_level": 0,
            "sponsorship": 0,
        },
    }
    for line, obj in rows:
        c = Checker(line, problems)
        if not isinstance(obj, dict) or obj.get("type") not in allowed:
            value = repr(obj.get("type") if isinstance(obj, dict) else obj)
            c.bad("type", f"{value} is not a record type", "use 'talent' or 'position'", "bad_talent_type", value=value)
            continue
        typ = obj["type"]
        c.unknown(obj, allowed[typ], typ)
        rid = c.ident(obj, "id")
        fld = c.text(obj, "field", True, 100)
        skills = c.ids(obj, "skills", typ == "talent")
        if typ == "talent":
            name = c.text(obj, "name", True, 200)
            langs = _langs(c, obj, "languages", True)
            cities = []
            raw = obj.get("cities")
            if not isinstance(raw, list) or not raw:
                fix = 'give the preferred cities, e.g. "cities": ["SZ", "香港"]'
                c.bad("cities", "missing or empty", fix, "missing_cities")
            else:
                for x in raw:
                    code = c.city({"cities": x}, "cities")
                    if code:
                        cities.append(code)
            level = obj.get("level")
            if level not in LEVELS:
                _not_one_of(c, "level", level, "a level", LEVELS)
            permit = obj.get("permit")
            if permit not in PERMITS:
                _not_one_of(c, "permit", permit, "a work-permit status", PERMITS)
            summary = c.text(obj, "summary", True)
            if c.ok:
                talents.append(
                    Talent(rid, name, skills, fld, langs, list(dict.fromkeys(cities)), level, permit, summary)
                )
        else:
            org = c.ident(obj, "org")
            title = c.text(obj, "title", True, 300)
            text = c.text(obj, "text", True)
            langs = _langs(c, obj, "languages", False)
            city = c.city(obj)
            ml = obj.get("min_level")
            if ml is not None and ml not in LEVELS:
                _not_one_of(c, "min_level", ml, "a level", LEVELS)
            sp = obj.get("sponsorship", False)
            if not isinstance(sp, bool):
                c.bad("sponsorship", f"must be true or false, got {sp!r}", "", "not_bool", value=repr(sp))
            if c.ok:
                positions.append(Position(rid, org, title, text, fld, city, skills or [], langs or [], ml, sp))
        if c.ok:
            key = (typ, rid)
            if key in seen:
                problem = f"{typ} {rid!r} already on line {seen[key]}"
                kw = {"record": typ, "value": repr(rid), "first": seen[key]}
                problems.append(problem_of(line, "id", problem, "use own ids", "duplicate_record_id", **kw))
            seen[key] = line
    if not talents and not positions and not problems:
        problems.append(problem_of(0, "(file)", "no talent or position records", "", "no_talent"))
    if problems:
        raise CentresImportError(problems, source)
    return talents, positions


def read_talent_file(path: str | Path) -> tuple[list[Talent], list[Position]]:
    return parse_talent_records(_read_lines(path), str(path))


def check_talent(t: Talent, p: Position) -> tuple[list[str], list[str]]:
    """(met, missed) talent-specific hard constraints of ``p`` for ``t``."""
    met, missed = [], []
    lack = [x for x in p.languages if x not in t.languages]
    if p.languages:
        (missed if lack else met).append(
            f"lacks language {', '.join(lack)}" if lack else f"speaks {', '.join(p.languages)}"
        )
    if t.permit == "needs_sponsorship" and not p.sponsorship:
        missed.append("needs a work-permit sponsorship the position does not offer")
    else:
        met.append(f"permit: {t.permit}" + (" (sponsorship offered)" if t.permit == "needs_sponsorship" else ""))
    if p.min_level:
        if LEVELS.index(t.level) >= LEVELS.index(p.min_level):
            met.append(f"level {t.level} >= {p.min_level}")
        else:
            missed.append(f"level {t.level} below the required {p.min_level}")
    return met, missed


class TalentMatcher:
    """Both directions of talent matching on one hub :class:`Matcher`."""

    def __init__(self, talents: list[Talent], positions: list[Position], encoder: Encoder | None = None, config=None):
        self.talents = {t.id: t for t in talents}
        self.positions = {p.id: p for p in positions}
        orgs = {o.id: o for o in [*(t.organization() for t in talents), *(p.organization() for p in positions)]}
        from citynexus.centres.routing import routing_match_config

        self.matcher = Matcher(
            list(orgs.values()),
            [t.offer() for t in talents],
            [p.need() for p in positions],
            encoder=encoder,
            config=config or routing_match_config(),
        )

    def _result(self, t: Talent, p: Position, m, target: str) -> dict[str, Any] | None:
        met, missed = check_talent(t, p)
        if missed:
            return None
        reasons = dict(m.reasons)
        reasons["talent_constraints"] = met
        reasons["summary"] = "; ".join([reasons.get("summary", ""), *met]).strip("; ")
        return {target: t.id if target == "talent" else p.id, "score": round(m.score, 6), "reasons": reasons}

    def for_position(self, position_id: str, top: int = 5, mode: str = "hybrid") -> list[dict[str, Any]]:
        """Talents for a position, best first; cities by the hub, languages/permit/level here."""
        p = self._one(self.positions, "position", position_id)
        found = self.matcher.match_need(f"J:{p.id}", top=max(1, len(self.talents)), mode=mode)
        return self._results(((self.talents[m.item_id[2:]], p, m) for m in found), "talent", top)

    def for_talent(self, talent_id: str, top: int = 5, mode: str = "hybrid") -> list[dict[str, Any]]:
        """Positions for a talent, best first (the positions' city constraints checked by the hub)."""
        t = self._one(self.talents, "talent", talent_id)
        found = self.matcher.match_offer(f"T:{t.id}", top=max(1, len(self.positions)), mode=mode)
        return self._results(((t, self.positions[m.item_id[2:]], m) for m in found), "position", top)

    @staticmethod
    def _one(items: dict[str, Any], what: str, item_id: str) -> Any:
        if item_id not in items:
            raise RoutingError(f"no {what} {item_id!r}; {what}s: {', '.join(sorted(items)) or 'none'}")
        return items[item_id]

    def _results(self, found: Iterable[tuple[Talent, Position, Any]], target: str, top: int) -> list[dict[str, Any]]:
        """The first ``top`` matches that meet the constraints checked here."""
        out = []
        for t, p, m in found:
            r = self._result(t, p, m, target)
            if r:
                out.append(r)
        return out[:top]


# ----------------------------------------------------------------------------- storage
def store_talent(url: str | None, talents: list[Talent], positions: list[Position]) -> dict[str, int]:
    """Insert or update talent and position records (one transaction)."""
    from dataclasses import asdict

    from citynexus.store import get_engine, session_scope
    from citynexus.store.centres import TalentRecordRow

    with session_scope(get_engine(url)) as s:
        for t in talents:
            s.merge(TalentRecordRow(kind="talent", id=t.id, data=asdict(t)))
        for p in positions:
            s.merge(TalentRecordRow(kind="position", id=p.id, data=asdict(p)))
    return {"talents": len(talents), "positions": len(positions)}


def load_talent(url: str | None) -> tuple[list[Talent], list[Position]]:
    from sqlalchemy import select

    from citynexus.store import get_engine, session_scope
    from citynexus.store.centres import TalentRecordRow

    with session_scope(get_engine(url)) as s:
        rows = s.scalars(select(TalentRecordRow).order_by(TalentRecordRow.kind, TalentRecordRow.id)).all()
        talents = [Talent(**r.data) for r in rows if r.kind == "talent"]
        positions = [Position(**r.data) for r in rows if r.kind == "position"]
    return talents, positions


# ----------------------------------------------------------------------------- synthetic demo
_DEMO = Path(__file__).parent / "data" / "demo_talent.json"


def demo_talent(seed: int = 17) -> tuple[list[Talent], list[Position]]:
    """SYNTHETIC talent profiles (names "Demo talent NN") and positions from a seeded generator:
    each profile in English and in Chinese, positions in both languages, mixed cities, levels,
    languages and permit statuses (some needing sponsorship) so every constraint shows."""
    import random

    demo = json.loads(_DEMO.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    cities = ["GZ", "SZ", "DG", "FS", "HK", "MO", "ZH", "HZ"]
    talents, positions = [], []
    n = 0
    for p in demo["profiles"]:
        fld, skills, en, zh, skills_zh = p["field"], p["skills"], p["text"], p["text_zh"], p["skills_zh"]
        for lang in ("en", "zh"):
            for _ in range(2):
                n += 1
                langs = ["zh"] if lang == "zh" else ["en"]
                if rng.random() < 0.6:
                    langs.append("en" if lang == "zh" else "zh")
                if rng.random() < 0.3:
                    langs.append("yue")
                talents.append(
                    Talent(
                        f"DEMO-T{n:02d}",
                        f"Demo talent {n:02d} (synthetic)",
                        skills if lang == "en" else skills_zh,
                        fld,
                        langs,
                        rng.sample(cities, rng.randint(1, 3)),
                        rng.choice(LEVELS),
                        rng.choice(PERMITS),
                        en if lang == "en" else zh,
                    )
                )
    m = 0
    for p in demo["positions"]:
        fld, t_en, x_en, t_zh, x_zh = p["field"], p["title"], p["text"], p["title_zh"], p["text_zh"]
        for lang in ("en", "zh"):
            m += 1
            positions.append(
                Position(
                    f"DEMO-P{m:02d}",
                    f"DEMO-ORG-{m:02d}",
                    t_en if lang == "en" else t_zh,
                    x_en if lang == "en" else x_zh,
                    fld,
                    rng.choice(cities),
                    [],
                    ["en"] if lang == "en" else ["zh"],
                    rng.choice([None, "mid", "senior"]),
                    rng.random() < 0.4,
                )
            )
    return talents, positions
