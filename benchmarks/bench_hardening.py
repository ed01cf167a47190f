"""What the input limits and ledger safety checks cost, against the unchecked way in the
same run (ratio = unchecked time / checked time; below 1 means the check costs time).

- JSON: ``citynexus.data.limits.loads`` (size, pre-parse depth, duplicate keys) vs
  ``json.loads`` on the same 8 MB document (synthetic hub-like records);
- zip: streamed, counted decompression (``check_zip``) vs ``ZipFile.read`` of a 64 MiB member,
  with the peak traced memory of each in the note;
- checkpoint: ``Ledger.checkpoint`` (finds the last signed checkpoint, consistency proof,
  re-hashes the 1,000 entries added since) vs ``sign_checkpoint`` of the same head alone;
- prove: ``Ledger.prove`` (checks all 20 stored checkpoints against the tree first) vs
  ``Ledger.inclusion_proof`` alone, on a 20,000-entry SQLite log.
"""

from __future__ import annotations

import json
import sys
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

from _timing import best_of

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

MiB = 2**20


def _best(fn, repeat: int = 3) -> float:
    return best_of(fn, repeat)[0]


def _peak(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / MiB
    finally:
        tracemalloc.stop()


def _json_rows() -> list[dict]:
    from citynexus.data import limits

    recs = [
        {
            "type": "offer",
            "id": f"OF{i:06d}",
            "org": f"ORG{i % 997:04d}",
            "title": f"Synthetic offer {i} 合成",
            "industries": ["ai", "biomed"],
            "attributes": {"trl": i % 9, "price": {"min": i, "max": i * 2}, "tags": ["x", "y", "z"]},
        }
        for i in range(40_000)
    ]
    text = json.dumps(recs, ensure_ascii=False)
    ours = _best(lambda: limits.loads(text))
    base = _best(lambda: json.loads(text))
    return [
        {
            "benchmark": "safe JSON parse (synthetic)",
            "case": f"{len(text.encode()) / MiB:.1f} MB, 40,000 records",
            "ours_s": ours,
            "baseline": "json.loads (no limits)",
            "baseline_s": base,
        }
    ]


def _zip_rows(tmp: Path) -> list[dict]:
    from citynexus.data import limits

    p = tmp / "big.zip"
    block = b"\n" * MiB
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf, zf.open("units.csv", "w") as f:
        for _ in range(64):
            f.write(block)

    def ours() -> None:
        limits.check_zip(p, max_unpacked=128 * MiB)

    def base() -> None:
        with zipfile.ZipFile(p) as zf:
            zf.read("units.csv")

    t_ours, t_base = _best(ours), _best(base)
    m_ours, m_base = _peak(ours), _peak(base)
    return [
        {
            "benchmark": "zip read, counted while streaming",
            "case": "one 64 MiB member",
            "ours_s": t_ours,
            "baseline": "ZipFile.read (trusts sizes)",
            "baseline_s": t_base,
            "note": f"peak memory {m_ours:.1f} MiB vs {m_base:.1f} MiB",
        }
    ]


def _ledger_rows(tmp: Path) -> list[dict]:
    from citynexus.ledger import Ledger, generate_key, sign_checkpoint
    from citynexus.store import dispose_all

    url = f"sqlite:///{tmp / 'bench.db'}"
    led = Ledger.init(url, origin="bench/hardening")
    key = generate_key("bench-key")
    for b in range(20):
        led.append_many([{"type": "kpi.report", "payload": {"b": b, "i": i}} for i in range(1000)], "bench")
        led.checkpoint(key)
    led.append_many([{"type": "kpi.report", "payload": {"after": i}} for i in range(1000)], "bench")
    head = led.head()
    t_cp = _best(lambda: led.checkpoint(key), repeat=1)  # 1,000 new entries re-hashed, consistency proof
    t_sign = _best(lambda: sign_checkpoint(head.origin, head.size, head.root, [key]))
    t_prove = _best(lambda: led.prove(12_345))
    t_incl = _best(lambda: led.inclusion_proof(12_345, led.size))
    dispose_all()
    return [
        {
            "benchmark": "checkpoint, never a fork",
            "case": "21,000 entries, 1,000 since the last checkpoint",
            "ours_s": t_cp,
            "baseline": "sign_checkpoint only (no checks, no storage)",
            "baseline_s": t_sign,
        },
        {
            "benchmark": "prove, checkpoints checked first",
            "case": "21,000 entries, 21 checkpoints",
            "ours_s": t_prove,
            "baseline": "inclusion_proof only",
            "baseline_s": t_incl,
        },
    ]


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        return _json_rows() + _zip_rows(tmp) + _ledger_rows(tmp)


if __name__ == "__main__":
    for row in run():
        print(row)
