"""Use cases of agreements shared by the CLI, the REST API and the dashboard.

Each function takes plain inputs (paths, ids, dates), calls :mod:`citynexus.agree` and the
store, and returns plain data (dicts and lists) that a face can print or serialise.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citynexus.agree import evaluate, load_agreement, read_reports
from citynexus.agree.registry import AgreementRegistry
from citynexus.agree.reports import empty_reports

if TYPE_CHECKING:
    from citynexus.services.auth import Principal


def check_files(
    agreement: str | Path, reports: str | Path | None, as_of: dt.date | None = None, risk: bool = False
) -> dict[str, Any]:
    """Evaluate an agreement file on a report file without a database (the pinned check). With
    ``risk``, the result also has ``risk`` (:func:`term_risks` of the not-yet-due periods) — never
    part of the pinned JSON."""
    ag = load_agreement(agreement)
    rows = read_reports(reports, [ag], only_known=True) if reports is not None else empty_reports()
    ev = evaluate(ag, rows, as_of or dt.date.today())
    doc = ev.to_dict()  # type: ignore[union-attr]
    if risk:
        doc["risk"] = term_risks(ag, rows, doc["results"])
    return doc


# ---------------------------------------------------------------------- permissions
# ``who`` is the principal of an API key (None: the local command line, which acts as the
# database's administrator). Storing an agreement needs an editor; replacing one needs an
# editor of its owner organisation (or the platform). Reports and evaluations of an agreement
# may be submitted by an editor of its owner organisation or of one of its parties.


def _party_policy(reg: AgreementRegistry, who: Principal | None, action: str):
    if who is None:
        return None
    from citynexus.services.auth import PermissionDenied, require_role

    require_role(who, "editor", action)

    def check(ags) -> None:
        for a in ags:
            _stored, owner = reg.owner_of(a.id)
            if who.is_platform or who.org == owner or who.org in a.parties:
                continue
            raise PermissionDenied(
                f"{action} for agreement {a.id!r} needs a key of its owner {owner!r} or of one of its parties "
                f"{a.parties}; key {who.key_name!r} acts for {who.org!r}"
            )

    return check


def _audit(reg: AgreementRegistry, who: Principal | None, action: str, target: str, client, detail=None) -> None:
    if who is not None:
        from citynexus.services import audit

        audit.record(reg.engine, who, action, "agreement", target, client, detail)


#: ``viewer`` of a read: ``ALL`` (the command line: everything), ``None`` (anonymous) or a principal
ALL = "all"


def _visible(reg: AgreementRegistry, ag, viewer) -> bool:
    """Public agreements are visible to everyone; private ones to their owner organisation,
    their parties and the platform (:func:`citynexus.services.auth.can_see`)."""
    if viewer == ALL or ag.visibility != "private":
        return True
    from citynexus.services.auth import can_see

    _stored, owner = reg.owner_of(ag.id)
    return can_see(viewer, owner, True, ag.parties)


def _visible_list(reg: AgreementRegistry, viewer) -> list:
    return [a for a in reg.list() if _visible(reg, a, viewer)]


def _get_visible(reg: AgreementRegistry, agreement_id: str, viewer):
    from citynexus.agree.errors import AgreementNotFoundError

    ag = reg.get(agreement_id)
    if not _visible(reg, ag, viewer):  # answered like a missing one: its existence is private too
        raise AgreementNotFoundError(
            f"no agreement {agreement_id!r} is stored; add it with 'citynexus agree new' or import it"
        )
    return ag


def add_agreement(
    path: str | Path,
    db: str | None = None,
    who: Principal | None = None,
    client: str | None = None,
    effective: dt.date | None = None,
) -> dict[str, Any]:
    """Validate an agreement file (parties checked against the hub when it holds any) and store it;
    a changed agreement becomes a new version effective from ``effective`` (default: today)."""
    reg = AgreementRegistry(db)
    known = reg.known_parties()
    ag = load_agreement(path, known_parties=known)
    authorize = None
    if who is not None:
        from citynexus.services.auth import check_write, require_role

        require_role(who, "editor", "storing an agreement")

        def authorize(owner: str | None) -> None:
            check_write(who, owner, f"agreement {ag.id!r}")

    reg.save(ag, check_hub=False, owner=who.org if who else None, authorize=authorize, effective=effective)
    version = reg.versions(ag.id)[-1]
    _audit(reg, who, "agree.agreement.store", ag.id, client, {"digest": ag.digest, "version": version.number})
    return {
        "agreement": ag.id,
        "terms": len(ag.terms),
        "digest": ag.digest,
        "hub_checked": known is not None,
        "version": version.number,
        "effective": version.effective.isoformat(),
    }


def agreement_versions(agreement_id: str, db: str | None = None, viewer=ALL) -> list[dict[str, Any]]:
    """Every stored version of an agreement (oldest first): number, effective date, digest, when it
    was stored, the rule digest of each term and the terms changed from the version before."""
    reg = AgreementRegistry(db)
    _get_visible(reg, agreement_id, viewer)
    vs = reg.versions(agreement_id)
    return [v.to_dict(prev) for prev, v in zip([None, *vs[:-1]], vs)]


def import_reports(
    path: str | Path, db: str | None = None, who: Principal | None = None, client: str | None = None
) -> dict[str, Any]:
    """Import a report file into the store, all-or-nothing, anchored in the ledger."""
    reg = AgreementRegistry(db)
    res = reg.import_reports(
        path,
        authorize=_party_policy(reg, who, "submitting reports"),
        submitter=who.label if who else "agree",
    )
    for a in res.agreements:
        _audit(reg, who, "agree.reports.import", a, client, {"batch": res.batch, "ledger_index": res.ledger_index})
    return {"batch": res.batch, "ledger_index": res.ledger_index, "rows": res.rows, "agreements": res.agreements}


def run_status(
    db: str | None = None,
    agreement_ids: list[str] | None = None,
    as_of: dt.date | None = None,
    who: Principal | None = None,
    client: str | None = None,
    risk: bool = False,
) -> list[dict[str, Any]]:
    """Evaluate stored agreements on stored reports; each run is stored and anchored. With ``risk``,
    each evaluation also has ``risk`` (:func:`stored_risks` of the new run)."""
    reg = AgreementRegistry(db)
    out = []
    evs = reg.run(
        agreement_ids or None,
        as_of,
        authorize=_party_policy(reg, who, "evaluating"),
        submitter=who.label if who else "agree",
    )
    for ev in evs:
        _audit(reg, who, "agree.evaluate", ev.agreement, client, {"as_of": ev.as_of.isoformat()})
        d = ev.to_dict()
        latest = reg.latest_run(ev.agreement)
        d["run"] = latest["run"] if latest else None
        d["ledger_index"] = latest["ledger_index"] if latest else None
        if risk:
            d["risk"] = stored_risks(reg, reg.get(ev.agreement), latest)
        out.append(d)
    return out


def verify_status(
    agreement: str, term: str, period: str, db: str | None = None, run: int | None = None, viewer=ALL
) -> dict:
    """Prove a shown status from the ledger (see :meth:`AgreementRegistry.verify`)."""
    reg = AgreementRegistry(db)
    _get_visible(reg, agreement, viewer)
    return reg.verify(agreement, term, period, run).to_dict()


def list_agreements(db: str | None = None, viewer=ALL) -> list[dict[str, Any]]:
    """Stored agreements (those ``viewer`` may see) with the counts of their newest run."""
    reg = AgreementRegistry(db)
    out = []
    for ag in _visible_list(reg, viewer):
        latest = reg.latest_run(ag.id)
        counts: dict[str, int] = {}
        for r in (latest or {}).get("results", []):
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        out.append(
            {
                "id": ag.id,
                "title": ag.title,
                "title_zh": ag.title_zh,
                "parties": ag.parties,
                "start": ag.start.isoformat(),
                "end": ag.end.isoformat(),
                "terms": len(ag.terms),
                "synthetic": ag.synthetic,
                "visibility": ag.visibility,
                "as_of": (latest or {}).get("as_of"),
                "counts": counts,
            }
        )
    return out


def graph_text(db: str | None = None, fmt: str = "turtle", viewer=ALL) -> str:
    """The compliance knowledge graph of the stored agreements ``viewer`` may see, as Turtle or JSON-LD."""
    from citynexus.agree.graph import serialize

    reg = AgreementRegistry(db)
    return serialize(_risk_graph(reg, _visible_list(reg, viewer)), fmt)


def graph_query(
    db: str | None = None,
    question: str | None = None,
    arg: str | None = None,
    sparql: str | None = None,
    viewer=ALL,
) -> list[dict[str, str | None]]:
    """Answer a canned question (``breached-green``, ``depends-on``, ``at-risk``) or a SPARQL
    SELECT over the graph of the stored agreements ``viewer`` may see."""
    from citynexus.agree.graph import canned, query

    reg = AgreementRegistry(db)
    g = _risk_graph(reg, _visible_list(reg, viewer))
    return query(g, sparql if sparql else canned(question or "breached-green", arg))


def draft_agreement(need_id: str, offer_id: str, db: str | None = None, template: str | None = None) -> str:
    """A draft agreement (TOML text) from a hub need and offer, both parties filled in."""
    from citynexus.agree.hub import draft_from_match
    from citynexus.hub import Hub

    hub = Hub(db)
    need, offer = hub.need(need_id), hub.offer(offer_id)
    orgs = {o.id: o for o in hub.organizations() if o.id in (need.org, offer.org)}
    return draft_from_match(need, offer, orgs, template=template).to_toml()


def organization_compliance(org_id: str, db: str | None = None, viewer=ALL) -> dict[str, Any]:
    """An organization's agreements and compliance record (met/breached share by category),
    the data the hub portrait shows (over the agreements ``viewer`` may see)."""
    from citynexus.agree.registry import compliance

    reg = AgreementRegistry(db)
    return compliance(reg, org_id, _visible_list(reg, viewer))


def load_demo_data(
    db: str | None = None, as_of: dt.date | None = None, who: Principal | None = None, client: str | None = None
) -> dict[str, Any]:
    """Store and evaluate the SYNTHETIC demo agreements (see ``agree/demo/README.md``); with a
    key, it needs an editor and the agreements belong to the key's organisation."""
    from citynexus.agree.demo import DEMO_AS_OF, load_demo

    reg = AgreementRegistry(db)
    if who is not None:
        from citynexus.services.auth import require_role

        require_role(who, "editor", "loading the demo agreements")
    body = load_demo(reg, as_of or DEMO_AS_OF, owner=who.org if who else None, submitter=who.label if who else "agree")
    _audit(reg, who, "agree.demo", "demo", client, {"agreements": body["agreements"]})
    return body


