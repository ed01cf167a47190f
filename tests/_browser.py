"""What many browser tests do with a page: open one in a context of its own, open a URL and wait
until its figures are drawn, check a figure or all figures were drawn, check a Chinese page shows
no English words."""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import contextmanager


@contextmanager
def browser_page(browser, width: int = 1300, height: int = 1000, **context):
    """A page in a fresh browser context of ``width`` x ``height`` (more context options in
    ``context``); the page's JavaScript errors collect in ``page.js_errors``."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, **context)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.js_errors = errors
    try:
        yield pg
    finally:
        ctx.close()


def figure_drawn(page, sel: str, timeout: float = 15000) -> None:
    """Wait until plotly has drawn the figure ``sel`` (its ``<svg class="main-svg">``)."""
    page.locator(f"{sel} svg.main-svg").first.wait_for(timeout=timeout)


def plots_drawn(page, *, at_least: int = 1, timeout: float = 15000) -> None:
    """At least ``at_least`` figures (``.plot``) are on the page, and plotly has drawn every one."""
    plots = page.locator(".plot")
    assert plots.count() >= at_least
    for i in range(plots.count()):
        # plotly draws an <svg class="main-svg"> into every figure container
        plots.nth(i).locator("svg.main-svg").first.wait_for(timeout=timeout)


def open_page(page, url: str) -> None:
    """Open ``url``, wait until the network is idle and every figure on it is drawn."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    plots_drawn(page, at_least=0)


#: A word of Latin letters as the English-word check reads it (with its apostrophes: "don't").
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z']{2,}")


def assert_no_english(page, allowed: Iterable[str], *, names: tuple[str, ...] = (), parts=("main",)) -> None:
    """The visible text of the ``parts`` of a Chinese page holds no English words but the
    ``allowed`` ones (acronyms, formats, the product name) and ``names`` (e.g. an uploaded file's
    name)."""
    text = "".join(page.locator(p).inner_text() for p in parts)
    for n in names:
        text = text.replace(n, "")
    words = set(LATIN_WORD.findall(text)) - set(allowed)
    assert not words, f"English on a Chinese page: {sorted(words)[:20]}"
