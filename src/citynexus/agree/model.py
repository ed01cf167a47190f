"""Agreements and their terms; the TOML loader and validator.

An agreement file (TOML)::

    id = "JRD-2026-001"
    title = "Joint R&D programme"
    title_zh = "联合研发计划"
    parties = ["ORG0001", "ORG0002"]
    start = 2026-01-01
    end = 2027-12-31

    [[clauses]]                       # free text, bilingual (optional)
    text = "..."
    text_zh = "..."

    [metrics.rd_share]                # labels for explanations (optional)
    label = "R&D intensity"
    label_zh = "研发投入强度"
    unit = "%"                        # unit_zh = "..." when the unit is a word

    [[terms]]
    id = "T1"
    party = "ORG0001"
    text = "R&D intensity of at least 5%"
    text_zh = "研发投入强度不低于5%"
    category = "rd"
    every = "quarter"                 # month | quarter | year | once
    rule = "rd_share >= 5"
    depends_on = ["GB/T 29490-2013"]  # regulations or standards (optional, for the graph)

A ``once`` term has ``due = 2026-06-30`` instead of a period. :func:`load_agreement` refuses a bad
agreement before anything is stored, listing every problem with file, term id and fix.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from citynexus.agree.errors import AgreementError, AgreementProblem, RuleError, problem_values
from citynexus.agree.periods import FREQUENCIES, Period, span
from citynexus.agree.rules import CompiledRule, compile_rule

CATEGORIES = ("rd", "capacity", "quality", "green", "talent", "finance", "data")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$")
_METRIC = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9]*$")


@dataclass
class Term:
    """One KPI term: ``party`` must meet ``rule`` (a CEL condition) ``every`` period, or
    once by ``due``."""

    id: str
    party: str
    text: str
    text_zh: str
    category: str
    every: str
    rule: str
    due: dt.date | None = None
    depends_on: list[str] = field(default_factory=list)

    @property
    def compiled(self) -> CompiledRule:
        """The rule compiled (once; cached by its text)."""
        return compile_rule(self.rule)

    def periods(self, start: dt.date, end: dt.date) -> list[Period]:
        """The periods this term is evaluated for (empty for ``once`` terms)."""
        return [] if self.every == "once" else span(self.every, start, end)

    @property
    def rule_digest(self) -> str:
        """``sha256:`` digest (RFC 8785 canonical JSON) of the rule version: the term id,
        frequency, due date and rule text."""
        from citynexus.ledger.canonical import digest

        due = self.due.isoformat() if self.due else None
        return digest({"term": self.id, "every": self.every, "due": due, "rule": self.rule})


@dataclass
class Agreement:
    """An agreement between hub organizations whose terms are machine-checked KPI rules."""

    id: str
    title: str
    title_zh: str
    parties: list[str]
    start: dt.date
    end: dt.date
    terms: list[Term]
    clauses: list[dict[str, str]] = field(default_factory=list)
    metrics: dict[str, dict[str, str]] = field(default_factory=dict)
    synthetic: bool = False
    #: ``public`` (everyone may read it) or ``private`` (its owner organisation and its parties)
    visibility: str = "public"

    def term(self, term_id: str) -> Term:
        for t in self.terms:
            if t.id == term_id:
                return t
        raise KeyError(term_id)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (dates as ISO strings), the inverse of :func:`agreement_from_dict`."""
        d = asdict(self)
        d["start"] = self.start.isoformat()
        d["end"] = self.end.isoformat()
        for t in d["terms"]:
            if t["due"] is None:
                del t["due"]
            else:
                t["due"] = t["due"].isoformat()
            if not t["depends_on"]:
                del t["depends_on"]
        if not d["clauses"]:
            del d["clauses"]
        if not d["metrics"]:
            del d["metrics"]
        if not d["synthetic"]:
            del d["synthetic"]
        if d["visibility"] == "public":
            del d["visibility"]
        return d

    def to_toml(self) -> str:
        """The agreement as TOML (dates as TOML dates)."""
        import tomli_w

        d = self.to_dict()
        d["start"], d["end"] = self.start, self.end
        for t, term in zip(d["terms"], self.terms):
            if term.due is not None:
                t["due"] = term.due
        return tomli_w.dumps(d)

    @property
    def digest(self) -> str:
        """``sha256:`` digest of the canonical JSON (RFC 8785) of the agreement."""
        from citynexus.ledger.canonical import digest

        return digest(self.to_dict())