# ---------------------------------------------------------------------- uploads (API, dashboard)
REPORT_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".json")


def _upload(filename: str, content: bytes, suffixes: tuple[str, ...], what: str):
    """A temporary file holding an upload (a context manager yielding its path)."""
    import contextlib
    import tempfile

    from citynexus.agree.errors import AgreeError

    suffix = Path(filename or "").suffix.lower()
    if suffix not in suffixes:
        raise AgreeError(f"cannot read {filename!r} as {what}: upload a {' / '.join(suffixes)} file")

    @contextlib.contextmanager
    def cm():
        with tempfile.TemporaryDirectory() as tmp:
            p = Path(tmp) / (Path(filename).name or f"upload{suffix}")
            p.write_bytes(content)
            yield p

    return cm()


def _renamed(err, filename: str):
    for p in getattr(err, "problems", []):
        loc = getattr(p, "location", None)
        if loc is not None and loc.file:
            loc.file = Path(filename).name
        if hasattr(p, "file") and not hasattr(p, "location"):
            p.file = Path(filename).name
    return err


def check_upload(
    agreement_name: str, agreement: bytes, reports_name: str | None, reports: bytes | None, as_of: dt.date | None
) -> dict[str, Any]:
    """:func:`check_files` on uploaded bytes (nothing is stored)."""
    from citynexus.agree.errors import AgreeError

    with _upload(agreement_name, agreement, (".toml",), "an agreement") as ap:
        if reports is None or not reports_name:
            return check_files(ap, None, as_of)
        with _upload(reports_name, reports, REPORT_SUFFIXES, "reports") as rp:
            try:
                return check_files(ap, rp, as_of)
            except AgreeError as err:
                raise _renamed(err, reports_name) from None


