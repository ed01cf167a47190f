"""Error messages shown on pages, in each language.

Errors are raised with an English message that names what was wrong; a page in Chinese
shows the translated sentence when the message has a known shape (:data:`PATTERNS`), and the
English message marked as English (``lang="en"``) otherwise. The sentences (``err_*``) are in
the catalog ``i18n/catalog/errors.toml``."""

from __future__ import annotations

import re

#: (regular expression on the English message, key of the translated sentence)
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^no unit '(?P<unit>[^']*)' in dataset (?P<dataset>\S+); units: (?P<units>.*)$"), "err_no_unit"),
    (re.compile(r"^no dataset named '(?P<name>[^']*)'"), "err_no_dataset"),
    (
        re.compile(r"^period '(?P<period>[^']*)' is not a year; periods present: (?P<periods>.*)$"),
        "err_period_not_year",
    ),
    (re.compile(r"^period (?P<period>\S+) has no data; periods present: (?P<periods>.*)$"), "err_period_no_data"),
    (re.compile(r"^no centres stored;"), "err_centres_none"),
    (re.compile(r"^no service records stored yet;"), "err_centres_no_records"),
    (re.compile(r"^no records in (?P<year>\d+); years with records: (?P<years>.*)$"), "err_centres_no_year"),
    (re.compile(r"^the database is unavailable"), "err_db_unavailable"),
    (re.compile(r"^the database is busy"), "err_db_busy"),
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
