"""``/api/v1/robustness``: uncertainty analyses as background jobs with progress, cached by
the digest of their inputs (:mod:`citynexus.services.robustness`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from citynexus.api.deps import Caller, Db, Jobs, Writer
from citynexus.services import robustness as jobs

router = APIRouter(prefix="/robustness", tags=["robustness"])


class RobustnessRequest(BaseModel):
    dataset: str = Field("gba", description="Bundled or stored dataset name")
    spec: str | None = Field(
        None,
        description="Index spec TOML with [[robustness.factor]] tables; default: the bundled spec of a bundled dataset",
    )
    samples: int = Field(500, ge=10, le=jobs.MAX_SAMPLES, description="Replications")
    seed: int = Field(1, description="Random seed (same seed, same samples)")
    period: int | None = Field(None, description="Year (default: latest)")


@router.post("", status_code=202, summary="Start an uncertainty analysis (needs an API key)")
def start(req: RobustnessRequest, w: Writer, workers: Jobs) -> dict:
    return jobs.start(w.db, w.who, jobs.RobustnessJob(**req.model_dump()), w.client, workers)


@router.get("/jobs/{job_id}", summary="Status, progress and (when done) the result of one of your jobs")
def job(
    job_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    db: Db,
    who: Caller,
) -> dict:
    return jobs.job_status(db, who, job_id)
