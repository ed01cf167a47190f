"""Use cases of the case library shared by the faces: the CLI, the REST API and the dashboard.

Every function takes plain values (database URL, paths, texts) and returns plain objects or
JSON-ready dicts. The screening use cases live in :mod:`citynexus.services.cases_screening`
(re-exported here); the HTML shortlist report is rendered by :mod:`citynexus.report.cases` from the
:class:`~citynexus.cases.screening.ScreeningResult` returned here.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from citynexus.cases.errors import CasesError
from citynexus.services.auth import import_owner

# the screening use cases, re-exported for the faces
from citynexus.services.cases_screening import (  # noqa: F401
    DEMO_SCORES,
    demo_scores_path,
    parse_weights,
    read_ahp,
    scores_frame,
    screen_cases,
    screen_upload,
    screening_board,
)


def library(db: str | None = None):
    from citynexus.cases.library import CaseLibrary

    return CaseLibrary(db)


def import_cases(path: str | Path, db: str | None = None, owner: str = "local") -> dict[str, Any]:
    """Import a case file (all-or-nothing) for organisation ``owner`` (``local`` on the command
    line; a face passes the caller's organisation); the report as JSON."""
    lib = library(db)
    rep = lib.import_file(path, owner=owner)
    return rep.to_json() | {"summary": rep.summary(), "counts": lib.counts()}


def list_cases(db: str | None = None, **filters: Any) -> list[dict[str, Any]]:
    """The library (seed cases first, then user cases) as JSON records, filtered by
    :class:`~citynexus.cases.library.CaseQuery` ``filters``."""
    from citynexus.cases.library import CaseQuery

    query = CaseQuery(**filters)
    try:
        cases = library(db).cases(query)
    except Exception as err:
        # no database given and the default one cannot be opened (e.g. a read-only home):
        # the shipped seed cases are still the library
        import os

        from sqlalchemy.exc import SQLAlchemyError

        from citynexus.store import ENV_VAR, StoreError

        if db is not None or os.environ.get(ENV_VAR) or not isinstance(err, (StoreError, SQLAlchemyError, OSError)):
            raise
        import logging

        logging.getLogger(__name__).warning("default database unavailable (%s); listing the seed cases only", err)
        from citynexus.cases.library import seed_cases

        cases = [c for c in seed_cases() if query.origin != "user" and query.matches(c)]
    return [c.to_json() for c in cases]


def show_case(case_id: str, db: str | None = None) -> dict[str, Any]:
    """One case with the texts of its SDG goals and targets in both languages."""
    from citynexus.cases import sdg

    c = library(db).case(case_id)
    d = c.to_json()
    d["sdg_goal_titles"] = {g: {"en": sdg.goal(g).title_en, "zh": sdg.goal(g).title_zh} for g in c.sdg_goals}
    idx = sdg.target_index()
    d["sdg_target_texts"] = {t: {"en": idx[t].text_en, "zh": idx[t].text_zh} for t in c.sdg_targets}
    return d


def tag_text(text: str, method: str = "hybrid", top: int = 5, lang: str | None = None) -> dict[str, Any]:
    """SDG goals (best first) and targets of a text: the pinned ``cases tag --json`` shape
    ``{"goals": [{"goal": N, "score": x, ...}, ...], ...}``."""
    from citynexus.cases.tagger import default_tagger

    if top < 1 or top > 17:
        raise CasesError(f"--top must be between 1 and 17, got {top}")
    return default_tagger().tag(text, method=method).to_json(top=top, lang=lang)


def similar(
    query: str, db: str | None = None, top: int = 5, goal: int | None = None, lang: str = "en"
) -> dict[str, Any]:
    """Cases like ``query`` (a case id of the library, or free text in either language)."""
    from citynexus.cases.errors import CaseNotFoundError

    lib = library(db)
    try:
        q: Any = lib.case(query)
    except CaseNotFoundError:
        q = query
    return _similar(lib, q, top, goal, lang)


def _similar(lib, query: Any, top: int, goal: int | None, lang: str, encoder: Any = None) -> dict[str, Any]:
    """``{"query", "results"}``: the cases of ``lib`` most like ``query`` (a case, itself left out,
    or free text)."""
    from citynexus.cases.similar import similar_cases

    res = similar_cases(query, lib.cases(), encoder=encoder, top=top, goal=goal)
    return {"query": query if isinstance(query, str) else query.id, "results": [r.to_json(lang) for r in res]}


def hub_links(case_id: str, db: str | None = None, top: int = 5) -> list[dict[str, Any]]:
    """Hub organizations offering services relevant to a case (the hub in ``db`` is only read)."""
    from citynexus.cases.similar import hub_links as links
    from citynexus.hub import Hub

    case = library(db).case(case_id)
    hub = Hub(db)
    if hub.counts()["offers"] == 0:
        raise CasesError("the hub holds no offers yet; import some first (`citynexus hub import demo`)")
    return links(case, hub.matcher(), top=top)


# ------------------------------------------------------------------------------ faces (REST, pages)
# The functions below take the app's engine and, for writes, the Principal behind the request:
# role checks (editor for imports, updates and screening runs), the owner organisation of every
# stored case, and one audit event per write. Reads need no key: cases are public records.
def library_of(engine):
    """The case library stored in ``engine``'s database (seed cases + user cases)."""
    from citynexus.cases.library import CaseLibrary

    return CaseLibrary(engine.url.render_as_string(hide_password=False))


def find_cases(engine, **filters: Any) -> list:
    """The library filtered by :class:`~citynexus.cases.library.CaseQuery` ``filters`` (SDG goal,
    country or city in English or Chinese, theme, a text query in either language, origin); seed
    cases first. Returns :class:`~citynexus.cases.models.Case` objects (a read: no key needed,
    nothing written)."""
    from citynexus.cases.library import CaseQuery

    return library_of(engine).cases(CaseQuery(**filters))


def search_json(engine, **filters) -> dict[str, Any]:
    """:func:`find_cases` as JSON: ``{"count", "cases": [...]}`` (the REST list)."""
    cases = find_cases(engine, **filters)
    return {"count": len(cases), "cases": [c.to_json() for c in cases]}


def facets(engine) -> dict[str, Any]:
    """What the library's filters can choose from: cases per SDG goal, the countries (with their
    Chinese names) and the themes, each with its number of cases."""
    cases = library_of(engine).cases()
    goals = {g: 0 for g in range(1, 18)}
    countries: dict[str, dict[str, Any]] = {}
    themes: dict[str, int] = {}
    for c in cases:
        for g in c.sdg_goals:
            goals[g] += 1
        e = countries.setdefault(c.country, {"country": c.country, "country_zh": c.country_zh or c.country, "n": 0})
        e["n"] += 1
        for th in c.themes:
            themes[th] = themes.get(th, 0) + 1
    return {
        "total": len(cases),
        "goals": goals,
        "countries": sorted(countries.values(), key=lambda e: e["country"]),
        "themes": dict(sorted(themes.items())),
    }


def case_json(engine, case_id: str) -> dict[str, Any]:
    """One case with its SDG goal and target texts in both languages (404 if unknown)."""
    return show_case(case_id, engine.url.render_as_string(hide_password=False))


def get_case(engine, case_id: str):
    """One :class:`~citynexus.cases.models.Case` (seed or user) or :class:`CaseNotFoundError`."""
    return library_of(engine).case(case_id)


class _CachedEncoder:
    """The hub's default encoder with a per-text vector cache, so "cases like this" encodes each
    case text once per process instead of on every request (the texts are the cache keys: an
    updated case has new texts and is encoded again)."""

    def __init__(self, size: int = 20000):
        import threading

        self._lock = threading.Lock()
        self._vecs: dict[str, Any] = {}
        self._size = size

    def _inner(self):
        from citynexus.hub.encoder import default_encoder

        return default_encoder()

    @property
    def name(self) -> str:
        return self._inner().name

    @property
    def dim(self) -> int:
        return self._inner().dim

    def encode(self, texts):
        import numpy as np

        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vecs))
        if missing:
            new = self._inner().encode(missing)
            with self._lock:
                if len(self._vecs) + len(missing) > self._size:
                    self._vecs.clear()
                self._vecs.update(zip(missing, new))
        with self._lock:
            got = [self._vecs.get(t) for t in texts]
        if any(v is None for v in got):  # evicted by a concurrent request: encode directly
            return self._inner().encode(list(texts))
        return np.asarray(got, dtype=np.float32).reshape(len(texts), -1)


