"""Centre performance, the composite index with the evaluation engine, the referral network, the demo."""

from __future__ import annotations

import pandas as pd
import pytest

from citynexus.centres.demo import AFFILIATE, SELF_CONFIRMING, generate, load_demo, write_demo
from citynexus.centres.funding import allocate, read_records_csv
from citynexus.centres.models import Centre
from citynexus.centres.performance import field_gaps, performance_dataset, performance_table, referral_links

C = [Centre("A", "A", "GZ", ["emc"], "x"), Centre("B", "B", "SZ", ["pcb"], "y"), Centre("C", "C", "FS", ["mat"], "z")]


def rec(i, centre, sme, rating=5, status="confirmed", by=None, ref=None, req="2025-01-01T00:00:00Z", acc=None, oc=None):
    return {
        "id": f"r{i}",
        "centre": centre,
        "sme": sme,
        "period": "2025",
        "status": status,
        "confirmed_by": by or sme,
        "rating": rating,
        "outcome": oc,
        "referred_from": ref,
        "requested_at": req,
        "accepted_at": acc or "2025-01-01T10:00:00Z",
    }


def test_performance_table_hand_computed():
    recs = [
        rec(1, "A", "s1", 5, oc="cost_saved"),
        rec(2, "A", "s1", 3),  # same SME, same period: one service, mean rating 4
        rec(3, "A", "s2", 2, acc="2025-01-02T00:00:00Z"),  # 24 h response
        rec(4, "A", "s3", 5, status="delivered"),
        rec(5, "B", "s4", 4, ref="A"),
        rec(6, "B", "s5", 5, by="B"),  # self-confirmed: not counted
        rec(7, "B", "s6", 5),  # not verified on the ledger
    ]
    verified = {"r1", "r2", "r3", "r5", "r6"}
    t = performance_table(recs, ["A", "B", "C"], verified).set_index("centre")
    a, b = t.loc["A"], t.loc["B"]
    assert (a.distinct_smes, a.confirmed_services) == (2, 2)
    assert a.mean_rating == pytest.approx((4 + 2) / 2)
    assert a.outcome_rate == pytest.approx(0.5)
    assert a.response_hours == pytest.approx(10.0)  # median of 10, 10, 24, 10
    assert a.repeat_use == pytest.approx(1 / 3)  # s1 came twice of s1, s2, s3
    assert (a.referrals_given, a.referrals_taken) == (1, 0)
    assert (b.distinct_smes, b.referrals_taken) == (1, 1)
    assert pd.isna(t.loc["C"].mean_rating)


def test_referral_links_and_field_gaps():
    recs = [rec(1, "B", "s", ref="A"), rec(2, "B", "t", ref="A"), rec(3, "A", "u", ref="A")]
    links = referral_links(recs)
    assert links.to_dict("records") == [{"a": "A", "b": "B", "r": 2.0}]
    gaps = field_gaps(links, C)
    assert [g["fields"] for g in gaps] == [["emc", "mat"], ["mat", "pcb"]]


def test_index_ranks_a_dominating_centre_first_with_uncertainty():
    from citynexus.centres.performance import performance_index

    recs = []
    i = 0
    for c, n, r, h in (("A", 6, 5, 2), ("B", 3, 3, 20), ("C", 1, 2, 60)):
        for k in range(n):
            i += 1
            recs.append(rec(i, c, f"{c}{k}", r, acc=f"2025-01-0{1 + h // 24}T{h % 24:02d}:00:00Z", oc="cost_saved"))
    recs.append(rec(99, "A", "A0", 5, ref="B"))
    recs.append(rec(98, "B", "B9", 3, ref="A"))
    t = performance_table(recs, ["A", "B", "C"], {r["id"] for r in recs})
    ds = performance_dataset(t, C)
    out = performance_index(ds, 2025, samples=40)
    ranking = out["ranking"]
    assert list(ranking.index[:3]) == ["A", "B", "C"] or list(ranking.iloc[:, 0][:3]) == ["A", "B", "C"]
    u = out["uncertainty"]
    assert len(u) == 3


def test_demo_shows_the_anti_gaming_rules(tmp_path):
    g = generate()
    assert all("synthetic" in c.name for c in g["centres"])
    paths = write_demo(tmp_path)
    recs = read_records_csv(paths["records"])
    cs = {c.id: c.affiliates for c in g["centres"]}
    alloc = allocate(recs, "1000000", affiliates=cs)
    flagged = {(e["centre"], e["rule"]) for e in alloc.excluded if e["flagged"]}
    assert (SELF_CONFIRMING, "self_confirmed") in flagged and (AFFILIATE[0], "affiliate") in flagged
    assert any(e["rule"] == "unconfirmed" for e in alloc.excluded)
    assert alloc.duplicates
    assert generate()["records"][:5] == g["records"][:5]  # seeded


@pytest.mark.slow
def test_demo_in_the_store_and_performance_report(tmp_path):
    from citynexus.services.centres import fund_file, performance_report

    url = f"sqlite:///{tmp_path / 'd.db'}"
    n = load_demo(url)
    assert n["records"] > 200
    assert load_demo(url)["records"] == 0  # idempotent
    rep = performance_report(url, samples=30)
    assert rep["year"] == 2025 and len(rep["index"]) == 15
    assert rep["network"]["centrality"] and rep["network"]["links"]
    out = fund_file(None, "1000000", db=url)
    rules = {e["rule"] for e in out["excluded"]}
    assert {"self_confirmed", "affiliate", "unconfirmed"} <= rules
    assert out["summary"]["sum"] == 1000000.0
