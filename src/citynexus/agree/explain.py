"""Bilingual explanations of a term's status, with the values used.

A ``met`` / ``breached`` result lists each top-level comparison of the rule (the operands of
``&&`` / ``||``) as ``left value OP right value`` where OP is the comparison that actually holds
(``R&D intensity 4.1% < 5%`` when the rule asked for ``>= 5``). Metric labels and units come
from the agreement's ``[metrics.NAME]`` tables, else the rule's own text is shown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from citynexus.agree.rules import _CMP, CompiledRule, Node, Var, clauses, fmt


def _side(node: Node, seen: dict[str, Any], metrics: dict[str, dict[str, str]], lang: str, unit: str) -> str:
    val = seen.get(node.src)
    if node.op == "var":
        var: Var = node.value
        meta = metrics.get(var.metric, {})
        label = meta.get("label_zh" if lang == "zh" else "label") or var.metric
        if var.scope == "prev":
            label = ("上期" if lang == "zh" else "previous ") + label
        elif var.scope == "cum":
            label = ("累计" if lang == "zh" else "cumulative ") + label
        return f"{label} {fmt(val)}{_unit_text(meta, lang)}"
    if node.op == "num":
        return f"{fmt(val)}{unit}"
    return f"{node.src} = {fmt(val)}"


def _vars_of(node: Node) -> list[Node]:
    out: list[Node] = []
    if node.op == "var":
        return [node]
    for a in node.args:
        for v in _vars_of(a):
            if all(v.src != o.src for o in out):
                out.append(v)
    return out


def _values_note(nodes: list[Node], seen, metrics, lang: str) -> str:
    """`` (R&D spend 41; revenue 1,000)`` for the metrics inside composite operands."""
    inner = [v for n in nodes if n.op not in ("var", "num") for v in _vars_of(n)]
    uniq: list[Node] = []
    for v in inner:
        if all(v.src != u.src for u in uniq):
            uniq.append(v)
    if not uniq:
        return ""
    parts = [_side(v, seen, metrics, lang, "") for v in uniq]
    return "（" + "；".join(parts) + "）" if lang == "zh" else " (" + "; ".join(parts) + ")"


def _unit_text(meta: dict[str, str], lang: str) -> str:
    if lang == "zh" and "unit_zh" in meta:
        return meta["unit_zh"]
    return meta.get("unit", "")


def _unit(node: Node, metrics: dict[str, dict[str, str]], lang: str) -> str:
    if node.op == "var":
        return _unit_text(metrics.get(node.value.metric, {}), lang)
    return ""


def explain(
    rule: CompiledRule,
    status: str,
    values: dict[Var, float | None],
    metrics: dict[str, dict[str, str]],
    period_last: dt.date,
    as_of: dt.date,
) -> tuple[str, str]:
    """``(English, 简体中文)`` explanation of one result."""
    if status == "not_due":
        return (
            f"not due: the period ends {period_last.isoformat()}, after the as-of date {as_of.isoformat()}",
            f"未到期：本期截止于 {period_last.isoformat()}，晚于评估日 {as_of.isoformat()}",
        )
    missing = [v.name for v in rule.needs if values.get(v) is None]
    if missing:
        names = ", ".join(missing)
        return (f"no data: {names} not reported", f"无数据：未报告 {names}")
    _truth, seen = rule.evaluate_scalar({k: (0.0 if v is None else v) for k, v in values.items()})
    zeros = [d.src for d in rule.denominators if seen.get(d.src) == 0.0]
    if zeros:
        z = ", ".join(zeros)
        return (f"no data: {z} is 0 (division by zero)", f"无数据：{z} 为 0（除数为零）")
    parts_en, parts_zh = [], []
    for c in clauses(rule.tree):
        if c.op in _CMP:
            ok = bool(seen.get(c.src))
            op = c.op if ok else _CMP[c.op]
            left, right = c.args
            u = _unit(left, metrics, "en") or _unit(right, metrics, "en")
            uz = _unit(left, metrics, "zh") or _unit(right, metrics, "zh")
            en = f"{_side(left, seen, metrics, 'en', u)} {op} {_side(right, seen, metrics, 'en', u)}"
            zh = f"{_side(left, seen, metrics, 'zh', uz)} {op} {_side(right, seen, metrics, 'zh', uz)}"
            parts_en.append(en + _values_note([left, right], seen, metrics, "en"))
            parts_zh.append(zh + _values_note([left, right], seen, metrics, "zh"))
        else:
            v = seen.get(c.src)
            parts_en.append(f"{c.src} is {fmt(v)}")
            parts_zh.append(f"{c.src} 为 {fmt(v)}")
    head_en = "met" if status == "met" else "breached"
    head_zh = "达标" if status == "met" else "未达标"
    return (f"{head_en}: " + "; ".join(parts_en), f"{head_zh}：" + "；".join(parts_zh))
