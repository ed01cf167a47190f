"""Bilingual text of the dashboard (English / 中文) and language negotiation."""

from __future__ import annotations

LANGS = ("en", "zh")

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("citynexus", "citynexus 城市群协同平台"),
    "tagline": ("Evaluate, connect and coordinate city clusters", "城市群评估、协作与协调"),
    "nav_overview": ("Overview", "总览"),
    "nav_explorer": ("Index explorer", "指数探索"),
    "nav_city": ("City profile", "城市画像"),
    "nav_coordination": ("Coordination", "协调发展"),
    "nav_data": ("Data", "数据"),
    "nav_network": ("Network", "城市网络"),
    "nav_hub": ("Cooperation hub", "合作平台"),
    "nav_ledger": ("Ledger", "可信账本"),
    "nav_api": ("API", "接口"),
    "synthetic_note": (
        "Synthetic data: the bundled GBA values come from a seeded generator and are not real statistics "
        "(only 2023 GDP, population and area are anchored to published figures).",
        "合成数据：内置大湾区数据由带种子的生成器产生，并非真实统计数据（仅2023年GDP、人口和面积锚定公开数据）。",
    ),
    "dataset": ("Dataset", "数据集"),
    "period": ("Period", "年份"),
    "rank": ("Rank", "排名"),
    "score": ("Score", "得分"),
    "city": ("City", "城市"),
    "rank_range": ("Rank range (5–95%)", "排名区间（5–95%）"),
    "rank_any_weights": ("Best–worst rank under any weights", "任意权重下的最好–最差排名"),
    "weights": ("Weights", "权重"),
    "reset": ("Reset", "重置"),
    "share_link": ("Share this weighting", "分享该权重方案"),
    "copied": ("Link copied", "链接已复制"),
    "upload_title": ("Use your own data", "上传自己的数据"),
    "upload_help": (
        "An .xlsx workbook (sheets units, indicators, values) or a .zip of the three CSV files. "
        "Run `citynexus template` for a workbook to fill in.",
        "上传 .xlsx 工作簿（units、indicators、values 三个工作表）或包含三个 CSV 文件的 .zip。"
        "可用 `citynexus template` 生成模板。",
    ),
    "api_key": ("API key", "API 密钥"),
    "upload": ("Upload", "上传"),
    "validate": ("Validate only", "仅校验"),
    "problems_found": ("Problems found — nothing was stored", "发现问题——未保存任何数据"),
    "file": ("File", "文件"),
    "row": ("Row", "行"),
    "column": ("Column", "列"),
    "problem": ("Problem", "问题"),
    "fix": ("How to fix", "修改建议"),
    "uploaded": ("Uploaded", "已上传"),
    "strongest": ("Strongest indicators", "优势指标"),
    "weakest": ("Main obstacles", "主要障碍因子"),
    "peers": ("Peers (closest scores)", "相近城市"),
    "trend": ("Trend", "趋势"),
    "coupling": ("Coupling coordination degree", "耦合协调度"),
    "grade": ("Grade", "协调等级"),
    "disparity": ("Disparity", "区域差异"),
    "lisa": ("Local spatial clusters (LISA)", "局部空间集聚（LISA）"),
    "map": ("Map", "地图"),
    "ranking": ("Ranking", "排名"),
    "language": ("中文", "English"),
    "not_found": ("Not found", "未找到"),
    "methods": ("Methods", "方法说明"),
    "provenance": ("Provenance", "数据来源与溯源"),
    "loading": ("Loading…", "加载中…"),
}


def t(key: str, lang: str) -> str:
    """The text for ``key`` in ``lang`` (falls back to the key itself)."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "zh" else pair[0]


def negotiate(query_lang: str | None, cookie_lang: str | None, accept_language: str | None) -> str:
    """Pick ``en`` or ``zh``: explicit ``?lang=``, then the cookie, then the browser's
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
