"""Small builders for hand-made agreements and reports (test data, synthetic)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from citynexus.agree import agreement_from_dict, validate_reports


def agreement(terms, start="2026-01-01", end="2026-12-31", parties=("A", "B"), aid="AG1", **extra):
    data = {
        "id": aid,
        "title": "Test agreement",
        "title_zh": "测试协议",
        "parties": list(parties),
        "start": start,
        "end": end,
        "terms": [
            {
                "id": f"T{i + 1}",
                "party": "A",
                "text": "term",
                "text_zh": "条款",
                "category": "rd",
                "every": "quarter",
                **t,
            }
            for i, t in enumerate(terms)
        ],
        **extra,
    }
    return agreement_from_dict(data, source="test.toml")


def reports(rows, agreements, aid="AG1", party="A"):
    """rows: (metric, period, value) or (party, metric, period, value)."""
    recs = []
    for r in rows:
        p, m, q, v = (party, *r) if len(r) == 3 else r
        recs.append({"agreement": aid, "party": p, "metric": m, "period": q, "value": str(v)})
    raw = pd.DataFrame(recs, columns=["agreement", "party", "metric", "period", "value"])
    return validate_reports(raw, agreements, source="test.csv")


def day(s: str) -> dt.date:
    return dt.date.fromisoformat(s)
