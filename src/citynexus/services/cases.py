"""Use cases of the case library shared by the faces (CLI now; REST and pages later).

Every function takes plain values (database URL, paths, texts) and returns plain objects or
JSON-ready dicts; the HTML shortlist report is rendered by :mod:`citynexus.report.cases` from the
:class:`~citynexus.cases.screening.ScreeningResult` returned here.
"""

from __future__ import annotations

import contextlib
from importlib import resources
from pathlib import Path
from typing import Any

from citynexus.cases.errors import CasesError, ScreeningError

DEMO_SCORES = "demo"


def library(db: str | None = None):
    from citynexus.cases.library import CaseLibrary

    return CaseLibrary(db)


def import_cases(path: str | Path, db: str | None = None, owner: str = "local") -> dict[str, Any]:
    """Import a case file (all-or-nothing) for organisation ``owner`` (``local`` on the command
    line; a face passes the caller's organisation); the report as JSON."""
    lib = library(db)
    rep = lib.import_file(path, owner=owner)
    return rep.to_json() | {"summary": rep.summary(), "counts": lib.counts()}


def list_cases(
    db: str | None = None,
    origin: str | None = None,
    goal: int | None = None,
    theme: str | None = None,
    country: str | None = None,
    city: str | None = None,
) -> list[dict[str, Any]]:
    """The library (seed cases first, then user cases) as JSON records, filtered."""
    if origin not in (None, "seed", "user"):
        raise CasesError(f"origin must be 'seed' or 'user', got {origin!r}")
    if goal is not None and not 1 <= goal <= 17:
        raise CasesError(f"goal must be an SDG number 1..17, got {goal}")
    try:
        cases = library(db).cases(origin=origin, goal=goal, theme=theme, country=country, city=city)
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
        from citynexus.cases.library import CaseLibrary, seed_cases

        cases = CaseLibrary.filter(list(seed_cases()), goal=goal, theme=theme, country=country, city=city)
        if origin == "user":
            cases = []
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


def demo_scores_path() -> Path:
    """The bundled SYNTHETIC juror scores for the seed cases (3 jurors, 5 criteria)."""
    return Path(str(resources.files("citynexus.cases").joinpath("seed/demo_scores_synthetic.csv")))


def parse_weights(spec: str | None) -> dict[str, float] | None:
    """``"innovation=0.3,impact=0.2"`` -> dict; None stays None."""
    if spec is None or not spec.strip():
        return None
    out: dict[str, float] = {}
    for part in spec.split(","):
        name, sep, val = part.partition("=")
        if not sep:
            raise ScreeningError(f"weight {part.strip()!r} must be written criterion=number, e.g. impact=0.3")
        try:
            out[name.strip().lower()] = float(val)
        except ValueError:
            raise ScreeningError(f"weight of {name.strip()!r} must be a number, got {val.strip()!r}") from None
    return out


def read_ahp(path: str | Path):
    """An AHP pairwise matrix from TOML (``matrix = [[...], ...]``, optional ``criteria``) or JSON."""
    import json
    import tomllib

    p = Path(path)
    try:
        if p.suffix.lower() == ".json":
            data = json.loads(p.read_text(encoding="utf-8"))
        else:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ScreeningError(f"{p}: cannot read the AHP matrix: {err}") from err
    data = data.get("ahp", data)
    if "matrix" not in data:
        raise ScreeningError(f"{p}: no 'matrix' (write matrix = [[1, 3, ...], ...], one row per criterion)")
    return data["matrix"], tuple(data["criteria"]) if "criteria" in data else None


def screen_cases(
    scores: str | Path,
    db: str | None = None,
    weights: str | dict[str, float] | None = None,
    ahp: str | Path | None = None,
    method: str = "arithmetic",
    scale: tuple[float, float] = (0.0, 10.0),
    shortlist: int = 3,
    tolerance: float | None = 0.5,
) -> tuple[Any, dict[str, Any], bool]:
    """Screen the cases scored in ``scores`` (path, or ``"demo"`` for the bundled synthetic
    scores). Returns ``(result, {case id: Case}, synthetic)``; case ids not in the library are
    kept (shown by id)."""
    from citynexus.cases.errors import CaseNotFoundError
    from citynexus.cases.screening import CRITERIA, read_scores, screen

    synthetic = str(scores) == DEMO_SCORES
    path = demo_scores_path() if synthetic else Path(scores)
    matrix, criteria = (None, None)
    if ahp is not None:
        matrix, criteria = read_ahp(ahp)
    criteria = criteria or CRITERIA
    w = parse_weights(weights) if isinstance(weights, str) else weights
    df = read_scores(path, criteria)
    res = screen(
        df,
        criteria=criteria,
        weights=w,
        ahp_matrix=matrix,
        method=method,
        scale=scale,
        shortlist=shortlist,
        tolerance=tolerance,
    )
    lib = library(db)
    cases = {}
    for cid in res.table["case"]:
        with contextlib.suppress(CaseNotFoundError):
            cases[cid] = lib.case(cid)
    return res, cases, synthetic


def similar(
    query: str, db: str | None = None, top: int = 5, goal: int | None = None, lang: str = "en"
) -> dict[str, Any]:
    """Cases like ``query`` (a case id of the library, or free text in either language)."""
    from citynexus.cases.errors import CaseNotFoundError
    from citynexus.cases.similar import similar_cases

    lib = library(db)
    try:
        q: Any = lib.case(query)
    except CaseNotFoundError:
        q = query
    res = similar_cases(q, lib.cases(), top=top, goal=goal)
    return {
        "query": q.id if not isinstance(q, str) else q,
        "results": [r.to_json(lang) for r in res],
    }


def hub_links(case_id: str, db: str | None = None, top: int = 5) -> list[dict[str, Any]]:
    """Hub organizations offering services relevant to a case (the hub in ``db`` is only read)."""
    from citynexus.cases.similar import hub_links as links
    from citynexus.hub import Hub

    case = library(db).case(case_id)
    hub = Hub(db)
    if hub.counts()["offers"] == 0:
        raise CasesError("the hub holds no offers yet; import some first (`citynexus hub import demo`)")
    return links(case, hub.matcher(), top=top)
