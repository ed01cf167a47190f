"""The agreements page holds one language (en, zh, zh-Hant) with the synthetic demo loaded: the grid
with its hover texts (explanations, forecasts), the at-risk and version tables, a drill-down and its
ledger verification. Names and codes (agreement, term, party ids, metric names, units) excepted."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from citynexus.agree.demo import demo_agreements, load_demo
from citynexus.agree.registry import AgreementRegistry
from tests.i18n.purity import foreign_in_chinese, foreign_in_english, simplified_in_traditional, visible_text


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from citynexus.api import create_app

    db = f"sqlite:///{tmp_path_factory.mktemp('agree-lang') / 'agree.db'}"
    load_demo(AgreementRegistry(db))
    with TestClient(create_app(db)) as c:
        yield c


def _allow() -> set[str]:
    allow: set[str] = set()
    for a in demo_agreements():
        allow |= {a.id, *a.parties}
        for t in a.terms:
            allow |= {t.id, t.party, *(v.metric for v in t.compiled.vars)}
        allow |= {m.get("unit", "").strip() for m in a.metrics.values()} - {""}
    return allow


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
@pytest.mark.parametrize(
    "query",
    [
        {"id": "DEMO-CAP-01"},
        {"id": "DEMO-RD-01", "term": "RD-INTENSITY", "period": "2025Q3", "verify": "1"},
        {"id": "DEMO-RD-01", "term": "RD-INTENSITY", "period": "2026Q4"},
    ],
)
def test_agree_page_is_in_one_language(client, lang, query):
    r = client.get("/agree", params={**query, "lang": lang})
    assert r.status_code == 200
    text = visible_text(r.text)
    allow = _allow()
    bad = foreign_in_english(text, allow) if lang == "en" else foreign_in_chinese(text, allow)
    if lang == "zh-Hant":
        bad += [f"Simplified: {x}" for x in simplified_in_traditional(text, allow)]
    assert not bad, "\n".join(bad[:30])
