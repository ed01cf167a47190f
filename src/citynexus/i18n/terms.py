"""Names of the codes shown as badges: kinds of hub organizations and listings, languages of
records, ledger entry types, trace events, item kinds, transport modes and event fields."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # kinds of organizations (hub.models.ORG_KINDS)
    "hub_kind_enterprise": ("enterprise", "企业"),
    "hub_kind_university": ("university", "高校"),
    "hub_kind_institute": ("research institute", "科研院所"),
    "hub_kind_service_centre": ("SME service centre", "中小企业服务中心"),
    "hub_kind_agency": ("government agency", "政府机构"),
    "hub_kind_association": ("association", "行业协会"),
    "hub_kind_financier": ("financier", "金融机构"),
    # kinds of offers and needs (OFFER_KINDS, NEED_KINDS)
    "hub_kind_patent": ("patent", "专利"),
    "hub_kind_capacity": ("capacity", "产能"),
    "hub_kind_service": ("service", "服务"),
    "hub_kind_technology": ("technology", "技术"),
    "hub_kind_talent": ("talent", "人才"),
    "hub_kind_financing": ("financing", "融资"),
    # language of a record
    "hub_rec_lang_en": ("English", "英文"),
    "hub_rec_lang_zh": ("Chinese", "中文"),
    # ledger entry types
    "led_type_trace.event": ("trace event", "溯源事件"),
    "led_type_kpi.report": ("KPI report", "KPI 报告"),
    "led_type_result.published": ("published result", "已发布结果"),
    "led_type_audit": ("audit record", "审计记录"),
    # trace events (ledger.trace.EVENTS), item kinds, modes and fields
    "led_ev_created": ("created", "创建"),
    "led_ev_inspected": ("inspected", "检验"),
    "led_ev_shipped": ("shipped", "发运"),
    "led_ev_transferred": ("transferred", "转运"),
    "led_ev_received": ("received", "接收"),
    "led_item_product_batch": ("product batch", "产品批次"),
    "led_item_container": ("container", "集装箱"),
    "led_item_consignment": ("consignment", "托运货物"),
    "led_item_dataset": ("data set", "数据集"),
    "led_item_report": ("report", "报告"),
    "led_mode_sea": ("sea", "海运"),
    "led_mode_rail": ("rail", "铁路"),
    "led_mode_road": ("road", "公路"),
    "led_mode_air": ("air", "空运"),
    "led_field_kind": ("kind", "类型"),
    "led_field_mode": ("mode", "运输方式"),
    "led_field_from_mode": ("from", "原运输方式"),
    "led_field_to_mode": ("to", "新运输方式"),
    "led_field_location": ("location", "地点"),
    "led_field_party": ("party", "相关方"),
    "led_field_at": ("at", "时间"),
    "led_field_note": ("note", "备注"),
    "led_field_details": ("details", "详情"),
}
