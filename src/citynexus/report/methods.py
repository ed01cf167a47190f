"""A methods section generated from an index spec: what was done, with formulas and
references, in English or Chinese."""

from __future__ import annotations

import functools
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


@functools.cache
def _words() -> dict[str, dict[str, dict[str, str]]]:
    """The words of each method (``methods.toml`` beside this module, read once): per kind
    (normalise, weights, aggregate, impute) and method, ``en``, ``zh`` and, where there is one,
    ``formula`` and ``reference``."""
    import tomllib
    from importlib.resources import files

    return tomllib.loads(files("citynexus.report").joinpath("methods.toml").read_text(encoding="utf-8"))


def _word(kind: str, method: str, field: str, default: str = "") -> str:
    """One field of a method's words; ``default`` for a method (or a field) the catalogue does not
    describe (the method's own name, for a text)."""
    return _words()[kind].get(method, {}).get(field, default)


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
        pair = (_word("impute", m, "en", f"Imputation: {m}."), _word("impute", m, "zh", f"插补方法：{m}。"))
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
        label, formula, ref = (
            _word("normalise", m, "en", m),
            _word("normalise", m, "formula"),
            _word("normalise", m, "reference"),
        )
        fmt = {"lo": lo, "hi": hi, "mean": _get(nm, "mean", 0), "sd": _get(nm, "sd", 1)}
        add(
            ("Normalise", "无量纲化"),
            (
                "Indicators were oriented so that higher is better (x · direction) and normalised by "
                + label.format(**fmt)
                + ".",
                "各指标先统一方向（x · 方向，越大越好），再采用" + _word("normalise", m, "zh", m).format(**fmt) + "。",
            ),
            formula,
            ref,
        )
    wt = _get(spec, "weights")
    if wt is not None:
        parts = []
        formulas = []
        base = _get(wt, "method", "given")
        lang_key = "zh" if zh else "en"
        parts.append(
            L(f"by default {_word('weights', base, lang_key, base)}", f"默认{_word('weights', base, lang_key, base)}")
        )
        for lvl, cfg in (_get(wt, "level", {}) or {}).items():
            m = _get(cfg, "method", base)
            name = _word("weights", m, lang_key, m)
            parts.append(L(f"at level {lvl}: {name}", f"第 {lvl} 层：{name}"))
            if _word("weights", m, "formula"):
                formulas.append(_word("weights", m, "formula"))
        add(
            ("Weights", "权重"),
            ("Weights: " + "; ".join(parts) + ".", "权重：" + "；".join(parts) + "。"),
            "  |  ".join(formulas),
            "Shannon entropy weighting; Diakoulaki et al. (1995) for CRITIC",
        )
    ag = _get(spec, "aggregate")
    if ag is not None:
        m = _get(ag, "method", "arithmetic")
        label, formula = _word("aggregate", m, "en", m), _word("aggregate", m, "formula")
        add(
            ("Aggregate", "合成"),
            (
                f"Scores were aggregated level by level with the {label}.",
                f"逐层采用{_word('aggregate', m, 'zh', m)}合成得分。",
            ),
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
