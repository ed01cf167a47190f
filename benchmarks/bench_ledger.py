"""Ledger benchmarks: batched appends, and inclusion/consistency proofs from the stored tree
at 1 million and 10 million entries against recomputing the root from all leaves.

What is measured (all in the same run, SQLite file databases in a temporary folder):

- **append**: ``Ledger.append_many`` with batches of 1,000 real entries (canonical JSON,
  leaf and node hashes, one transaction per batch) vs one transaction per entry
  (``Ledger.append``). Time per entry; appends per second in the note.
- **proofs at 1M / 10M**: the tree is built by *bulk loading precomputed hashes*: leaf
  hashes of synthetic byte strings ``entry-<i>`` are computed, every perfect subtree hash
  is computed level by level, and the rows are inserted straight into ``ledger_node`` with
  ``sqlite3.executemany`` (the entry table is not filled — proofs never read it). Then the
  production code path ``Ledger.inclusion_proof`` (O(log n) node reads) plus
  ``merkle.verify_inclusion`` is timed for random indices, against ``merkle.root_hash``
  over all N entries (what a checker without proofs must do). The same for consistency
  proofs between random sizes.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from citynexus.ledger import Ledger, merkle
from citynexus.store import dispose_all

SIZES = (1_000_000, 10_000_000)
N_PROOFS = 200
APPEND_BATCH = 1000
APPEND_TOTAL = 20_000
SINGLE_TOTAL = 300


def _bench_append(folder: Path) -> list[dict]:
    led = Ledger.init(f"sqlite:///{folder / 'append.db'}", origin="bench/append")

    def recs(n: int, start: int) -> list[dict]:
        return [
            {
                "type": "kpi.report",
                "payload": {
                    "city": "SZ",
                    "indicator": "rd_intensity",
                    "period": 2024,
                    "value": 4.1 + (start + i) * 1e-6,
                },
            }
            for i in range(n)
        ]

    t0 = time.perf_counter()
    for k in range(APPEND_TOTAL // APPEND_BATCH):
        led.append_many(recs(APPEND_BATCH, k * APPEND_BATCH), submitter="bench")
    batched = (time.perf_counter() - t0) / APPEND_TOTAL
    t0 = time.perf_counter()
    for r in recs(SINGLE_TOTAL, APPEND_TOTAL):
        led.append(r["type"], r["payload"], "bench")
    single = (time.perf_counter() - t0) / SINGLE_TOTAL
    return [
        {
            "benchmark": "ledger append",
            "case": f"batches of {APPEND_BATCH}, SQLite ({APPEND_TOTAL} entries)",
            "ours_s": batched,
            "baseline": "one transaction per entry",
            "baseline_s": single,
            "note": f"{1 / batched:,.0f} appends/s batched vs {1 / single:,.0f}/s single (time per entry)",
        }
    ]


def _bulk_load(path: Path, n: int) -> tuple[Ledger, float, bytes]:
    """Build a stored tree of ``n`` synthetic leaves by bulk-loading precomputed hashes."""
    Ledger.init(f"sqlite:///{path}", origin=f"bench/{n}")
    dispose_all()
    t0 = time.perf_counter()
    sha = hashlib.sha256
    level = [sha(b"\x00entry-%d" % i).digest() for i in range(n)]
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("BEGIN")
    lv = 0
    while True:
        con.executemany(
            "INSERT INTO ledger_node(level, idx, hash) VALUES (?, ?, ?)", ((lv, i, h) for i, h in enumerate(level))
        )
        if len(level) == 1:
            break
        level = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        lv += 1
    del level
    ids = merkle.perfect_ranges(0, n)
    got = {}
    for lv_, idx in ids:
        got[(lv_, idx)] = con.execute(
            "SELECT hash FROM ledger_node WHERE level = ? AND idx = ?", (lv_, idx)
        ).fetchone()[0]
    root = merkle.fold([got[i] for i in ids])
    con.execute("UPDATE ledger_head SET size = ?, root = ? WHERE id = 1", (n, root))
    con.commit()
    con.close()
    build = time.perf_counter() - t0
    return Ledger(f"sqlite:///{path}"), build, root


def _bench_proofs(folder: Path, n: int, rng: random.Random) -> list[dict]:
    led, build, root = _bulk_load(folder / f"tree{n}.db", n)
    entries = [b"entry-%d" % i for i in range(n)]
    t0 = time.perf_counter()
    full_root = merkle.root_hash(entries)
    recompute = time.perf_counter() - t0
    assert full_root == root == led.root_at()
    del entries

    idx = [rng.randrange(n) for _ in range(N_PROOFS)]
    gen = ver = 0.0
    for i in idx:
        t0 = time.perf_counter()
        proof = led.inclusion_proof(i)
        t1 = time.perf_counter()
        merkle.verify_inclusion(merkle.leaf_hash(b"entry-%d" % i), i, n, proof, root)
        t2 = time.perf_counter()
        gen += t1 - t0
        ver += t2 - t1
    gen /= N_PROOFS
    ver /= N_PROOFS

    cons = 0.0
    for _ in range(N_PROOFS // 4):
        s1 = rng.randrange(1, n)
        t0 = time.perf_counter()
        r1 = led.root_at(s1)
        proof = led.consistency_proof(s1)
        merkle.verify_consistency(s1, n, proof, r1, root)
        cons += time.perf_counter() - t0
    cons /= N_PROOFS // 4
    label = f"{n:,} entries, SQLite"
    base = f"recompute root from all {n:,} leaves"
    note = f"tree bulk-loaded from precomputed hashes in {build:.0f} s ({2 * n - bin(n).count('1'):,} node rows)"
    dispose_all()
    return [
        {
            "benchmark": "inclusion proof: generate + verify",
            "case": label,
            "ours_s": gen + ver,
            "baseline": base,
            "baseline_s": recompute,
            "note": f"generate {gen * 1000:.2f} ms (stored nodes) + verify {ver * 1e6:.0f} µs; {note}",
        },
        {
            "benchmark": "inclusion proof: verify only",
            "case": label,
            "ours_s": ver,
            "baseline": base,
            "baseline_s": recompute,
            "note": "merkle.verify_inclusion, pure function",
        },
        {
            "benchmark": "consistency proof: root + proof + verify",
            "case": label,
            "ours_s": cons,
            "baseline": base,
            "baseline_s": recompute,
            "note": "root at a random older size and consistency proof to the full size, from stored nodes",
        },
    ]


def run() -> list[dict]:
    rng = random.Random(9162)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="citynexus-bench-ledger-") as tmp:
        folder = Path(tmp)
        rows += _bench_append(folder)
        for n in SIZES:
            rows += _bench_proofs(folder, n, rng)
            for p in folder.glob(f"tree{n}.db*"):
                p.unlink()
    dispose_all()
    return rows


if __name__ == "__main__":  # pragma: no cover
    for r in run():
        print(r)
