"""Screening use cases of the case library (案例评审): juror scores from a file, the bundled
synthetic demo scores or JSON records -> :func:`citynexus.cases.screening.screen`, with the case
titles from the library; the REST and dashboard runs check the editor role and are audited.
"""

from __future__ import annotations

import contextlib
from importlib import resources
from pathlib import Path
from typing import Any

from citynexus.cases.errors import ScreeningError

DEMO_SCORES = "demo"


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
    cases = {}
    try:
        from citynexus.services.cases import library

        lib = library(db)
        for cid in res.table["case"]:
            with contextlib.suppress(CaseNotFoundError):
                cases[cid] = lib.case(cid)
    except Exception as err:
        # no database given and the default one cannot be used (read-only home, an old schema):
        # the seed cases still give the titles
        import os

        from citynexus.store import ENV_VAR

        if db is not None or os.environ.get(ENV_VAR) or isinstance(err, CaseNotFoundError):
            raise
        from citynexus.cases.library import seed_cases

        seeds = {c.id: c for c in seed_cases()}
        cases = {cid: seeds[cid] for cid in res.table["case"] if cid in seeds}
    return res, cases, synthetic


def scores_frame(records: list[dict[str, Any]], criteria: tuple[str, ...]):
    """Juror scores given as JSON records — long (``juror, case, criterion, score``) or wide
    (``juror, case`` and one field per criterion) — as the long table of
    :func:`citynexus.cases.screening.read_scores` (rows numbered from 1, source ``request``)."""
    import pandas as pd

    rows = []
    for i, r in enumerate(records, start=1):
        if not isinstance(r, dict):
            raise ScreeningError(f"score record {i} is not an object with juror, case and scores")
        if "juror" not in r or "case" not in r:
            raise ScreeningError(f"score record {i} needs 'juror' and 'case'")
        if "criterion" in r:
            if "score" not in r:
                raise ScreeningError(f"score record {i} has a criterion but no 'score'")
            rows.append({"juror": r["juror"], "case": r["case"], "criterion": r["criterion"], "score": r["score"],
                         "_row": i, "_col": "score"})  # fmt: skip
            continue
        present = [c for c in criteria if c in r]
        if not present:
            raise ScreeningError(
                f"score record {i} has no score: give 'criterion' and 'score', or one field per criterion "
                f"({', '.join(criteria)})"
            )
        for c in present:
            rows.append({"juror": r["juror"], "case": r["case"], "criterion": c, "score": r[c], "_row": i, "_col": c})
    if not rows:
        raise ScreeningError("no juror scores given")
    df = pd.DataFrame(rows)
    for col in ("juror", "case", "criterion"):
        df[col] = df[col].map(lambda v: v if isinstance(v, str) else str(v))
    df["score"] = df["score"].map(lambda v: v if isinstance(v, int | float | str) and not isinstance(v, bool) else None)
    df["source"] = "request"
    return df


def screening_board(
    engine,
    who=None,
    records: list[dict[str, Any]] | None = None,
    weights: dict[str, float] | None = None,
    ahp_matrix: list[list[float]] | None = None,
    method: str = "arithmetic",
    scale: tuple[float, float] = (0.0, 10.0),
    shortlist: int = 3,
    tolerance: float | None = 0.5,
    client: str | None = None,
    frame=None,
) -> dict[str, Any]:
    """A screening: juror scores (``records``, or the long table ``frame`` of an uploaded file;
    neither = the bundled SYNTHETIC demo scores of the
    seed cases) -> criterion means, aggregate score and rank, rank interval, shortlist, Kendall's W
    overall and per criterion, and the per-juror ranks. A run with a ``who`` (REST) needs an editor
    and is audited (``cases.screen``); the dashboard's demo board runs without one and writes nothing.
    Returns the result's JSON plus the case titles in both languages and ``synthetic``."""
    from citynexus.cases.errors import CaseNotFoundError
    from citynexus.cases.screening import CRITERIA, read_scores, screen, w_strength

    if who is not None:
        from citynexus.services.auth import require_role

        require_role(who, "editor", "running a screening")
    synthetic = records is None and frame is None
    criteria = CRITERIA
    if frame is not None:
        df = frame
    else:
        df = read_scores(demo_scores_path(), criteria) if synthetic else scores_frame(records, criteria)
    res = screen(
        df, criteria=criteria, weights=weights, ahp_matrix=ahp_matrix, method=method, scale=scale,
        shortlist=shortlist, tolerance=tolerance,
    )  # fmt: skip
    from citynexus.services.cases import library_of

    lib = library_of(engine)
    titles: dict[str, dict[str, Any]] = {}
    for cid in res.table["case"]:
        with contextlib.suppress(CaseNotFoundError):
            c = lib.case(cid)
            titles[cid] = {"en": c.title_en, "zh": c.title_zh, "city_en": c.place("en")[0], "city_zh": c.place("zh")[0],
                           "sdg_goals": c.sdg_goals}  # fmt: skip
    body = res.to_json()
    body["agreement"]["strength"] = w_strength(res.agreement.w)
    for k, v in body["agreement_by_criterion"].items():
        v["strength"] = w_strength(res.agreement_by_criterion[k].w)
    body["juror_ranks"] = {
        j: {c: float(v) for c, v in row.items()} for j, row in res.juror_ranks.to_dict(orient="index").items()
    }
    body["titles"] = titles
    body["synthetic"] = synthetic
    if who is not None:
        from citynexus.services import audit

        audit.record(
            engine, who, "cases.screen", "screening", f"{len(res.table)} cases", client,
            {"cases": len(res.table), "jurors": len(res.jurors), "method": method, "shortlist": res.shortlisted()},
        )  # fmt: skip
    return body


def screen_upload(
    engine,
    who,
    filename: str,
    content: bytes,
    method: str = "arithmetic",
    shortlist: int = 3,
    tolerance: float | None = 0.5,
    client: str | None = None,
) -> dict[str, Any]:
    """:func:`screening_board` on an uploaded score file (CSV, JSON Lines or Excel, long or wide
    as for ``citynexus cases screen``); needs an editor, audited. Problems name the uploaded file,
    never the server's temporary path."""
    import tempfile

    from citynexus.cases.screening import CRITERIA, read_scores
    from citynexus.services.auth import require_role

    require_role(who, "editor", "running a screening")
    name = Path(filename or "scores.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson", ".xlsx"):
        raise ScreeningError(f"cannot screen {name!r}: upload juror scores as .csv, .jsonl or .xlsx")
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"scores{suffix}"
        p.write_bytes(content)
        try:
            df = read_scores(p, CRITERIA)
        except ScreeningError as err:
            raise ScreeningError(str(err).replace(str(p), name)) from None
    df["source"] = name
    try:
        return screening_board(engine, who, method=method, shortlist=shortlist, tolerance=tolerance, client=client,
                               frame=df)  # fmt: skip
    except ScreeningError as err:
        raise ScreeningError(str(err).replace(str(p), name)) from None
