"""What the pages fetch after load, in Chromium: the explorer sends exact weights for the sliders
the user has not moved, and the text drawn from fetched JSON (the explorer's ranking, the hub's
match reasons) is in the page's language — English, Simplified or Traditional Chinese — checked
on the page's visible text after the fetch completes. Screenshots go to test-output/browser/."""

from __future__ import annotations

import json

import pytest
from tests._live import live_site, load_demo
from tests.i18n.purity import (
    foreign_in_chinese,
    foreign_in_english,
    names_allow_list,
    simplified_in_traditional,
    visible_text,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hub_server(tmp_path_factory):
    """A live server whose hub holds the synthetic demo records."""
    with live_site(tmp_path_factory.mktemp("fetched"), "fetched") as site:
        load_demo(site, "hub")
        yield site


@pytest.fixture(scope="module")
def allow() -> set[str]:
    """Names and codes of the GBA dataset and of the demo hub's records, certification codes."""
    from citynexus.data import load
    from citynexus.hub import demo_path

    out = names_allow_list(load("gba"))
    for line in demo_path().read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        out.update(str(rec[k]) for k in ("id", "name", "name_zh", "title", "org") if rec.get(k))
        out.update(str(c) for c in (rec.get("attributes") or {}).get("certifications", []) or [])
    return out | {"ISO", "IATF", "HACCP", "GMP", "CE"}


def check(html: str, lang: str, allow: set[str], where: str) -> None:
    from citynexus.i18n import to_hant

    text = visible_text(html)
    allow = allow | {to_hant(a) for a in allow}  # the records' names and titles as a zh-Hant page shows them
    bad = foreign_in_english(text, allow) if lang == "en" else foreign_in_chinese(text, allow)
    if lang == "zh-Hant":
        bad += [f"Simplified: {ln}" for ln in simplified_in_traditional(text, allow)]
    assert not bad, f"{where} ({lang}) after the fetch mixes languages:\n" + "\n".join(bad[:30])


def test_untouched_sliders_send_exact_weights(page, hub_server):
    page.goto(f"{hub_server['url']}/explorer?lang=en")
    page.wait_for_function("() => Number(document.body.dataset.reranked) >= 1")
    page.locator("#g-IND summary").click()
    exact = {c: float(page.locator(f"#w-{c}").get_attribute("data-weight")) for c in ("fdi", "URB", "IND")}
    shown = {c: float(page.locator(f"#w-{c}").input_value()) for c in ("fdi",)}
    assert exact["fdi"] != shown["fdi"]  # the slider shows a whole percentage, the weight is exact
    with page.expect_request(lambda r: r.url.endswith("/api/v1/index/rerank")) as req:
        page.locator("#w-rd_intensity").fill("20")
    sent = req.value.post_data_json["weights"]
    assert sent["rd_intensity"] == 20 and sent["fdi"] == exact["fdi"]
    assert sent["URB"] == exact["URB"] and sent["IND"] == exact["IND"]
    # the shared link carries the same exact values, and reopening it sends them again
    page.wait_for_function("() => location.search.includes('w.rd_intensity=20')")
    page2 = page.context.new_page()
    with page2.expect_request(lambda r: r.url.endswith("/api/v1/index/rerank")) as req2:
        page2.goto(page.url)
    assert req2.value.post_data_json["weights"] == sent
    page2.close()
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
def test_fetched_text_is_in_the_page_language(page, hub_server, allow, shots, lang):
    page.goto(f"{hub_server['url']}/explorer?lang={lang}")
    page.wait_for_function("() => Number(document.body.dataset.reranked) >= 1")
    page.locator("#w-URB").fill("80")
    page.wait_for_function("() => Number(document.body.dataset.reranked) >= 2")
    page.locator("#rerank-table tbody tr").first.wait_for()
    check(page.content(), lang, allow, "explorer")
    page.goto(f"{hub_server['url']}/hub?lang={lang}")
    for i in range(3):
        btn = page.locator("button.match-btn").nth(i)
        need = btn.get_attribute("data-need")
        btn.click()
        page.locator(f"#matches-{need} tr.match").first.wait_for(timeout=30000)
    text = page.locator("table.matches").first.inner_text()
    assert (
        ("城市" in text or "相距" in text or "需求" in text) if lang != "en" else ("need" in text or "allowed" in text)
    )
    check(page.content(), lang, allow, "hub matches")
    page.screenshot(path=str(shots / f"hub-match-fetched-{lang}.png"), full_page=True)
    assert page.js_errors == []


IMPORTED = {"zh-Hant": "新增機構 1 家", "en": "new: 1 organization(s), 0 offer(s), 0 need(s); updated: 0"}


@pytest.mark.parametrize(("lang", "words"), list(IMPORTED.items()))
def test_import_result_in_the_page_language(page, hub_server, tmp_path, lang, words):
    rec = {"type": "organization", "id": f"ORG-T-{lang}", "name": "Test Lab", "name_zh": "测试实验室",
           "kind": "enterprise", "city": "SZ", "industries": ["ai"]}  # fmt: skip
    f = tmp_path / "one.jsonl"
    f.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    page.goto(f"{hub_server['url']}/hub?lang={lang}")
    page.locator("#import-file").set_input_files(str(f))
    page.locator("#import-key").fill(hub_server["key"])
    page.locator("#import-btn").click()
    text = page.locator("#import-result-ok").inner_text()
    assert words in text
    if lang != "en":
        assert "imported" not in text and "new" not in text
