"""``/healthz`` while a large hub import runs: blocking work in a thread of the server (thread
mode, how the service worked before) against a worker process (process mode, now).

For each mode a server is started in its own process (``citynexus serve`` on a fresh SQLite
database; ``CITYNEXUS_JOB_WORKERS=0`` for thread mode, ``1`` for process mode). ``/healthz`` is
polled every 50 ms for 3 s while the server is idle, then while a SYNTHETIC hub import of
``CITYNEXUS_BENCH_IMPORT_MB`` MB (default 50; one organization and its offers) is uploaded
from another process and stored. Rows: p50, p95 and worst ``/healthz`` latency during the import against the same
server idle (ratio = idle / during; 1 means the import costs ``/healthz`` nothing), and the
import's own time in both modes. Thread mode is sampled for at most
``CITYNEXUS_BENCH_THREAD_SECONDS`` (default 30) seconds, then its server is stopped: its
latencies are what matter, and the machine is shared. Every loop is bounded in time.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

SIZE_MB = float(os.environ.get("CITYNEXUS_BENCH_IMPORT_MB", "50"))
THREAD_CAP = float(os.environ.get("CITYNEXUS_BENCH_THREAD_SECONDS", "30"))
POLL = 0.05


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: str, **env: str) -> tuple[subprocess.Popen, str]:
    """``citynexus serve`` on ``db`` in its own process (this checkout's code, extra
    environment ``env``); returns the process and its base URL once ``/readyz`` answers 200."""
    import httpx

    port = free_port()
    path = os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])
    environ = {**os.environ, **env, "PYTHONPATH": path}
    proc = subprocess.Popen(
        [sys.executable, "-m", "citynexus.cli.main", "serve", "--port", str(port), "--db", db],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environ,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the server did not start")


def editor_key(db: str, org: str = "bench") -> str:
    """An editor key of a new organisation ``org`` in ``db``."""
    from citynexus.services.keys import create_key, create_org
    from citynexus.store import get_engine

    eng = get_engine(db)
    create_org(eng, org, name=f"Benchmark organisation {org} (synthetic)")
    key = create_key(eng, f"{org}-editor", org=org, role="editor")
    eng.dispose()
    return key


def poll_health(url: str, seconds: float, running=None) -> tuple[list[float], int]:
    """GET /healthz every 50 ms for ``seconds`` (or while ``running()``): latencies and failures."""
    import httpx

    out, failed, t_end = [], 0, time.time() + seconds
    with httpx.Client(timeout=30) as http:
        while time.time() < t_end and (running is None or running()):
            t0 = time.perf_counter()
            try:
                ok = http.get(url + "/healthz").status_code == 200
            except httpx.HTTPError:
                ok = False
            out.append(time.perf_counter() - t0)
            failed += not ok
            time.sleep(POLL)
    return out, failed


def stats(lat: list[float]) -> dict[str, float]:
    s = sorted(lat)
    return {"p50": statistics.median(s), "p95": s[int(0.95 * (len(s) - 1))], "max": s[-1], "n": len(s)}


def import_during(url: str, key: str, path: Path, cap: float) -> dict:
    """Upload ``path`` to /api/v1/hub/import from another process while polling /healthz (at
    most ``cap`` seconds; past it the upload is abandoned)."""
    from tests.api._bulk import start_upload, upload_result

    t0 = time.perf_counter()
    up = start_upload(url, key, path)
    lat, failed = poll_health(url, cap, running=lambda: up.poll() is None)
    finished = up.poll() is not None
    if finished:
        result = upload_result(up)
    else:
        up.kill()
        up.wait(10)
        result = {"status": None, "seconds": time.perf_counter() - t0}
    return {**result, "latencies": lat, "failed": failed, "finished": finished}


def measure(mode: str, path: Path, cap: float) -> dict:
    db = f"sqlite:///{Path(tempfile.mkdtemp()) / f'{mode}.db'}"
    key = editor_key(db)
    proc, url = serve(db, CITYNEXUS_JOB_WORKERS="0" if mode == "thread" else "1")
    try:
        poll_health(url, 2.0)  # first requests warm the server up (and its job processes start)
        idle, idle_failed = poll_health(url, 3.0)
        busy = import_during(url, key, path, cap)
    finally:
        proc.kill()
        proc.wait(10)
    return {"idle": stats(idle), "busy": stats(busy["latencies"]), "failed": idle_failed + busy["failed"], **busy}


def rows(mode: str, m: dict, mb: float) -> list[dict]:
    label = "thread mode (before)" if mode == "thread" else "worker process (now)"
    fast = sum(x < 0.1 for x in m["latencies"])
    done = (
        f"import answered {m['status']} in {m['seconds']:.1f} s"
        if m["finished"]
        else f"import still running after {m['seconds']:.0f} s: server stopped"
    )
    note = f"{fast} of {m['busy']['n']} polls under 100 ms; {m['failed']} failed; {done}"
    out = [
        {
            "benchmark": "platform",
            "case": f"{label}: /healthz {q} during a {mb:g} MB hub import",
            "ours_s": m["busy"][q],
            "baseline": f"/healthz {q}, same server idle",
            "baseline_s": m["idle"][q],
            "note": note if q == "max" else f"{m['busy']['n']} polls during, {m['idle']['n']} idle",
        }
        for q in ("p50", "p95", "max")
    ]
    return out


def run() -> list[dict]:
    from tests.api._bulk import write_bulk_import

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bulk.jsonl"
        n = write_bulk_import(path, SIZE_MB)
        mb = path.stat().st_size / 10**6
        thread = measure("thread", path, THREAD_CAP)
        proc = measure("process", path, 600)
    out = rows("thread", thread, round(mb)) + rows("process", proc, round(mb))
    if thread["finished"] and proc["finished"]:
        out.append(
            {
                "benchmark": "platform",
                "case": f"hub import of {round(mb)} MB ({n} SYNTHETIC offers), worker process",
                "ours_s": proc["seconds"],
                "baseline": "the same import, thread mode",
                "baseline_s": thread["seconds"],
                "note": "includes starting the worker process (first job)",
            }
        )
    return out


if __name__ == "__main__":  # pragma: no cover
    for row in run():
        print(row)
