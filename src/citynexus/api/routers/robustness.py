"""``/api/v1/robustness``: uncertainty analyses as background jobs with progress, cached by
the digest of their inputs (dataset, spec with its factors, samples, seed, period)."""

from __future__ import annotations

import hashlib
import json
import threading

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select

from citynexus.api import service
from citynexus.api.deps import get_db, require_key
from citynexus.api.security import KeyInfo
from citynexus.errors import CityNexusError
from citynexus.store import session_scope
from citynexus.store.app import Job, StoredResult

router = APIRouter(prefix="/robustness", tags=["robustness"])

MAX_SAMPLES = 20000


class JobNotFoundError(CityNexusError):
    """No job has that id."""


class RobustnessRequest(BaseModel):
    dataset: str = Field("gba", description="Bundled or stored dataset name")
    spec: str | None = Field(
        None,
        description="Index spec TOML with [[robustness.factor]] tables; default: the bundled spec of a bundled dataset",
    )
    samples: int = Field(500, ge=10, le=MAX_SAMPLES, description="Replications")
    seed: int = Field(1, description="Random seed (same seed, same samples)")
    period: int | None = Field(None, description="Year (default: latest)")


def _read(req: RobustnessRequest):
    from citynexus.data.bundled import available
    from citynexus.evaluate.robustness import read_spec
    from citynexus.evaluate.spec import default_spec_path

    if req.spec is not None:
        spec, cfg = read_spec("request spec", text=req.spec)
    elif req.dataset in available():
        spec, cfg = read_spec(default_spec_path(req.dataset))
    else:
        raise CityNexusError("give a spec (TOML with [[robustness.factor]] tables) for a stored dataset")
    if not cfg.factors:
        raise CityNexusError("the spec declares no uncertain factors: add [[robustness.factor]] tables")
    return spec, cfg


def _run(engine: Engine, job_id: int, ds, spec, cfg, req: RobustnessRequest, digest: str) -> None:
    from citynexus.evaluate.robustness import uncertainty

    done = 0

    def progress(k: int) -> None:
        nonlocal done
        done += k
        with session_scope(engine) as s:
            s.get(Job, job_id).progress = min(1.0, done / req.samples)

    try:
        with session_scope(engine) as s:
            s.get(Job, job_id).status = "running"
        u = uncertainty(ds, spec, cfg.factors, n=req.samples, seed=req.seed, period=req.period, progress=progress)
        body = {
            "summary": json.loads(u.summary.to_json(orient="records")),
            "mean_shift": float(u.mean_shift),
            "samples": req.samples,
            "seed": req.seed,
            "factors": [f.name for f in cfg.factors],
        }
        with session_scope(engine) as s:
            row = StoredResult(
                kind="robustness",
                input_digest=digest,
                dataset=req.dataset,
                params=req.model_dump(),
                body=body,
                public=True,
            )
            s.add(row)
            s.flush()
            job = s.get(Job, job_id)
            job.status, job.progress, job.result_id = "done", 1.0, row.id
    except Exception as err:  # the job reports any failure, with the message a person can act on
        with session_scope(engine) as s:
            job = s.get(Job, job_id)
            job.status, job.message = "failed", str(err)


@router.post("", status_code=202, summary="Start an uncertainty analysis (needs an API key)")
def start(req: RobustnessRequest, db: Engine = Depends(get_db), _key: KeyInfo = Depends(require_key)) -> dict:
    ds = service.dataset(db, req.dataset)
    spec, cfg = _read(req)
    key = json.dumps(
        {
            "data": service.digest_of(ds),
            "spec": req.spec or req.dataset,
            "n": req.samples,
            "seed": req.seed,
            "period": req.period,
        },
        sort_keys=True,
    )
    digest = hashlib.sha256(key.encode()).hexdigest()
    with session_scope(db) as s:
        old = s.scalars(
            select(Job).where(
                Job.kind == "robustness", Job.input_digest == digest, Job.status.in_(("queued", "running", "done"))
            )
        ).first()
        if old is not None:
            return {"job": old.id, "status": old.status, "cached": True}
        job = Job(kind="robustness", input_digest=digest, status="queued")
        s.add(job)
        s.flush()
        job_id = job.id
    threading.Thread(target=_run, args=(db, job_id, ds, spec, cfg, req, digest), daemon=True).start()
    return {"job": job_id, "status": "queued", "cached": False}


@router.get("/jobs/{job_id}", summary="Status, progress and (when done) the result of a job")
def job(job_id: int, db: Engine = Depends(get_db)) -> dict:
    with session_scope(db) as s:
        j = s.get(Job, job_id)
        if j is None:
            raise JobNotFoundError(f"no robustness job with id {job_id}")
        out = {"job": j.id, "status": j.status, "progress": round(j.progress, 4), "message": j.message}
        if j.result_id is not None:
            out["result"] = s.get(StoredResult, j.result_id).body
        return out
