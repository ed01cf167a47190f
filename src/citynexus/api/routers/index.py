"""``/api/v1/index``: rankings, live re-ranking, index builds (stored, exportable)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select

from citynexus.api import service
from citynexus.api.deps import get_db, require_key
from citynexus.api.security import KeyInfo
from citynexus.errors import CityNexusError
from citynexus.evaluate import IndexSpec
from citynexus.store import session_scope
from citynexus.store.app import StoredResult

router = APIRouter(prefix="/index", tags=["index"])


class ResultNotFoundError(CityNexusError):
    """No stored result has that id."""


def _ranking_records(df) -> list[dict]:
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


@router.get("/ranking", summary="Ranking of a dataset with its default spec")
def ranking(dataset: str = "gba", period: int | None = None, db: Engine = Depends(get_db)) -> dict:
    ds = service.dataset(db, dataset)
    if period is not None and period not in ds.periods:
        raise CityNexusError(f"period {period} has no data; periods present: {ds.periods}")
    res = service.result(ds, period=period)
    top = res.index_code
    children = ds.children(top)
    w = res.weights
    wt = {c: float(w.loc[w["code"] == c, "weight"].iloc[0]) for c in children if (w["code"] == c).any()}
    rk = service.rerank(res, wt, ds).ranking if wt else None
    table = res.ranking() if rk is None else rk
    return {
        "dataset": dataset,
        "period": res.period,
        "index": top,
        "children": [
            {"code": c, "name": ds.label(c), "name_zh": ds.label(c, "zh"), "weight": wt.get(c)} for c in children
        ],
        "scores": {c: {u: float(v) for u, v in res.scores[c].items()} for c in [top, *children]},
        "ranking": _ranking_records(table),
        "synthetic": ds.synthetic,
    }


class RerankRequest(BaseModel):
    dataset: str = Field("gba", description="Bundled or stored dataset name")
    period: int | None = Field(None, description="Year (default: latest)")
    weights: dict[str, float] = Field(
        ..., description="Relative weights of the top index's children", examples=[{"IND": 0.6, "URB": 0.4}]
    )


@router.post("/rerank", summary="Re-rank with other weights of the top-level children (no key needed)")
def rerank(req: RerankRequest, db: Engine = Depends(get_db)) -> JSONResponse:
    ds = service.dataset(db, req.dataset)
    if req.period is not None and req.period not in ds.periods:
        raise CityNexusError(f"period {req.period} has no data; periods present: {ds.periods}")
    res = service.result(ds, period=req.period)
    recs, used = service.rerank_records(res, req.weights, ds)
    # plain JSON types already: skip FastAPI's generic encoder (the hot path of the dashboard slider)
    return JSONResponse({"dataset": req.dataset, "period": res.period, "weights": used, "ranking": recs})


class BuildRequest(BaseModel):
    dataset: str = Field(..., description="Bundled or stored dataset name")
    spec: str | dict | None = Field(
        None, description="IndexSpec as TOML text or a JSON object; default spec if omitted"
    )
    period: int | None = None
    public: bool = Field(True, description="Whether the result can be read without a key")


def _spec(value: str | dict | None, ds) -> IndexSpec:
    if value is None:
        return service.spec_for(ds)
    if isinstance(value, str):
        return IndexSpec.from_toml(value, source="request spec")
    return IndexSpec.from_dict(value, source="request spec")


@router.post("/builds", status_code=201, summary="Build an index and store the result (needs an API key)")
def create_build(req: BuildRequest, db: Engine = Depends(get_db), _key: KeyInfo = Depends(require_key)) -> dict:
    ds = service.dataset(db, req.dataset)
    spec = _spec(req.spec, ds)
    res = service.result(ds, spec, req.period)
    body = res.to_dict()
    digest = f"{ds.digest()}:{spec.digest()}:{res.period}"
    import hashlib

    input_digest = hashlib.sha256(digest.encode()).hexdigest()
    with session_scope(db) as s:
        row = s.scalars(
            select(StoredResult).where(StoredResult.kind == "index", StoredResult.input_digest == input_digest)
        ).first()
        cached = row is not None
        if row is None:
            row = StoredResult(
                kind="index",
                input_digest=input_digest,
                dataset=req.dataset,
                params={"spec": spec.to_dict(), "period": res.period},
                body=body,
                public=req.public,
            )
            s.add(row)
            s.flush()
        rid = row.id
    return {
        "id": rid,
        "cached": cached,
        "period": res.period,
        "index": res.index_code,
        "ranking": _ranking_records(res.ranking().assign(name_zh=ds.units.set_index("code")["name_zh"])),
    }


def _load(db: Engine, rid: int, key_given: bool) -> StoredResult:
    with session_scope(db) as s:
        row = s.get(StoredResult, rid)
        if row is None or row.kind != "index":
            raise ResultNotFoundError(f"no index result with id {rid}")
        if not row.public and not key_given:
            raise ResultNotFoundError(f"no public index result with id {rid}")
        s.expunge(row)
        return row


@router.get("/builds/{rid}", summary="A stored index result (JSON)")
def get_build(rid: int, db: Engine = Depends(get_db)) -> dict:
    row = _load(db, rid, False)
    return {
        "id": row.id,
        "dataset": row.dataset,
        "created": row.created.isoformat(),
        "params": row.params,
        "result": row.body,
    }


@router.get("/builds/{rid}/export", summary="Export a stored result as csv (zip), xlsx or json")
def export_build(rid: int, format: str = "xlsx", db: Engine = Depends(get_db)) -> Response:
    row = _load(db, rid, False)
    if format not in ("csv", "xlsx", "json"):
        raise CityNexusError(f"format must be csv, xlsx or json, not {format!r}")
    ds = service.dataset(db, row.dataset)
    spec = IndexSpec.from_dict(row.params["spec"])
    res = service.result(ds, spec, row.params["period"])
    if format == "json":
        return Response(res.to_json(), media_type="application/json")
    with tempfile.TemporaryDirectory() as tmp:
        if format == "xlsx":
            p = res.to_excel(Path(tmp) / f"index-{rid}.xlsx")
            return Response(
                Path(p).read_bytes(),
                media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                headers={"Content-Disposition": f'attachment; filename="index-{rid}.xlsx"'},
            )
        import zipfile

        files = res.to_csv(Path(tmp) / "csv")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, Path(f).relative_to(Path(tmp) / "csv"))
        return Response(
            buf.getvalue(),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="index-{rid}.zip"'},
        )
