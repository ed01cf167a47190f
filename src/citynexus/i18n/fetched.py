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
    # the hub's record problems by kind (citynexus.hub.errors.ImportProblem.kind), values filled in
    # (as code); text in backticks is a code or a format and is shown as code too
    "hubprob_missing": ("missing", "缺少此项"),
    "hubfix_missing_text": ("give {field} as a non-empty text", "请将 {field} 填写为非空文本"),
    "hubfix_missing_list": ("give {field} as a list of texts (may be empty)", "请将 {field} 填写为文本列表（可为空）"),
    "hubfix_missing_city": (
        "give a unit code (GZ, SZ, HK, ...) or a city name",
        "请填写单元代码（GZ、SZ、HK 等）或城市名称",
    ),
    "hubprob_not_text": ("must be a text, got {value}", "应为文本，实际为 {value}"),
    "hubfix_not_text": ("write it in quotes", "请用引号括起来"),
    "hubprob_too_long": ("longer than {max} characters", "超过 {max} 个字符"),
    "hubfix_too_long": ("shorten it", "请缩短"),
    "hubprob_bad_id": ("{value} is not a valid id", "{value} 不是有效的编号"),
    "hubfix_bad_id": ("use 1-64 letters, digits, _ . : or -", "请使用 1–64 个字母、数字或 _ . : -"),
    "hubprob_not_choice": ("{value} is not one of {allowed}", "{value} 不是可选值（{allowed}）之一"),
    "hubfix_not_choice": ("use one of the listed values", "请使用所列的值之一"),
    "hubprob_not_list": ("must be a list of texts, got {value}", "应为文本列表，实际为 {value}"),
    "hubfix_not_list": ("write it as a list of texts in [ ]", "请写成方括号 [ ] 中的文本列表"),
    "hubprob_unknown_city": ("unknown city {value}", "未知城市 {value}"),
    "hubfix_unknown_city": (
        "use a unit code or name of the gba dataset",
        "请使用 gba 数据集的单元代码或城市名称",
    ),
    "hubprob_not_number": ("must be a non-negative number, got {value}", "应为非负数，实际为 {value}"),
    "hubfix_not_number": ("write a plain number without unit or quotes", "请填写不带单位或引号的数字"),
    "hubprob_not_date": ("{value} is not a date", "{value} 不是日期"),
    "hubfix_not_date": ("write an ISO date `YYYY-MM-DD`", "请按 `YYYY-MM-DD` 格式填写日期（例如 2026-03-01）"),
    "hubprob_not_record": ("the record is not a JSON object", "该记录不是 JSON 对象"),
    "hubprob_bad_type": ("{value} is not a record type", "{value} 不是记录类型"),
    "hubfix_bad_type": (
        "use `organization`, `offer` or `need`",
        "请使用 `organization`（机构）、`offer`（供给）或 `need`（需求）",
    ),
    "hubprob_unknown_field": ("not a field of this record type", "此类记录没有该字段"),
    "hubfix_unknown_field": ("allowed fields: {allowed}", "可用字段：{allowed}"),
    "hubprob_not_object": ("must be an object, got {value}", "应为对象，实际为 {value}"),
    "hubprob_not_cities": ("must be a non-empty list of cities, got {value}", "应为非空的城市列表，实际为 {value}"),
    "hubfix_not_cities": ("write a list of cities in [ ]", "请写成方括号 [ ] 中的城市列表"),
    "hubprob_not_certs": ("must be a list of texts, got {value}", "应为文本列表，实际为 {value}"),
    "hubfix_not_certs": ("write a list of certifications in [ ]", "请写成方括号 [ ] 中的认证列表"),
    "hubprob_not_json": ("holds values that are not JSON", "包含非 JSON 的值"),
    "hubprob_unknown_constraint": ("unknown constraint", "未知的约束条件"),
    "hubfix_unknown_constraint": ("use {allowed}", "请使用 {allowed}"),
    "hubprob_bad_json": ("the line is not valid JSON", "这一行不是有效的 JSON"),
    "hubfix_bad_json": ("write one JSON object per line", "每行写一个 JSON 对象"),
    "hubprob_no_sheets": ("none of the sheets {sheets} found", "找不到工作表 {sheets} 中的任何一个"),
    "hubprob_file_type": ("unsupported file type {value}", "不支持的文件类型 {value}"),
    "hubfix_file_type": ("use .jsonl or .xlsx", "请使用 .jsonl 或 .xlsx 文件"),
    "hubprob_duplicate_id": (
        "the id {value} appears twice (first on row {first})",
        "编号 {value} 重复（首次出现于第 {first} 行）",
    ),
    "hubfix_duplicate_id": ("give each record its own id", "请为每条记录使用不同的编号"),
    "hubprob_unknown_org": ("unknown organization {value}", "未知机构 {value}"),
    "hubfix_unknown_org": (
        "add an organization record with this id (in this file or an earlier import)",
        "请添加该编号的机构记录（在本文件中或之前的导入中）",
    ),
    "hubprob_other": ("the record has a problem", "记录有问题"),
    # errors of the API that pages show after a fetch, by HTTP status
    "fetched_err_400": ("the request is not valid", "请求无效"),
    "fetched_err_401": ("the API key is missing, unknown or revoked", "API 密钥缺失、无效或已吊销"),
    "fetched_err_403": ("this key's role may not do this", "该密钥的角色无权执行此操作"),
    "fetched_err_404": ("not found", "未找到"),
    "fetched_err_409": ("this conflicts with what is stored", "与已保存的内容冲突"),
    "fetched_err_413": ("the upload is too large", "上传的文件过大"),
    "fetched_err_422": ("the input has problems", "输入有问题"),
    "fetched_err_429": ("too many requests: wait a minute", "请求过多，请稍候再试"),
    "fetched_err_500": ("the server failed", "服务器出错"),
    "fetched_exact_en": ("exact message (English)", "原始信息（英文）"),
    "fetched_failed": ("this part could not be loaded:", "此部分无法加载"),
}

#: The labels a page that fetches needs to show the API's errors and the hub's record problems.
ERROR_KEYS: tuple[str, ...] = tuple(k for k in TEXT if k.startswith(("fetched_err_", "hubprob_", "hubfix_")))
ERROR_KEYS += ("fetched_exact_en",)

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
    """The :data:`ERROR_KEYS` labels and the data page's kinds of dataset problem (``val_<Kind>``,
    ``valfix_<Kind>``) in ``lang``: every page carries them (as JSON) for the dashboard's script to
    write the API's errors and the record and dataset problems in the page's language."""
    from citynexus.i18n import t
    from citynexus.i18n.data_page import TEXT as DATA_TEXT

    keys = (*ERROR_KEYS, *(k for k in DATA_TEXT if k.startswith(("val_", "valfix_"))))
    return {k: t(k, lang) for k in keys}
