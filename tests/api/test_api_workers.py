"""Heavy work in worker processes (:mod:`citynexus.services.workers`): the same answers as in
a thread, errors crossing the process boundary as themselves, a time limit that kills the
job and stores nothing, a bounded queue, ``/healthz`` answering during a large import, and
``kill -9`` of the worker mid-import storing nothing."""

from __future__ import annotations

import importlib
import os
import pickle
import pkgutil
import signal
import statistics
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from tests._live import serving
from tests.api._bulk import ORG_ID, start_upload, upload_result, write_bulk_import

import citynexus
from citynexus.api import create_app
from citynexus.errors import CityNexusError, DatasetValidationError, Location, MissingColumnError
from citynexus.hub import HubImportError, ImportProblem
from citynexus.services import datasets
from citynexus.services.hub import state_of
from citynexus.services.keys import create_key
from citynexus.services.workers import JobTimeout, WorkerLost, Workers, WorkersBusy
from citynexus.store import get_engine
from citynexus.store.app import AuditEvent
from citynexus.store.hub import HubOffer, HubOrganization

ORG = b'{"type": "organization", "id": "W1", "name": "Synthetic W1", "kind": "enterprise", "city": "SZ", '
ORG += b'"industries": []}\n'
OFFER = b'{"type": "offer", "id": "WO1", "org": "W1", "kind": "service", "title": "EMC lab", "text": "EMC tests"}\n'
BAD = b'{"type": "offer", "id": "WO2", "org": "NOPE", "kind": "service", "title": "t", "text": "x"}\n'


# ---------------------------------------------------------------------------- errors pickle
def _all_error_classes() -> list[type]:
    for mod in pkgutil.walk_packages(citynexus.__path__, "citynexus."):
        try:
            importlib.import_module(mod.name)
        except Exception:  # a module needing an optional extra: its errors are out of reach here
            continue
    out, todo = [], [CityNexusError]
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo.extend(cls.__subclasses__())
    return out


def test_every_citynexus_error_pickles_with_its_attributes():
    classes = _all_error_classes()
    assert len(classes) > 40  # the hierarchy was found, not just the root
    for cls in classes:
        err = cls.__new__(cls, "what went wrong")
        err.args = ("what went wrong",)
        err.detail = {"line": 3, "problems": ["a", "b"]}
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is cls and back.args == err.args and back.detail == err.detail, cls


def test_constructed_errors_come_back_equal():
    cases = [
        HubImportError([ImportProblem(3, "org", "unknown organization 'X'", "add it")], "upload.jsonl"),
        DatasetValidationError([MissingColumnError("no column 'code'", "add it", Location("units.csv", 1))], "u.zip"),
        MissingColumnError("no column 'code'", "add it", Location("units.csv", 1, "code")),
        JobTimeout("stopped"),
    ]
    for err in cases:
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err) and str(back) == str(err) and back.__dict__.keys() == err.__dict__.keys()
    assert pickle.loads(pickle.dumps(cases[0])).problems == cases[0].problems
    assert pickle.loads(pickle.dumps(cases[1])).problems[0].location == Location("units.csv", 1)


# ---------------------------------------------------------------------------- the pool
@pytest.fixture
def pool():
    w = Workers(processes=1, timeout=60, min_bytes=0, queue=0)
    yield w
    w.shutdown()


def test_thread_mode_and_small_inputs_stay_in_the_server():
    assert Workers(processes=0).run(os.getpid) == os.getpid()
    w = Workers(processes=1, min_bytes=100)
    assert w.run(os.getpid, size=99) == os.getpid() and w.pids() == []


def test_a_job_runs_in_another_process_and_engines_travel_as_urls(pool, tmp_path):
    eng = get_engine(f"sqlite:///{tmp_path / 'w.db'}")
    pid = pool.run(os.getpid)
    assert pid != os.getpid() and pool.pids() == [pid]
    assert pool.run(os.getpid) == pid  # the process is kept for the next job
    assert pool.run(state_of, eng) == state_of(eng)


def test_warm_starts_every_process_before_any_job():
    w = Workers(processes=2, min_bytes=0)
    try:
        assert w.pids() == []
        w.warm()
        pids = w.pids()
        assert len(set(pids)) == 2 and os.getpid() not in pids
        assert w.run(os.getpid) in pids  # a job uses a started process
    finally:
        w.shutdown()
    assert w.pids() == []


def test_errors_raised_in_the_worker_are_the_same_as_here(pool):
    files = [("units.csv", b"code,name\nA,a\n")]
    with pytest.raises(DatasetValidationError) as here:
        datasets.validate_files(files, "x")
    with pytest.raises(DatasetValidationError) as there:
        pool.run(datasets.validate_files, files, "x")
    assert str(there.value) == str(here.value)
    assert [str(p) for p in there.value.problems] == [str(p) for p in here.value.problems]
    with pytest.raises(ValueError):  # not ours: still the same class
        pool.run(int, "not a number")


