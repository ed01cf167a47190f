"""Error messages shown on pages, in each language.

Errors are raised with an English message that names what was wrong; a page in Chinese
shows the translated sentence when the message has a known shape (:data:`PATTERNS`), and the
English message marked as English (``lang="en"``) otherwise."""

from __future__ import annotations

import re

TEXT: dict[str, tuple[str, str]] = {
    "err_title": ("Not found or not valid", "未找到或请求无效"),
    "err_detail_en": ("Details (in English)", "详细信息（英文）"),
    "err_no_unit": (
        "There is no unit '{unit}' in dataset {dataset}. Units: {units}.",
        "数据集 {dataset} 中没有单元“{unit}”。现有单元：{units}。",
    ),
    "err_no_dataset": (
        "There is no dataset named '{name}'. Upload it on the data page or pick one from the list.",
        "没有名为“{name}”的数据集。请在数据页面上传，或从列表中选择。",
    ),
    "err_period_not_year": (
        "The period '{period}' is not a year; periods present: {periods}.",
        "年份“{period}”不是有效年份；现有年份：{periods}。",
    ),
    "err_period_no_data": (
        "Period {period} has no data; periods present: {periods}.",
        "{period} 年没有数据；现有年份：{periods}。",
    ),
}

#: (regular expression on the English message, key of the translated sentence)
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^no unit '(?P<unit>[^']*)' in dataset (?P<dataset>\S+); units: (?P<units>.*)$"), "err_no_unit"),
    (re.compile(r"^no dataset named '(?P<name>[^']*)'"), "err_no_dataset"),
    (
        re.compile(r"^period '(?P<period>[^']*)' is not a year; periods present: (?P<periods>.*)$"),
        "err_period_not_year",
    ),
    (re.compile(r"^period (?P<period>\S+) has no data; periods present: (?P<periods>.*)$"), "err_period_no_data"),
)


def translate_error(message: str, lang: str) -> str | None:
    """``message`` in ``lang`` when its shape is known, else ``None`` (English needs no
    translation: the English message is returned as is)."""
    from citynexus.i18n import t

    if lang == "en":
        return message
    for rx, key in PATTERNS:
        m = rx.match(message)
        if m:
            return t(key, lang).format(**m.groupdict())
    return None
