"""Titles and notes of the ``citynexus region`` commands (English, 中文)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "regioncli_coupling_title": (
        "coupling coordination — model: {model}; on {scores}",
        "耦合协调度 — 模型：{model}；基于{scores}",
    ),
    "regioncli_model_wang": ("corrected model of Wang et al. (2021)", "王淑佳等（2021）修正模型"),
    "regioncli_model_standard": ("standard model", "传统模型"),
    "regioncli_model_fan": ("Fan, Ke & Cao (2024)", "范、柯、曹（2024）模型"),
    "regioncli_pooled": ("pooled panel scores, all years on one scale", "面板合并得分（各年同一刻度）"),
    "regioncli_given": ("scores of {file} (as given)", "{file} 中的得分（按原样）"),
    "regioncli_obstacles_title": ("obstacle degree (%)", "障碍度（%）"),
    "regioncli_disparity_title": ("disparity of {variable}", "{variable}的差异"),
    "regioncli_sigma_title": ("sigma convergence of {variable}", "{variable}的σ收敛"),
    "regioncli_lisa_title": ("LISA and Gi* of {variable}, {period}", "{variable}的 LISA 与 Gi*，{period}年"),
    "regioncli_unit": ("unit", "单元"),
    "regioncli_name": ("name", "名称"),
    "regioncli_grade": ("grade", "协调等级"),
    "regioncli_type": ("type", "类型"),
    "regioncli_period": ("period", "年份"),
    "regioncli_synchronous": ("synchronous", "同步型"),
    "regioncli_lagging": ("{names} lagging", "{names}滞后型"),
}
