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
