"""A large, valid, SYNTHETIC hub import file (JSON Lines) for tests and benchmarks of heavy
imports — one organization and as many offers as fill the size asked for — and an uploader
in its own process (so that sending 50 MB does not compete with the measuring process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ORG_ID = "BULK-ORG"

UPLOADER = r"""
import json, sys, time
import httpx
url, key, path = sys.argv[1:4]
t0 = time.perf_counter()
try:
    with open(path, "rb") as f:
        r = httpx.post(url + "/api/v1/hub/import", files={"file": ("bulk.jsonl", f)},
                       headers={"X-API-Key": key}, timeout=900)
    body = r.json()
    for k in ("created", "updated"):  # ids of every record: counted, not printed (a pipe is small)
        if isinstance(body.get(k), dict):
            body[k] = {t: len(ids) for t, ids in body[k].items()}
    out = {"status": r.status_code, "body": body}
except httpx.HTTPError as err:
    out = {"status": type(err).__name__, "body": None}
out["seconds"] = time.perf_counter() - t0
print(json.dumps(out))
"""


def write_bulk_import(path: Path, megabytes: float) -> int:
    """Write ``path`` of at most ``megabytes`` MB (10^6 bytes): one organization ``BULK-ORG``
    and its offers, every text marked synthetic. Returns the number of offers."""
    org = {"type": "organization", "id": ORG_ID, "name": "Synthetic bulk importer", "kind": "enterprise"}
    head = json.dumps({**org, "city": "SZ", "industries": []}) + "\n"
    n, size, limit = 0, len(head), int(megabytes * 10**6)
    with Path(path).open("w", encoding="utf-8") as f:
        f.write(head)
        while True:
            text = f"Synthetic bulk offer {n}: precision machining, EMC testing and PCB assembly for SMEs. " * 3
            rec = {"type": "offer", "id": f"BULK{n}", "org": ORG_ID, "kind": "service", "title": f"Bulk {n}"}
            line = json.dumps({**rec, "text": text}) + "\n"
            if size + len(line) > limit:
                return n
            f.write(line)
            size += len(line)
            n += 1


def start_upload(url: str, key: str, path: Path) -> subprocess.Popen:
    """``POST url/api/v1/hub/import`` of ``path`` from a separate process; its stdout is one
    JSON line: ``status``, ``body`` (with the ``created`` and ``updated`` ids counted per type)
    and ``seconds`` (see :func:`upload_result`)."""
    return subprocess.Popen([sys.executable, "-c", UPLOADER, url, key, str(path)], stdout=subprocess.PIPE, text=True)


def upload_result(proc: subprocess.Popen, timeout: float = 900) -> dict:
    out, _ = proc.communicate(timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])
