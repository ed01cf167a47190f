"""The service shared by many organisations under load: 50 concurrent clients on loopback.

The server runs in its own process (`citynexus serve`), on SQLite and, when `make bench` has
started one (``CITYNEXUS_TEST_PG_URL``), on PostgreSQL. Five organisations with ten clients
each run a mixed workload for ``CITYNEXUS_LOAD_SECONDS`` (default 60) seconds: reads of the
index ranking and of hub records, live re-ranking, and writes (create and replace hub offers,
owner-checked and audited). The baseline is one client running the same mix in the same run;
the table gives p50 and p95 latency under load against one client's, the request rate, and the
number of errors (any 5xx, any failed connection, or a status the workload did not expect —
the goal is 0). Every request loop is bounded in time and stops by itself.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

SECONDS = float(os.environ.get("CITYNEXUS_LOAD_SECONDS", "60"))
ORGS, PER_ORG = 5, 10


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup(db: str) -> dict[str, str]:
    """Organisations, one editor key each, and one hub organization per organisation."""
    from citynexus.services.keys import create_key, create_org
    from citynexus.store import get_engine

    eng = get_engine(db)
    keys = {}
    for i in range(ORGS):
        code = f"org{i}"
        create_org(eng, code, name=f"Load test organisation {i} (synthetic)")
        keys[code] = create_key(eng, f"load-{i}", org=code, role="editor")
    eng.dispose()
    return keys


class Client(threading.Thread):
    """One client: a bounded loop of the mixed workload until ``stop_at``."""

    def __init__(self, url: str, org: str, key: str, stop_at: float, seed: int):
        super().__init__(daemon=True)
        self.url, self.org, self.key, self.stop_at = url, org, key, stop_at
        self.rng = random.Random(seed)
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.offers: list[str] = []

    def _call(self, http, method: str, path: str, expect: tuple[int, ...], **kw) -> None:
        t0 = time.perf_counter()
        try:
            r = http.request(method, self.url + path, headers={"X-API-Key": self.key}, **kw)
            status = r.status_code
        except Exception as err:  # a failed connection is an error of the run, counted
            status, r = f"{type(err).__name__}", None
        self.latencies.append(time.perf_counter() - t0)
        if status not in expect:
            self.errors.append(f"{method} {path}: {status}")

    def run(self) -> None:
        import httpx

        hub_org = f"{self.org}-{uuid.uuid4().hex[:8]}"
        with httpx.Client(timeout=30) as http:
            body = {"id": hub_org, "name": f"Synthetic {hub_org}", "kind": "enterprise", "city": "GZ", "industries": []}
            self._call(http, "POST", "/api/v1/hub/orgs", (201,), json=body)
            while time.time() < self.stop_at:
                x = self.rng.random()
                if x < 0.35:
                    self._call(http, "GET", "/api/v1/index/ranking?dataset=gba", (200,))
                elif x < 0.55:
                    w = {"IND": self.rng.uniform(0.1, 1), "URB": self.rng.uniform(0.1, 1)}
                    self._call(http, "POST", "/api/v1/index/rerank", (200,), json={"dataset": "gba", "weights": w})
                elif x < 0.70 and self.offers:
                    self._call(http, "GET", f"/api/v1/hub/offers/{self.rng.choice(self.offers)}", (200,))
                elif x < 0.88 or not self.offers:
                    oid = f"{hub_org}-o{len(self.offers)}"
                    offer = {"id": oid, "org": hub_org, "kind": "service", "title": "Test lab", "text": "EMC tests"}
                    self._call(http, "POST", "/api/v1/hub/offers", (201,), json=offer)
                    self.offers.append(oid)
                else:
                    oid = self.rng.choice(self.offers)
                    offer = {"org": hub_org, "kind": "service", "title": "Test lab", "text": f"EMC {self.rng.random()}"}
                    self._call(http, "PUT", f"/api/v1/hub/offers/{oid}", (200,), json=offer)


def _run(url: str, keys: dict[str, str], clients_per_org: int, orgs: int, seconds: float) -> dict:
    stop_at = time.time() + seconds
    clients = [
        Client(url, org, keys[org], stop_at, seed=100 * i + j)
        for i, org in enumerate(list(keys)[:orgs])
        for j in range(clients_per_org)
    ]
    t0 = time.perf_counter()
    for c in clients:
        c.start()
    for c in clients:
        c.join(seconds + 60)
    wall = time.perf_counter() - t0
    lat = sorted(x for c in clients for x in c.latencies)
    errors = [e for c in clients for e in c.errors]
    return {
        "clients": len(clients),
        "requests": len(lat),
        "rate": len(lat) / wall,
        "p50": statistics.median(lat),
        "p95": lat[int(0.95 * (len(lat) - 1))],
        "errors": len(errors),
        "first_errors": errors[:3],
    }


def _serve(db: str):
    import httpx

    port = _free_port()
    exe = Path(sys.executable).with_name("citynexus")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--db", db], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
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


def _health_during_import(url: str, key: str, mib: float = 10.0) -> tuple[float, float, int]:
    """Worst /healthz latency while a hub import of ``mib`` MiB runs, the same idle, and the
    import's status."""
    import json

    import httpx

    org = {"type": "organization", "id": "BIG1", "name": "Synthetic bulk", "kind": "enterprise", "city": "SZ"}
    lines = [json.dumps({**org, "industries": []})]
    i = 0
    while sum(len(x) for x in lines) < mib * 2**20:
        text = f"Synthetic bulk offer {i}: precision machining, EMC testing and PCB assembly for SMEs. " * 3
        lines.append(
            json.dumps(
                {
                    "type": "offer",
                    "id": f"BULK{i}",
                    "org": "BIG1",
                    "kind": "service",
                    "title": f"Bulk {i}",
                    "text": text,
                }
            )
        )
        i += 1
    content = ("\n".join(lines) + "\n").encode()

    def worst(seconds: float, until=None) -> float:
        out, t_end = 0.0, time.time() + seconds
        with httpx.Client(timeout=30) as http:
            while time.time() < t_end and (until is None or until.is_alive()):
                t0 = time.perf_counter()
                http.get(url + "/healthz")
                out = max(out, time.perf_counter() - t0)
                time.sleep(0.05)
        return out

    idle = worst(3)
    status: list[int] = []

    def upload():
        r = httpx.post(
            url + "/api/v1/hub/import", files={"file": ("bulk.jsonl", content)}, headers={"X-API-Key": key}, timeout=600
        )
        status.append(r.status_code)

    t = threading.Thread(target=upload, daemon=True)
    t.start()
    busy = worst(600, until=t)
    t.join(600)
    return busy, idle, (status or [0])[0]


