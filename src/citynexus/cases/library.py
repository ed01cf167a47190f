"""The case library: seed cases shipped with the package plus user cases in the store.

Seed cases (``origin = "seed"``, ids ``seed-...``) are read from
``citynexus/cases/seed/seed_cases.jsonl`` and never stored, so they cannot be edited or mixed
with imports; user cases are imported from JSON Lines or Excel, all-or-nothing, into the
``cases`` table (:mod:`citynexus.store.cases`). An imported id that exists is updated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select

from citynexus.cases.errors import CaseNotFoundError, CasesError
from citynexus.cases.io import read_file
from citynexus.cases.models import FIELDS, Case, Evidence
from citynexus.store import get_engine, session_scope
from citynexus.store.app import LOCAL_ORG
from citynexus.store.cases import CaseRow

#: The columns of the ``cases`` table that hold one case field each (every field but the id and the evidence list).
_COLUMNS = tuple(f for f in FIELDS if f not in ("id", "evidence"))


def seed_path():
    """Path of the shipped seed library (JSON Lines)."""
    return resources.files("citynexus.cases").joinpath("seed/seed_cases.jsonl")


@cache
def seed_cases() -> tuple[Case, ...]:
    """The seed cases shipped with the package (validated like any import)."""
    from citynexus.cases.io import read_jsonl

    with resources.as_file(seed_path()) as p:
        return tuple(read_jsonl(p, origin="seed"))


@dataclass
class ImportReport:
    """What an import did: ids created and ids updated."""

    source: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    def summary(self) -> str:
        n, new = len(self.created) + len(self.updated), len(self.created)
        return f"imported {n} cases from {self.source} ({new} new, {len(self.updated)} updated)"

    def to_json(self) -> dict:
        return {"source": self.source, "created": self.created, "updated": self.updated}


def _to_row(c: Case, owner: str, row: CaseRow | None = None) -> CaseRow:
    row = row or CaseRow(id=c.id, owner_org=owner)
    row.origin = "user"
    for col in _COLUMNS:
        setattr(row, col, getattr(c, col))
    row.evidence = [e.__dict__.copy() for e in c.evidence]
    return row


def _from_row(r: CaseRow) -> Case:
    kw = {col: getattr(r, col) for col in _COLUMNS}
    return Case(id=r.id, origin="user", owner=r.owner_org, evidence=[Evidence(**e) for e in (r.evidence or [])], **kw)


@dataclass(frozen=True)
class CaseQuery:
    """A filter of the library, checked when made (:class:`CasesError` names the bad value):
    ``origin`` ``seed`` or ``user``; SDG ``goal`` 1..17; ``theme`` (case-insensitive);
    ``country`` and ``city`` by English or Chinese name (case-insensitive); ``q``, a text query
    whose every word must occur in the case's texts, names or themes in either language (a
    Chinese query without spaces is one substring). ``None`` or empty means any."""

    origin: str | None = None
    goal: int | None = None
    theme: str | None = None
    country: str | None = None
    city: str | None = None
    q: str | None = None

    def __post_init__(self) -> None:
        if self.origin not in (None, "seed", "user"):
            raise CasesError(f"origin must be 'seed' or 'user', got {self.origin!r}")
        if self.goal is not None and not 1 <= self.goal <= 17:
            raise CasesError(f"goal must be an SDG number 1..17, got {self.goal}")

    def matches(self, c: Case) -> bool:
        if self.goal is not None and self.goal not in c.sdg_goals:
            return False
        if self.theme and self.theme.casefold() not in {x.casefold() for x in c.themes}:
            return False
        if self.country and not _named(self.country, c.country, c.country_zh):
            return False
        if self.city and not _named(self.city, c.city, c.city_zh):
            return False
        return not (self.q and self.q.strip()) or _has_words(c, self.q)


def _named(name: str, *names: str | None) -> bool:
    return any(n is not None and name.casefold() == n.casefold() for n in names)


def _has_words(c: Case, q: str) -> bool:
    hay = " ".join(
        [c.title_en, c.title_zh, c.description_en, c.description_zh, c.city, c.city_zh or "",
         c.country, c.country_zh or "", " ".join(c.themes)]
    ).casefold()  # fmt: skip
    return all(w in hay for w in q.casefold().split())


class CaseLibrary:
    """Seed and user cases (``url``: SQLAlchemy URL or SQLite file; default ``CITYNEXUS_DB``)."""

    def __init__(self, url: str | None = None):
        self.engine = get_engine(url)

    def import_file(self, path: str | Path, owner: str = LOCAL_ORG) -> ImportReport:
        """Import a ``.jsonl`` or ``.xlsx`` file for ``owner``; every problem is reported and
        nothing is stored unless the whole file is valid (:class:`~citynexus.cases.errors.CaseImportError`)."""
        return self.import_cases(read_file(path), str(path), owner=owner)

    def import_cases(self, cases: list[Case], source: str = "", owner: str = LOCAL_ORG) -> ImportReport:
        """Store validated cases in one transaction for organisation ``owner``: new ids are
        created for it, its own existing ids updated; a case of another organisation is refused
        (and then nothing is stored)."""
        from citynexus.cases.errors import CaseImportError, CaseProblem
        from citynexus.cases.models import SEED_PREFIX, seed_prefix_problem

        reserved = [c.id for c in cases if c.id.lower().startswith(SEED_PREFIX)]
        if reserved:
            raise CaseImportError([seed_prefix_problem(reserved[0], 0, source, head="id ")], source)
        report = ImportReport(source)
        with session_scope(self.engine) as s:
            rows = {c.id: s.get(CaseRow, c.id) for c in cases}
            foreign = [(cid, r.owner_org) for cid, r in rows.items() if r is not None and r.owner_org != owner]
            if foreign:
                problems = [
                    CaseProblem.of(0, "id", f"case {cid!r} belongs to organisation {org!r}, not {owner!r}",
                                   "only its owner may update it; choose another id", source, "case_not_owner",
                                   value=repr(cid), owner=repr(org), org=repr(owner))
                    for cid, org in foreign
                ]  # fmt: skip
                raise CaseImportError(problems, source)
            for c in cases:
                row = rows[c.id]
                (report.updated if row is not None else report.created).append(c.id)
                s.add(_to_row(c, owner, row))
        return report

    def user_cases(self) -> list[Case]:
        with session_scope(self.engine) as s:
            return [_from_row(r) for r in s.scalars(select(CaseRow).order_by(CaseRow.id))]

    def cases(self, query: CaseQuery | None = None, /, **filters: Any) -> list[Case]:
        """Seed cases first, then user cases, that match ``query`` (or a :class:`CaseQuery` made
        from ``filters``: origin, goal, theme, country, city, q)."""
        query = query or CaseQuery(**filters)
        out: list[Case] = []
        if query.origin in (None, "seed"):
            out += list(seed_cases())
        if query.origin in (None, "user"):
            out += self.user_cases()
        return [c for c in out if query.matches(c)]

    def case(self, case_id: str) -> Case:
        """One case by id (seed or user)."""
        for c in seed_cases():
            if c.id == case_id:
                return c
        with session_scope(self.engine) as s:
            r = s.get(CaseRow, case_id)
            if r is not None:
                return _from_row(r)
        raise CaseNotFoundError(f"no case with id {case_id!r}; `citynexus cases list` shows the ids")

    def counts(self) -> dict[str, int]:
        return {"seed": len(seed_cases()), "user": len(self.user_cases())}