def add_agreement_upload(
    filename: str,
    content: bytes,
    db: str | None = None,
    who: Principal | None = None,
    client: str | None = None,
    effective: dt.date | None = None,
) -> dict[str, Any]:
    """:func:`add_agreement` on an uploaded TOML file."""
    from citynexus.agree.errors import AgreeError

    with _upload(filename, content, (".toml",), "an agreement") as p:
        try:
            return add_agreement(p, db, who, client, effective)
        except AgreeError as err:
            raise _renamed(err, filename) from None


def import_reports_upload(
    filename: str, content: bytes, db: str | None = None, who: Principal | None = None, client: str | None = None
) -> dict[str, Any]:
    """:func:`import_reports` on an uploaded CSV / Excel / JSON file (all-or-nothing)."""
    from citynexus.agree.errors import ReportImportError

    with _upload(filename, content, REPORT_SUFFIXES, "reports") as p:
        try:
            return import_reports(p, db, who, client)
        except ReportImportError as err:
            raise _renamed(err, filename) from None


def agreement_view(agreement_id: str, db: str | None = None, viewer=ALL) -> dict[str, Any]:
    """One stored agreement with its newest run arranged as a term x period grid, and the risk
    forecast of its not-yet-due periods (:func:`stored_risks`): ``risk[term][period]`` and the
    list ``at_risk`` of the cells whose probability of breach reaches the risk level."""
    reg = AgreementRegistry(db)
    ag = _get_visible(reg, agreement_id, viewer)
    run = reg.latest_run(agreement_id)
    risk = stored_risks(reg, ag, run)
    vs = reg.versions(agreement_id)
    cells: dict[str, dict[str, dict]] = {}
    periods: list[str] = []
    for r in (run or {}).get("results", []):
        cells.setdefault(r["term"], {})[r["period"]] = r
        if r["period"] not in periods:
            periods.append(r["period"])
    periods.sort(key=lambda p: (len(p) == 10, p))
    return {
        "agreement": ag.to_dict(),
        "run": run and {k: run[k] for k in ("run", "as_of", "ledger_index", "version")},
        "versions": [v.to_dict(prev) for prev, v in zip([None, *vs[:-1]], vs)],
        # every term a version had (the newest text of each): a run shows the terms of old versions too
        "terms": {t["id"]: t for v in vs for t in v.agreement.to_dict()["terms"]},
        "periods": periods,
        "cells": cells,
        "risk": risk,
        "at_risk": at_risk_cells(risk),
        "risk_level": RISK_LEVEL,
    }


