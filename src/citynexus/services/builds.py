"""Index rankings and stored index builds (create, read, export) for every face."""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from citynexus.errors import CityNexusError, NotFoundError
from citynexus.evaluate import IndexSpec
from citynexus.services import audit
from citynexus.services import index as service
from citynexus.services.auth import Principal, can_see, require_role
from citynexus.store import session_scope
from citynexus.store.app import StoredResult, find_own

EXPORT_FORMATS = ("csv", "xlsx", "json")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ResultNotFoundError(NotFoundError):
    """No stored result has that id."""


def ranking_records(df: pd.DataFrame) -> list[dict]:
    """Ranking rows (unit, names, score, rank) of a ranking table indexed by unit."""
    return [
        {
            "unit": u,
            "name": r["name"],
            "name_zh": r["name_zh"],
            "score": float(r["score"]),
            "rank": None if r["rank"] is None else int(r["rank"]),
        }
        for u, r in df.iterrows()
    ]


def check_period(ds, period: int | None) -> None:
    if period is not None and period not in ds.periods:
        raise CityNexusError(f"period {period} has no data; periods present: {ds.periods}")


def ranking(engine: Engine | None, dataset: str, period: int | None = None) -> dict[str, Any]:
    """The ranking of ``dataset`` with its default spec, the top index's children with their
    weights and every unit's scores."""
    ds = service.dataset(engine, dataset)
    check_period(ds, period)
    res = service.result(ds, period=period)
    top = res.index_code
    children = ds.children(top)
    w = res.weights
    wt = {c: float(w.loc[w["code"] == c, "weight"].iloc[0]) for c in children if (w["code"] == c).any()}
    table = service.rerank(res, wt, ds).ranking if wt else res.ranking()
    return {
        "dataset": dataset,
        "period": res.period,
        "index": top,
        "children": [
            {"code": c, "name": ds.label(c), "name_zh": ds.label(c, "zh"), "weight": wt.get(c)} for c in children
        ],
        "scores": {c: {u: float(v) for u, v in res.scores[c].items()} for c in [top, *children]},
        "ranking": ranking_records(table),
        "synthetic": ds.synthetic,
    }


def rerank(engine: Engine | None, dataset: str, weights: dict[str, float], period: int | None = None) -> dict:
    """Re-rank ``dataset`` with relative weights of the top index's children and/or of the
    children of any aggregate below it (:func:`citynexus.services.index.rerank_tree`)."""
    ds = service.dataset(engine, dataset)
    check_period(ds, period)
    res = service.result(ds, period=period)
    out = service.rerank_tree(res, weights, ds)
    return {"dataset": dataset, "period": res.period, **out}


def spec_from(value: str | dict | None, ds) -> IndexSpec:
    """A spec given as TOML text or a mapping; the dataset's default spec when None."""
    if value is None:
        return service.spec_for(ds)
    if isinstance(value, str):
        return IndexSpec.from_toml(value, source="request spec")
    return IndexSpec.from_dict(value, source="request spec")


def create_build(
    engine: Engine,
    who: Principal,
    dataset: str,
    spec: str | dict | None = None,
    period: int | None = None,
    public: bool = True,
    client: str | None = None,
) -> dict[str, Any]:
    """Build an index and store the result for ``who``'s organisation, once per input digest
    (dataset, spec, period), owner and visibility: a private build is never handed to
    another organisation, nor a public one made from it. Audited when a new row is stored."""
    require_role(who, "editor", "storing an index build")
    ds = service.dataset(engine, dataset)
    sp = spec_from(spec, ds)
    res = service.result(ds, sp, period)
    digest = hashlib.sha256(f"{ds.digest()}:{sp.digest()}:{res.period}".encode()).hexdigest()
    with session_scope(engine) as s:
        row = find_own(s, StoredResult, "index", digest, who.org, StoredResult.public == public)
        cached = row is not None
        if row is None:
            row = StoredResult(
                kind="index",
                input_digest=digest,
                dataset=dataset,
                params={"spec": sp.to_dict(), "period": res.period},
                body=res.to_dict(),
                public=public,
                owner_org=who.org,
            )
            s.add(row)
            s.flush()
        rid = row.id
    if not cached:
        audit.record(engine, who, "index.build", "build", str(rid), client, {"dataset": dataset, "public": public})
    return {
        "id": rid,
        "cached": cached,
        "period": res.period,
        "index": res.index_code,
        "ranking": ranking_records(res.ranking().assign(name_zh=ds.units.set_index("code")["name_zh"])),
    }


def load_build(engine: Engine, rid: int, who: Principal | None = None) -> StoredResult:
    """A stored index result (detached); a private one only for its owner organisation and
    the platform (anyone else is told there is no such result)."""
    with session_scope(engine) as s:
        row = s.get(StoredResult, rid)
        if row is None or row.kind != "index" or not can_see(who, row.owner_org, not row.public):
            raise ResultNotFoundError(f"no index result with id {rid} that this key may read")
        s.expunge(row)
        return row


def build_json(row: StoredResult) -> dict[str, Any]:
    return {
        "id": row.id,
        "dataset": row.dataset,
        "created": row.created.isoformat(),
        "params": row.params,
        "result": row.body,
    }


def export_build(engine: Engine, row: StoredResult, fmt: str) -> tuple[bytes, str, str | None]:
    """``(content, media type, download file name)`` of a stored result as csv (zip), xlsx or json."""
    if fmt not in EXPORT_FORMATS:
        raise CityNexusError(f"format must be csv, xlsx or json, not {fmt!r}")
    ds = service.dataset(engine, row.dataset)
    res = service.result(ds, IndexSpec.from_dict(row.params["spec"]), row.params["period"])
    if fmt == "json":
        return res.to_json().encode(), "application/json", None
    with tempfile.TemporaryDirectory() as tmp:
        if fmt == "xlsx":
            p = res.to_excel(Path(tmp) / f"index-{row.id}.xlsx")
            return Path(p).read_bytes(), XLSX_TYPE, f"index-{row.id}.xlsx"
        files = res.to_csv(Path(tmp) / "csv")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, Path(f).relative_to(Path(tmp) / "csv"))
        return buf.getvalue(), "application/zip", f"index-{row.id}.zip"
