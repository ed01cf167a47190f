"""Every file box of the dashboard speaks the page's language: Chromium's own control says
"Choose File / No file chosen" in the browser's language (English here, whatever the page), so
web/static/filepick.js hides it behind a button and a line in the page's words. Checked in
Chromium on each page with a file box, in English, Simplified and Traditional Chinese; the chosen
file's name shows, and the hidden input still submits. Screenshots go to test-output/browser/."""

from __future__ import annotations

import pytest
from tests._live import serving

pytestmark = pytest.mark.browser

PAGES = {  # page -> the id of one of its file boxes
    "/hub": "import-file",
    "/data": "upload-file",
    "/cases/screening": "upload-file",
    "/agree": "upload-file",
    "/ledger": "result-file",
    "/centres": "centres-import-file",
    "/centres/inbox": "requests-import-file",
}
WORDS = {
    "en": ("Choose file", "No file chosen"),
    "zh": ("选择文件", "未选择文件"),
    "zh-Hant": ("選擇檔案", "未選擇檔案"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> str:
    """A live server with a ledger (its page shows the file box of a result to verify)."""
    from citynexus.api import create_app
    from citynexus.ledger import Ledger

    db = f"sqlite:///{tmp_path_factory.mktemp('boxes') / 'boxes.db'}"
    Ledger.init(db, origin="file-boxes.test/log")
    with serving(create_app(db)) as url:
        yield url


@pytest.mark.parametrize("lang", list(WORDS))
@pytest.mark.parametrize("path", list(PAGES))
def test_file_boxes_are_in_the_page_language(server, page, shots, path, lang):
    choose, none = WORDS[lang]
    page.goto(f"{server}{path}?lang={lang}")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")  # cases: a folded card
    boxes = page.locator('input[type="file"]')
    assert boxes.count() >= 1
    for i in range(boxes.count()):
        box = boxes.nth(i)
        assert box.get_attribute("data-filepick") == "1"
        # the native control is out of sight (1 px, transparent) and out of the tab order
        size = box.bounding_box()
        assert size is not None and size["width"] <= 1 and size["height"] <= 1
        assert box.evaluate("e => getComputedStyle(e).opacity") == "0" and box.get_attribute("tabindex") == "-1"
        pick = box.locator("xpath=following-sibling::button[1]")
        assert pick.inner_text() == choose and pick.is_visible()
        assert box.locator("xpath=following-sibling::span[1]").inner_text() == none
    assert not page.js_errors, page.js_errors
    if path == "/hub":
        page.locator("#import-file-pick").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"file-box-hub-{lang}.png"), full_page=False)


def test_the_chosen_file_is_named_and_the_button_opens_the_chooser(server, page, tmp_path, shots):
    f = tmp_path / "records.jsonl"
    f.write_text('{"type": "organization"}\n', encoding="utf-8")
    page.goto(f"{server}/hub?lang=zh-Hant")
    page.wait_for_load_state("networkidle")
    with page.expect_file_chooser() as chooser:
        page.locator("#import-file-pick").click()  # the button opens the same chooser as the input
    chooser.value.set_files(str(f))
    assert page.locator("#import-file + button + span code").inner_text() == "records.jsonl"  # the user's text
    assert page.locator("#import-file").evaluate("e => e.files[0].name") == "records.jsonl"
    page.locator("#import-file-pick").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "file-box-hub-chosen-zh-Hant.png"), full_page=False)
