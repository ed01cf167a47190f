"""SYNTHETIC demo of the service network (合成演示数据), from a seeded generator.

Everything here is made up: the 15 centres of the labelled routing set (``data/eval_centres.jsonl``,
names invented), 60 SMEs ``DEMO-SME-xx`` in the Bay Area cities, their requests (the 48 labelled
requests re-assigned to them) and two years (2024, 2025) of service records. The records include,
on purpose, unconfirmed services, repeats of one SME in one period, one self-confirmation (centre
``C-PCB`` confirms its own record) and one affiliate case (``C-MOLD`` serving its affiliate SME),
so the anti-gaming rules of funding have something to show; some services came by referral.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path
from typing import Any

from citynexus.centres.evaluation import load_eval_set
from citynexus.centres.models import Centre, ServiceRequest

SEED = 17
CITIES = ["GZ", "SZ", "ZH", "FS", "HZ", "DG", "ZS", "JM", "ZQ", "HK", "MO"]
OUTCOME_CHOICES = ["technology_adopted", "certification_passed", "cost_saved", None]
#: one affiliate pair, shown by the demo
AFFILIATE = ("C-MOLD", "DEMO-SME-07")
SELF_CONFIRMING = "C-PCB"


def generate(seed: int = SEED) -> dict[str, Any]:
    """Centres, requests and record events (plain data, same output for the same seed)."""
    rng = random.Random(seed)
    centres, labelled = load_eval_set()
    centres = [
        Centre(
            c.id,
            c.name + " (synthetic)",
            c.city,
            c.fields,
            c.description,
            c.description_zh,
            (c.name_zh or c.name) + "（合成）",
            float(rng.choice([80, 120, 200])),
            [AFFILIATE[1]] if c.id == AFFILIATE[0] else [],
        )
        for c in centres
    ]
    smes = [f"DEMO-SME-{i:02d}" for i in range(1, 61)]
    sme_city = {s: rng.choice(CITIES) for s in smes}
    requests = []
    for i, r in enumerate(labelled):
        sme = smes[i % len(smes)]
        requests.append(ServiceRequest(f"DEMO-REQ-{i + 1:03d}", sme, sme_city[sme], r.text, r.lang, None, r.expect))
    # quality profile of each centre (so the index has something to rank)
    skill = {c.id: rng.uniform(3.0, 4.8) for c in centres}
    speed = {c.id: rng.uniform(4, 72) for c in centres}
    reach = {c.id: rng.uniform(0.5, 1.6) for c in centres}
    events = []
    n = 0
    for year in (2024, 2025):
        for c in centres:
            k = max(1, int(rng.gauss(9, 3) * reach[c.id]))
            for _ in range(k):
                n += 1
                sme = rng.choice(smes)
                start = dt.datetime(year, 1, 1, 9, tzinfo=dt.UTC) + dt.timedelta(days=rng.randrange(0, 330))
                ev: dict[str, Any] = {
                    "id": f"DEMO-SR-{n:04d}",
                    "centre": c.id,
                    "sme": sme,
                    "period": str(year),
                    "requested_at": start,
                    "accepted_at": start + dt.timedelta(hours=rng.expovariate(1 / speed[c.id])),
                    "referred_from": None,
                    "status": "confirmed",
                }
                if rng.random() < 0.12:
                    others = [o.id for o in centres if o.id != c.id]
                    ev["referred_from"] = rng.choice(others)
                ev["delivered_at"] = ev["accepted_at"] + dt.timedelta(days=rng.randrange(2, 30))
                ev["confirmed_at"] = ev["delivered_at"] + dt.timedelta(days=rng.randrange(1, 10))
                ev["rating"] = max(1, min(5, round(rng.gauss(skill[c.id], 0.7))))
                ev["outcome"] = rng.choice(OUTCOME_CHOICES)
                ev["confirmed_by"] = sme
                u = rng.random()
                if u < 0.12:
                    ev["status"] = "delivered"  # the SME never confirmed
                elif u < 0.16:
                    ev["status"] = "accepted"
                events.append(ev)
    # repeats of one SME in one period, one self-confirmation, one affiliate case
    first = next(e for e in events if e["status"] == "confirmed")
    events.append({**first, "id": "DEMO-SR-REPEAT", "rating": 5})
    self_c = next(e for e in events if e["centre"] == SELF_CONFIRMING and e["status"] == "confirmed")
    self_c["confirmed_by"] = SELF_CONFIRMING
    events.append(
        {
            **first,
            "id": "DEMO-SR-AFFILIATE",
            "centre": AFFILIATE[0],
            "sme": AFFILIATE[1],
            "confirmed_by": AFFILIATE[1],
            "rating": 5,
            "outcome": "cost_saved",
            "referred_from": None,
        }
    )
    return {"centres": centres, "requests": requests, "records": events}


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def load_demo(url: str | None = None, seed: int = SEED) -> dict[str, int]:
    """Store the synthetic demo (centres, requests, records with their ledger entries) in ``url``."""
    from citynexus.centres.lifecycle import ServiceBook

    g = generate(seed)
    book = ServiceBook(url)
    book.import_centres(g["centres"])
    book.import_requests(g["requests"])
    existing = {r["id"] for r in book.records()}
    n = 0
    for e in g["records"]:
        if e["id"] in existing:
            continue
        rid = book.open(
            e["centre"],
            sme=e["sme"],
            period=e["period"],
            referred_from=e["referred_from"],
            at=_iso(e["requested_at"]),
            record_id=e["id"],
        )
        book.accept(rid, at=_iso(e["accepted_at"]))
        if e["status"] in ("delivered", "confirmed"):
            book.deliver(rid, at=_iso(e["delivered_at"]))
        if e["status"] == "confirmed":
            book.confirm(rid, e["rating"], e["outcome"], by=e["confirmed_by"], at=_iso(e["confirmed_at"]))
        n += 1
    return {"centres": len(g["centres"]), "requests": len(g["requests"]), "records": n}


def write_demo(folder: str | Path, seed: int = SEED) -> dict[str, Path]:
    """Write the demo as files: ``centres.jsonl``, ``requests.jsonl`` and ``records.csv`` (the
    pinned funding input, with the optional ``confirmed_by`` and ``outcome`` columns)."""
    from citynexus.centres.records import write_jsonl

    g = generate(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "centres": folder / "centres.jsonl",
        "requests": folder / "requests.jsonl",
        "records": folder / "records.csv",
    }
    write_jsonl(paths["centres"], g["centres"])
    reqs = [ServiceRequest(r.id, r.sme, r.city, r.text, r.lang, r.industry) for r in g["requests"]]
    write_jsonl(paths["requests"], reqs)
    with open(paths["records"], "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["centre", "sme", "period", "confirmed", "rating", "confirmed_by", "outcome"])
        for e in g["records"]:
            conf = e["status"] == "confirmed"
            w.writerow(
                [
                    e["centre"],
                    e["sme"],
                    e["period"],
                    "true" if conf else "false",
                    e["rating"] if conf else "",
                    e["confirmed_by"] if conf else "",
                    e["outcome"] or "" if conf else "",
                ]
            )
    return paths
