"""Use cases of the SME technology service network shared by the faces (CLI, API, pages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def route_files(
    requests: str | Path,
    centres: str | Path,
    top: int = 3,
    mode: str = "hybrid",
    referrals: bool = True,
    encoder=None,
) -> list[dict[str, Any]]:
    """Route every request of a JSON Lines file over the centres of another (both validated
    all-or-nothing); one JSON-ready routing per request, in file order."""
    from citynexus.centres.records import read_centres, read_requests
    from citynexus.centres.routing import Router

    cs = read_centres(centres)
    reqs = read_requests(requests)
    router = Router(cs, encoder=encoder)
    return [r.to_json() for r in router.route_all(reqs, top=top, mode=mode, referrals=referrals)]


def evaluate_routing(encoder=None) -> dict[str, Any]:
    """Scores of the bundled labelled set: rows per system and subset, and the referral tally."""
    from citynexus.centres.evaluation import evaluate, evaluate_referrals, load_eval_set
    from citynexus.centres.routing import Router

    centres, requests = load_eval_set()
    router = Router(centres, encoder=encoder)
    return {"rows": evaluate(router, requests), "referrals": evaluate_referrals(router, requests)}


def fund_file(
    records: str | Path | None,
    budget: str,
    formula: str | Path | None = None,
    compare_with: str | Path | None = None,
    centres: str | Path | None = None,
    sensitivity: bool = False,
    db: str | None = None,
) -> dict[str, Any]:
    """Allocate a budget from a records CSV (``--db``: only ledger-verified records count)."""
    from citynexus.centres import funding as fu
    from citynexus.centres.records import read_centres

    f = fu.Formula.from_toml(formula) if formula else fu.Formula.default()
    kw: dict[str, Any] = {}
    book = None
    if db:
        from citynexus.centres.lifecycle import ServiceBook

        book = ServiceBook(db)
        stored = book.centres()
        kw = {"centres": [c.id for c in stored], "affiliates": {c.id: c.affiliates for c in stored}}
    if centres:
        cs = read_centres(centres)
        kw = {"centres": [c.id for c in cs], "affiliates": {c.id: c.affiliates for c in cs}}
    if records is not None:
        recs = fu.read_records_csv(records)
        if book is not None:
            recs = book.verify_funding_records(recs)
    else:
        recs = book.funding_records()
    out = fu.allocate(recs, budget, f, **kw).to_json()
    out["marginal_reward"] = fu.marginal_reward(recs, budget, f, **kw)
    if compare_with:
        g = fu.Formula.from_toml(compare_with)
        if g.name == f.name:
            g.name = f"{g.name}-b"
        out["comparison"] = {"a": f.name, "b": g.name, "rows": fu.compare(recs, budget, f, g, **kw)}
    if sensitivity:
        out["sensitivity"] = fu.sensitivity(recs, budget, f, **kw)
    return out


def import_files(centres: str | Path, requests: str | Path | None = None, db: str | None = None) -> dict[str, int]:
    """Validate (all-or-nothing) and store centres and requests; ``centres="demo"`` stores the
    synthetic demo network with its requests and service records."""
    from citynexus.centres.lifecycle import ServiceBook
    from citynexus.centres.records import read_centres, read_requests

    if str(centres) == "demo":
        from citynexus.centres.demo import load_demo

        return load_demo(db)
    cs = read_centres(centres)
    rs = read_requests(requests) if requests else []
    book = ServiceBook(db)
    return {"centres": book.import_centres(cs), "requests": book.import_requests(rs)}


def performance_report(db: str | None, year: int | None = None, samples: int | None = None) -> dict[str, Any]:
    """Per-year indicators of every stored centre, the composite performance index of ``year``
    (default: the latest) with its rank uncertainty, and the referral network analysed by
    :mod:`citynexus.network.structure` (centralities) with the gaps between fields."""
    import math

    from citynexus.centres import performance as pf
    from citynexus.centres.errors import CentresError
    from citynexus.centres.lifecycle import ServiceBook

    book = ServiceBook(db)
    centres = book.centres()
    if not centres:
        raise CentresError("no centres stored; run `citynexus centres import CENTRES.jsonl` (or `import demo`) first")
    records = book.records()
    head = book.head()
    verified = {r["id"] for r in records if r["status"] == "confirmed" and book.verify(r, head)[0]}
    table = pf.performance_table(records, [c.id for c in centres], verified)
    if table.empty:
        raise CentresError("no service records stored yet; open and confirm records with `citynexus centres record`")
    years = sorted(table["year"].unique())
    year = int(year or years[-1])
    if year not in years:
        raise CentresError(f"no records in {year}; years with records: {', '.join(map(str, years))}")
    ds = pf.performance_dataset(table, centres)
    idx = pf.performance_index(ds, year, samples=samples)
    ranking = idx["ranking"]
    unc = idx["uncertainty"]

    def clean(v):
        if isinstance(v, float) and math.isnan(v):
            return None
        return v.item() if hasattr(v, "item") else v

    index_rows = []
    summ = unc.set_index(unc.columns[0]) if unc.columns[0] != "unit" else unc.set_index("unit")
    rk = ranking.reset_index()
    for _, row in rk.iterrows():
        unit = row.iloc[0]
        u = summ.loc[unit] if unit in summ.index else None
        index_rows.append(
            {
                "centre": unit,
                "score": clean(row.get("score")),
                "rank": clean(row.get("rank")),
                "rank_q05": clean(u.get("q05")) if u is not None else None,
                "rank_q95": clean(u.get("q95")) if u is not None else None,
            }
        )
    links = pf.referral_links([r for r in records if int(str(r["period"])[:4]) == year])
    network: dict[str, Any] = {
        "links": links.to_dict("records"),
        "centrality": [],
        "gaps": pf.field_gaps(links, centres),
    }
    if len(links):
        from citynexus.network.structure import centrality, to_graph

        cen = centrality(to_graph(links, directed=True, nodes=[c.id for c in centres]))
        network["centrality"] = [{"centre": k, **{c: clean(v) for c, v in r.items()}} for k, r in cen.iterrows()]
    per_year = [{k: clean(v) for k, v in r.items()} for r in table.to_dict("records")]
    return {"year": year, "indicators": per_year, "index": index_rows, "network": network}


def import_talent(file: str | Path, db: str | None = None) -> dict[str, int]:
    """Validate and store talent profiles and positions (``"demo"``: the synthetic demo)."""
    from citynexus.centres import talent as tl

    ts, ps = tl.demo_talent() if str(file) == "demo" else tl.read_talent_file(file)
    return tl.store_talent(db, ts, ps)


def match_talent(
    position: str | None = None,
    talent: str | None = None,
    file: str | Path | None = None,
    db: str | None = None,
    top: int = 5,
    encoder=None,
) -> list[dict[str, Any]]:
    """Talents for a position or positions for a talent, from a file or the store."""
    from citynexus.centres import talent as tl

    ts, ps = tl.read_talent_file(file) if file else tl.load_talent(db)
    m = tl.TalentMatcher(ts, ps, encoder=encoder)
    return m.for_position(position, top) if position else m.for_talent(talent, top)


ACTIONS = ("open", "accept", "deliver", "confirm")


def record_action(db: str | None, who, action: str, record: str | None = None, **kw: Any) -> dict[str, Any]:
    """One step of a service record, checked for role and party, and written to the audit trail.

    - ``open`` (``centre``, ``sme`` or ``request``, ...): an editor of the SME or of the centre;
    - ``accept`` / ``deliver``: an editor of the centre;
    - ``confirm`` (``rating``, ``outcome``): an editor of the SME — so a centre cannot confirm its own
      service at all here (the funding rule that flags self-confirmations remains for records that
      arrive by other ways, e.g. a CSV);
    the platform may do every step, but a confirmation it makes is recorded as the platform's and is
    never counted. ``who`` is a :class:`citynexus.services.auth.Principal`."""
    from citynexus.centres.errors import RecordError
    from citynexus.centres.lifecycle import ServiceBook
    from citynexus.services import audit
    from citynexus.services.auth import PermissionDenied, check_write, require_role

    if action not in ACTIONS:
        raise RecordError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    book = ServiceBook(db)
    detail: dict[str, Any] = {}
    if action == "open":
        require_role(who, "editor", "opening a service record")
        centre, sme = kw.get("centre"), kw.get("sme")
        if kw.get("request"):
            req = next((r for r in book.requests() if r.id == kw["request"]), None)
            sme = req.sme if req else sme
        if not who.is_platform and who.org not in (centre, sme):
            raise PermissionDenied(
                f"only the SME ({sme}) or the centre ({centre}) may open this record; "
                f"key {who.key_name!r} acts for {who.org!r}"
            )
        record = book.open(**kw)
        detail = {"centre": centre, "sme": sme}
    else:
        if record is None:
            raise RecordError(f"{action} needs the record id")
        cur = next((r for r in book.records() if r["id"] == record), None)
        if cur is None:
            raise RecordError(f"no service record {record!r}")
        owner = cur["sme"] if action == "confirm" else cur["centre"]
        check_write(who, owner, f"service record {record} ({action})")
        if action == "accept":
            book.accept(record)
        elif action == "deliver":
            detail["ledger_entry"] = book.deliver(record)
        else:
            by = who.org
            detail["ledger_entry"] = book.confirm(record, kw["rating"], kw.get("outcome"), by=by)
            detail["rating"] = kw["rating"]
    audit.record(book.engine, who, f"centres.record.{action}", "service_record", record, detail=detail)
    return {"record": record, "action": action, **detail}