def demo_summary(db: str | None = None) -> str:
    """Load the SYNTHETIC demo agreements (idempotent: stored ones are kept, each call adds an
    evaluation run) and say in one line what their newest runs found."""
    from collections import Counter

    from citynexus.agree.demo import DEMO_AS_OF, demo_agreements

    load_demo_data(db)
    reg = AgreementRegistry(db)
    counts: Counter[str] = Counter()
    ids = [a.id for a in demo_agreements()]
    at_risk = 0
    for aid in ids:
        run = reg.latest_run(aid) or {}
        counts.update(r["status"] for r in run.get("results", []))
        at_risk += len(at_risk_cells(stored_risks(reg, reg.get(aid), run or None)))
    return (
        f"Agreements (SYNTHETIC demo): {len(ids)} agreements evaluated as of {DEMO_AS_OF.isoformat()}: "
        f"{counts['met']} term results met, {counts['breached']} breached, {counts['no_data']} without data, "
        f"{counts['not_due']} not due ({at_risk} of them at risk of breach); every run is anchored in the ledger "
        "(citynexus agree status, /agree)"
    )


# ---------------------------------------------------------------------- risk of terms not yet due
#: a not-yet-due period is "at risk" when the forecast probability of breach reaches this level
RISK_LEVEL = 0.5
#: how many not-yet-due periods of a term are forecast (the next ones to be judged)
RISK_HORIZON = 4
_risk_cache = None