def _bench(store: str, db: str) -> list[dict]:
    keys = _setup(db)
    proc, url = _serve(db)
    try:
        one = _run(url, keys, 1, 1, max(10.0, SECONDS / 4))
        many = _run(url, keys, PER_ORG, ORGS, SECONDS)
        busy, idle, status = _health_during_import(url, next(iter(keys.values())))
    finally:
        proc.terminate()
        proc.wait(10)
    note = (
        f"{many['clients']} clients x {SECONDS:.0f} s: {many['requests']} requests ({many['rate']:.0f}/s), "
        f"{many['errors']} errors{' ' + str(many['first_errors']) if many['errors'] else ''}; "
        f"1 client: {one['requests']} requests ({one['rate']:.0f}/s), {one['errors']} errors"
    )
    return [
        {
            "benchmark": "load",
            "case": f"{store}: p50 latency, 50 clients (mixed reads/writes)",
            "ours_s": many["p50"],
            "baseline": "1 client, same mix",
            "baseline_s": one["p50"],
            "note": note,
        },
        {
            "benchmark": "load",
            "case": f"{store}: p95 latency, 50 clients",
            "ours_s": many["p95"],
            "baseline": "1 client, same mix",
            "baseline_s": one["p95"],
            "note": f"errors: {many['errors']} under load, {one['errors']} alone",
        },
        {
            "benchmark": "load",
            "case": f"{store}: worst /healthz during a 10 MiB hub import",
            "ours_s": busy,
            "baseline": "worst /healthz, idle",
            "baseline_s": idle,
            "note": f"the import answered {status}; blocking work runs off the event loop",
        },
    ]


def run() -> list[dict]:
    rows = _bench("SQLite", f"sqlite:///{Path(tempfile.mkdtemp()) / 'load.db'}")
    pg = os.environ.get("CITYNEXUS_TEST_PG_URL")
    if pg:
        import sqlalchemy as sa

        name = "load_" + uuid.uuid4().hex[:8]
        eng = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(sa.text(f"CREATE DATABASE {name}"))
        eng.dispose()
        rows += _bench("PostgreSQL", pg.rsplit("/", 1)[0] + "/" + name)
    return rows


if __name__ == "__main__":  # pragma: no cover
    for row in run():
        print(row)
