"""A case of the library and its validation (案例数据模型与校验).

A case is a city practice: where and when (``city``, ``country``, optional Chinese names ``city_zh``,
``country_zh``, ``year``), what (``title`` and
``description`` in Chinese and English, ``themes``), which SDGs it serves (``sdg_goals`` 1..17 and
``sdg_targets`` such as ``"11.2"``), what changed (``evidence``: indicators before/after with units
and sources), who to ask (``contact``), where it is published (``source_url``, ``licence``) and
what its text is summarised from (``summarised_from``). ``origin`` is ``"seed"`` for the cases
shipped with the package and ``"user"`` for imported ones; the two never share an id.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from citynexus.cases.errors import CaseProblem
from citynexus.cases.sdg import is_target_id

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
SEED_PREFIX = "seed-"
ORIGINS = ("seed", "user")
FIELDS = (
    "id",
    "city",
    "country",
    "city_zh",
    "country_zh",
    "year",
    "title_en",
    "title_zh",
    "description_en",
    "description_zh",
    "themes",
    "sdg_goals",
    "sdg_targets",
    "evidence",
    "contact",
    "source_url",
    "licence",
    "summarised_from",
)
EVIDENCE_FIELDS = ("indicator", "unit", "before", "after", "year_before", "year_after", "source")


@dataclass
class Evidence:
    """One indicator measured before and after the practice, with its unit and source."""

    indicator: str
    unit: str
    before: float | None
    after: float | None
    source: str
    year_before: int | None = None
    year_after: int | None = None

    @property
    def change(self) -> float | None:
        """``after - before`` when both are known."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass
class Case:
    """One city practice (see the module docstring for the fields)."""

    id: str
    city: str
    country: str
    title_en: str
    title_zh: str
    description_en: str
    description_zh: str
    year: int | None = None
    city_zh: str | None = None
    country_zh: str | None = None
    themes: list[str] = field(default_factory=list)
    sdg_goals: list[int] = field(default_factory=list)
    sdg_targets: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    contact: str | None = None
    source_url: str | None = None
    licence: str | None = None
    summarised_from: str | None = None
    origin: str = "user"
    owner: str | None = None  # the owner organisation of a stored case (None for seed cases)

    @property
    def seed(self) -> bool:
        return self.origin == "seed"

    def place(self, lang: str) -> tuple[str, str]:
        """(city, country) in ``lang`` (the Chinese names fall back to the given ones)."""
        if lang == "en":
            return self.city, self.country
        return self.city_zh or self.city, self.country_zh or self.country

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh

    def description(self, lang: str) -> str:
        return self.description_en if lang == "en" else self.description_zh

    def text(self) -> str:
        """Both titles and descriptions, for search and tagging."""
        return "\n".join([self.title_en, self.description_en, self.title_zh, self.description_zh])

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["seed"] = self.seed
        return d


def _dedup(items):
    seen, out = set(), []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


