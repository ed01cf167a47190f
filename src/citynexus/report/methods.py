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


def describe(spec: IndexSpec, coupling_method: str = "wang") -> list[MethodItem]:
    """The steps of ``spec`` (and of the region analyses of the report) in plain words."""
    items: list[MethodItem] = []
    den = _get(spec, "denominate")
    if den is not None and _get(den, "enabled", False):
        by = _get(den, "indicators", {}) or {}
        pairs = ", ".join(
            f"{k} ÷ {_get(v, 'by')}" + (f" × {_get(v, 'scale'):g}" if _get(v, "scale") else "") for k, v in by.items()
        )
        items.append(
            MethodItem(
                "Denominate (标准化分母)",
                f"Totals were turned into intensities: {pairs or 'per metadata'}.",
                "x' = s · x / d",
            )
        )
    scr = _get(spec, "screen")
    if scr is not None:
        items.append(
            MethodItem(
                "Screen (数据筛选)",
                f"Units kept with data availability ≥ {_get(scr, 'unit_threshold', 2 / 3):.0%}; indicators kept with "
                f"availability ≥ {_get(scr, 'indicator_threshold', 2 / 3):.0%}.",
                "availability = 1 - missing / total",
            )
        )
    imp = _get(spec, "impute")
    if imp is not None:
        m = _get(imp, "method", "none")
        text = {
            "nearest": "Missing values took the value of the nearest year with data for the same city.",
            "interpolate": "Missing values were interpolated linearly in time within each city.",
            "mean": "Missing values took the indicator's mean.",
            "median": "Missing values took the indicator's median.",
            "group_mean": "Missing values took the mean of the city's group.",
            "none": "Missing values were left missing; aggregation skipped them and rescaled the weights.",
        }.get(m, f"Imputation: {m}.")
        items.append(MethodItem("Impute (缺失值插补)", text, reference="OECD/JRC (2008) Handbook, §3"))
    tr = _get(spec, "treat")
    if tr is not None and _get(tr, "method", "none") != "none":
        items.append(
            MethodItem(
                "Outlier treatment (异常值处理)",
                f"An indicator with |skewness| ≥ {_get(tr, 'skew_threshold', 2.0):g} and kurtosis ≥ "
                f"{_get(tr, 'kurt_threshold', 3.5):g} was winsorised (at most {_get(tr, 'winmax', 5)} points); "
                "if that did not suffice, a log transform was used instead.",
                "G1 = n/((n-1)(n-2)) Σ((x-x̄)/s)³;  log: x' = ln(x - min + 0.01 (max - min))",
                "COINr (JRC), qTreat/Treat; Excel SKEW and KURT",
            )
        )
    nm = _get(spec, "normalise")
    if nm is not None:
        m = _get(nm, "method", "minmax")
        lo, hi = _get(nm, "range") or [0, 100]
        label, formula, ref = NORMALISE.get(m, (m, "", ""))
        items.append(
            MethodItem(
                "Normalise (无量纲化)",
                "Indicators were oriented so that higher is better (x · direction) "
                "and normalised by " + label.format(lo=lo, hi=hi, mean=_get(nm, "mean", 0), sd=_get(nm, "sd", 1)) + ".",
                formula,
                ref,
            )
        )
    wt = _get(spec, "weights")
    if wt is not None:
        parts = []
        formulas = []
        base = _get(wt, "method", "given")
        parts.append(f"by default {WEIGHTS.get(base, base)}")
        for lvl, cfg in (_get(wt, "level", {}) or {}).items():
            m = _get(cfg, "method", base)
            parts.append(f"at level {lvl}: {WEIGHTS.get(m, m)}")
            if m in WEIGHT_FORMULA:
                formulas.append(WEIGHT_FORMULA[m])
        items.append(
            MethodItem(
                "Weights (权重)",
                "Weights: " + "; ".join(parts) + ".",
                "  |  ".join(formulas),
                "Shannon entropy weighting; Diakoulaki et al. (1995) for CRITIC",
            )
        )
    ag = _get(spec, "aggregate")
    if ag is not None:
        m = _get(ag, "method", "arithmetic")
        label, formula = AGGREGATE.get(m, (m, ""))
        items.append(
            MethodItem(
                "Aggregate (合成)",
                f"Scores were aggregated level by level with the {label}.",
                formula,
                "OECD/JRC (2008) Handbook, §6",
            )
        )
    items.append(
        MethodItem(
            "Panel scores (面板得分)",
            "For trends, all city-years were pooled into one cross-section before treatment, normalisation and "
            "weighting, so that scores of different years are on one scale.",
            reference="OECD/JRC (2008) Handbook, §1.5",
        )
    )
    coupling = {
        "wang": (
            "Coupling coordination (耦合协调度), corrected model of Wang et al. (2021)",
            "C = √{[1 - Σ_{i>j}|U_i - U_j| / (n(n-1)/2)] · [Π (U_i / max U)]^{1/(n-1)}};  T = Σ α_i U_i;  D = √(C T)",
            "王淑佳, 孔伟, 任亮, 等. 国内耦合协调度模型的误区及修正. 自然资源学报, 2021, 36(3): 793–810",
        ),
        "standard": (
            "Coupling coordination (耦合协调度), standard model",
            "C = n (Π U_i)^{1/n} / Σ U_i;  T = Σ α_i U_i;  D = √(C T)",
            "",
        ),
        "fan": (
            "Coupling coordination (耦合协调度), Fan, Ke & Cao (2024)",
            "C = 1 - 2 √((n Σ U² - (Σ U)²) / n²);  D = √(C T)",
            "统计与决策, 2024, 40: 41–46",
        ),
    }[coupling_method]
    items.append(
        MethodItem(
            coupling[0],
            "Subsystem scores divided by the top of the normalised scale (U on [0, 1]), "
            "equal α; grades on the 10-level scheme (极度失调 … 优质协调).",
            coupling[1],
            coupling[2],
        )
    )
    items.append(
        MethodItem(
            "Disparity (区域差异)",
            "Gini and Theil indices per year (population-weighted where population is known); "
            "Theil T split into within- and between-group parts; "
            "Dagum's Gini decomposition into within, net between and transvariation.",
            "G = Σ_iΣ_r |y_i - y_r| / (2 n² ȳ);  G = G_w + G_nb + G_t",
            "Dagum C. (1997), Empirical Economics 22: 515–531; Theil H. (1967)",
        )
    )
    items.append(
        MethodItem(
            "Spatial autocorrelation (空间自相关)",
            "Global Moran's I and local Moran (LISA) of the latest index score, Queen contiguity from city boundaries, "
            "row-standardised, 999 conditional permutations.",
            "I = (n / S₀) Σ_ij w_ij z_i z_j / Σ_i z_i²",
            "Anselin L. (1995), Geographical Analysis 27: 93–115; PySAL esda",
        )
    )
    items.append(
        MethodItem(
            "Gravity network (引力模型)",
            "Links between cities from GDP (mass) and population, great-circle distance.",
            "R_ij = √(M_i P_i) √(M_j P_j) / D_ij²",
            "Stewart (1948); 侯赟慧 et al. (2009) 中国软科学",
        )
    )
    return items
