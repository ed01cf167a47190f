"""Error pages in the page's language: a known English error is shown translated, with the
English beside it (marked as English) and commands as code; a page's own message is not marked as
English. Checked on the centres performance tab of a network with centres but no service records,
and on the watch page of a party with nothing to show."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from tests.i18n.purity import foreign_in_chinese, simplified_in_traditional, visible_text

CENTRE = {
    "id": "A",
    "name": "EMC Test Centre",
    "name_zh": "电磁兼容检测中心",
    "city": "DG",
    "fields": ["emc"],
    "description": "EMC testing",
}


@pytest.fixture(scope="module")
def no_records(tmp_path_factory):
    """A database with one centre and no service records."""
    from citynexus.api import create_app
    from citynexus.services.centres import import_files
    from citynexus.store import dispose_all

    folder = tmp_path_factory.mktemp("errors")
    (folder / "c.jsonl").write_text(json.dumps(CENTRE) + "\n", encoding="utf-8")
    db = f"sqlite:///{folder / 'errors.db'}"
    assert import_files(folder / "c.jsonl", db=db) == {"centres": 1, "requests": 0}
    with TestClient(create_app(db)) as c:
        yield c
    dispose_all()


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [("zh", "尚未保存任何服务记录"), ("zh-Hant", "尚未保存任何服務記錄")],
)
def test_no_service_records_in_chinese(no_records, lang, sentence):
    r = no_records.get(f"/centres/performance?lang={lang}")
    assert r.status_code == 400
    assert sentence in r.text and "<code>citynexus centres record</code>" in r.text
    # the exact English follows, marked as English
    assert '<p lang="en" class="muted">no service records stored yet;' in r.text
    text = visible_text(r.text)
    assert not foreign_in_chinese(text, {"citynexus", "OpenAPI"}), foreign_in_chinese(text, set())
    if lang == "zh-Hant":
        assert not simplified_in_traditional(text, set())


def test_no_service_records_in_english(no_records):
    r = no_records.get("/centres/performance?lang=en")
    assert r.status_code == 400 and "no service records stored yet" in r.text
    assert "Details (in English)" not in r.text  # the English page says it once


def test_a_year_without_records_names_the_years(tmp_path):
    from citynexus.i18n.errors import translate_error

    msg = "no records in 2019; years with records: 2024, 2025"
    assert translate_error(msg, "zh") == "2019 年没有服务记录。有记录的年份：2024, 2025。"


@pytest.mark.parametrize("lang", ["zh", "zh-Hant"])
def test_the_watch_page_message_is_not_marked_english(client, lang):
    r = client.get(f"/watch/party/NOBODY?lang={lang}")
    assert r.status_code == 404
    assert '<p class="error" id="page-error">' in r.text and "NOBODY" in r.text
    assert '<p class="error" id="page-error" lang="en">' not in r.text
    assert '<p lang="en" class="muted">Nothing to show for “NOBODY”.</p>' in r.text
