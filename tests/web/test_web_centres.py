"""The service-centre pages render in both languages on a fresh database (the labelled synthetic
demo), with names rather than codes and without English labels on the Chinese pages."""

from __future__ import annotations

import re

import pytest

PAGES = ["/centres", "/centres/performance", "/centres/funding", "/centres/talent", "/centres/talent?talent=DEMO-T02"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_in_both_languages(client, path):
    sep = "&" if "?" in path else "?"
    en = client.get(f"{path}{sep}lang=en")
    zh = client.get(f"{path}{sep}lang=zh")
    assert en.status_code == zh.status_code == 200
    assert "Synthetic demo" in en.text and "合成演示" in zh.text
    assert 'href="/centres?lang=en" class="active">Service centres</a>' in en.text
    assert 'href="/centres?lang=zh" class="active">服务中心</a>' in zh.text
    # table headers and labels of the Chinese page are Chinese
    for th in re.findall(r"<th[^>]*>([^<]+)</th>", zh.text):
        assert re.search(r"[\u4e00-\u9fff]", th), th


def test_map_and_performance_show_names_not_codes(client):
    body = client.get("/centres/performance?lang=zh").text
    rows = re.findall(r'<tr data-centre="(C-[A-Z]+)"><td class="num">\d+</td><td>([^<]+)</td>', body)
    assert len(rows) == 15 and all("（合成）" in name and not name.startswith("C-") for _, name in rows)
    assert 'id="fig-centres-map"' in client.get("/centres?lang=en").text


def test_funding_page_starts_from_the_default_allocation(client):
    body = client.get("/centres/funding?lang=en").text
    assert 'id="w-base_share"' in body and 'value="30"' in body
    assert '"sum": 1000000.0' in body


IMPORT_CARDS = [("/centres", "centres-import", "centres"), ("/centres/inbox", "requests-import", "requests")]


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
@pytest.mark.parametrize(("path", "name", "kind"), IMPORT_CARDS)
def test_import_card_on_the_map_and_inbox_tabs(client, path, name, kind, lang):
    """The tab's import card (the shared _upload.html macro): title, help, file picker for the types
    the import accepts, key box and button in the page's language, and the script that posts it to
    the import of its kind with the page's words for every refusal."""
    import json

    from tests.i18n.purity import foreign_in_chinese, simplified_in_traditional, visible_text

    from citynexus.i18n import t
    from citynexus.services import centres as svc
    from citynexus.web.pages import page_text

    html = client.get(f"{path}?lang={lang}").text
    m = re.search(rf'<section class="card" style="margin-top:1rem" id="{name}-card">(.*?)</section>', html, re.S)
    assert m, f"{path}: no {name} card"
    card = m.group(1)
    assert html.count(f'id="{name}-card"') == 1
    assert f"<h2>{t(f'centres_import_{kind}', lang)}</h2>" in card
    assert str(page_text(t(f"centres_import_{kind}_help", lang))) in card  # the backticked names as code
    assert f'<input type="file" id="{name}-file" accept=".jsonl,.ndjson,.xlsx">' in card
    assert svc.UPLOAD_TYPES == (".jsonl", ".ndjson", ".xlsx")
    assert f'placeholder="{t("api_key", lang)}"' in card and f">{t('upload', lang)}</button>" in card
    assert f'id="{name}-result" aria-live="polite"' in card
    script = html[m.end() : html.index("</script>", m.end())]
    assert f'CNX.uploadForm("{name}", "/api/v1/centres/import?kind={kind}"' in script
    labels = json.loads(re.search(r"const U = (\{.*?\});", script).group(1))
    assert labels["centres_import_err_413"] == t("centres_import_err_413", lang).format(limit=20)
    assert labels["hub_line"] == t("hub_line", lang) and labels["centres_import_no_key"] == t(
        "centres_import_no_key", lang
    )
    if lang == "en":
        assert "Import" in card and "20 MiB" in labels["centres_import_err_413"]
    else:
        # the card and the words its script shows: no English besides file types, formats and codes
        words = "\n".join([visible_text(card), *labels.values()]).replace("{stored}", "").replace("{source}", "")
        assert foreign_in_chinese(words.replace("{owner}", "").replace("{limit}", ""), set()) == []
        if lang == "zh-Hant":
            assert simplified_in_traditional(words, set()) == []


@pytest.mark.parametrize("path", ["/centres/performance", "/centres/funding", "/centres/talent"])
def test_other_tabs_have_no_import_card(client, path):
    html = client.get(f"{path}?lang=en").text
    assert "-import-card" not in html and "CNX.uploadForm" not in html
