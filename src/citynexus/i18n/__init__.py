"""Every bilingual label and message of citynexus, below every face.

Each area keeps its table in a module of this package (``dashboard``, ``agree``,
``watch``…), a ``TEXT`` dict mapping a key to ``(English, 简体中文)``. This module
merges them once, on first use, and answers :func:`t`. Keys are unique across tables; a
clash is a programming error and raises at load.

Languages: ``en``, ``zh`` (Simplified) and ``zh-Hant`` (Traditional, for Hong Kong and
Macao; derived from the Simplified text).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

LANGS = ("en", "zh", "zh-Hant")


@cache
def table() -> dict[str, tuple[str, str]]:
    """All label tables of the package merged into one (key -> (en, zh))."""
    merged: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        for key, pair in getattr(mod, "TEXT", {}).items():
            if key in merged:
                raise RuntimeError(f"i18n key {key!r} is defined twice (second time in {info.name})")
            merged[key] = pair
    return merged


def t(key: str, lang: str) -> str:
    """The text for ``key`` in ``lang`` (falls back to the key itself)."""
    pair = table().get(key)
    if pair is None:
        return key
    if lang == "en":
        return pair[0]
    return pair[1]


def negotiate(query_lang: str | None, cookie_lang: str | None, accept_language: str | None) -> str:
    """Pick the language: explicit ``?lang=``, then the cookie, then the browser's
    Accept-Language (highest q first), then English."""
    for cand in (query_lang, cookie_lang):
        if cand in LANGS:
            return cand
    if accept_language:
        prefs = []
        for part in accept_language.split(","):
            bits = part.strip().split(";")
            tag = bits[0].strip().lower()
            q = 1.0
            for b in bits[1:]:
                if b.strip().startswith("q="):
                    try:
                        q = float(b.strip()[2:])
                    except ValueError:
                        q = 0.0
            prefs.append((q, tag))
        for _, tag in sorted(prefs, key=lambda p: -p[0]):
            if tag.startswith("zh"):
                return "zh"
            if tag.startswith("en"):
                return "en"
    return "en"
