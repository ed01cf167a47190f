"""Names, not codes, in the CLI's tables — one helper for every command that prints a table
of units or indicators (``index``, ``region``), in the ``--lang`` language.

A table's *key* column (``unit``, or ``indicator``/``code``/``aggregate`` when no unit is
in the table) keeps its code and gets the name beside it; other code columns (``parent``,
``indicator`` beside a unit, the sibling columns ``a``/``b``) are replaced by names; columns
named by an aggregate code (``IND``) are headed by its name. In Chinese (``zh``, ``zh-Hant``)
every header goes through the i18n table (catalog ``i18n/catalog/cli_tables.toml``), and the words the
region analytics write into cells (grades, types, hot/cold spots, regression kinds) too.
Traditional Chinese is the Simplified text converted with :func:`citynexus.i18n.to_hant`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from citynexus.errors import CityNexusError

LANGS = ("en", "zh", "zh-Hant")
LANG_HELP = "Language of the printed tables: en, zh or zh-Hant (unit and indicator names, headers, titles)."
#: Columns that hold one code per row and identify it.
KEY_COLUMNS = ("unit", "indicator", "code", "aggregate")
#: Columns that hold codes shown as names only.
CODE_COLUMNS = ("parent", "a", "b")
#: Columns that only help to render others (Chinese grades and types, the lagging codes).
HELPER_COLUMNS = ("grade_zh", "type_zh", "lagging")
#: Columns whose cells are words of the analytics (translated in Chinese tables).
WORD_COLUMNS = ("cluster", "spot", "kind", "method", "treatment", "grade_first", "grade_last", "outliers")


class LanguageError(CityNexusError):
    """A ``--lang`` that is not one of en, zh, zh-Hant."""


def check_lang(lang: str, error: type[CityNexusError] = LanguageError) -> str:
    """``lang`` if it is en, zh or zh-Hant; else ``error`` naming the choices."""
    if lang not in LANGS:
        raise error(f"--lang must be en, zh or zh-Hant, not {lang!r}")
    return lang


def converter(lang: str) -> Callable[[str], str]:
    """Simplified -> Traditional for ``zh-Hant``, identity otherwise."""
    from citynexus.i18n import to_hant

    return to_hant if lang == "zh-Hant" else (lambda x: x)


def tr(key: str, lang: str, **kw) -> str:
    """The i18n text of ``key`` in ``lang`` with ``kw`` filled in."""
    from citynexus.i18n import t

    return t(key, lang).format(**kw)


def label(ds, code: str, lang: str) -> str:
    """A unit's or indicator's name in ``lang`` (the code itself without a dataset or a name)."""
    if ds is None:
        return code
    return converter(lang)(ds.label(code, "zh" if lang.startswith("zh") else "en"))


def header(col: str, ds, lang: str) -> str:
    """A column header in ``lang``: an aggregate or indicator code is headed by its name; in
    Chinese the i18n header of ``clitab_<col>`` when there is one."""
    if ds is not None and col in set(ds.codes("aggregate")) | set(ds.codes("indicator")):
        return label(ds, col, lang)
    if lang == "en":
        return col
    from citynexus.i18n import table

    return tr(f"clitab_{col}", lang) if f"clitab_{col}" in table() else col


def word(value, lang: str) -> str:
    """A word the analytics write into a cell (``hot``, ``ns``, ``cross-section``, a grade) in
    ``lang``; unknown words are returned as they are."""
    from citynexus.i18n import table
    from citynexus.region.coupling import GRADES_10

    text = "" if value is None or value != value else str(value)
    if lang == "en" or not text:
        return text
    grades = {b.name: b.name_zh for b in GRADES_10}
    if text in grades:
        return converter(lang)(grades[text])
    key = f"cliword_{text}"
    return tr(key, lang) if key in table() else text


def _type(lag, ds, lang: str) -> str:
    """The relative-development type named with the lagging subsystems' names."""
    who = [c for c in str(lag if isinstance(lag, str) else "").split(",") if c]
    if not who:
        return tr("regioncli_synchronous", lang)
    return tr("regioncli_lagging", lang, names="+".join(label(ds, c, lang) for c in who))


def named(df: pd.DataFrame, ds, lang: str) -> tuple[pd.DataFrame, bool]:
    """The table to print in ``lang``: names beside or instead of codes (see the module
    docstring), grades and types in ``lang``, headers in ``lang``. Returns (table, whether to
    print its index)."""
    full = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df
    keyed = df.index.nlevels > 1 or df.index.name in KEY_COLUMNS
    flat = full.copy() if keyed else df.copy()
    zh, conv = lang.startswith("zh"), converter(lang)
    if zh:
        for en, cn in (("grade", "grade_zh"), ("type", "type_zh")):
            if en in flat.columns and cn in full.columns:
                flat[en] = [conv(str(v)) for v in full[cn]]
    if ds is not None and "lagging" in full.columns and "type" in flat.columns:
        flat["type"] = [_type(x, ds, lang) for x in full["lagging"]]
    if ds is not None:
        _name_codes(flat, ds, lang)
    for c in WORD_COLUMNS:
        if c in flat.columns:
            flat[c] = [word(v, lang) for v in flat[c]]
    flat = flat.drop(columns=[c for c in HELPER_COLUMNS if c in flat.columns])
    if zh and not keyed and flat.index.name:
        flat.index.name = header(str(flat.index.name), ds, lang)
    flat = flat.rename(columns={c: header(str(c), ds, lang) for c in flat.columns})
    return flat, not keyed and not isinstance(df.index, pd.RangeIndex)


def _name_codes(flat: pd.DataFrame, ds, lang: str) -> None:
    """In place: a ``name`` column beside the key column, other code columns as names."""
    key = next((c for c in KEY_COLUMNS if c in flat.columns), None)
    if key == "unit":
        names = ds.units.set_index("code")["name_zh" if lang.startswith("zh") else "name"]
        conv = converter(lang)
        shown = [conv(str(names.get(u))) if isinstance(names.get(u), str) and names.get(u) else u for u in flat[key]]
        flat.insert(list(flat.columns).index(key) + 1, "name", shown)
    elif key is not None:
        flat.insert(list(flat.columns).index(key) + 1, "name", [label(ds, str(c), lang) for c in flat[key]])
    for c in (*CODE_COLUMNS, *(k for k in KEY_COLUMNS if k != key)):
        if c in flat.columns:
            flat[c] = [label(ds, str(v), lang) for v in flat[c]]


def with_names(df: pd.DataFrame, ds) -> pd.DataFrame:
    """``df`` for a workbook: the units' English and Chinese names right after the ``unit``
    column, relative-development types named with the subsystems' names in both languages."""
    flat = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df.copy()
    if ds is None or "unit" not in flat.columns:
        return flat
    u = ds.units.set_index("code")
    at = list(flat.columns).index("unit") + 1
    flat.insert(at, "name_zh", flat["unit"].map(u["name_zh"]))
    flat.insert(at, "name", flat["unit"].map(u["name"]))
    if "lagging" in flat.columns and {"type", "type_zh"} <= set(flat.columns):
        flat["type_zh"] = [_type(x, ds, "zh") for x in flat["lagging"]]
        flat["type"] = [_type(x, ds, "en") for x in flat["lagging"]]
    return flat
