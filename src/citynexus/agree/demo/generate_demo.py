"""Generate the SYNTHETIC demo agreements and reports (seeded, deterministic).

    python -m citynexus.agree.demo.generate_demo

writes ``agreements.json`` and ``reports.csv`` beside this file. Agreements (``plan.csv``) are built from the
five bundled templates between organizations of the synthetic demo hub, run 2024-01-01 ..
2026-12-31, and parties report 2024Q1 .. 2026Q3 (months 2024-01 .. 2026-09 and the years 2024
and 2025 for monthly and yearly terms). Planted events (documented in README.md) are what a
risk early-warning module should detect.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import tomllib
from pathlib import Path

import numpy as np

from citynexus.agree.hub import shift_date
from citynexus.agree.model import agreement_from_dict
from citynexus.agree.templates import template_text

HERE = Path(__file__).parent
SEED = 2026
START, END = dt.date(2024, 1, 1), dt.date(2026, 12, 31)
QUARTERS = [f"{y}Q{q}" for y in (2024, 2025, 2026) for q in (1, 2, 3, 4)][:11]  # .. 2026Q3
MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)][:33]  # .. 2026-09
YEARS = ["2024", "2025"]


def plan() -> list[tuple[str, str, list[str]]]:
    """``(agreement id, template, parties)`` of every demo agreement, from ``plan.csv``; the parties
    are demo hub organizations, provider first. The planted events are documented in README.md."""
    with (HERE / "plan.csv").open(encoding="utf-8", newline="") as f:
        return [(r["agreement"], r["template"], [r["provider"], r["partner"]]) for r in csv.DictReader(f)]


def _agreement(aid: str, template: str, parties: list[str]) -> dict:
    data = tomllib.loads(template_text(template))
    old_start, old = data["start"], data["parties"]
    swap = dict(zip(old, parties))
    data["id"] = aid
    data["title"] = "[synthetic] " + data["title"]
    data["title_zh"] = "【合成】" + data["title_zh"]
    data["parties"] = parties
    data["start"], data["end"] = START, END
    data["synthetic"] = True
    for t in data["terms"]:
        t["party"] = swap[t["party"]]
        if "due" in t:
            was = t["due"]
            t["due"] = min(END, shift_date(was, old_start, START))
            for key in ("text", "text_zh"):  # the text names the due date's year: keep it true
                t[key] = t[key].replace(str(was.year), str(t["due"].year))
    return data


def _idx(periods: list[str], first: str) -> int:
    return periods.index(first)


def _series(rng, n: int, level: float, sd: float) -> np.ndarray:
    return np.maximum(rng.normal(level, sd, n), 0.0)


def _reports_for(aid: str, template: str, parties: list[str], rng) -> list[tuple[str, str, str, str, float]]:
    p0, p1 = parties
    rows: list[tuple[str, str, str, str, float]] = []

    def add(party: str, metric: str, periods: list[str], values) -> None:
        for q, v in zip(periods, values):
            rows.append((aid, party, metric, q, round(float(v), 2)))

    nq = len(QUARTERS)
    if template == "joint-rd":
        revenue = _series(rng, nq, 2000, 120)
        rd = revenue * rng.normal(0.058, 0.006, nq)
        patents = rng.poisson(6, len(YEARS)).astype(float)
        projects = rng.poisson(0.6, nq).astype(float)
        if aid == "DEMO-RD-01":
            k = _idx(QUARTERS, "2025Q3")
            revenue[k:] *= 0.6
            rd[k:] *= 0.35
        if aid == "DEMO-RD-02":
            patents[1] = 0.0
            projects[_idx(QUARTERS, "2025Q2") :] = 0.0
            projects[:2] = [1.0, 0.0]
        add(p0, "revenue", QUARTERS, revenue)
        add(p0, "rd_spend", QUARTERS, rd)
        add(p1, "patents_filed", YEARS, patents)
        add(p1, "joint_projects", QUARTERS, projects)
    elif template == "capacity-supply":
        output = _series(rng, nq, 11500, 700)
        deliveries = rng.integers(40, 60, nq).astype(float)
        share = np.clip(rng.normal(0.975, 0.012, nq), 0, 1)
        ppm = _series(rng, nq, 380, 45)
        if aid == "DEMO-CAP-01":
            k = _idx(QUARTERS, "2025Q4")
            share[k:] = np.linspace(0.975, 0.89, nq - k)
        if aid == "DEMO-CAP-02":
            k = _idx(QUARTERS, "2025Q3")
            ppm[k:] = np.linspace(400, 492, nq - k)
        add(p0, "output", QUARTERS, output)
        add(p0, "deliveries", QUARTERS, deliveries)
        add(p0, "on_time", QUARTERS, np.round(deliveries * share))
        add(p0, "defect_ppm", QUARTERS, ppm)
    elif template == "green-production":
        output = _series(rng, nq, 9000, 400)
        co2_per = np.linspace(11.6, 10.2, nq) * rng.normal(1.0, 0.02, nq)
        energy_per = _series(rng, nq, 27, 2.2)
        cert = rng.uniform(0.55, 0.8, len(YEARS))
        yearly_output = np.array([output[0:4].sum(), output[4:8].sum()])
        qs = QUARTERS
        if aid == "DEMO-GRN-01":
            qs = QUARTERS[: _idx(QUARTERS, "2026Q1")]
        n = len(qs)
        add(p0, "output", qs, output[:n])
        add(p0, "co2_kg", qs, (co2_per * output)[:n])
        add(p0, "energy_kwh", qs, (energy_per * output)[:n])
        add(p0, "output", YEARS, yearly_output)
        add(p0, "certified_output", YEARS, cert * yearly_output)
    elif template == "talent-training":
        add(p0, "trainees", QUARTERS, rng.integers(18, 34, nq))
        add(p0, "certified_trainees", QUARTERS, rng.integers(4, 12, nq))
        add(p1, "placements", YEARS, rng.integers(7, 16, len(YEARS)))
    elif template == "data-verification":
        nm = len(MONTHS)
        transferred = rng.integers(8000, 12000, nm).astype(float)
        verified = np.round(transferred * np.clip(rng.normal(0.995, 0.004, nm), 0, 1))
        add(p0, "transferred_records", MONTHS, transferred)
        add(p0, "verified_records", MONTHS, verified)
        add(p0, "incidents", QUARTERS, (rng.random(nq) < 0.12).astype(float))
        assess = np.zeros(nq)
        assess[0 if aid == "DEMO-DAT-01" else 2] = 1.0  # DEMO-DAT-02 files late (after the due date)
        add(p1, "assessment_filed", QUARTERS, assess)
    return rows


def generate(folder: Path = HERE) -> tuple[int, int]:
    """Write agreements.json and reports.csv; returns (agreements, report rows)."""
    rng = np.random.default_rng(SEED)
    ags, rows = [], []
    for aid, template, parties in plan():
        data = _agreement(aid, template, parties)
        agreement_from_dict(data, source=aid)  # every demo agreement validates
        doc = json.loads(json.dumps(data, default=str))
        ags.append(doc)
        rows.extend(_reports_for(aid, template, parties, rng))
    (folder / "agreements.json").write_text(json.dumps(ags, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    with (folder / "reports.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["agreement", "party", "metric", "period", "value"])
        w.writerows(rows)
    return len(ags), len(rows)


if __name__ == "__main__":  # pragma: no cover
    n, m = generate()
    print(f"wrote {n} synthetic agreements and {m} report rows to {HERE}")
