"""A methods section generated from an index spec: what was done, with formulas and
references, in English or Chinese."""

from __future__ import annotations

from dataclasses import dataclass

from citynexus.evaluate import IndexSpec


@dataclass
class MethodItem:
    step: str
    text: str
    formula: str = ""
    reference: str = ""


def _get(obj, name, default=None):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


NORMALISE = {
    "minmax": (
        "min-max rescaling to [{lo:g}, {hi:g}]",
        "x' = lo + (hi - lo) (x - min) / (max - min)",
        "OECD/JRC (2008) Handbook on Constructing Composite Indicators, §5",
    ),
    "zscore": (
        "z-scores with mean {mean:g} and standard deviation {sd:g}",
        "x' = mean + sd (x - x̄) / s",
        "OECD/JRC (2008) Handbook, §5",
    ),
    "rank": ("ranks (1 = worst)", "x' = rank(x)", "OECD/JRC (2008) Handbook, §5"),
    "percentile": ("percentile ranks", "x' = (rank(x) - 1) / (n - 1)", "OECD/JRC (2008) Handbook, §5"),
    "goalposts": (
        "goalposts (fixed bounds, clipped)",
        "x' = (x - L) / (U - L), clipped to [0, 1]",
        "UNDP Human Development Report, technical notes",
    ),
}
WEIGHTS = {
    "given": "weights as given in the framework metadata, rescaled to sum to 1 within each parent",
    "equal": "equal weights within each parent",
    "entropy_minmax": "entropy weights on min-max shifted data (the variant common in Chinese studies)",
    "entropy": "entropy weights on shares of the raw column (pymcdm variant)",
    "critic": "CRITIC weights (contrast intensity × conflict)",
    "std": "standard-deviation weights",
    "pca": "PCA-based weights (OECD/JRC Handbook §6)",
    "ahp": "AHP weights from a pairwise comparison matrix (consistency ratio < 0.1)",
}
WEIGHT_FORMULA = {
    "entropy_minmax": "p_ij = z_ij / Σ_i z_ij;  e_j = -(1/ln n) Σ_i p_ij ln p_ij;  w_j = (1 - e_j) / Σ_k (1 - e_k)",
    "entropy": "p_ij = x_ij / Σ_i x_ij;  e_j = -(1/ln n) Σ_i p_ij ln p_ij;  w_j = (1 - e_j) / Σ_k (1 - e_k)",
    "critic": "C_j = σ_j Σ_k (1 - r_jk);  w_j = C_j / Σ_k C_k",
}
AGGREGATE = {
    "arithmetic": ("weighted arithmetic mean", "y = Σ_j w_j x_j  (missing children skipped, weights rescaled)"),
    "geometric": ("weighted geometric mean", "y = Π_j x_j^{w_j}"),
    "harmonic": ("weighted harmonic mean", "y = 1 / Σ_j (w_j / x_j)"),
    "generalised": ("generalised mean", "y = (Σ_j w_j x_j^p)^{1/p}"),
    "topsis": ("TOPSIS", "y = d⁻ / (d⁺ + d⁻)"),
    "vikor": ("VIKOR", "Q = v (S - S*) / (S⁻ - S*) + (1 - v) (R - R*) / (R⁻ - R*)"),
    "gra": ("grey relational analysis", "ξ_ij = (Δmin + ρ Δmax) / (Δ_ij + ρ Δmax);  y = Σ_j w_j ξ_ij"),
}


NORMALISE_ZH = {
    "minmax": "极差标准化（min-max）至 [{lo:g}, {hi:g}]",
    "zscore": "Z 分数标准化（均值 {mean:g}，标准差 {sd:g}）",
    "rank": "排序（1 = 最差）",
    "percentile": "百分位排序",
    "goalposts": "门槛值法（固定上下限，截断）",
}
WEIGHTS_ZH = {
    "given": "采用指标框架中给定的权重，并在每个上级指标内归一",
    "equal": "每个上级指标内等权",
    "entropy_minmax": "熵值法（基于极差平移后的数据，国内研究常用做法）",
    "entropy": "熵值法（基于原始数据的比重，pymcdm 做法）",
    "critic": "CRITIC 法（对比强度 × 冲突性）",
    "std": "标准差法",
    "pca": "主成分分析法（OECD/JRC 手册第6章）",
    "ahp": "层次分析法（两两比较矩阵，一致性比率 < 0.1）",
}
AGGREGATE_ZH = {
    "arithmetic": "加权算术平均",
    "geometric": "加权几何平均",
    "harmonic": "加权调和平均",
    "generalised": "广义平均",
    "topsis": "TOPSIS 法",
    "vikor": "VIKOR 法",
    "gra": "灰色关联分析",
}
IMPUTE_TEXT = {
    "nearest": (
        "Missing values took the value of the nearest year with data for the same city.",
        "缺失值取同一城市最近有数据年份的值。",
    ),
    "interpolate": (
        "Missing values were interpolated linearly in time within each city.",
        "缺失值在每个城市内按时间线性插值。",
    ),
    "mean": ("Missing values took the indicator's mean.", "缺失值取该指标的均值。"),
    "median": ("Missing values took the indicator's median.", "缺失值取该指标的中位数。"),
    "group_mean": ("Missing values took the mean of the city's group.", "缺失值取该城市所在组的均值。"),
    "none": (
        "Missing values were left missing; aggregation skipped them and rescaled the weights.",
        "缺失值保留为缺失；合成时跳过并重新归一权重。",
    ),
}