def _date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        d = v.date()
    elif isinstance(v, dt.date):
        d = v
    elif isinstance(v, str):
        d = dt.date.fromisoformat(v.strip())
    else:
        raise ValueError(f"{v!r} is not a date")
    if not 1000 <= d.year <= 9998:
        raise ValueError(f"{d} is outside the years 1000..9998")
    return d


def _bad_rule(bad: Any, label: str, rule: str, err: RuleError) -> None:
    """Note a term's rule that does not compile: kind ``bad_rule_at`` (with ``line`` and
    ``column``) or ``bad_rule``; the compiler's English ``reason`` is quoted as a value."""
    fix = err.fix or "fix the CEL rule"
    if err.line is None:
        bad(
            label,
            "rule",
            f"rule {rule!r} does not compile: {err.reason}",
            fix,
            "bad_rule",
            rule=repr(rule),
            reason=err.reason,
        )
        return
    problem = f"rule {rule!r} does not compile at line {err.line}, column {err.column}: {err.reason}"
    bad(
        label, "rule", problem, fix, "bad_rule_at", rule=repr(rule), line=err.line, column=err.column, reason=err.reason
    )


_TOP_KEYS = frozenset(
    {"id", "title", "title_zh", "parties", "start", "end", "terms", "clauses", "metrics", "synthetic", "visibility"}
)
_TERM_KEYS = frozenset({"id", "party", "text", "text_zh", "category", "every", "due", "rule", "depends_on"})