_encoder = _CachedEncoder()


def similar_json(engine, case_id: str, top: int = 5, goal: int | None = None, lang: str = "en") -> dict[str, Any]:
    """Cases like the case ``case_id`` (itself left out), across languages."""
    lib = library_of(engine)
    return _similar(lib, lib.case(case_id), top, goal, lang, _encoder)


def similar_text(engine, text: str, top: int = 5, goal: int | None = None, lang: str = "en") -> dict[str, Any]:
    """Cases like a free-text problem statement (either language)."""
    return _similar(library_of(engine), text, top, goal, lang, _encoder)


def case_goal_scores(case) -> dict[int, float]:
    """The tagger's hybrid score of each of the 17 goals for a case's texts (both languages),
    cached per text."""
    from citynexus.cases.tagger import default_tagger
    from citynexus.services.cache import LRU

    global _goal_scores
    if _goal_scores is None:
        _goal_scores = LRU(512)
    text = case.text()
    return dict(_goal_scores.get(text, lambda: {g.goal: float(g.score) for g in default_tagger().tag(text).goals}))


_goal_scores = None


def hub_organizations(engine, case_id: str, top: int = 5, encoder=None) -> dict[str, Any]:
    """Hub organizations offering services relevant to a case, from the app's hub (only read;
    the matcher is the cached one of :mod:`citynexus.services.hub`). An empty hub gives
    ``{"empty": true, "organizations": []}``."""
    from citynexus.cases.similar import hub_links as links
    from citynexus.services import hub as hubs

    case = library_of(engine).case(case_id)
    if hubs.is_empty(engine):
        return {"case": case.id, "empty": True, "synthetic": False, "organizations": []}
    m = hubs.matcher_of(engine, encoder)
    if not m.offers:
        return {"case": case.id, "empty": True, "synthetic": False, "organizations": []}
    orgs = links(case, m, top=top)
    for o in orgs:
        org = m.orgs.get(o["org"])
        o["synthetic"] = bool(org is not None and hubs.is_synthetic_org(org))
    return {"case": case.id, "empty": False, "synthetic": any(o["synthetic"] for o in orgs), "organizations": orgs}


