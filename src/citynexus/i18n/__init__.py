"""Every bilingual label and message of citynexus, below every face.

Each area keeps its table in a module of this package (``dashboard``, ``agree``,
``watch``…), a ``TEXT`` dict mapping a key to ``(English, 简体中文)``. This module
merges them once, on first use, and answers :func:`t`. Keys are unique across tables; a
clash is a programming error and raises at load.

Languages: ``en``, ``zh`` (Simplified) and ``zh-Hant`` (Traditional, for Hong Kong and
Macao). The Traditional text is derived from the Simplified one by :func:`to_hant`: OpenCC's
``s2hk`` conversion (Simplified -> Traditional with Hong Kong variants and phrases), then
:data:`HK_TERMS`, a reviewed table of terms where Hong Kong usage differs from a
character-by-character conversion.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

LANGS = ("en", "zh", "zh-Hant")

#: Reviewed terms: what OpenCC's s2hk gives (left) -> what Hong Kong and Macao readers
#: expect (right). Sources: the HKSAR government's Chinese pages on the Greater Bay Area
#: (www.bayarea.gov.hk: "城市群", "大灣區"), the Census and Statistics Department's glossary
#: ("數據", "中位數", "堅尼系數" for the Gini coefficient) and the Office of the Government
#: Chief Information Officer's terminology ("連結", "預設", "檔案", "伺服器", "介面").
HK_TERMS: dict[str, str] = {
    "城市羣": "城市群",  # HKSAR uses 群 in 大灣區城市群
    "基尼係數": "堅尼系數",  # C&SD: 堅尼系數 (Gini coefficient)
    "鏈接": "連結",
    "默認": "預設",
    "視頻": "影片",
    "服務器": "伺服器",
    "接口": "介面",
    "菜單": "選單",
    "打印": "列印",
    "登錄": "登入",
    "文件": "檔案",
    "上傳自己的數據": "上載自己的數據",
    "上傳": "上載",
    "信息": "資訊",
    "程序": "程式",
    "質量": "質素",
}


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


@cache
def _opencc():
    import opencc

    return opencc.OpenCC("s2hk")


@cache
def _hant_cached(text: str) -> str:
    out = _opencc().convert(text)
    for a, b in HK_TERMS.items():
        out = out.replace(a, b)
    return out


def to_hant(text: str) -> str:
    """Simplified Chinese ``text`` in Traditional characters as used in Hong Kong and Macao
    (OpenCC ``s2hk``, then the reviewed :data:`HK_TERMS`). Latin text, digits and markup are
    left unchanged, so a whole generated HTML page can be passed through.

    Reference: OpenCC, Open Chinese Convert (BYVoid), configuration ``s2hk.json``."""
    if not text or text.isascii():
        return text
    if len(text) <= 2000:
        return _hant_cached(text)
    return _hant_cached.__wrapped__(text)


_U_ESCAPE = None


def to_hant_page(page: str) -> str:
    """A whole page (HTML with embedded JSON) in Traditional Chinese: JSON's ``\\uXXXX``
    escapes of CJK characters are first written as the characters (valid JSON either way),
    so that figure titles and labels are converted too; then :func:`to_hant`."""
    import re

    global _U_ESCAPE
    if _U_ESCAPE is None:
        _U_ESCAPE = re.compile(r"(?<!\\)\\u([0-9a-fA-F]{4})")

    def unescape(m):
        cp = int(m.group(1), 16)
        return chr(cp) if 0x2E80 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0xFF00 <= cp <= 0xFFEF else m.group(0)

    return to_hant(_U_ESCAPE.sub(unescape, page))


def base_lang(lang: str) -> str:
    """The language whose text ``lang`` is made from: ``zh`` for ``zh-Hant`` (converted
    after rendering), else ``lang``."""
    return "zh" if lang == "zh-Hant" else lang


def t(key: str, lang: str) -> str:
    """The text for ``key`` in ``lang`` (falls back to the key itself)."""
    pair = table().get(key)
    if pair is None:
        return key
    if lang == "en":
        return pair[0]
    if lang == "zh-Hant":
        return to_hant(pair[1])
    return pair[1]


def negotiate(query_lang: str | None, cookie_lang: str | None, accept_language: str | None) -> str:
    """Pick the language: explicit ``?lang=``, then the cookie, then the browser's
    Accept-Language (highest q first, RFC 9110 §12.5.4), then English. ``zh-HK``, ``zh-MO``,
    ``zh-TW`` and ``zh-Hant`` (any tag with the Hant script) give ``zh-Hant``; other ``zh``
    tags give ``zh``."""
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
            if tag == "zh" or tag.startswith("zh-"):
                parts = tag.split("-")
                if "hans" in parts:  # the script, when given, decides
                    return "zh"
                if "hant" in parts or any(p in ("hk", "mo", "tw") for p in parts[1:]):
                    return "zh-Hant"
                return "zh"
            if tag.startswith("en"):
                return "en"
    return "en"
