"""The case library's pages in a real browser, in English and Chinese: the library with no setup
(the shipped seed cases), filtering by an SDG chip, country and text, a case page with its SDG wheel,
goals, provenance, cases like this and hub organizations, the "tag a text" box and the screening
board (synthetic juror scores, labelled so). Chinese pages are checked for stray English words.
Screenshots go to test-output/browser/."""

from __future__ import annotations

import pytest
from tests._browser import assert_no_english, plots_drawn
from tests._live import live_site, load_demo

pytestmark = pytest.mark.browser

#: Latin words allowed on a Chinese page: acronyms, method names, formats, the product name.
ALLOWED_LATIN = {
    "SDG",
    "TOPSIS",
    "JSON",
    "API",
    "OpenAPI",
    "health",
    "citynexus",
    "Kendall",
    "Apache",
    "GIS",
    "MILP",
    "English",
}


@pytest.fixture(scope="module")
def cases_server(tmp_path_factory):
    with live_site(tmp_path_factory.mktemp("cases"), "cases", role="editor") as site:
        yield site


def _no_english(page, names: tuple[str, ...] = ()) -> None:
    """Neither the main part nor the header of a Chinese page shows English words but acronyms and
    ``names`` (e.g. an uploaded file's name)."""
    assert_no_english(page, ALLOWED_LATIN, names=names, parts=("main", "header"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_library_filters(page, cases_server, shots, lang):
    page.goto(f"{cases_server['url']}/cases?lang={lang}")
    assert page.locator("#case-list article").count() == 10  # the seed library, no setup
    assert page.locator("#sdg-chips a.sdg-chip[data-goal]").count() == 17
    assert ("种子摘要" if lang == "zh" else "seed summary") in page.locator("#case-list").inner_text()
    # the active entry sits in its (closed) menu, which is marked as the page's own
    assert ("案例库" if lang == "zh" else "Case library") in page.locator("header nav a.active").text_content()
    assert "has-active" in page.locator("#menu-connect").get_attribute("class")
    page.screenshot(path=str(shots / f"cases-library-{lang}.png"), full_page=True)
    # filter by SDG 11 (sustainable cities): four seed cases
    page.locator("#chip-11").click()
    page.wait_for_url("**goal=11**")
    assert page.locator("#case-list article").count() == 4
    assert page.locator("#chip-11.selected").count() == 1
    page.screenshot(path=str(shots / f"cases-library-sdg11-{lang}.png"), full_page=True)
    # and by country, keeping the goal
    page.select_option("#country-filter", "China")
    page.locator("#filter-btn").click()
    page.wait_for_url("**country=China**")
    ids = page.locator("#case-list article").evaluate_all("els => els.map(e => e.dataset.case)")
    assert sorted(ids) == ["seed-guangzhou-elderly-canteens", "seed-xianning-safe-routes-to-school"]
    # a text query in the other language, no goal
    page.goto(f"{cases_server['url']}/cases?lang={lang}&q={'school' if lang == 'zh' else '上学'}")
    ids = page.locator("#case-list article").evaluate_all("els => els.map(e => e.dataset.case)")
    assert ids == ["seed-xianning-safe-routes-to-school"]
    if lang == "zh":
        _no_english(page)
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_case_page(page, cases_server, shots, lang):
    page.goto(f"{cases_server['url']}/cases?lang={lang}")
    page.locator("article[data-case='seed-kampala-pit-emptying-gis'] h3 a").click()
    page.wait_for_url("**/cases/case/seed-kampala-pit-emptying-gis**")
    plots_drawn(page, timeout=20000)
    # the wheel draws all 17 goals, the case's 3 in the "goals of the case" trace
    fig = page.evaluate("() => document.getElementById('fig-wheel').data.map(t => [t.name, t.theta.length])")
    assert sum(n for _, n in fig) == 17
    assert fig[0][1] == 3
    assert page.locator("#case-goals tr[data-goal]").count() == 3
    assert ("摘要依据" if lang == "zh" else "Summarised from the one-line description") in page.locator(
        "#case-provenance"
    ).inner_text()
    assert page.locator("#case-no-evidence").count() == 1
    assert page.locator("#case-similar tbody tr").count() == 5
    assert page.locator("#hub-empty").count() == 1
    page.screenshot(path=str(shots / f"cases-case-{lang}.png"), full_page=True)
    if lang == "zh":
        _no_english(page)
    assert page.js_errors == []


def test_case_page_links_hub_organizations(page, cases_server, shots):
    load_demo(cases_server, "hub")
    page.goto(f"{cases_server['url']}/cases/case/seed-guangzhou-battery-recycling?lang=en")
    rows = page.locator("#hub-orgs tbody tr")
    assert rows.count() >= 1
    assert "synthetic demo record" in page.locator("#hub-orgs").inner_text()
    page.screenshot(path=str(shots / "cases-case-hub-en.png"), full_page=True)
    rows.first.locator("a").click()
    page.wait_for_url("**/hub/org/**")
    assert page.js_errors == []


@pytest.mark.parametrize(
    ("lang", "text", "goal"),
    [
        ("en", "A GIS app lets households book pit-emptying services", "6"),
        ("zh", "社区长者饭堂为独居老人提供营养午餐", "2"),
    ],
)
def test_tag_a_text(page, cases_server, shots, lang, text, goal):
    page.goto(f"{cases_server['url']}/cases/tag?lang={lang}")
    page.locator("#tag-text").fill(text)
    page.locator("#tag-btn").click()
    page.locator("#tag-results").wait_for(timeout=30000)
    plots_drawn(page, timeout=20000)
    first = page.locator("#tag-results tbody tr").first
    assert first.get_attribute("data-goal") == goal
    assert page.locator("#tag-results .badge").count() >= 1  # matched phrases shown
    assert page.locator("#tag-similar tr").count() == 3
    page.screenshot(path=str(shots / f"cases-tag-{lang}.png"), full_page=True)
    if lang == "zh":
        _no_english(page)
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_screening_board(page, cases_server, shots, lang):
    page.goto(f"{cases_server['url']}/cases/screening?lang={lang}")
    plots_drawn(page, timeout=20000)
    note = page.locator("#synthetic-board").inner_text()
    assert ("合成数据" if lang == "zh" else "SYNTHETIC") in note
    assert page.locator("#kendall-w").inner_text() == "W = 0.772"  # as in docs/cases.md
    table = page.locator("#board-table tbody tr")
    assert table.count() == 10
    assert table.first.get_attribute("data-case") == "seed-sao-paulo-informal-workers"
    assert page.locator("#board-table tbody tr.shortlisted").count() == 4  # a tie at rank 3 keeps both
    assert page.locator("#agreement-table tbody tr").count() == 6
    page.screenshot(path=str(shots / f"cases-screening-{lang}.png"), full_page=True)
    if lang == "zh":
        _no_english(page)
    # recompute with TOPSIS under any weights
    page.select_option("#method-select", "topsis")
    page.select_option("#tolerance-select", "any")
    page.locator("#screen-btn").click()
    page.wait_for_url("**method=topsis**")
    plots_drawn(page, timeout=20000)
    assert page.locator("#board-table tbody tr").count() == 10
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_screening_board_upload(page, cases_server, shots, lang, tmp_path):
    from citynexus.services.cases import demo_scores_path

    scores = tmp_path / "my_scores.csv"
    scores.write_bytes(demo_scores_path().read_bytes())
    page.goto(f"{cases_server['url']}/cases/screening?lang={lang}")
    page.locator("#upload-card summary").click()
    page.set_input_files("#upload-file", str(scores))
    page.locator("#upload-btn").click()  # no key: refused, the demo board stays
    page.locator("#upload-error").wait_for()
    assert page.locator("#synthetic-board").count() == 1
    page.set_input_files("#upload-file", str(scores))
    page.locator("#upload-key").fill(cases_server["key"])
    page.locator("#upload-btn").click()
    page.locator("#upload-done").wait_for()
    plots_drawn(page, timeout=20000)
    assert "my_scores.csv" in page.locator("#upload-done").inner_text()
    assert page.locator("#synthetic-board").count() == 0
    assert page.locator("#board-table tbody tr").count() == 10
    page.screenshot(path=str(shots / f"cases-screening-upload-{lang}.png"), full_page=True)
    if lang == "zh":
        _no_english(page, names=("my_scores.csv",))
    assert page.js_errors == []
