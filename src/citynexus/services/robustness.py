"""Uncertainty analyses as background jobs with progress, cached by the digest of their
inputs (dataset, spec with its factors, samples, seed, period)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from citynexus.errors import CityNexusError, NotFoundError
from citynexus.services import audit
from citynexus.services import index as service
from citynexus.services.auth import Principal, require_role
from citynexus.store import session_scope
from citynexus.store.app import Job, StoredResult, find_own

if TYPE_CHECKING:
    from citynexus.services.workers import Workers

MAX_SAMPLES = 20000


class JobNotFoundError(NotFoundError):
    """No job has that id."""


@dataclass(frozen=True)
class RobustnessJob:
    """What to analyse: a dataset, a spec TOML with ``[[robustness.factor]]`` tables (None:
    the bundled spec of a bundled dataset), replications, seed and period."""

    dataset: str = "gba"
    spec: str | None = None
    samples: int = 500
    seed: int = 1
    period: int | None = None


def _read(req: RobustnessJob):
    from citynexus.data.bundled import available
    from citynexus.evaluate.robustness import read_spec
    from citynexus.evaluate.spec import default_spec_path

    if req.spec is not None:
        from citynexus.data.specfiles import table_files

        if table_files(req.spec):
            raise CityNexusError(
                "a spec sent to the service cannot name files (file = ...): give the weight sets inline "
                "(sets = [{A = 1, B = 1}, ...])"
            )
        spec, cfg = read_spec("request spec", text=req.spec)
    elif req.dataset in available():
        spec, cfg = read_spec(default_spec_path(req.dataset))
    else:
        raise CityNexusError("give a spec (TOML with [[robustness.factor]] tables) for a stored dataset")
    if not cfg.factors:
        raise CityNexusError("the spec declares no uncertain factors: add [[robustness.factor]] tables")
    return spec, cfg


def _run(engine: Engine, job_id: int, ds, spec, cfg, req: RobustnessJob, digest: str) -> None:
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
                params=asdict(req),
                body=body,
                public=True,
            )
            s.add(row)
            s.flush()
            job = s.get(Job, job_id)
            job.status, job.progress, job.result_id = "done", 1.0, row.id
    except CityNexusError as err:  # a problem a person can act on: say it
        _fail(engine, job_id, str(err))
    except Exception:  # anything else says nothing of the server's internals
        _fail(engine, job_id, "the analysis failed with an internal error; check the spec and retry")


def _run_job(engine: Engine, job_id: int, req: RobustnessJob, digest: str) -> None:
    """One job from its stored inputs (what a worker process runs: nothing but the request
    crosses the process boundary)."""
    spec, cfg = _read(req)
    _run(engine, job_id, service.dataset(engine, req.dataset), spec, cfg, req, digest)


def _run_in(workers: Workers, engine: Engine, job_id: int, req: RobustnessJob, digest: str) -> None:
    """Run a job in ``workers`` (background thread); a job stopped at the time limit, or whose
    worker died, is marked failed with the reason."""
    from citynexus.services.workers import JobTimeout, WorkerLost, WorkersBusy

    try:
        workers.run(_run_job, engine, job_id, req, digest)
        return
    except (JobTimeout, WorkerLost, WorkersBusy) as err:
        message = str(err)
    except Exception:  # the job's own errors are stored by _run; this is a defect of the hand-over
        message = "the analysis failed with an internal error; check the spec and retry"
    with contextlib.suppress(Exception):  # a server stopping: its database may be gone, no one is left to tell
        _fail(engine, job_id, message)


#: seconds without any change to a queued or running job's row after which it is taken for lost: its
#: server stopped while it ran (a running job writes its progress after every chunk of samples)
STALE_AFTER = float(os.environ.get("CITYNEXUS_JOB_STALE_AFTER", "900"))
LOST = "interrupted: the server stopped while the analysis ran; start it again"


def _mark_if_lost(job: Job, now: datetime | None = None) -> bool:
    """Mark ``job`` failed (in the caller's session) if it is queued or running but its row has not
    changed for :data:`STALE_AFTER` seconds; True if it was."""
    if job.status not in ("queued", "running"):
        return False
    updated = job.updated if job.updated.tzinfo else job.updated.replace(tzinfo=UTC)  # SQLite drops the zone
    if ((now or datetime.now(UTC)) - updated).total_seconds() <= STALE_AFTER:
        return False
    job.status, job.message = "failed", LOST
    return True


def _fail(engine: Engine, job_id: int, message: str) -> None:
    with session_scope(engine) as s:
        job = s.get(Job, job_id)
        job.status, job.message = "failed", message[:2000]


def start(
    engine: Engine, who: Principal, req: RobustnessJob, client: str | None = None, workers: Workers | None = None
) -> dict:
    """Queue an analysis for ``who``'s organisation, or return that organisation's job already
    queued, running or done for the same inputs (a job lost with a stopped server is marked failed
    and a new one started). The analysis runs in one of ``workers``' processes (under their time
    limit), or without workers in a background thread."""
    require_role(who, "editor", "starting an uncertainty analysis")
    ds = service.dataset(engine, req.dataset)
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
    with session_scope(engine) as s:
        old = find_own(s, Job, "robustness", digest, who.org, Job.status.in_(("queued", "running", "done")))
        if old is not None and not _mark_if_lost(old):
            return {"job": old.id, "status": old.status, "cached": True}
        job = Job(kind="robustness", input_digest=digest, status="queued", owner_org=who.org)
        s.add(job)
        s.flush()
        job_id = job.id
    audit.record(engine, who, "robustness.start", "job", str(job_id), client, {"dataset": req.dataset})
    if workers is None:
        threading.Thread(target=_run, args=(engine, job_id, ds, spec, cfg, req, digest), daemon=True).start()
    else:
        threading.Thread(target=_run_in, args=(workers, engine, job_id, req, digest), daemon=True).start()
    return {"job": job_id, "status": "queued", "cached": False}


def job_status(engine: Engine, who: Principal, job_id: int) -> dict:
    """Status, progress and (when done) the result of a job of ``who``'s organisation (the
    platform sees every job; anyone else is told there is no such job)."""
    with session_scope(engine) as s:
        j = s.get(Job, job_id)
        if j is None or not (who.is_platform or j.owner_org == who.org):
            raise JobNotFoundError(f"no robustness job with id {job_id}")
        _mark_if_lost(j)
        out = {"job": j.id, "status": j.status, "progress": round(j.progress, 4), "message": j.message}
        if j.result_id is not None:
            out["result"] = s.get(StoredResult, j.result_id).body
        return out
