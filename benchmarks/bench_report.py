"""Report benchmarks: what Traditional Chinese costs, and a one-line usage error against a
help page.

- ``zh-Hant report``: rendering the Traditional Chinese report (the Simplified page converted
  as a whole by OpenCC ``s2hk`` plus the reviewed Hong Kong terms) against rendering the
  Simplified one, same analysis, same run. The ratio says how much of the rendering time the
  conversion takes.
- ``zh-Hant page``: converting a dashboard page (the overview's HTML: text and
  figure JSON, about 300 kB) against rendering it in Simplified Chinese through the TestClient.
- ``usage error``: ``citynexus index build --period abc`` (one line on stderr) against
  ``citynexus index build --help``, in process: the error path must cost no more than help.
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout, suppress

from _timing import best_of


def _best(fn, repeat: int = 3) -> float:
    return best_of(fn, repeat)[0]


def run() -> list[dict]:
    from citynexus.data import load
    from citynexus.evaluate.spec import default_spec
    from citynexus.i18n import to_hant_page
    from citynexus.report.html import geojson_or_none, render_report
    from citynexus.services.analysis import analyse

    rows = []
    a = analyse(load("gba"), default_spec("gba"))
    gj = geojson_or_none([])
    render_report(a, "zh-Hant", gj, inline_js=False)  # warm the converter
    hant = _best(lambda: render_report(a, "zh-Hant", gj, inline_js=False))
    hans = _best(lambda: render_report(a, "zh", gj, inline_js=False))
    rows.append(
        {
            "benchmark": "zh-Hant report",
            "case": "gba report, figures included",
            "ours_s": hant,
            "baseline": "zh report",
            "baseline_s": hans,
            "note": "ratio near 1: the conversion costs little next to rendering",
        }
    )

    import tempfile
    from pathlib import Path

    from fastapi.testclient import TestClient

    from citynexus.api import create_app

    with tempfile.TemporaryDirectory() as tmp, TestClient(create_app(f"sqlite:///{Path(tmp) / 'b.db'}")) as c:
        c.get("/?lang=zh")
        page = c.get("/?lang=zh").text
        to_hant_page(page)
        conv = _best(lambda: to_hant_page(page + " "))  # a new string each time: no cache hit
        rend = _best(lambda: c.get("/?lang=zh"))
    rows.append(
        {
            "benchmark": "zh-Hant page",
            "case": f"overview page, {len(page) // 1000} kB",
            "ours_s": conv,
            "baseline": "render the zh page",
            "baseline_s": rend,
        }
    )

    from citynexus.cli.main import main

    def call(argv):
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()), suppress(SystemExit):
            main(argv)

    err = _best(lambda: call(["index", "build", "--period", "abc"]), repeat=5)
    hlp = _best(lambda: call(["index", "build", "--help"]), repeat=5)
    rows.append(
        {
            "benchmark": "usage error",
            "case": "index build --period abc",
            "ours_s": err,
            "baseline": "index build --help",
            "baseline_s": hlp,
        }
    )
    return rows