class _Problems:
    """The problems found in one agreement, in the order they were found; called as ``bad(term, field,
    problem, fix, kind, **values)`` (``values``: what the English sentence quotes)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[AgreementProblem] = []

    def __call__(self, term: str | None, fld: str, problem: str, fix: str, kind: str, **values: Any) -> None:
        self.found.append(AgreementProblem(self.source, term, fld, problem, fix, kind, problem_values(values)))


def agreement_from_dict(
    data: dict[str, Any], source: str = "<agreement>", known_parties: set[str] | None = None
) -> Agreement:
    """Validate ``data`` (a parsed TOML/JSON agreement) and build the :class:`Agreement`.

    Every problem is collected and raised together as :class:`AgreementError` (nothing is
    built if any is found): missing keys, dates that do not parse, ``end`` before ``start``,
    parties unknown to the hub (when ``known_parties`` is given), a term whose party is not a
    party, an unknown ``every``, a ``once`` term without ``due``, duplicate term ids, and rules
    that do not compile (with their position)."""
    if not isinstance(data, dict):
        raise AgreementError(
            [AgreementProblem(source, None, "", "not a table of keys", "write an agreement TOML", "not_table")]
        )
    bad = _Problems(source)
    _unknown_keys(data, _TOP_KEYS, None, bad)
    aid = _agreement_id(data, bad)
    _titles(data, bad)
    parties = _parties(data, known_parties, bad)
    dates = _dates(data, bad)
    visibility = _visibility(data, bad)
    metrics, clauses = _tables(data, bad)
    terms = _terms(data, parties, dates, bad)
    if bad.found:
        raise AgreementError(bad.found)
    return Agreement(
        id=aid,
        title=data["title"],
        title_zh=data["title_zh"],
        parties=list(parties),
        start=dates["start"],
        end=dates["end"],
        terms=terms,
        clauses=[{k: str(v) for k, v in c.items()} for c in clauses],
        metrics={k: {kk: str(vv) for kk, vv in v.items()} for k, v in metrics.items()},
        synthetic=bool(data.get("synthetic", False)),
        visibility=visibility,
    )


def _unknown_keys(table: dict[str, Any], known: frozenset[str], label: str | None, bad: _Problems) -> None:
    allowed = ", ".join(sorted(known))
    for k in table:
        if k not in known:
            bad(label, k, f"unknown key {k!r}", f"use only {allowed}", "unknown_key", key=repr(k), allowed=allowed)


def _agreement_id(data: dict[str, Any], bad: _Problems) -> Any:
    aid = data.get("id")
    if not isinstance(aid, str) or not _ID.match(aid):
        problem = f"id {aid!r} is missing or not a plain identifier"
        bad(
            None,
            "id",
            problem,
            'write id = "JRD-2026-001" (letters, digits, -_.:/)',
            "bad_agreement_id",
            value=repr(aid),
        )
    return aid


def _titles(data: dict[str, Any], bad: _Problems) -> None:
    for k in ("title", "title_zh"):
        if not isinstance(data.get(k), str) or not data[k].strip():
            fix = f'write {k} = "..." ({"Chinese" if k.endswith("zh") else "English"} title)'
            bad(None, k, f"{k} is missing", fix, f"missing_{k}", field=k)


def _parties(data: dict[str, Any], known_parties: set[str] | None, bad: _Problems) -> list[str]:
    parties = data.get("parties")
    if not isinstance(parties, list) or not parties or not all(isinstance(p, str) and p.strip() for p in parties):
        problem = "parties must be a non-empty list of organization ids"
        bad(None, "parties", problem, 'write parties = ["ORG0001", "ORG0002"]', "bad_parties")
        return []
    if len(set(parties)) != len(parties):
        bad(None, "parties", "a party is listed twice", "list each organization once", "party_twice")
    for p in parties if known_parties is not None else ():
        if p not in known_parties:
            fix = "import it into the hub first or fix the id"
            bad(None, "parties", f"organization {p!r} is not in the hub", fix, "party_not_in_hub", value=repr(p))
    return parties


def _dates(data: dict[str, Any], bad: _Problems) -> dict[str, dt.date]:
    dates: dict[str, dt.date] = {}
    for k in ("start", "end"):
        if k not in data:
            bad(None, k, f"{k} is missing", f"write {k} = 2026-01-01", "missing_date", field=k)
            continue
        try:
            dates[k] = _date(data[k])
        except ValueError:
            fix = f"write {k} = YYYY-MM-DD, e.g. 2026-01-01"
            bad(None, k, f"{k} = {data[k]!r} is not a date", fix, "not_date", value=repr(data[k]))
    if "start" in dates and "end" in dates and dates["end"] < dates["start"]:
        end, start = dates["end"], dates["start"]
        problem = f"end {end} is before start {start}"
        bad(None, "end", problem, "put end on or after start", "end_before_start", end=end, start=start)
    return dates


def _visibility(data: dict[str, Any], bad: _Problems) -> Any:
    visibility = data.get("visibility", "public")
    if visibility not in ("public", "private"):
        problem = f"visibility = {visibility!r} is not public or private"
        bad(None, "visibility", problem, 'write visibility = "private"', "bad_visibility", value=repr(visibility))
    return visibility


def _tables(data: dict[str, Any], bad: _Problems) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``metrics`` and ``clauses`` tables (empty where they are malformed)."""
    metrics = data.get("metrics", {})
    if not isinstance(metrics, dict) or not all(isinstance(v, dict) for v in metrics.values()):
        problem = "metrics must be tables [metrics.NAME] with label, label_zh, unit"
        bad(None, "metrics", problem, "see docs/agreements.md", "bad_metrics")
        metrics = {}
    clauses = data.get("clauses", [])
    if not isinstance(clauses, list) or not all(isinstance(c, dict) for c in clauses):
        problem = "clauses must be [[clauses]] tables with text and text_zh"
        bad(None, "clauses", problem, "see docs/agreements.md", "bad_clauses")
        clauses = []
    return metrics, clauses


def _terms(data: dict[str, Any], parties: list[str], dates: dict[str, dt.date], bad: _Problems) -> list[Term]:
    """The ``[[terms]]``, checked one by one (built only while no problem has been found)."""
    terms_raw = data.get("terms")
    if not isinstance(terms_raw, list) or not terms_raw:
        bad(None, "terms", "the agreement has no [[terms]]", "add at least one [[terms]] table", "no_terms")
        terms_raw = []
    terms: list[Term] = []
    seen: set[str] = set()
    for i, raw in enumerate(terms_raw, start=1):
        if not isinstance(raw, dict):
            fix = "write [[terms]] followed by its keys"
            bad(f"#{i}", "", "a term must be a [[terms]] table", fix, "term_not_table")
            continue
        term = _term(raw, i, parties, dates, seen, bad)
        if not bad.found:
            terms.append(term)
    return terms


