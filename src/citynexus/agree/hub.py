"""Hub integration: draft an agreement from a need<->offer match, and an organization's
compliance record (met / breached share by category) for its portrait."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from citynexus.agree.model import Agreement, agreement_from_dict
from citynexus.agree.templates import template_text
from citynexus.hub.models import Need, Offer, Organization

_GREEN = re.compile(r"green|carbon|emission|energy|环保|绿色|低碳|碳|节能|能耗", re.IGNORECASE)
_DATA = re.compile(r"data|cross-border|跨境|数据", re.IGNORECASE)


def template_for(need: Need, offer: Offer) -> str:
    """Which template fits a match: green words -> green-production; capacity -> capacity-supply;
    talent -> talent-training; data words in a service -> data-verification; else joint-rd."""
    text = f"{need.title} {need.text} {offer.title} {offer.text} {' '.join(need.industries + offer.industries)}"
    if _GREEN.search(text):
        return "green-production"
    kinds = {need.kind, offer.kind}
    if "capacity" in kinds:
        return "capacity-supply"
    if "talent" in kinds:
        return "talent-training"
    if "service" in kinds and _DATA.search(text):
        return "data-verification"
    return "joint-rd"


def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    return dt.date(d.year + y, m + 1, 1)


def shift_date(d: dt.date, old_start: dt.date, new_start: dt.date) -> dt.date:
    """``d`` moved by the whole months between ``old_start`` and ``new_start``, keeping its
    day of month (clipped to the month's last day): a due date at a quarter's end stays there."""
    months = (new_start.year - old_start.year) * 12 + new_start.month - old_start.month
    first = _add_months(d.replace(day=1), months)
    last = _add_months(first, 1) - dt.timedelta(days=1)
    return min(first.replace(day=min(d.day, last.day)), last)


def draft_from_match(
    need: Need,
    offer: Offer,
    orgs: Mapping[str, Organization] | None = None,
    start: dt.date | None = None,
    months: int = 24,
    template: str | None = None,
) -> Agreement:
    """A draft agreement between the offer's organization (first party: it delivers, so the
    template's terms of the first party are its terms) and the need's organization.

    The template is :func:`template_for` unless given; dates run from ``start`` (default: the
    first day of next month) for ``months``; a ``once`` term keeps its offset from the start; a
    capacity need's ``min_capacity`` becomes the output threshold. The draft validates; edit
    its thresholds before signing."""
    name = template or template_for(need, offer)
    data = tomllib.loads(template_text(name))
    today = dt.date.today()
    start = start or _add_months(today.replace(day=1), 1)
    end = _add_months(start, months) - dt.timedelta(days=1)
    old_start = data["start"]
    old_parties = data["parties"]
    swap = {old_parties[0]: offer.org, old_parties[1]: need.org}
    names = orgs or {}

    def org_name(oid: str, zh: bool) -> str:
        o = names.get(oid)
        if o is None:
            return oid
        return (o.name_zh or o.name) if zh else o.name

    data["id"] = f"DRAFT-{need.id}-{offer.id}"[:64]
    data["visibility"] = "private"  # a draft is for its parties until they publish it
    data["title"] = f"{data['title']}: {org_name(offer.org, False)} and {org_name(need.org, False)}"
    data["title_zh"] = f"{data['title_zh']}：{org_name(offer.org, True)}与{org_name(need.org, True)}"
    data["parties"] = [offer.org, need.org] if offer.org != need.org else [offer.org]
    data["start"], data["end"] = start, end
    data["clauses"] = [
        {
            "text": f"Drafted from the hub match of need {need.id} ({need.title}) "
            f"with offer {offer.id} ({offer.title}).",
            "text_zh": f"根据合作平台匹配结果起草：需求 {need.id}（{need.title}）与供给 {offer.id}（{offer.title}）。",
        },
        *data.get("clauses", []),
    ]
    for t in data["terms"]:
        t["party"] = swap.get(t["party"], t["party"])
        if t.get("due"):
            t["due"] = min(shift_date(t["due"], old_start, start), end)
        if name == "capacity-supply" and t["id"] == "OUTPUT" and need.constraints.get("min_capacity"):
            cap = float(need.constraints["min_capacity"])
            t["rule"] = f"output >= {cap!r}"
            t["text"] = f"Output of at least {cap:,.0f} units per quarter (the need's minimum capacity)"
            t["text_zh"] = f"每季度产量不少于{cap:,.0f}件（需求方的最低产能要求）"
    return agreement_from_dict(data, source=f"draft {need.id}<->{offer.id}")


def compliance_summary(
    org_id: str, agreements: Iterable[Agreement], runs: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """An organization's compliance record: the agreements it is a party to and, over the
    results of the terms it is responsible for in each agreement's newest run, the count and
    share of met and breached results by category (share = n / (met + breached); no_data and
    not_due results are counted apart)."""
    ags = [a for a in agreements if org_id in a.parties]
    by: dict[str, dict[str, int]] = {}
    listed = []
    for a in ags:
        run = runs.get(a.id)
        counts = {"met": 0, "breached": 0, "no_data": 0, "not_due": 0}
        for r in (run or {}).get("results", []):
            if r.get("party") != org_id:
                continue
            c = by.setdefault(r["category"], {"met": 0, "breached": 0, "no_data": 0, "not_due": 0})
            c[r["status"]] += 1
            counts[r["status"]] += 1
        listed.append(
            {
                "id": a.id,
                "title": a.title,
                "title_zh": a.title_zh,
                "parties": a.parties,
                "start": a.start.isoformat(),
                "end": a.end.isoformat(),
                "as_of": (run or {}).get("as_of"),
                "counts": counts,
                "synthetic": a.synthetic,
            }
        )

    def shares(c: dict[str, int]) -> dict[str, Any]:
        judged = c["met"] + c["breached"]
        return {
            **c,
            "met_share": c["met"] / judged if judged else None,
            "breached_share": c["breached"] / judged if judged else None,
        }

    total = {k: sum(c[k] for c in by.values()) for k in ("met", "breached", "no_data", "not_due")}
    return {
        "organization": org_id,
        "agreements": listed,
        "by_category": {k: shares(v) for k, v in sorted(by.items())},
        "overall": shares(total),
    }
