"""The hub's industry vocabulary (行业分类): codes with English and Chinese labels.

Records may name an industry by code, English label, Chinese label or a listed alias;
all become the code. An industry that is not in the vocabulary is kept as a free tag (its
text lower-cased), so nothing a user wrote is lost, but only known codes get labels in both
languages.
"""

from __future__ import annotations

import unicodedata

#: code -> (English label, Chinese label, aliases)
INDUSTRIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "nev": ("new energy vehicles", "新能源汽车", ("ev", "electric vehicles", "电动汽车", "智能网联汽车")),
    "battery": ("batteries and energy storage", "动力电池与储能", ("batteries", "energy storage", "储能", "电池")),
    "semiconductor": (
        "semiconductors and integrated circuits",
        "半导体与集成电路",
        ("ic", "chips", "芯片", "集成电路"),
    ),
    "electronics": ("electronic information", "电子信息", ("electronics", "消费电子")),
    "ai": ("artificial intelligence", "人工智能", ("machine learning", "机器学习")),
    "software": ("software and IT services", "软件与信息服务", ("it services", "软件")),
    "telecom": ("5G and communications", "5G与通信", ("communications", "通信", "5g")),
    "robotics": ("robotics and intelligent equipment", "机器人与智能装备", ("robots", "机器人", "智能装备")),
    "equipment": ("advanced equipment manufacturing", "高端装备制造", ("machinery", "装备制造", "精密制造")),
    "biomedicine": ("biomedicine", "生物医药", ("pharmaceuticals", "医药", "biotech", "生物技术")),
    "medical_devices": ("medical devices", "医疗器械", ("medtech",)),
    "tcm": ("traditional Chinese medicine", "中医药", ("中药",)),
    "new_materials": ("new materials", "新材料", ("advanced materials", "材料")),
    "home_appliances": ("home appliances", "家电", ("家用电器", "appliances")),
    "furniture": ("furniture and home furnishing", "家具家居", ("furniture", "家具")),
    "ceramics": ("ceramics and building materials", "陶瓷建材", ("ceramics", "陶瓷", "建材")),
    "textiles": ("textiles and garments", "纺织服装", ("garments", "apparel", "纺织")),
    "food": ("food processing", "食品加工", ("food", "食品")),
    "logistics": ("logistics and supply chain", "物流与供应链", ("logistics", "物流", "供应链")),
    "ecommerce": ("cross-border e-commerce", "跨境电商", ("e-commerce", "电商")),
    "fintech": ("financial technology", "金融科技", ("fintech",)),
    "finance": ("finance and investment", "金融与投资", ("venture capital", "风险投资", "投资", "金融")),
    "legal": ("legal services", "法律服务", ("law", "法律")),
    "ip": ("intellectual property services", "知识产权服务", ("intellectual property", "知识产权", "patents")),
    "testing": ("testing, inspection and certification", "检验检测认证", ("tic", "检测", "认证")),
    "marine": ("marine economy", "海洋经济", ("ocean", "海洋")),
    "renewables": ("renewable energy and hydrogen", "新能源与氢能", ("solar", "光伏", "hydrogen", "氢能", "风电")),
    "environment": ("energy saving and environmental protection", "节能环保", ("environmental", "环保")),
    "construction": ("construction and green building", "建筑与绿色建筑", ("construction", "建筑")),
    "tourism": ("culture and tourism", "文化旅游", ("tourism", "文旅")),
    "education": ("education and training", "教育培训", ("training", "培训", "教育")),
    "low_altitude": ("low-altitude economy and drones", "低空经济与无人机", ("drones", "uav", "无人机", "低空经济")),
    "lighting": ("LED and lighting", "LED与照明", ("led", "照明")),
}


def _norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).strip().lower().split())


_ALIAS: dict[str, str] = {}
for _code, (_en, _zh, _aliases) in INDUSTRIES.items():
    for _a in (_code, _en, _zh, *_aliases):
        _ALIAS.setdefault(_norm(_a), _code)


def normalise_industry(value: str) -> str:
    """The vocabulary code for ``value`` (code, label or alias), else ``value`` lower-cased."""
    n = _norm(value)
    return _ALIAS.get(n, n)


def label(code: str, lang: str = "en") -> str:
    """English (``lang='en'``) or Chinese (``'zh'``) label of an industry code; free tags as is."""
    entry = INDUSTRIES.get(code)
    if entry is None:
        return code
    return entry[1] if lang == "zh" else entry[0]


def labels_both(code: str) -> str:
    """``"English label 中文标签"`` (used to make structured industries searchable in both languages)."""
    entry = INDUSTRIES.get(code)
    return code if entry is None else f"{entry[0]} {entry[1]}"