def _term(
    raw: dict[str, Any], i: int, parties: list[str], dates: dict[str, dt.date], seen: set[str], bad: _Problems
) -> Term | None:
    """One term's checks, in the order of its keys; the :class:`Term` if it passed them."""
    tid = raw.get("id")
    label = tid if isinstance(tid, str) and tid else f"#{i}"
    if not isinstance(tid, str) or not _ID.match(tid):
        problem = f"term id {tid!r} is missing or not a plain identifier"
        bad(label, "id", problem, 'write id = "T1"', "bad_term_id", value=repr(tid))
    elif tid in seen:
        bad(
            label,
            "id",
            f"duplicate term id {tid!r}",
            "give every term its own id",
            "duplicate_term_id",
            value=repr(tid),
        )
    else:
        seen.add(tid)
    _unknown_keys(raw, _TERM_KEYS, label, bad)
    party = raw.get("party")
    if party not in parties:
        problem = f"party {party!r} is not among the parties {parties}"
        fix = "use one of the agreement's parties"
        bad(label, "party", problem, fix, "party_not_listed", party=repr(party), parties=parties)
    for k in ("text", "text_zh"):
        if not isinstance(raw.get(k), str) or not raw[k].strip():
            fix = f'write {k} = "..." (the term in {"Chinese" if k.endswith("zh") else "English"})'
            bad(label, k, f"{k} is missing", fix, f"missing_term_{k}", field=k)
    cat = raw.get("category")
    if not isinstance(cat, str) or not _METRIC.match(cat or ""):
        allowed = ", ".join(CATEGORIES)
        problem = f"category {cat!r} is missing or not a word"
        bad(label, "category", problem, f"use one of {allowed}", "bad_category", value=repr(cat), allowed=allowed)
    every = raw.get("every")
    if every not in FREQUENCIES:
        problem = f"unknown every = {every!r}"
        bad(label, "every", problem, "use month, quarter, year or once", "bad_every", value=repr(every))
    due = _due(raw, label, every, dates, bad)
    rule = raw.get("rule")
    if not isinstance(rule, str) or not rule.strip():
        bad(label, "rule", "rule is missing", 'write rule = "output >= 1000" (a CEL condition)', "missing_rule")
    else:
        try:
            compile_rule(rule)
        except RuleError as err:
            _bad_rule(bad, label, rule, err)
    dep = raw.get("depends_on", [])
    if not isinstance(dep, list) or not all(isinstance(x, str) for x in dep):
        fix = 'write depends_on = ["PIPL", "ISO 14064-1"]'
        bad(label, "depends_on", "depends_on must be a list of names", fix, "bad_depends_on")
        return None
    if bad.found:
        return None
    return Term(
        id=tid, party=party, text=raw["text"], text_zh=raw["text_zh"], category=cat, every=every, rule=rule, due=due,
        depends_on=list(dep),
    )  # fmt: skip


def _due(raw: dict[str, Any], label: str, every: Any, dates: dict[str, dt.date], bad: _Problems) -> dt.date | None:
    """A term's ``due`` date: only for ``once`` terms, which need one, inside the agreement."""
    if "due" not in raw:
        if every == "once":
            bad(label, "due", "a once term has no due date", "add due = YYYY-MM-DD", "once_without_due")
        return None
    try:
        due = _date(raw["due"])
    except ValueError:
        value = repr(raw["due"])
        bad(label, "due", f"due = {value} is not a date", "write due = YYYY-MM-DD", "not_date", value=value)
        return None
    if every != "once":
        bad(label, "due", 'due is only for every = "once" terms', 'remove due or set every = "once"', "due_not_once")
    elif "start" in dates and "end" in dates and not dates["start"] <= due <= dates["end"]:
        start, end = dates["start"], dates["end"]
        problem = f"due {due} is outside the agreement ({start} .. {end})"
        bad(label, "due", problem, "move due inside", "due_outside", due=due, start=start, end=end)
    return due


def load_agreement(path: str | Path, known_parties: set[str] | None = None) -> Agreement:
    """Read and validate an agreement TOML file (see the module docstring)."""
    p = Path(path)
    name = p.name
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AgreementError(
            [AgreementProblem(str(p), None, "", "file not found", "check the path", "file_not_found")]
        ) from None
    except UnicodeDecodeError:
        raise AgreementError(
            [AgreementProblem(name, None, "", "not UTF-8 text", "save the file as UTF-8", "not_utf8")]
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise AgreementError(
            [
                AgreementProblem(
                    name, None, "", f"not valid TOML: {err}", "fix the TOML syntax", "bad_toml", {"error": str(err)}
                )
            ]
        ) from None
    return agreement_from_dict(data, source=name, known_parties=known_parties)
