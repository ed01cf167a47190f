"""``/api/v1/index``: rankings, live re-ranking, index builds (stored, exportable); the use
cases live in :mod:`citynexus.services.builds`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from citynexus.api.deps import Db, Reader, Writer
from citynexus.services import builds

router = APIRouter(prefix="/index", tags=["index"])

#: A stored row id (bounded: larger numbers are not ids of any database row).
RecordId = Annotated[int, PathParam(ge=1, le=2**63 - 1, description="Stored result id")]

#: Relative weights above this are refused (422) rather than overflowing the arithmetic.
MAX_WEIGHT = 1e12


@router.get("/ranking", summary="Ranking of a dataset with its default spec")
def ranking(db: Db, dataset: str = "gba", period: int | None = None) -> dict:
    return builds.ranking(db, dataset, period)


class RerankRequest(BaseModel):
    dataset: str = Field("gba", description="Bundled or stored dataset name")
    period: int | None = Field(None, description="Year (default: latest)")
    weights: dict[str, Annotated[float, Field(le=MAX_WEIGHT)]] = Field(
        ...,
        description=(
            f"Relative weights (0 to {MAX_WEIGHT:g}) of the top index's children (pillars) and/or of the "
            "children of any aggregate below it (indicators); a parent with none of its children named keeps "
            "its default weights, a child not named under a named parent weighs 0"
        ),
        examples=[{"IND": 0.6, "URB": 0.4}, {"IND": 1, "URB": 1, "rd_intensity": 3, "fdi": 1}],
        max_length=1000,
    )


@router.post("/rerank", summary="Re-rank with other weights of pillars and indicators (no key needed)")
def rerank(req: RerankRequest, db: Db) -> JSONResponse:
    # plain JSON types already: skip FastAPI's generic encoder (the hot path of the dashboard slider)
    return JSONResponse(builds.rerank(db, req.dataset, req.weights, req.period))


class BuildRequest(BaseModel):
    dataset: str = Field(..., description="Bundled or stored dataset name")
    spec: str | dict | None = Field(
        None, description="IndexSpec as TOML text or a JSON object; default spec if omitted"
    )
    period: int | None = None
    public: bool = Field(True, description="Whether the result can be read without a key")


@router.post("/builds", status_code=201, summary="Build an index and store the result (needs an API key)")
def create_build(req: BuildRequest, w: Writer) -> dict:
    return builds.create_build(w.db, w.who, req.dataset, req.spec, req.period, req.public, w.client)


@router.get("/builds/{rid}", summary="A stored index result (JSON); a private one needs its owner's key")
def get_build(rid: RecordId, db: Db, who: Reader) -> dict:
    return builds.build_json(builds.load_build(db, rid, who))


@router.get("/builds/{rid}/export", summary="Export a stored result as csv (zip), xlsx or json")
def export_build(rid: RecordId, db: Db, who: Reader, format: str = "xlsx") -> Response:
    content, media, filename = builds.export_build(db, builds.load_build(db, rid, who), format)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else None
    return Response(content, media_type=media, headers=headers)
