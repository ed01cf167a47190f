"""``/api/v1/region``: coupling coordination, disparity, spatial clusters (public reads)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from citynexus.api.deps import Db
from citynexus.services import index as service

router = APIRouter(prefix="/region", tags=["region"])


def _clean(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if hasattr(v, "item"):
        return _clean(v.item())
    return v


def _records(df) -> list[dict]:
    return [{k: _clean(v) for k, v in r.items()} for r in df.to_dict("records")]


def _analysis(db: Db, dataset: str = "gba") -> Any:
    """The cluster analysis of ``?dataset`` (built once per dataset content, :mod:`citynexus.services.index`)."""
    return service.analysis(service.dataset(db, dataset))


#: The analysis of the dataset a request names (``?dataset``, default gba).
Analysis = Annotated[Any, Depends(_analysis)]


@router.get("/coupling", summary="Coupling coordination of the subsystems over time")
def coupling(a: Analysis, dataset: str = "gba") -> dict:
    return {
        "dataset": dataset,
        "subsystems": a.subsystems,
        "method": a.coupling_method,
        "model": a.coupling_label("en"),
        "scores": "pooled panel",
        "rows": _records(a.coupling.reset_index()),
        "change": _records(a.coupling_change.reset_index()),
    }


@router.get("/disparity", summary="Gini, Theil and Dagum decomposition per period")
def disparity(a: Analysis, dataset: str = "gba") -> dict:
    return {"dataset": dataset, "rows": _records(a.disparity.reset_index())}


@router.get("/spatial", summary="Global Moran's I and LISA clusters of the latest index score")
def spatial(a: Analysis, dataset: str = "gba") -> dict:
    return {
        "dataset": dataset,
        "weights": a.spatial_method,
        "moran": None if a.moran is None else {k: _clean(v) for k, v in a.moran.items()},
        "lisa": None if a.lisa is None else _records(a.lisa.reset_index()),
        "notes": a.notes,
    }
