"""REST API: robustness runs as background jobs with progress, cached by input digest."""

from __future__ import annotations

import time

import pytest
from tests.api._tenants import keyed_client

from citynexus.data import load
from citynexus.evaluate.robustness import read_spec, uncertainty
from citynexus.evaluate.spec import default_spec_path
from citynexus.services.keys import create_key, create_org
from citynexus.store import get_engine


@pytest.fixture
def client(db_url):
    with keyed_client(db_url, "tests") as c:
        yield c


def _wait(client, job_id, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        body = client.get(f"/api/v1/robustness/jobs/{job_id}", headers={"X-API-Key": client.key}).json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {body}")


def test_job_runs_reports_progress_and_is_cached(client):
    req = {"dataset": "gba", "samples": 60, "seed": 3}
    assert client.post("/api/v1/robustness", json=req).status_code == 401
    h = {"X-API-Key": client.key}
    r = client.post("/api/v1/robustness", json=req, headers=h)
    assert r.status_code == 202 and r.json()["cached"] is False
    body = _wait(client, r.json()["job"])
    assert body["status"] == "done" and body["progress"] == 1.0, body
    # the same numbers as the library, same seed
    spec, cfg = read_spec(default_spec_path("gba"))
    u = uncertainty(load("gba"), spec, cfg.factors, n=60, seed=3).summary
    got = {row["unit"]: row for row in body["result"]["summary"]}
    for _, row in u.iterrows():
        assert got[row["unit"]]["q95"] == pytest.approx(row["q95"])
        assert got[row["unit"]]["median_rank"] == pytest.approx(row["median_rank"])
    again = client.post("/api/v1/robustness", json=req, headers=h).json()
    assert again == {"job": r.json()["job"], "status": "done", "cached": True}
    # a job is its organisation's: no key -> 401, another organisation's key -> 404 (and no cache hit)
    job = f"/api/v1/robustness/jobs/{r.json()['job']}"
    assert client.get(job).status_code == 401
    create_org(get_engine(client.db_url), "other", name="Other office")
    other = {"X-API-Key": create_key(get_engine(client.db_url), "b", org="other", role="editor")}
    assert client.get(job, headers=other).status_code == 404
    theirs = client.post("/api/v1/robustness", json=req, headers=other).json()
    assert theirs["cached"] is False and theirs["job"] != r.json()["job"]


def test_bad_robustness_requests(client):
    h = {"X-API-Key": client.key}
    r = client.post("/api/v1/robustness", json={"samples": 5}, headers=h)
    assert r.status_code == 422 and "samples" in r.json()["message"]
    r = client.post("/api/v1/robustness", json={"spec": "[normalise]\nmethod = 'minmax'\n"}, headers=h)
    assert r.status_code == 400 and "no uncertain factors" in r.json()["message"]
    r = client.post("/api/v1/robustness", json={"spec": "[[robustness.factor]]\nname='x'\nkind='nope'\n"}, headers=h)
    assert r.status_code == 400 and "nope" in r.json()["message"]
    assert client.get("/api/v1/robustness/jobs/99999", headers=h).status_code == 404


def test_failed_job_says_why(client):
    h = {"X-API-Key": client.key}
    spec = (
        default_spec_path("gba")
        .read_text(encoding="utf-8")
        .replace(
            'options = [{method = "nearest"}, {method = "interpolate"}]',
            'options = [{method = "nearest"}, {method = "group_mean", group = "no_such_column"}]',
        )
    )
    r = client.post("/api/v1/robustness", json={"spec": spec, "samples": 40}, headers=h)
    if r.status_code == 400:  # refused up front: also acceptable, with the reason
        assert "no_such_column" in r.json()["message"]
        return
    body = _wait(client, r.json()["job"])
    assert body["status"] == "failed" and "no_such_column" in body["message"]


def _set_job(db_url, job_id, status, age_s):
    import datetime as dt

    from citynexus.store import session_scope
    from citynexus.store.app import Job

    with session_scope(get_engine(db_url)) as s:
        j = s.get(Job, job_id)
        j.status, j.result_id = status, None
        j.updated = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=age_s)


def test_a_job_lost_with_a_stopped_server_is_failed_and_can_run_again(client):
    """A job left ``running`` by a server that stopped (no progress for STALE_AFTER seconds) is
    reported failed with the reason, and the same request starts a new job instead of answering the
    lost one for ever; a job that moved recently is left alone."""
    from citynexus.services.robustness import LOST, STALE_AFTER

    h = {"X-API-Key": client.key}
    req = {"dataset": "gba", "samples": 40, "seed": 11}
    first = client.post("/api/v1/robustness", json=req, headers=h).json()["job"]
    assert _wait(client, first)["status"] == "done"

    _set_job(client.db_url, first, "running", STALE_AFTER / 2)  # still moving: not lost
    assert client.get(f"/api/v1/robustness/jobs/{first}", headers=h).json()["status"] == "running"
    assert client.post("/api/v1/robustness", json=req, headers=h).json() == {
        "job": first,
        "status": "running",
        "cached": True,
    }

    _set_job(client.db_url, first, "running", STALE_AFTER + 60)  # the server died an hour ago
    body = client.get(f"/api/v1/robustness/jobs/{first}", headers=h).json()
    assert (body["status"], body["message"]) == ("failed", LOST)

    _set_job(client.db_url, first, "queued", STALE_AFTER + 60)  # never picked up either
    again = client.post("/api/v1/robustness", json=req, headers=h).json()
    assert again["cached"] is False and again["job"] != first
    assert _wait(client, again["job"])["status"] == "done"
    assert client.get(f"/api/v1/robustness/jobs/{first}", headers=h).json()["status"] == "failed"
