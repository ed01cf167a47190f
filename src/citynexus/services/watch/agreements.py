"""Agreement terms as KPI targets: a term ``metric OP number`` (or ``cum.metric OP number``) of
``citynexus.agree`` becomes a trajectory target, so a term not yet due is flagged ``at_risk`` with its
lead time; :func:`scan_agreements` scans the reports stored with an organisation's agreements."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from citynexus.services.watch.common import WatchNotFoundError
from citynexus.services.watch.scans import _scan_and_store

# ---------------------------------------------------------------------------------- agreements
#: Term frequencies of ``citynexus.agree`` as pandas period codes.
_EVERY = {"month": "M", "quarter": "Q", "year": "Y"}


def agreement_targets(agreements: Iterable[Any], reports: pd.DataFrame | None = None) -> dict[str, list[Any]]:
    """KPI targets (:class:`~citynexus.watch.trajectory.KpiTarget`) from agreement terms whose rule is
    ``metric OP number`` or ``cum.metric OP number``; other rules (ratios, several metrics) are skipped.

    The target is due at the term's ``due`` date; a recurring term (``every`` month, quarter or year)
    is due at the end of the term period after the party's last reported period of the metric (the
    next one to be judged); a term without either, at the agreement's end. Each target is named
    ``AGREEMENT/TERM``.
    """
    from citynexus.watch.errors import WatchInputError, WatchSpecError
    from citynexus.watch.periods import to_period
    from citynexus.watch.trajectory import parse_term

    out: dict[str, list[Any]] = {}
    for ag in agreements:
        for term in ag.terms:
            if term.due is not None:
                due = term.due.isoformat()
            elif term.every in _EVERY:
                if reports is None or reports.empty:
                    continue
                m = parse_term_metric(term.rule)
                sel = reports[(reports["party"] == term.party) & (reports["metric"] == m)]
                if sel.empty:
                    continue
                try:
                    last_end = max(to_period(str(p)).end_time for p in sel["period"])
                except WatchInputError:
                    continue
                nxt = pd.Period(last_end.normalize() + pd.Timedelta(days=1), freq=_EVERY[term.every])
                due = str(nxt.end_time.date())
            else:
                due = ag.end.isoformat()
            try:
                target = parse_term(term.rule, due, f"{ag.id}/{term.id}")
            except WatchSpecError:
                continue
            out.setdefault(term.party, []).append(target)
    return out


def parse_term_metric(rule: str) -> str | None:
    """The metric of a ``metric OP number`` / ``cum.metric OP number`` rule, else None."""
    import re

    m = re.fullmatch(r"\s*(?:cum\.)?([A-Za-z_][A-Za-z0-9_]*)\s*(?:>=|<=|>|<)\s*-?[0-9][0-9_.,eE+-]*\s*", rule)
    return m.group(1) if m else None


def scan_agreements(engine: Any, who: Any, client: str | None = None, as_of: str | None = None) -> dict[str, Any]:
    """Scan the reports stored with the agreements of ``who``'s organisation (it owns them or is a
    party; the platform: all) with every ``metric OP number`` term as a KPI target, so a term not yet
    due shows ``at_risk`` with its lead time before it is breached. Stored and audited like an upload."""
    from citynexus.agree.registry import AgreementRegistry
    from citynexus.services.auth import require_role

    require_role(who, "editor", "scanning reports")
    reg = AgreementRegistry(engine.url.render_as_string(hide_password=False))
    ags = [a for a in reg.list() if who.is_platform or who.org in a.parties or reg.owner_of(a.id)[1] == who.org]
    if not ags:
        raise WatchNotFoundError(f"organisation {who.org!r} has no stored agreement to scan")
    rep = reg.reports([a.id for a in ags])
    rep = rep[rep["value"].notna()]
    if rep.empty:
        raise WatchNotFoundError("the agreements have no stored reports yet -> import reports first")
    df = rep[["agreement", "party", "metric", "period", "value"]].copy()
    df["period"] = df["period"].astype(str)
    df = df.drop_duplicates(["party", "metric", "period"], keep="last").drop(columns="agreement")
    # one series per party and metric: where agreements report it at different frequencies, keep the finest
    from citynexus.watch.periods import to_period

    rank = {"M": 0, "Q": 1, "Y": 2}
    df["_f"] = [rank.get(to_period(p).freqstr[:1], 3) for p in df["period"]]
    df = df[df["_f"] == df.groupby(["party", "metric"])["_f"].transform("min")]
    # the reporting checks compare periods across the table: scan the most common frequency
    keep = int(df["_f"].value_counts().idxmax())
    skipped = sorted({f"{p} {m}" for p, m, f in zip(df["party"], df["metric"], df["_f"]) if f != keep})
    df = df[df["_f"] == keep].drop(columns="_f")
    out = _scan_and_store(engine, who, df, agreement_targets(ags, df), "agreements", client, as_of)
    return {**out, "skipped_series": skipped}
