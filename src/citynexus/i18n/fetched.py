"""Text the dashboard fetches after a page has loaded: the reasons of a hub match (constraints
met, missed or unverified, and the soft features), in English and 中文.

The matcher writes its reasons as English sentences with values in them (``capacity 800 t >=
500``); :func:`localise` recognises each kind of sentence by :data:`PATTERNS` and writes it from
the template ``fetched_<kind>`` of the page's language with the same values. A sentence of an
unknown kind is returned as it is (so a new reason is never lost, only untranslated). The
templates and the other labels fetched are in the catalog ``i18n/catalog/fetched.toml``."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

#: The families of labels a page that fetches needs to show the API's errors and the hub's record
#: problems (and the data page's kinds of dataset problem, ``val_<Kind>``, ``valfix_<Kind>``).
ERROR_PREFIXES = ("fetched_err_", "hubprob_", "hubfix_")
#: The catalogs that hold them: the hub's record problems (``fetched``) and those of the
#: agreements and the SME service centres (``problems``), one family of kinds.
PROBLEM_AREAS = ("fetched", "problems")
DATA_PROBLEM_PREFIXES = ("val_", "valfix_")


def error_keys() -> tuple[str, ...]:
    """The keys of the labels a page that fetches needs to show the API's errors and the hub's
    record problems: every ``fetched_err_*``, ``hubprob_*`` and ``hubfix_*`` of :data:`PROBLEM_AREAS`
    (the hub's, the agreements' and the centres' problems), ``fetched_exact_en``, and the file
    boxes' ``fetched_choose_file`` and ``fetched_no_file`` (``web/static/filepick.js``)."""
    from citynexus.i18n import area

    return (
        *(k for a in PROBLEM_AREAS for k in area(a) if k.startswith(ERROR_PREFIXES)),
        "fetched_exact_en",
        "fetched_choose_file",
        "fetched_no_file",
    )


_NUM = r"-?[\d.]+(?:e[+-]?\d+)?"
#: (kind, pattern of the matcher's English sentence); the named groups fill the template.
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (k, re.compile(p + r"\Z"))
    for k, p in (
        ("city_allowed", r"city (?P<city>.+) is allowed"),
        ("city_unknown", r"city unknown"),
        ("located", r"located in (?P<places>.+), need allows only (?P<allowed>.+)"),
        ("lacks", r"lacks certification (?P<cert>.+)"),
        ("holds", r"holds (?P<cert>.+)"),
        ("capacity_unstated", rf"capacity not stated \(need >= (?P<need>{_NUM})\)"),
        ("capacity_ok", rf"capacity (?P<cap>{_NUM}) (?P<unit>.*?)>= (?P<need>{_NUM})"),
        ("capacity_low", rf"capacity (?P<cap>{_NUM}) (?P<unit>.*?)< required (?P<need>{_NUM})"),
        ("price_unstated", rf"price not stated \(budget (?P<budget>{_NUM})\)"),
        ("price_ok", rf"price (?P<price>{_NUM}) within budget (?P<budget>{_NUM})"),
        ("price_high", rf"price (?P<price>{_NUM}) over budget (?P<budget>{_NUM})"),
        ("deadline_ok", r"available by deadline (?P<deadline>\S+)"),
        ("deadline_late", r"available only from (?P<start>\S+), after deadline (?P<deadline>\S+)"),
        ("shared_industries", r"shared industries: (?P<list>.+)"),
        ("both_in", r"both in (?P<city>.+)"),
        ("apart", rf"(?P<a>[A-Za-z]+)-(?P<b>[A-Za-z]+) (?P<km>{_NUM}) km apart"),
        ("offered_by", r"(?P<need>\w+) need / offered by (?P<org>\w+)"),
        ("kinds", r"(?P<need>\w+) need / (?P<offer>\w+) offer"),
    )
)
#: A city as the matcher labels it: ``ZS (Zhongshan/中山)``.
CITY_LABEL = re.compile(r"(?P<code>[A-Z]{2,4}) \((?P<en>[^/()]+)/(?P<zh>[^()]+)\)")
#: Groups that hold a city (code or label), an item or organisation kind, or a list of industries.
CITY_GROUPS = ("city", "places", "allowed", "a", "b")
KIND_GROUPS = ("need", "offer", "org")


def localise(
    text: str, lang: str, t: Callable[[str, str], str], cities: Mapping[str, str] = {}, words: Mapping[str, str] = {}
) -> str:
    """``text`` (one reason sentence of the matcher) in ``lang`` (``en`` or ``zh``): the template
    of its kind filled with its values; cities named by ``cities`` (code -> name in ``lang``)
    when it has them, item and organisation kinds and industries by ``words`` (code -> label)."""
    if lang == "en" or not text:
        return text
    for kind, pat in PATTERNS:
        m = pat.match(text)
        if m is None:
            continue
        values = {}
        for g, v in m.groupdict().items():
            if g in CITY_GROUPS:
                v = ", ".join(_city(x.strip(), cities) for x in re.split(r"[,/](?![^()]*\))", v))
            elif g in KIND_GROUPS:
                v = words.get(v, v)
            elif g == "list":
                v = (
                    t("fetched_none", lang)
                    if v == "none"
                    else "、".join(words.get(x.strip(), x.strip()) for x in v.split(","))
                )
            values[g] = v
        return t(f"fetched_{kind}", lang).format(**values)
    return text


def _city(text: str, cities: Mapping[str, str]) -> str:
    m = CITY_LABEL.fullmatch(text)
    if m:
        return cities.get(m["code"], m["zh"])
    return cities.get(text, text)


def error_labels(lang: str) -> dict[str, str]:
    """The :func:`error_keys` labels and the data page's kinds of dataset problem (``val_<Kind>``,
    ``valfix_<Kind>``) in ``lang``: every page carries them (as JSON) for the dashboard's script to
    write the API's errors and the record and dataset problems in the page's language."""
    from citynexus.i18n import area, t

    wanted = (*error_keys(), *(k for k in area("data_page") if k.startswith(DATA_PROBLEM_PREFIXES)))
    return {k: t(k, lang) for k in wanted}
