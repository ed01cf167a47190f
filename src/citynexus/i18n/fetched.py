"""Text the dashboard fetches after a page has loaded: the reasons of a hub match (constraints
met, missed or unverified, and the soft features), in English and 中文.

The matcher writes its reasons as English sentences with values in them (``capacity 800 t >=
500``); :func:`localise` recognises each kind of sentence by :data:`PATTERNS` and writes it from
the template ``fetched_<kind>`` of the page's language with the same values. A sentence of an
unknown kind is returned as it is (so a new reason is never lost, only untranslated)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

TEXT: dict[str, tuple[str, str]] = {
    # constraints
    "fetched_city_allowed": ("city {city} is allowed", "城市{city}符合要求"),
    "fetched_city_unknown": ("city unknown", "城市未知"),
    "fetched_located": ("located in {places}, need allows only {allowed}", "位于{places}，需求只接受{allowed}"),
    "fetched_holds": ("holds {cert}", "持有 {cert}"),
    "fetched_lacks": ("lacks certification {cert}", "缺少认证 {cert}"),
    "fetched_capacity_unstated": ("capacity not stated (need >= {need})", "未说明产能（需求 ≥ {need}）"),
    "fetched_capacity_ok": ("capacity {cap} {unit}>= {need}", "产能 {cap} {unit}≥ {need}"),
    "fetched_capacity_low": ("capacity {cap} {unit}< required {need}", "产能 {cap} {unit}低于要求的 {need}"),
    "fetched_price_unstated": ("price not stated (budget {budget})", "未说明价格（预算 {budget}）"),
    "fetched_price_ok": ("price {price} within budget {budget}", "价格 {price} 在预算 {budget} 以内"),
    "fetched_price_high": ("price {price} over budget {budget}", "价格 {price} 超出预算 {budget}"),
    "fetched_deadline_ok": ("available by deadline {deadline}", "截止日期 {deadline} 前可提供"),
    "fetched_deadline_late": (
        "available only from {start}, after deadline {deadline}",
        "{start} 起才可提供，晚于截止日期 {deadline}",
    ),
    # soft features: their names and details
    "fetched_feature_industry": ("industry", "产业"),
    "fetched_feature_same_city": ("same city", "同城"),
    "fetched_feature_neighbour_city": ("neighbour city", "邻近城市"),
    "fetched_feature_offer_kind": ("offer kind", "供给类型"),
    "fetched_feature_org_kind": ("organisation kind", "机构类型"),
    "fetched_shared_industries": ("shared industries: {list}", "共同产业：{list}"),
    "fetched_none": ("none", "无"),
    "fetched_both_in": ("both in {city}", "同在{city}"),
    "fetched_apart": ("{a}-{b} {km} km apart", "{a}与{b}相距 {km} 公里"),
    "fetched_kinds": ("{need} need / {offer} offer", "{need}需求 / {offer}供给"),
    "fetched_offered_by": ("{need} need / offered by {org}", "{need}需求 / 由{org}提供"),
    # what an import of hub records did (the page builds it from the counts the API returns)
    "fetched_import_counts": (
        "new: {organization} organization(s), {offer} offer(s), {need} need(s); updated: {updated}",
        "新增机构 {organization} 家、供给 {offer} 条、需求 {need} 条；更新 {updated} 条",
    ),
}

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
