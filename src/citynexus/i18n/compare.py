"""Labels of the city-vs-city comparison page (English, 中文)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "nav_compare": ("Compare cities", "城市对比"),
    "compare_title": ("City vs city", "城市对比"),
    "compare_link": ("Compare with another city", "与其他城市对比"),
    "compare_vs": ("vs", "对比"),
    "compare_show": ("Compare", "对比"),
    "compare_item": ("Index, pillar or indicator", "指数、支柱或指标"),
    "compare_unit": ("Unit", "单位"),
    "compare_source": ("Source", "来源"),
    "compare_direction": ("Direction", "方向"),
    "compare_value": ("value", "原始值"),
    "compare_score": ("score", "得分"),
    "compare_diff": ("Difference (score)", "得分差"),
    "compare_higher_better": ("↑ higher is better", "↑ 越高越好"),
    "compare_lower_better": ("↓ lower is better", "↓ 越低越好"),
    "compare_missing": ("missing", "缺失"),
    "compare_imputed": ("not reported (score imputed)", "未填报（得分为插补值）"),
    "compare_help": (
        "Scores are on the index's 0–100 scale (an indicator's score is its normalised value, "
        "already turned so that higher is better); raw values are in the indicator's unit. "
        "Differences of {n} points or more are highlighted.",
        "得分均为指数的 0–100 刻度（指标得分为标准化后的值，已统一为越高越好）；原始值使用指标自身的单位。"
        "相差 {n} 分及以上的差异以高亮显示。",
    ),
    "compare_chart_title": ("Indicator scores (0–100)", "各指标得分（0–100）"),
    "compare_same_city": ("Choose two different cities.", "请选择两个不同的城市。"),
    "compare_rank": ("rank", "排名"),
}

#: Chinese names of the units of measurement used by the bundled data (a dataset's own units
#: are shown as written in its metadata).
UNITS_ZH: dict[str, str] = {
    "% of GDP": "占GDP的%",
    "count": "个",
    "per 10k people": "每万人",
    "%": "%",
    "% of industrial value added": "占规上工业增加值的%",
    "USD 100 million": "亿美元",
    "tce per 10k yuan": "吨标准煤/万元",
    "10k yuan per worker": "万元/人",
    "persons per km2": "人/平方公里",
    "yuan": "元",
    "km": "公里",
    "m2 per person": "平方米/人",
    "µg/m3": "微克/立方米",
    "minutes": "分钟",
    "per 1,000 people": "每千人",
    "per 100 people": "每百人",
    "% of trips": "占出行的%",
    "ratio": "倍",
    "years": "年",
    "score": "分",
}

#: Chinese wording of the bundled data's sources.
SOURCES_ZH: dict[str, str] = {
    "synthetic (citynexus generate_gba, seed 20231)": "合成数据（citynexus 内置生成器，种子 20231）",
    "derived from gdp, population and area; synthetic (citynexus generate_gba, seed 20231) except the 2023 anchors": (
        "由GDP、人口和面积推算；除2023年锚定值外为合成数据（citynexus 内置生成器，种子 20231）"
    ),
}
