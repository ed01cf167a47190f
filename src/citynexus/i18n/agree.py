"""Labels of agreements (合作协议): statuses, columns, page and CLI text."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "agree_title": ("Agreements", "合作协议"),
    "agree_synthetic_note": (
        "Synthetic data: the demo agreements, their parties and their quarterly reports come from a seeded "
        "generator; they describe no real organisation or contract.",
        "合成数据：演示协议、签约方及其季度报送数据均由带种子的生成器产生，不涉及任何真实机构或合同。",
    ),
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
    "agree_nav": ("Agreements", "合作协议"),
    "agree_intro": (
        "Agreements whose terms are KPI rules checked on what the parties report; "
        "every evaluation is anchored in the ledger.",
        "协议条款即关键绩效规则，按各方报送的数据自动核验；每次评估均记入可信账本。",
    ),
    "agree_none": ("No agreement is stored yet", "尚未保存任何协议"),
    "agree_none_help": (
        "Load the synthetic demo (needs an API key) or add agreements from the command line:",
        "可加载合成演示数据（需要 API 密钥），或在命令行添加协议：",
    ),
    "agree_load_demo": ("Load synthetic demo", "加载合成演示数据"),
    "agree_demo_loaded": ("Demo loaded", "演示数据已加载"),
    "agree_list": ("Stored agreements", "已保存的协议"),
    "agree_grid": ("Status by term and period", "各条款分期状态"),
    "agree_as_of": ("as of", "评估日"),
    "agree_run": ("run", "评估批次"),
    "agree_ledger_entry": ("ledger entry", "账本条目"),
    "agree_legend": ("Legend", "图例"),
    "agree_not_evaluated": (
        "Not evaluated yet: run 'citynexus agree status'.",
        "尚未评估：请运行 'citynexus agree status'。",
    ),
    "agree_detail": ("Result", "核验结果"),
    "agree_values": ("Values used", "所用数值"),
    "agree_rule": ("Rule", "规则"),
    "agree_verify": ("Verify in the ledger", "在账本中验证"),
    "agree_verified": ("Verified", "已验证"),
    "agree_not_verified": ("NOT verified", "验证未通过"),
    "agree_upload": ("Upload reports", "上传报送数据"),
    "agree_upload_help": (
        "CSV, Excel or JSON with columns agreement, party, metric, period, value. "
        "All-or-nothing: one bad row and nothing is stored.",
        "CSV、Excel 或 JSON，列为 agreement、party、metric、period、value。全部成功才保存：任何一行有误即不保存。",
    ),
    "agree_import_ok": ("Imported", "已导入"),
    "agree_add": ("Add an agreement", "添加协议"),
    "agree_add_help": (
        "An agreement TOML file (write one with 'citynexus agree new --template NAME'); "
        "it is validated before it is stored.",
        "协议 TOML 文件（可用 'citynexus agree new --template NAME' 生成）；保存前先校验。",
    ),
    "agree_added": ("Stored agreement", "已保存协议"),
    "agree_rows": ("rows", "行"),
    "agree_terms": ("terms", "条款"),
    "agree_not_found": ("No such agreement", "没有该协议"),
    "agree_pick_cell": ("Choose a cell of the grid to see its explanation.", "点击表格中的单元格查看说明。"),
    "agree_status_at_risk": ("at risk", "有违约风险"),
    "agree_report_intro": (
        "The agreements in the database: per term, the statuses of its newest evaluation (anchored in the ledger) "
        "and the periods not yet due that are at risk of breach.",
        "数据库中的协议：各条款最近一次评估（已记入可信账本）的状态计数，以及尚未到期但存在违约风险的期间。",
    ),
    "agree_risk_heading": ("Terms at risk", "存在违约风险的条款"),
    "agree_risk_help": (
        "A period not yet due is at risk when the forecast of what its rule compares gives a probability of "
        "breach of {level}% or more (simulated paths of a trend model fitted to the reports so far).",
        "对尚未到期的期间，按已报送数据拟合趋势模型并模拟未来路径；若规则比较之量的违约概率达到 {level}% "
        "或以上，即标为有违约风险。",
    ),
    "agree_risk_cell": ("{p}% breach, {days} days ahead", "违约概率 {p}%，距截止 {days} 天"),
    "agree_risk_none": ("No not-yet-due term is at risk.", "尚无未到期条款存在违约风险。"),
    "agree_col_probability": ("probability of breach", "违约概率"),
    "agree_col_lead": ("lead time (days)", "提前量（天）"),
    "agree_forecast": ("Forecast", "预测"),
    "agree_versions": ("Versions", "版本历史"),
    "agree_col_version": ("version", "版本"),
    "agree_col_digest": ("digest", "摘要"),
    "agree_col_stored": ("stored", "保存时间"),
    "agree_col_effective": ("effective from", "生效日期"),
    "agree_col_changed": ("terms changed", "变更的条款"),
}
