"""Labels of the HTML report and of the notes of the cluster analysis (English, 中文)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # ---- notes of the analysis (what was left out, and why)
    "note_no_factors": (
        "No uncertainty analysis: the spec has no [[robustness.factor]] tables; the rank intervals shown are the "
        "exact best and worst ranks under any weights of the subsystems.",
        "未进行不确定性分析：指标方案中没有 [[robustness.factor]] 表；"
        "所示排名区间为各子系统任意权重下的精确最好与最差排名。",
    ),
    "note_rank_ranges_skipped": (
        "Rank ranges under any weights skipped: {reason}",
        "未计算任意权重下的排名区间：{reason}",
    ),
    "note_spatial_no_coordinates": (
        "Spatial statistics (Moran's I, LISA) and the map are left out: {n} unit(s) have no coordinates ({units}). "
        "Fill the lat and lon columns of the units table to include them.",
        "未计算空间统计（Moran's I、LISA）且不绘制地图：{n} 个单元没有坐标（{units}）。"
        "在单元表中填写 lat 和 lon 列即可纳入。",
    ),
    "note_cells_skipped": (
        "{n} missing value(s) skipped by the aggregation, the weights of the other children rescaled for that unit "
        "(unit, indicator): {cells}. The build log names each one.",
        "聚合时跳过了 {n} 个缺失值，并为该单元重新调整了其余子项的权重（单元、指标）：{cells}。构建日志逐一列出。",
    ),
    "note_screened_units": (
        "{n} unit(s) screened out for too little data (availability below the threshold): {units}.",
        "{n} 个单元因数据不足（可用率低于阈值）被筛除：{units}。",
    ),
    "note_screened_indicators": (
        "{n} indicator(s) screened out for too little data (availability below the threshold): {indicators}.",
        "{n} 个指标因数据不足（可用率低于阈值）被筛除：{indicators}。",
    ),
    "note_spatial_too_few": (
        "Spatial statistics are left out: {n} units are too few (at least 4 are needed).",
        "未计算空间统计：{n} 个单元过少（至少需要 4 个）。",
    ),
    "note_spatial_knn": (
        "No city boundaries are known for these units: spatial weights are the k nearest neighbours by coordinates "
        "instead of Queen contiguity.",
        "这些单元没有已知的城市边界：空间权重改用基于坐标的 k 近邻，而非 Queen 邻接。",
    ),
    "note_spatial_skipped": ("Spatial statistics skipped: {reason}", "未计算空间统计：{reason}"),
    "note_network_skipped": (
        "Gravity network left out: it needs a 'gdp' denominator and coordinates for every unit.",
        "未构建引力网络：需要 'gdp' 分母指标以及每个单元的坐标。",
    ),
    "note_obstacles_skipped": ("Obstacle degrees skipped: {reason}", "未计算障碍度：{reason}"),
    "note_boundaries_unavailable": (
        "City boundaries unavailable ({reason}); maps drawn from coordinates.",
        "城市边界不可用（{reason}）；地图按坐标绘制。",
    ),
    "note_map_omitted": (
        "No map: the units have no coordinates and no known boundaries.",
        "不绘制地图：各单元既无坐标也无已知边界。",
    ),
    # ---- coupling model, named in every output
    "report_coupling_model_wang": (
        "corrected coupling coordination model of Wang et al. (2021), on the pooled panel scores of the subsystems",
        "王淑佳等（2021）修正的耦合协调度模型，基于各子系统的面板合并得分",
    ),
    "report_coupling_model_standard": (
        "standard coupling coordination model, on the pooled panel scores of the subsystems",
        "传统耦合协调度模型，基于各子系统的面板合并得分",
    ),
    "report_coupling_model_fan": (
        "coupling coordination model of Fan, Ke & Cao (2024), on the pooled panel scores of the subsystems",
        "范、柯、曹（2024）的耦合协调度模型，基于各子系统的面板合并得分",
    ),
    # ---- report sections and labels
    "report_title_suffix": ("citynexus report", "citynexus 报告"),
    "report_generated": ("generated", "生成于"),
    "report_summary": ("Ranking and coordination", "排名与协调"),
    "report_units": ("units", "个单元"),
    "report_change_of_d": ("Change of the coupling coordination degree D", "耦合协调度 D 的变化"),
    "report_model": ("Model", "模型"),
    "report_spatial": ("Spatial autocorrelation", "空间自相关"),
    "report_spatial_omitted": ("Spatial statistics are not part of this report", "本报告不含空间统计"),
    "report_network": ("City network", "城市网络"),
    "report_network_omitted": ("The city network is not part of this report", "本报告不含城市网络"),
    "report_moran": (
        "Global Moran's I = {I} (expected under no autocorrelation E[I] = {EI}; permutation p = {p}); spatial "
        "weights: {method}.",
        "全局莫兰指数 I = {I}（无空间自相关时的期望 E[I] = {EI}；置换检验 p = {p}）；空间权重：{method}。",
    ),
    "report_weights_queen": ("Queen contiguity", "Queen 邻接"),
    "report_weights_knn": ("k nearest neighbours", "k 近邻"),
    "report_sources": ("Sources", "数据来源"),
    "report_notes": ("Notes", "说明"),
    "report_obstacles": ("Main obstacles (obstacle degree)", "主要障碍因子（障碍度）"),
    "report_obstacle_share": ("share of {name} (%)", "{name}占比（%）"),
    "report_rank_q05": ("Rank, 5%", "排名 5%"),
    "report_rank_q95": ("Rank, 95%", "排名 95%"),
    "report_best_rank": ("Best rank (any weights)", "最好排名（任意权重）"),
    "report_worst_rank": ("Worst rank (any weights)", "最差排名（任意权重）"),
    "report_code": ("Code", "代码"),
    "report_D": ("Coordination D", "协调度 D"),
    "report_C": ("Coupling C", "耦合度 C"),
    "report_T": ("Development T", "综合发展 T"),
    "report_D_first": ("D, first year", "D（首年）"),
    "report_D_last": ("D, last year", "D（末年）"),
    "report_D_change": ("Change of D", "D 的变化"),
    "report_first": ("First year", "首年"),
    "report_last": ("Last year", "末年"),
    "report_gini": ("Gini", "基尼系数"),
    "report_theil": ("Theil T", "泰尔指数"),
    "report_theil_within": ("Theil, within groups", "泰尔指数（组内）"),
    "report_theil_between": ("Theil, between groups", "泰尔指数（组间）"),
    "report_cv": ("Coefficient of variation", "变异系数"),
    "report_dagum_w": ("Dagum: within groups", "Dagum：组内差异"),
    "report_dagum_nb": ("Dagum: between groups, net", "Dagum：组间净差异"),
    "report_dagum_t": ("Dagum: transvariation", "Dagum：超变密度"),
    "report_dagum_title": ("Dagum Gini decomposition", "Dagum 基尼系数分解"),
    "report_cluster_mean": ("cluster mean", "城市群均值"),
    "report_profiles": ("Profiles", "城市画像"),
    "report_gravity": ("Gravity network", "引力模型城市网络"),
    "report_median_interval": ("median, 5–95%", "中位数，5–95%"),
    "report_nominal": ("nominal", "名义排名"),
    "report_prov_dataset": ("dataset", "数据集"),
    "report_prov_dataset_digest": ("dataset digest (SHA-256)", "数据集摘要（SHA-256）"),
    "report_prov_spec": ("spec", "指标方案"),
    "report_prov_spec_digest": ("spec digest (SHA-256)", "指标方案摘要（SHA-256）"),
    "report_prov_period": ("period", "评价年份"),
    "report_prov_periods": ("periods", "年份范围"),
    "report_prov_coupling": ("coupling model", "耦合模型"),
    "report_prov_version": ("citynexus version", "citynexus 版本"),
    "report_scale": ("scale", "刻度"),
    "report_type": ("Relative development type", "相对发展类型"),
    "report_n": ("Units", "单元数"),
    "report_mean": ("Mean score", "平均得分"),
    "report_theil_L": ("Theil L", "泰尔 L 指数"),
    "report_rank_intervals_note": (
        'Rank intervals: "5%" and "95%" bound the ranks over the replications of the uncertain choices of the '
        "spec; best and worst ranks are exact over every weighting of the subsystems.",
        "排名区间：“5%”和“95%”为指标方案不确定选择各次重复中排名的界限；最好和最差排名为子系统所有权重组合下的精确结果。",
    ),
    "fig_highlight_all": ("Highlight: all lines", "突出显示：全部"),
}
