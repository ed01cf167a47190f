"""``/api/v1/network``: the gravity network of a dataset's cities (public reads); the views
come from :mod:`citynexus.services.network`."""

from __future__ import annotations

from fastapi import APIRouter, Query

from citynexus.api.deps import Db
from citynexus.services import index as service
from citynexus.services.network import Threshold, gravity_view, view_json

router = APIRouter(prefix="/network", tags=["network"])


@router.get("/gravity", summary="Gravity network of a dataset's cities with centralities after thresholding")
def gravity_network(
    db: Db,
    dataset: str = Query("gba", description="Bundled or stored dataset name"),
    period: int | None = Query(None, description="Year (default: latest)"),
    threshold: Threshold = Query("mean", description="Link threshold: mean link value, each city's top k, or none"),
    k: int = Query(3, ge=1, le=100, description="k for threshold=top_k"),
    beta: float | None = Query(None, ge=0, le=10, description="Distance exponent b (default 2)"),
) -> dict:
    """Classic gravity model ``R_ij = sqrt(M_i P_i) sqrt(M_j P_j) / D_ij^b`` with GDP as mass ``M``,
    population as ``P`` and great-circle distance ``D`` in km. ``nodes`` lists every city by
    relative connectivity (``100 * gnc / max gnc``) with degree, strength, closeness and
    betweenness on the thresholded network and ``strength_full`` on all links."""
    ds = service.dataset(db, dataset)
    return view_json(gravity_view(ds, period, threshold, k, beta))