class _Checker:
    def __init__(self, line: int, file: str, problems: list[CaseProblem]):
        self.line, self.file, self.problems = line, file, problems

    def bad(self, fld: str, problem: str, fix: str, kind: str, **values: Any) -> None:
        """Record a problem of field ``fld``: the English ``problem`` and ``fix``, its ``kind`` and
        the ``values`` they quote (see :class:`~citynexus.cases.errors.CaseProblem`)."""
        self.problems.append(CaseProblem.of(self.line, fld, problem, fix, self.file, kind, **values))

    def text(self, obj: dict, fld: str, required: bool, max_len: int = 20000) -> str | None:
        v = obj.get(fld)
        if v is None or (isinstance(v, str) and not v.strip()):
            if required:
                self.bad(fld, "is missing or empty", f"give the {fld.replace('_', ' ')}", "missing_text", field=fld)
            return None
        if not isinstance(v, str):
            msg = f"must be text, got {type(v).__name__} {v!r}"
            self.bad(fld, msg, "write it as a string", "not_text", value=repr(v))
            return None
        v = v.strip()
        if len(v) > max_len:
            self.bad(fld, f"is {len(v)} characters long (at most {max_len})", "shorten it", "too_long", max=max_len,
                     length=len(v))  # fmt: skip
            return None
        return v

    def lang_text(self, obj: dict, fld: str, lang: str) -> str | None:
        v = self.text(obj, fld, True)
        if v is None:
            return None
        has_cjk = re.search(r"[\u3400-\u9fff]", v) is not None
        if lang == "zh" and not has_cjk:
            fix = f"write the Chinese text in {fld} and the English in *_en"
            self.bad(fld, "has no Chinese characters", fix, "no_chinese", field=fld)
        return v

    def int_in(self, obj: dict, fld: str, lo: int, hi: int) -> int | None:
        """The optional whole number ``fld`` in ``lo..hi`` (``None`` when absent or bad)."""
        v = obj.get(fld)
        if v is None or v == "":
            return None
        fix = f"write a whole number between {lo} and {hi}"
        try:
            if isinstance(v, bool):
                raise ValueError
            f = float(v)
            if f != int(f):
                raise ValueError
            i = int(f)
        except (TypeError, ValueError, OverflowError):  # OverflowError: inf, 1e400
            self.bad(fld, f"must be a whole number, got {v!r}", fix, "not_whole", value=repr(v), lo=lo, hi=hi)
            return None
        if not lo <= i <= hi:
            self.bad(fld, f"{i} is out of range", fix, "out_of_range", value=i, lo=lo, hi=hi)
            return None
        return i

    def str_list(self, obj: dict, fld: str) -> list[str]:
        v = obj.get(fld)
        if v is None or v == "":
            return []
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = [str(int(v)) if float(v).is_integer() else str(v)]  # one number in a spreadsheet cell
        if isinstance(v, str):
            v = [p for p in re.split(r"[;；,，]", v)]
        if not isinstance(v, list) or not all(isinstance(x, (str, int)) for x in v):
            fix = 'write ["a", "b"] (or "a; b" in a spreadsheet cell)'
            self.bad(fld, f"must be a list of texts, got {v!r}", fix, "not_text_list", value=repr(v))
            return []
        return _dedup(str(x).strip() for x in v if str(x).strip())


def _number(c: _Checker, d: dict, key: str, fld: str) -> float | None:
    v = d.get(key)
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        c.bad(fld, f"must be a number, got {v!r}", "write a number such as 12.5", "bool_not_number", value=repr(v))
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        fix = "write a number such as 12.5 (no units in the cell)"
        c.bad(fld, f"must be a number, got {v!r}", fix, "not_a_number", value=repr(v))
        return None
    if f != f or f in (float("inf"), float("-inf")):
        c.bad(fld, f"must be a finite number, got {v!r}", "write a finite number", "not_finite", value=repr(v))
        return None
    return f


def _evidence(c: _Checker, raw: Any) -> list[Evidence]:
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list):
        name = type(raw).__name__
        c.bad("evidence", f"must be a list of objects, got {name}", "write [{...}, ...]", "not_object_list", value=name)
        return []
    out = []
    for k, d in enumerate(raw):
        fld = f"evidence[{k}]"
        if not isinstance(d, dict):
            fix = 'write {"indicator": ..., "unit": ..., ...}'
            c.bad(fld, f"must be an object, got {d!r}", fix, "evidence_not_object", value=repr(d))
            continue
        unknown = sorted(set(d) - set(EVIDENCE_FIELDS))
        if unknown:
            allowed = ", ".join(EVIDENCE_FIELDS)
            msg = "is not an evidence field"
            c.bad(f"{fld}.{unknown[0]}", msg, f"use only {allowed}", "unknown_field", allowed=allowed)
        n0 = len(c.problems)
        ind = c.text(d, "indicator", True, 500)
        unit = c.text(d, "unit", True, 100)
        src = c.text(d, "source", True, 2000)
        before = _number(c, d, "before", f"{fld}.before")
        after = _number(c, d, "after", f"{fld}.after")
        if before is None and after is None:
            msg = "neither 'before' nor 'after' has a value"
            c.bad(f"{fld}.before", msg, "give at least one measured value", "no_measure")
        yb = c.int_in(d, "year_before", 1900, 2100)
        ya = c.int_in(d, "year_after", 1900, 2100)
        if yb is not None and ya is not None and ya < yb:
            msg = f"{ya} is before year_before {yb}"
            c.bad(f"{fld}.year_after", msg, "swap the years or the values", "years_reversed", after=ya, before=yb)
        # name the evidence item in the field of problems raised by the generic checks
        for p in c.problems[n0:]:
            if not p.field.startswith("evidence"):
                p.field = f"{fld}.{p.field}"
        if len(c.problems) == n0:
            out.append(Evidence(ind, unit, before, after, src, yb, ya))  # type: ignore[arg-type]
    return out