def describe(spec: IndexSpec, coupling_method: str = "wang", lang: str = "en") -> list[MethodItem]:
    """The steps of ``spec`` (and of the region analyses of the report) in plain words, in
    ``lang`` (``en`` or ``zh``; formulas and references are the same in both)."""
    zh = lang.startswith("zh")

    def L(en: str, zh_text: str) -> str:
        return zh_text if zh else en

    items: list[MethodItem] = []

    def add(step: tuple[str, str], text: tuple[str, str], formula: str = "", reference: str = "") -> None:
        """One step, its text in ``lang`` (each given as an English, Chinese pair)."""
        items.append(MethodItem(L(*step), L(*text), formula, reference))

    den = _get(spec, "denominate")
    if den is not None and _get(den, "enabled", False):
        by = _get(den, "indicators", {}) or {}
        pairs = ", ".join(
            f"{k} ÷ {_get(v, 'by')}" + (f" × {_get(v, 'scale'):g}" if _get(v, "scale") else "") for k, v in by.items()
        )
        add(
            ("Denominate", "分母标准化"),
            (
                f"Totals were turned into intensities: {pairs or 'per metadata'}.",
                f"总量指标转换为强度指标：{pairs or '按元数据'}。",
            ),
            "x' = s · x / d",
        )
    scr = _get(spec, "screen")
    if scr is not None:
        ut, it = _get(scr, "unit_threshold", 2 / 3), _get(scr, "indicator_threshold", 2 / 3)
        add(
            ("Screen", "数据筛选"),
            (
                f"Units kept with data availability ≥ {ut:.0%}; indicators kept with availability ≥ {it:.0%}.",
                f"保留数据完整率 ≥ {ut:.0%} 的单元和完整率 ≥ {it:.0%} 的指标。",
            ),
            "availability = 1 - missing / total",
        )
    imp = _get(spec, "impute")
    if imp is not None:
        m = _get(imp, "method", "none")
        pair = IMPUTE_TEXT.get(m, (f"Imputation: {m}.", f"插补方法：{m}。"))
        add(("Impute", "缺失值插补"), pair, reference="OECD/JRC (2008) Handbook, §3")
    tr = _get(spec, "treat")
    if tr is not None and _get(tr, "method", "none") != "none":
        sk, ku, wm = _get(tr, "skew_threshold", 2.0), _get(tr, "kurt_threshold", 3.5), _get(tr, "winmax", 5)
        add(
            ("Outlier treatment", "异常值处理"),
            (
                f"An indicator with |skewness| ≥ {sk:g} and kurtosis ≥ {ku:g} was winsorised (at most {wm} "
                "points); if that did not suffice, a log transform was used instead.",
                f"偏度绝对值 ≥ {sk:g} 且峰度 ≥ {ku:g} 的指标进行缩尾处理（最多 {wm} 个点）；"
                "若仍不满足，则改用对数变换。",
            ),
            "G1 = n/((n-1)(n-2)) Σ((x-x̄)/s)³;  log: x' = ln(x - min + 0.01 (max - min))",
            "COINr (JRC), qTreat/Treat; Excel SKEW and KURT",
        )
    nm = _get(spec, "normalise")
    if nm is not None:
        m = _get(nm, "method", "minmax")
        lo, hi = _get(nm, "range") or [0, 100]
        label, formula, ref = NORMALISE.get(m, (m, "", ""))
        fmt = {"lo": lo, "hi": hi, "mean": _get(nm, "mean", 0), "sd": _get(nm, "sd", 1)}
        add(
            ("Normalise", "无量纲化"),
            (
                "Indicators were oriented so that higher is better (x · direction) and normalised by "
                + label.format(**fmt)
                + ".",
                "各指标先统一方向（x · 方向，越大越好），再采用" + NORMALISE_ZH.get(m, m).format(**fmt) + "。",
            ),
            formula,
            ref,
        )
    wt = _get(spec, "weights")
    if wt is not None:
        parts = []
        formulas = []
        base = _get(wt, "method", "given")
        names = WEIGHTS_ZH if zh else WEIGHTS
        parts.append(L(f"by default {names.get(base, base)}", f"默认{names.get(base, base)}"))
        for lvl, cfg in (_get(wt, "level", {}) or {}).items():
            m = _get(cfg, "method", base)
            parts.append(L(f"at level {lvl}: {names.get(m, m)}", f"第 {lvl} 层：{names.get(m, m)}"))
            if m in WEIGHT_FORMULA:
                formulas.append(WEIGHT_FORMULA[m])
        add(
            ("Weights", "权重"),
            ("Weights: " + "; ".join(parts) + ".", "权重：" + "；".join(parts) + "。"),
            "  |  ".join(formulas),
            "Shannon entropy weighting; Diakoulaki et al. (1995) for CRITIC",
        )
    ag = _get(spec, "aggregate")
    if ag is not None:
        m = _get(ag, "method", "arithmetic")
        label, formula = AGGREGATE.get(m, (m, ""))
        add(
            ("Aggregate", "合成"),
            (f"Scores were aggregated level by level with the {label}.", f"逐层采用{AGGREGATE_ZH.get(m, m)}合成得分。"),
            formula,
            "OECD/JRC (2008) Handbook, §6",
        )
    add(
        ("Panel scores", "面板得分"),
        (
            "For trends, all city-years were pooled into one cross-section before treatment, normalisation and "
            "weighting, so that scores of different years are on one scale. Coupling coordination uses these "
            "pooled scores; the ranking of the latest year uses that year's own index.",
            "为比较趋势，所有城市-年份在异常值处理、无量纲化和赋权之前合并为一个截面，使不同年份的得分处于同一刻度。"
            "耦合协调度基于这些合并得分；最新年份的排名基于该年单独计算的指数。",
        ),
        reference="OECD/JRC (2008) Handbook, §1.5",
    )
    coupling = {
        "wang": (
            L("Coupling coordination, corrected model of Wang et al. (2021)", "耦合协调度（王淑佳等 2021 修正模型）"),
            "C = √{[1 - Σ_{i>j}|U_i - U_j| / (n(n-1)/2)] · [Π (U_i / max U)]^{1/(n-1)}};  T = Σ α_i U_i;  D = √(C T)",
            "王淑佳, 孔伟, 任亮, 等. 国内耦合协调度模型的误区及修正. 自然资源学报, 2021, 36(3): 793–810",
        ),
        "standard": (
            L("Coupling coordination, standard model", "耦合协调度（传统模型）"),
            "C = n (Π U_i)^{1/n} / Σ U_i;  T = Σ α_i U_i;  D = √(C T)",
            "",
        ),
        "fan": (
            L("Coupling coordination, Fan, Ke & Cao (2024)", "耦合协调度（范、柯、曹 2024）"),
            "C = 1 - 2 √((n Σ U² - (Σ U)²) / n²);  D = √(C T)",
            "统计与决策, 2024, 40: 41–46",
        ),
    }[coupling_method]
    items.append(
        MethodItem(
            coupling[0],
            L(
                "Subsystem scores divided by the top of the normalised scale (U on [0, 1]), equal α; grades on the "
                "10-level scheme (extreme imbalance … high-quality coordination).",
                "子系统得分除以无量纲化刻度上限（U 位于 [0, 1]），α 相等；等级采用十级划分（极度失调 … 优质协调）。",
            ),
            coupling[1],
            coupling[2],
        )
    )
    add(
        ("Disparity", "区域差异"),
        (
            "Gini and Theil indices per year (population-weighted where population is known); Theil T split into "
            "within- and between-group parts; Dagum's Gini decomposition into within, net between and "
            "transvariation.",
            "逐年计算基尼系数和泰尔指数（已知人口时按人口加权）；泰尔 T 指数分解为组内与组间差异；"
            "Dagum 基尼系数分解为组内差异、组间净差异和超变密度。",
        ),
        "G = Σ_iΣ_r |y_i - y_r| / (2 n² ȳ);  G = G_w + G_nb + G_t",
        "Dagum C. (1997), Empirical Economics 22: 515–531; Theil H. (1967)",
    )
    add(
        ("Spatial autocorrelation", "空间自相关"),
        (
            "Global Moran's I and local Moran (LISA) of the latest index score, Queen contiguity from city "
            "boundaries (k nearest neighbours from coordinates where boundaries are unknown), row-standardised, "
            "999 conditional permutations; left out when units have no coordinates.",
            "对最新年份指数得分计算全局莫兰指数和局部莫兰指数（LISA），空间权重为基于城市边界的 Queen 邻接"
            "（无边界时用基于坐标的 k 近邻），行标准化，999 次条件置换；单元无坐标时不计算。",
        ),
        "I = (n / S₀) Σ_ij w_ij z_i z_j / Σ_i z_i²",
        "Anselin L. (1995), Geographical Analysis 27: 93–115; PySAL esda",
    )
    add(
        ("Gravity network", "引力模型"),
        (
            "Links between cities from GDP (mass) and population, great-circle distance; left out without GDP "
            "and coordinates.",
            "以GDP（质量）和人口计算城市间联系，距离为大圆距离；缺少GDP或坐标时不计算。",
        ),
        "R_ij = √(M_i P_i) √(M_j P_j) / D_ij²",
        "Stewart (1948); 侯赟慧 et al. (2009) 中国软科学",
    )
    return items
