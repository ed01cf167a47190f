"""Labels of the administration page (audit trail)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "nav_admin": ("Audit", "审计"),
    "adm_title": ("Audit trail", "审计日志"),
    "adm_intro": (
        "Every write through the service: who (key and organisation), what, on which record, when and from where. "
        "The events form a hash chain anchored in the ledger, so a removed or edited event is detected.",
        "通过本服务的每一次写操作：谁（密钥与机构）、做了什么、针对哪条记录、何时、从何处。"
        "事件构成哈希链并锚定在可信账本中，删除或篡改任何事件都会被发现。",
    ),
    "adm_key_help": (
        "An admin key reads its organisation's events; a platform key reads every organisation's. "
        "The key is sent with this form only and is not stored.",
        "机构管理员密钥可查看本机构的事件；平台密钥可查看所有机构的事件。密钥仅随本表单提交，不会被保存。",
    ),
    "adm_show": ("Show events", "显示事件"),
    "adm_org": ("Organisation", "机构"),
    "adm_since": ("Since", "起始日期"),
    "adm_time": ("Time (UTC)", "时间（UTC）"),
    "adm_key": ("Key", "密钥"),
    "adm_action": ("Action", "操作"),
    "adm_target": ("Target", "对象"),
    "adm_from": ("From", "来源"),
    "adm_none": ("No events.", "暂无事件。"),
    "adm_verified": ("Hash chain verified", "哈希链校验通过"),
    "adm_events": ("events", "个事件"),
}