def term_risks(
    agreement, reports, results: list[dict[str, Any]], risk_level: float = RISK_LEVEL, horizon: int = RISK_HORIZON
) -> dict[str, dict[str, dict[str, Any]]]:
    """Risk forecast of each not-yet-due period (status ``not_due`` in ``results``) of each term
    whose rule compares a reported quantity with a number (:func:`citynexus.agree.forecast.comparisons`).

    For each of the next ``horizon`` such periods, the series of each comparison is forecast to
    the period with :func:`citynexus.watch.trajectory.trajectory` (simulated paths; probability of
    breach = share of paths that fail the comparison); the clause with the largest probability
    stands for the term (a lower bound for a conjunction). Returns ``{term: {period: {"at_risk",
    "probability_breach", "lead_periods", "lead_days", "forecast", "band", "clause", "model",
    "explanation", "explanation_zh"}}}``; terms that cannot be forecast are absent."""
    from citynexus.agree.forecast import clause_series, comparisons
    from citynexus.watch.trajectory import KpiTarget, trajectory

    due: dict[str, list[str]] = {}
    for r in results:
        if r["status"] == "not_due":
            due.setdefault(r["term"], []).append(r["period"])
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for term in agreement.terms:
        periods = sorted(due.get(term.id, []))[:horizon]
        cmps = comparisons(term.compiled) if periods else []
        series = [(c, *clause_series(agreement, term, c, reports)) for c in cmps]
        series = [(c, lab, val) for c, lab, val in series if any(v is not None for v in val)]
        for period in periods:
            best = None
            for c, labels, values in series:
                tg = KpiTarget(c.metric, c.op, c.threshold, period, c.cumulative, f"{agreement.id}/{term.id}")
                tr = trajectory(labels, values, tg, risk_level=risk_level)
                if tr.status in ("at_risk", "on_track") and (
                    best is None or tr.probability_breach > best[1].probability_breach
                ):
                    best = (c, tr)
            if best is not None:
                out.setdefault(term.id, {})[period] = _risk_dict(best[0], best[1])
    return out


def _risk_dict(c, tr) -> dict[str, Any]:
    return {
        "at_risk": bool(tr.at_risk),
        "probability_breach": round(float(tr.probability_breach), 4),
        "lead_periods": int(tr.horizon),
        "lead_days": int(tr.lead_days),
        "forecast": float(tr.forecast),
        "band": [float(tr.band[0]), float(tr.band[1])],
        "clause": c.text,
        "model": tr.settings.get("model"),
        "explanation": tr.explain("en"),
        "explanation_zh": tr.explain("zh"),
    }


def at_risk_cells(risk: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The at-risk cells of :func:`term_risks` as a flat list (term, period, probability, lead time)."""
    return [
        {"term": term, "period": p, "probability_breach": r["probability_breach"], "lead_days": r["lead_days"],
         "lead_periods": r["lead_periods"]}
        for term, cells in risk.items() for p, r in sorted(cells.items()) if r["at_risk"]
    ]  # fmt: skip


def stored_risks(reg: AgreementRegistry, ag, run: dict[str, Any] | None) -> dict[str, dict[str, dict[str, Any]]]:
    """:func:`term_risks` of a stored agreement's newest run on its stored reports, cached per
    (database, run, agreement version)."""
    global _risk_cache
    if not run:
        return {}
    if _risk_cache is None:
        from citynexus.services.cache import LRU

        _risk_cache = LRU(256)

    def compute() -> dict[str, dict[str, dict[str, Any]]]:
        # each not-yet-due period is forecast with the rule of the version that will judge it
        rows, out = reg.reports([ag.id]), {}
        vs = reg.versions(ag.id)
        for v in vs:
            mine = [r for r in run["results"] if r.get("version", vs[-1].number) == v.number]
            for term, cells in term_risks(v.agreement, rows, mine).items():
                out.setdefault(term, {}).update(cells)
        return out

    return _risk_cache.get((str(reg.engine.url), run["run"], ag.digest), compute)


def _risk_graph(reg: AgreementRegistry, ags: list):
    """The knowledge graph of ``ags`` with every at-risk term and period marked ``cnx:at_risk``."""
    from citynexus.agree.graph import mark_at_risk
    from citynexus.agree.registry import stored_graph

    g = stored_graph(reg, ags)
    for ag in ags:
        for cell in at_risk_cells(stored_risks(reg, ag, reg.latest_run(ag.id))):
            mark_at_risk(g, ag.id, cell["term"], cell["period"])
    return g