def import_upload(
    engine, who, filename: str, content: bytes, client: str | None = None, owner: str | None = None
) -> dict[str, Any]:
    """Import an uploaded ``.jsonl`` or ``.xlsx`` case file for ``who`` (an editor; a platform key
    may import for ``owner``). All-or-nothing, owner-checked: a case of another organisation is
    refused and nothing is stored (:class:`~citynexus.cases.errors.CaseImportError`, every problem
    named with the uploaded file's name). Audited (``cases.import``)."""
    import tempfile

    from citynexus.cases.errors import CaseImportError, CaseProblem
    from citynexus.cases.io import read_file
    from citynexus.services import audit
    from citynexus.services.auth import require_role

    require_role(who, "editor", "importing cases")
    new_owner = import_owner(who, owner, "cases")
    name = Path(filename or "upload.jsonl").name
    suffix = Path(name).suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".json", ".xlsx"):
        fix = "upload a JSON Lines (.jsonl) or Excel (.xlsx) file"
        problem = CaseProblem.of(0, "(file)", f"cannot import {name!r}", fix, name, "file_type_of", value=repr(name),
                                 allowed=".jsonl, .xlsx")  # fmt: skip
        raise CaseImportError([problem], name)
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"upload{suffix}"
        p.write_bytes(content)
        try:
            cases = read_file(p)
        except CaseImportError as err:  # name the upload, never the server's temporary path
            for pr in err.problems:
                pr.file = pr.file.replace(str(p), name)
            raise CaseImportError(err.problems, name) from None
    lib = library_of(engine)
    rep = lib.import_cases(cases, name, owner=new_owner)
    audit.record(
        engine, who, "cases.import", "file", name, client,
        {"created": rep.created, "updated": rep.updated, "owner": new_owner},
    )  # fmt: skip
    return rep.to_json() | {"summary": rep.summary(), "counts": lib.counts()}