def test_a_job_past_its_time_limit_is_killed_and_the_slot_recovers(pool):
    first = pool.run(os.getpid)
    pool.timeout = 0.5
    t0 = time.perf_counter()
    with pytest.raises(JobTimeout, match=r"longer than the limit of 0\.5 s"):
        pool.run(time.sleep, 30)
    assert time.perf_counter() - t0 < 10
    pool.timeout = 60
    second = pool.run(os.getpid)
    assert second != first and pool.pids() == [second]
    assert not _alive(first)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_full_queue_is_refused_at_once(pool):
    pool.run(os.getpid)  # started
    busy = threading.Thread(target=pool.run, args=(time.sleep, 3))
    busy.start()
    time.sleep(0.5)
    t0 = time.perf_counter()
    with pytest.raises(WorkersBusy, match="busy"):
        pool.run(os.getpid)
    assert time.perf_counter() - t0 < 0.5
    busy.join()


def test_a_worker_killed_from_outside_is_reported_and_replaced(pool):
    pid = pool.run(os.getpid)
    killer = threading.Timer(1.0, os.kill, (pid, signal.SIGKILL))
    killer.start()
    with pytest.raises(WorkerLost, match="stopped before it finished"):
        pool.run(time.sleep, 20)
    assert pool.run(os.getpid) not in (pid, os.getpid())


SERVER = r"""
import os, sys, time
from citynexus.services.workers import Workers

if __name__ == "__main__":
    w = Workers(processes=1, min_bytes=0)
    print(w.run(os.getpid), flush=True)
    time.sleep(120)
"""


