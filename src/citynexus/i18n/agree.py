"""Labels of agreements (合作协议): statuses, columns, page and CLI text."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "agree_title": ("Agreements", "合作协议"),
    "agree_status_met": ("met", "达标"),
    "agree_status_breached": ("breached", "未达标"),
    "agree_status_no_data": ("no data", "无数据"),
    "agree_status_not_due": ("not due", "未到期"),
    "agree_col_term": ("term", "条款"),
    "agree_col_period": ("period", "期间"),
    "agree_col_status": ("status", "状态"),
    "agree_col_explanation": ("explanation", "说明"),
    "agree_col_party": ("party", "责任方"),
    "agree_col_category": ("category", "类别"),
    "agree_col_agreement": ("agreement", "协议"),
    "agree_col_parties": ("parties", "签约方"),
    "agree_col_dates": ("dates", "期限"),
    "agree_cat_rd": ("R&D", "研发"),
    "agree_cat_capacity": ("capacity", "产能"),
    "agree_cat_quality": ("quality", "质量"),
    "agree_cat_green": ("green", "绿色"),
    "agree_cat_talent": ("talent", "人才"),
    "agree_cat_finance": ("finance", "金融"),
    "agree_cat_data": ("data", "数据"),
    "agree_synthetic": ("Synthetic demo data", "合成演示数据"),
}
