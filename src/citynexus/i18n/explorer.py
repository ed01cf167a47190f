"""Labels of the index explorer's weights on pillars and indicators (English, 中文)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "explorer_indicators": ("Indicator weights within the pillar", "支柱内各指标权重"),
    "explorer_shares_title": ("Effective share of each indicator in the index", "各指标在指数中的实际占比"),
    "explorer_share_axis": ("effective share (%)", "实际占比（%）"),
    "explorer_shares_help": (
        "An indicator's effective share is its pillar's share times its share within the pillar.",
        "指标的实际占比 = 所属支柱的占比 × 该指标在支柱内的占比。",
    ),
    "explorer_change": ("Change vs default weights", "相对默认权重的名次变化"),
    "explorer_up": ("up", "上升"),
    "explorer_down": ("down", "下降"),
    "explorer_same": ("unchanged", "不变"),
    "explorer_group_zero": (
        "All indicator weights of a pillar are zero: move one above 0 or set the pillar's weight instead.",
        "某一支柱的所有指标权重均为 0：请至少将其中一个调到 0 以上，或改为调整该支柱的权重。",
    ),
}