def test_workers_do_not_outlive_a_server_killed_with_sigkill(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "server.py"
    script.write_text(SERVER)
    server = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(server.stdout.readline())
        assert _alive(worker)
    finally:
        server.kill()
        server.wait(10)
    deadline = time.time() + 10
    while _alive(worker) and time.time() < deadline:
        time.sleep(0.1)
    assert not _alive(worker)


def test_settings_are_checked(monkeypatch):
    monkeypatch.setenv("CITYNEXUS_JOB_WORKERS", "many")
    with pytest.raises(CityNexusError, match="CITYNEXUS_JOB_WORKERS='many' is not a number"):
        Workers()
    monkeypatch.setenv("CITYNEXUS_JOB_WORKERS", "-1")
    with pytest.raises(CityNexusError, match="must be at least 0"):
        Workers()
    monkeypatch.setenv("CITYNEXUS_JOB_WORKERS", "0")
    assert Workers().mode == "thread"


# ---------------------------------------------------------------------------- the API, both modes
def _client(tmp_path: Path, name: str, workers: Workers) -> TestClient:
    db = str(tmp_path / f"{name}.db")
    c = TestClient(create_app(db, workers=workers))
    c.headers["X-API-Key"] = create_key(get_engine(db), "tester", role="editor")
    c.db = db
    return c


def _same_everywhere(tmp_path, send) -> list:
    """``send(client)`` on a thread-mode and a process-mode app: both answers."""
    out = []
    for name, w in (("thread", Workers(processes=0)), ("process", Workers(processes=1, min_bytes=0))):
        with _client(tmp_path, name, w) as c:
            out.append(send(c))
            assert name == "thread" or w.pids(), "the process-mode app did not use its worker"
    return out


def _answer(r: httpx.Response) -> tuple[int, object]:
    return r.status_code, r.json()


def test_hub_import_answers_the_same_in_both_modes(tmp_path):
    def send(c):
        good = c.post("/api/v1/hub/import", files={"file": ("a.jsonl", ORG + OFFER)})
        bad = c.post("/api/v1/hub/import", files={"file": ("b.jsonl", BAD)})
        wrong = c.post("/api/v1/hub/import", files={"file": ("c.csv", b"x")})
        return [_answer(good), _answer(bad), _answer(wrong), _answer(c.get("/api/v1/hub/offers/WO1"))]

    thread, process = _same_everywhere(tmp_path, send)
    assert process == thread
    assert [s for s, _ in thread] == [200, 422, 422, 200]
    assert thread[1][1]["problems"][0]["problem"] == "unknown organization 'NOPE'"


def test_dataset_validation_and_upload_answer_the_same_in_both_modes(tmp_path):
    from tests.api.test_api_datasets import gba_zip

    good = {"files": ("gba.zip", gba_zip(tmp_path))}

    def no_units(folder: Path) -> None:
        (folder / "units.csv").write_text("code,name\n", encoding="utf-8")

    bad = {"files": ("mine.zip", gba_zip(tmp_path / "bad", no_units))}

    def send(c):
        ok = c.post("/api/v1/datasets/validate", files=good, data={"name": "mine"})
        wrong = c.post("/api/v1/datasets/validate", files=bad)
        stored = c.post("/api/v1/datasets", files=good, data={"name": "mine"})
        again = c.post("/api/v1/datasets", files=good, data={"name": "mine"})
        return [_answer(ok), _answer(wrong), _answer(stored), _answer(again)]

    thread, process = _same_everywhere(tmp_path, send)
    assert process == thread
    assert [s for s, _ in thread] == [200, 422, 201, 409], thread
    assert "/tmp" not in str(thread[1][1])


def test_an_import_past_the_time_limit_answers_413_and_stores_nothing(tmp_path):
    path = tmp_path / "bulk.jsonl"
    write_bulk_import(path, 2)
    w = Workers(processes=1, min_bytes=0, timeout=0.3)
    with _client(tmp_path, "slow", w) as c:
        r = c.post("/api/v1/hub/import", files={"file": ("bulk.jsonl", path.read_bytes())})
        assert r.status_code == 413 and r.json()["error"] == "JobTimeout", r.text
        assert "nothing was stored" in r.json()["message"] and "/tmp" not in r.text
        assert c.get(f"/api/v1/hub/orgs/{ORG_ID}").status_code == 404
        w.timeout = 60
        assert c.post("/api/v1/hub/import", files={"file": ("a.jsonl", ORG)}).status_code == 200
        with get_engine(c.db).connect() as conn:
            actions = conn.execute(select(AuditEvent.target_id).where(AuditEvent.action == "hub.import")).all()
        assert [a for (a,) in actions] == ["a.jsonl"]


def test_a_busy_pool_answers_503_with_retry_after(tmp_path):
    w = Workers(processes=1, min_bytes=0, queue=0)
    with _client(tmp_path, "busy", w) as c:
        c.post("/api/v1/hub/import", files={"file": ("a.jsonl", ORG)})  # the worker is started
        blocker = threading.Thread(target=w.run, args=(time.sleep, 3))
        blocker.start()
        time.sleep(0.5)
        r = c.post("/api/v1/hub/import", files={"file": ("b.jsonl", ORG)})
        blocker.join()
    assert r.status_code == 503 and r.headers["retry-after"] == "2" and r.json()["error"] == "WorkersBusy"


# ---------------------------------------------------------------------------- a live server
def _poll(url: str, seconds: float, running=None) -> list[float]:
    out, t_end = [], time.time() + seconds
    with httpx.Client(timeout=30) as http:
        while time.time() < t_end and (running is None or running()):
            t0 = time.perf_counter()
            assert http.get(url + "/healthz").status_code == 200
            out.append(time.perf_counter() - t0)
            time.sleep(0.05)
    return out


@pytest.mark.slow
def test_healthz_keeps_answering_during_a_large_import(tmp_path):
    path = tmp_path / "bulk.jsonl"
    n = write_bulk_import(path, 4)
    db = str(tmp_path / "live.db")
    app = create_app(db, workers=Workers(processes=1))
    key = create_key(get_engine(db), "bulk", role="editor")
    with serving(app) as url:
        _poll(url, 0.5)
        idle = sorted(_poll(url, 2.0))
        up = start_upload(url, key, path)
        busy = sorted(_poll(url, 240, running=lambda: up.poll() is None))
        result = upload_result(up, 60)
    assert result["status"] == 200 and result["body"]["counts"]["offers"] == n
    assert len(busy) > 20  # polled all along the import
    p95 = lambda xs: xs[int(0.95 * (len(xs) - 1))]  # noqa: E731
    assert p95(busy) <= 0.1 + 3 * p95(idle), (statistics.median(busy), p95(busy), busy[-1], p95(idle))
    assert busy[-1] < 1.0, busy[-5:]


@pytest.mark.slow
def test_kill_9_of_the_worker_mid_import_stores_nothing(tmp_path):
    path = tmp_path / "bulk.jsonl"
    write_bulk_import(path, 6)
    db = tmp_path / "kill.db"
    workers = Workers(processes=1, min_bytes=0)
    app = create_app(str(db), workers=workers)
    eng = get_engine(str(db))
    key = create_key(eng, "bulk", role="editor")
    wal = Path(f"{db}-wal")
    with serving(app) as url:
        start = wal.stat().st_size if wal.exists() else 0
        up = start_upload(url, key, path)
        deadline = time.time() + 120
        # the import's one transaction is writing once its pages spill into the write-ahead log
        while time.time() < deadline and up.poll() is None and wal.stat().st_size < start + 2 * 2**20:
            time.sleep(0.02)
        assert up.poll() is None, "the import finished before it could be killed"
        with eng.connect() as c:
            assert c.scalar(select(func.count()).select_from(HubOffer)) == 0  # not committed yet
        os.kill(workers.pids()[0], signal.SIGKILL)
        result = upload_result(up, 60)
        assert result["status"] == 503 and result["body"]["error"] == "WorkerLost", result
        with eng.connect() as c:
            assert c.scalar(select(func.count()).select_from(HubOffer)) == 0
            assert c.scalar(select(func.count()).select_from(HubOrganization)) == 0
            assert c.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "hub.import")) == 0
            assert c.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        # the next job gets a new worker process
        r = httpx.post(url + "/api/v1/hub/import", files={"file": ("a.jsonl", ORG)}, headers={"X-API-Key": key})
        assert r.status_code == 200 and r.json()["counts"]["organizations"] == 1
