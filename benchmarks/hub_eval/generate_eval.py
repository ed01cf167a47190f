"""Build the labelled hub evaluation set from ``topics.py`` (SYNTHETIC data, seeded).

Writes ``eval_set.jsonl`` (organizations, offers, needs in the hub's import format) and
``qrels.json`` ({need id: {offer id: grade}}, grades 3 = fully relevant, 2 = partly
relevant; every other offer is 0), plus the ids of the hard negatives (near-misses that
violate a constraint, and lexical traps) for analysis.

Run: ``python benchmarks/hub_eval/generate_eval.py`` (deterministic).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from topics import TOPICS  # noqa: E402

SEED = 20240807
CITIES = ["GZ", "SZ", "ZH", "FS", "HZ", "DG", "ZS", "JM", "ZQ", "HK", "MO"]
OTHER_CERTS = ["ISO 14001", "ISO 45001", "IATF 16949", "SA8000"]
OFFER_ORG_KIND = {
    "technology": ["university", "institute", "enterprise", "enterprise"],
    "capacity": ["enterprise"],
    "service": ["service_centre", "enterprise", "agency"],
    "talent": ["university", "service_centre"],
    "patent": ["university", "institute"],
}
# Offers of one topic that are also relevant to another topic's need (found by reading the
# whole set once, before any method was run): (need topic, offer topic, role) -> grade.
CROSS = {
    ("T06", "T17", "t"): 2,  # pre-made dish cold-chain delivery serves a frozen-food cold-chain need
    ("T06", "T55", "p"): 2,  # refrigerated warehouses ~ cold storage leasing
    ("T31", "T03", "p"): 1,  # power module packaging is a kind of packaging service
    ("T04", "T27", "t"): 1,  # fabric defect detection: visual inspection of another material
    ("T14", "T50", "p"): 1,  # textile effluent treatment: another industrial wastewater
}
GRADES = {"b": 3, "c": 3, "p": 2, "n": 0, "t": 0}
# Offers and their organizations carry no industry tags: with ~2 topics per industry a tag
# almost names the topic, and the set would test the tags instead of the texts. Needs keep
# theirs (a need usually states its industry).
OFFER_INDUSTRIES = False


def build() -> tuple[list[dict], dict[str, dict[str, int]], dict[str, dict[str, list[str]]]]:
    rng = random.Random(SEED)
    orgs: list[dict] = []
    offers: list[dict] = []
    needs: list[dict] = []
    offer_ids: dict[tuple[str, str], str] = {}
    slots = [(t["id"], role) for t in TOPICS for role in "bcpnt"]
    numbers = list(range(1, len(slots) + 1))
    rng.shuffle(numbers)  # opaque ids: nothing in an id tells its topic or role
    for (tid, role), num in zip(slots, numbers):
        offer_ids[(tid, role)] = f"OF{num:04d}"
    org_no = 0

    def new_org(kind: str, city: str, industries: list[str], certs: list[str]) -> str:
        nonlocal org_no
        org_no += 1
        oid = f"ORG{org_no:04d}"
        rec = {
            "type": "organization",
            "id": oid,
            "name": f"Synthetic organization {org_no}",
            "name_zh": f"合成机构{org_no}",
            "kind": kind,
            "city": city,
            "industries": industries,
        }
        if certs:
            rec["certifications"] = certs
        orgs.append(rec)
        return oid

    for t in TOPICS:
        con = t["con"]
        constraints: dict = {}
        if con[0] == "cities":
            constraints["cities"] = con[1]
        elif con[0] == "cert":
            constraints["certifications"] = [con[1]]
        else:
            constraints["min_capacity"] = con[1]
        need_org = new_org(
            "enterprise" if t["nk"] != "talent" else rng.choice(["enterprise", "institute"]),
            rng.choice(CITIES),
            [t["ind"]],
            [],
        )
        needs.append(
            {
                "type": "need",
                "id": f"ND{t['id'][1:]}",
                "org": need_org,
                "kind": t["nk"],
                "title": t["need"][0],
                "text": t["need"][1],
                "industries": [t["ind"]],
                "constraints": constraints,
            }
        )
        for role in "bcpnt":
            title, text = t[role]
            kind = t["ok"] if role in "bcn" else ("service" if role == "p" else rng.choice(list(OFFER_ORG_KIND)))
            ind = t["t_ind"] if role == "t" else t["ind"]
            violate = role == "n"
            city = rng.choice(CITIES)
            certs = [rng.choice(OTHER_CERTS)] if rng.random() < 0.3 else []
            attrs: dict = {}
            if con[0] == "cities":
                city = con[2] if violate else rng.choice(con[1])
            elif con[0] == "cert" and not violate:
                certs = [*certs, con[1]]
            elif con[0] == "cap":
                unit = con[3]
                if violate:
                    attrs = {"capacity": con[2], "capacity_unit": unit}
                elif role in "bct":
                    attrs = {"capacity": con[1] * rng.choice([1, 1.5, 2, 3]), "capacity_unit": unit}
                # role p states no capacity: the constraint stays unverified (kept, small penalty)
            tags = [ind] if OFFER_INDUSTRIES else []
            org = new_org(rng.choice(OFFER_ORG_KIND[kind]), city, tags, certs)
            rec = {
                "type": "offer",
                "id": offer_ids[(t["id"], role)],
                "org": org,
                "kind": kind,
                "title": title,
                "text": text,
                "industries": tags,
            }
            if attrs:
                rec["attributes"] = attrs
            offers.append(rec)
    offers.sort(key=lambda r: r["id"])
    qrels: dict[str, dict[str, int]] = {}
    hard: dict[str, dict[str, list[str]]] = {}
    for t in TOPICS:
        nid = f"ND{t['id'][1:]}"
        qrels[nid] = {offer_ids[(t["id"], r)]: g for r, g in GRADES.items() if g > 0}
        hard[nid] = {"near_miss": [offer_ids[(t["id"], "n")]], "trap": [offer_ids[(t["id"], "t")]]}
    for (need_t, offer_t, role), g in CROSS.items():
        qrels[f"ND{need_t[1:]}"][offer_ids[(offer_t, role)]] = g
    return [*orgs, *offers, *needs], qrels, hard


def main() -> None:
    records, qrels, hard = build()
    with open(HERE / "eval_set.jsonl", "w", encoding="utf-8") as fh:
        fh.write(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n",
        )
    (HERE / "qrels.json").write_text(
        json.dumps({"qrels": qrels, "hard_negatives": hard}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    n_off = sum(r["type"] == "offer" for r in records)
    n_need = sum(r["type"] == "need" for r in records)
    print(f"wrote {n_off} offers, {n_need} needs, {len(records) - n_off - n_need} organizations (synthetic)")


if __name__ == "__main__":
    main()
