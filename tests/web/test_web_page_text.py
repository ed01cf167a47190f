"""Commands and file layouts that labels set in backticks are shown as code on the pages, never
as raw backticks, in every language; the rest of the label is escaped."""

from __future__ import annotations

import pytest
from tests.i18n.purity import visible_text

from citynexus.web.pages import page_text


def test_page_text_marks_code_and_escapes_the_rest():
    assert str(page_text("run `a <b>` or <i>")) == "run <code>a &lt;b&gt;</code> or &lt;i&gt;"
    assert page_text("no code here <x>") == "no code here <x>"  # left to the template's escaping
    assert page_text("one ` alone") == "one ` alone"


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
@pytest.mark.parametrize("page", ["/watch", "/agree", "/data", "/hub", "/centres"])
def test_no_raw_backticks_on_pages(client, page, lang):
    r = client.get(page, params={"lang": lang})
    assert r.status_code == 200
    assert "`" not in visible_text(r.text), page
    if page in ("/watch", "/agree", "/data"):
        assert "<code>" in r.text