def seed_prefix_problem(cid: str, line: int, file: str, head: str = "") -> CaseProblem:
    """The problem of a user case whose id ``cid`` takes the prefix reserved for the seed cases
    (the sentence starts with ``head``)."""
    msg = f"{head}{cid!r} starts with '{SEED_PREFIX}', which is reserved for the shipped seed cases"
    return CaseProblem.of(line, "id", msg, "choose another id", file, "seed_prefix", value=repr(cid),
                          prefix=repr(SEED_PREFIX))  # fmt: skip


def parse_case(obj: Any, line: int, file: str = "", origin: str = "user") -> tuple[Case | None, list[CaseProblem]]:
    """Validate one record (a dict from a JSON line or a spreadsheet row) into a :class:`Case`.

    Returns ``(case, [])`` or ``(None, problems)``; every problem names the line and field and
    says how to fix it. A user case may not use the ``seed-`` id prefix (reserved for shipped cases)."""
    problems: list[CaseProblem] = []
    c = _Checker(line, file, problems)
    if not isinstance(obj, dict):
        name = type(obj).__name__
        c.bad("(record)", f"must be a JSON object, got {name}", "write one {...} object per line", "not_case_object",
              value=name)  # fmt: skip
        return None, problems
    unknown = sorted(k for k in obj if k not in FIELDS and k not in ("origin", "seed"))
    for k in unknown:
        c.bad(k, "is not a case field", f"use only {', '.join(FIELDS)}", "unknown_field", allowed=", ".join(FIELDS))
    cid = c.text(obj, "id", True, 64)
    if cid is not None:
        if not ID_RE.match(cid):
            fix = "use letters, digits, '-', '_' or '.', at most 64 characters"
            c.bad("id", f"{cid!r} is not a valid id", fix, "bad_case_id", value=repr(cid))
        elif origin == "user" and cid.lower().startswith(SEED_PREFIX):
            c.problems.append(seed_prefix_problem(cid, line, file))
    city = c.text(obj, "city", True, 200)
    country = c.text(obj, "country", True, 200)
    city_zh = c.text(obj, "city_zh", False, 200)
    country_zh = c.text(obj, "country_zh", False, 200)
    year = c.int_in(obj, "year", 1900, 2100)
    title_en = c.lang_text(obj, "title_en", "en")
    title_zh = c.lang_text(obj, "title_zh", "zh")
    desc_en = c.lang_text(obj, "description_en", "en")
    desc_zh = c.lang_text(obj, "description_zh", "zh")
    themes = c.str_list(obj, "themes")
    goals: list[int] = []
    for g in c.str_list(obj, "sdg_goals"):
        try:
            gi = int(float(g))
            if not 1 <= gi <= 17 or float(g) != gi:
                raise ValueError
            goals.append(gi)
        except (ValueError, OverflowError):  # OverflowError: 'inf'
            c.bad("sdg_goals", f"{g!r} is not an SDG goal", "write goal numbers 1..17", "not_sdg_goal", value=repr(g))
    tgts: list[str] = []
    for t in c.str_list(obj, "sdg_targets"):
        if not is_target_id(t):
            msg = f"{t!r} is not one of the 169 SDG targets"
            c.bad("sdg_targets", msg, "write ids such as 11.2 or 1.a", "not_sdg_target", value=repr(t))
        else:
            tgts.append(t)
    for t in tgts:
        g = int(t.split(".")[0])
        if g not in goals:
            goals.append(g)  # a target implies its goal
    evidence = _evidence(c, obj.get("evidence"))
    contact = c.text(obj, "contact", False, 500)
    url = c.text(obj, "source_url", False, 2000)
    if url is not None and not re.match(r"^https?://\S+$", url):
        c.bad("source_url", f"{url!r} is not a web address", "write a full http(s):// link", "not_url", value=repr(url))
    licence = c.text(obj, "licence", False, 200)
    summ = c.text(obj, "summarised_from", False, 2000)
    if problems:
        return None, problems
    return (
        Case(
            id=cid,  # type: ignore[arg-type]
            city=city,  # type: ignore[arg-type]
            country=country,  # type: ignore[arg-type]
            year=year,
            city_zh=city_zh,
            country_zh=country_zh,
            title_en=title_en,  # type: ignore[arg-type]
            title_zh=title_zh,  # type: ignore[arg-type]
            description_en=desc_en,  # type: ignore[arg-type]
            description_zh=desc_zh,  # type: ignore[arg-type]
            themes=themes,
            sdg_goals=sorted(goals),
            sdg_targets=tgts,
            evidence=evidence,
            contact=contact,
            source_url=url,
            licence=licence,
            summarised_from=summ,
            origin=origin,
        ),
        [],
    )
