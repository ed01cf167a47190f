"""Every bilingual label and message of citynexus, below every face.

The labels are data, in one catalog file per area: ``citynexus/i18n/catalog/<area>.toml``
(``dashboard``, ``agree``, ``watch``…), read with :mod:`tomllib` as package data. Each entry is
a TOML table named by its key, with the English (``en``) and Simplified Chinese (``zh``) text::

    [agree_title]
    en = "Agreements"
    zh = "合作协议"

To add a label, add such an entry to the catalog of its area (or a new ``<area>.toml``) and
call :func:`t` with its key; ``{name}`` placeholders are filled by the code with
:meth:`str.format` and stay as they are in both languages. :func:`table` reads every catalog
once, on first use, and checks it: each entry has exactly ``en`` and ``zh``, both text, and a
key stands in one catalog only (a clash names the key and both files). Modules beside the
catalogs hold the code that goes with some areas (:mod:`.errors`, :mod:`.fetched`,
:mod:`.plotly_ui`, :mod:`.compare`).

Languages: ``en``, ``zh`` (Simplified) and ``zh-Hant`` (Traditional, for Hong Kong and
Macao). The Traditional text is not written in the catalogs: it is derived from the Simplified
one by :func:`to_hant`, OpenCC's ``s2hk`` conversion (Simplified -> Traditional with Hong Kong
variants and phrases), then :data:`HK_TERMS`, a reviewed table of terms where Hong Kong usage
differs from a character-by-character conversion.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from citynexus.errors import CityNexusError

LANGS = ("en", "zh", "zh-Hant")
#: The languages a catalog entry holds (zh-Hant is derived from zh).
CATALOG_LANGS = ("en", "zh")

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


class CatalogError(CityNexusError):
    """A label catalog (``i18n/catalog/<area>.toml``) cannot be read or has a bad entry; the
    message names the file, the key and what to write instead."""


def read_catalog(path: Traversable | Path) -> dict[str, tuple[str, str]]:
    """The entries of one catalog file, key -> ``(en, zh)`` in the order of the file.

    Raises :class:`CatalogError` when the file is not TOML or an entry is not a table with
    exactly ``en`` and ``zh``, both text."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise CatalogError(f"label catalog {path} is not valid TOML in UTF-8 ({e}); fix the file") from None
    out: dict[str, tuple[str, str]] = {}
    for key, entry in data.items():
        if not isinstance(entry, dict):
            raise CatalogError(
                f"label catalog {path}: {key!r} is not a table; write it as [{key}] with en = ... and zh = ..."
            )
        missing = [lang for lang in CATALOG_LANGS if lang not in entry]
        extra = sorted(set(entry) - set(CATALOG_LANGS))
        if missing or extra:
            what = f"lacks {' and '.join(missing)}" if missing else f"has {', '.join(extra)}"
            raise CatalogError(
                f"label catalog {path}: entry [{key}] {what}; give exactly en and zh (zh-Hant is derived from zh)"
            )
        for lang in CATALOG_LANGS:
            if not isinstance(entry[lang], str):
                raise CatalogError(
                    f"label catalog {path}: [{key}] {lang} is {type(entry[lang]).__name__} {entry[lang]!r}, "
                    'not a text; write it in double quotes ("...")'
                )
        out[key] = (entry["en"], entry["zh"])
    return out


def merge_catalogs(
    catalogs: Iterable[tuple[Traversable | Path, dict[str, tuple[str, str]]]],
) -> dict[str, tuple[str, str]]:
    """The catalogs, given as (file, its entries) pairs, merged into one table, key -> ``(en, zh)``;
    a key may stand in one catalog only (:class:`CatalogError` names the key and both files)."""
    merged: dict[str, tuple[str, str]] = {}
    where: dict[str, Traversable | Path] = {}
    for path, entries in catalogs:
        for key, pair in entries.items():
            if key in merged:
                raise CatalogError(
                    f"label key {key!r} is defined twice: in {where[key]} and in {path}; rename one of them"
                )
            merged[key] = pair
            where[key] = path
    return merged


@cache
def _catalogs() -> dict[str, Traversable]:
    """Area name -> the package's catalog file ``i18n/catalog/<area>.toml``, sorted by name."""
    folder = files(__name__) / "catalog"
    found = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    return {f.name.removesuffix(".toml"): f for f in found}


def catalog_files() -> list[Traversable]:
    """The package's catalog files (``i18n/catalog/*.toml``), sorted by name."""
    return list(_catalogs().values())


@cache
def area(name: str) -> dict[str, tuple[str, str]]:
    """The labels of one area (the catalog ``i18n/catalog/<name>.toml``), key -> ``(en, zh)``;
    each catalog is read once."""
    path = _catalogs().get(name)
    if path is None:
        known = ", ".join(_catalogs())
        raise CatalogError(f"there is no label catalog {name!r} in citynexus/i18n/catalog; catalogs: {known}")
    return read_catalog(path)


@cache
def table() -> dict[str, tuple[str, str]]:
    """Every label of the package, key -> ``(en, zh)``: the catalogs merged once, on first use."""
    return merge_catalogs((path, area(name)) for name, path in _catalogs().items())


@cache
def keys(prefix: str) -> tuple[str, ...]:
    """The keys of :func:`table` that start with ``prefix``, in catalog order (the members of a
    family of labels such as ``watch_metric_<code>``)."""
    return tuple(k for k in table() if k.startswith(prefix))


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