def update_case(engine, who, case_id: str, record: dict[str, Any], client: str | None = None) -> dict[str, Any]:
    """Replace the stored case ``case_id`` with ``record`` (the import schema; its ``id`` may be
    left out). Only an editor of the owner organisation (or the platform) may; seed cases cannot
    be changed. Audited (``cases.update``)."""
    from citynexus.cases.errors import CaseImportError, CaseNotFoundError
    from citynexus.cases.models import SEED_PREFIX, parse_case
    from citynexus.services import audit
    from citynexus.services.auth import PermissionDenied, check_write, require_role

    require_role(who, "editor", "changing a case")
    if case_id.lower().startswith(SEED_PREFIX):
        raise PermissionDenied(f"{case_id!r} is a seed case shipped with citynexus; seed cases cannot be changed")
    lib = library_of(engine)
    current = lib.case(case_id)  # CaseNotFoundError -> 404
    check_write(who, current.owner, f"case {case_id!r}")
    rec = dict(record)
    if rec.setdefault("id", case_id) != case_id:
        raise CasesError(f"the record's id {rec['id']!r} differs from the case {case_id!r} in the path")
    case, problems = parse_case(rec, 1, "request body")
    if problems or case is None:
        raise CaseImportError(problems, "request body")
    owner = current.owner or who.org
    lib.import_cases([case], "request body", owner=owner)
    audit.record(engine, who, "cases.update", "case", case_id, client, {"owner": owner})
    try:
        return lib.case(case_id).to_json()
    except CaseNotFoundError:  # pragma: no cover - just written
        raise


def tag_json(text: str, method: str = "hybrid", top: int = 5, lang: str | None = None) -> dict[str, Any]:
    """SDG goals and targets of a text (the REST and page face of :func:`tag_text`)."""
    if not text or not text.strip():
        raise CasesError("the text is empty; paste a description of a practice or a problem")
    if method not in ("hybrid", "encoder", "keywords"):
        raise CasesError(f"method must be hybrid, encoder or keywords, got {method!r}")
    return tag_text(text, method=method, top=top, lang=lang)


def library_summary(db: str | None = None, lang: str = "en") -> str:
    """One line about the case library (for ``citynexus demo``): cases, seed and imported, countries,
    SDGs covered. With no ``db`` and no database yet, the shipped seed cases are the library (no
    database is created for it)."""
    import os

    from citynexus.cases.library import seed_cases
    from citynexus.i18n import t
    from citynexus.store import ENV_VAR

    cases = list(seed_cases())
    if db is not None or os.environ.get(ENV_VAR) or _default_db_exists():
        with contextlib.suppress(Exception):  # an unreadable database: the seed cases are still the library
            cases = library(db).cases()
    seed = sum(1 for c in cases if c.seed)
    return t("cases_summary_line", lang).format(
        n=len(cases),
        seed=seed,
        user=len(cases) - seed,
        countries=len({c.country for c in cases}),
        goals=len({g for c in cases for g in c.sdg_goals}),
    )


def _default_db_exists() -> bool:
    from platformdirs import user_data_dir

    return (Path(user_data_dir("citynexus", appauthor=False)) / "citynexus.db").exists()
