"""Use cases of the SME technology service network shared by the faces (CLI, API, pages)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citynexus.services.cache import LRU


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


def performance_report(db, year: int | None = None, samples: int | None = None) -> dict[str, Any]:
    """Per-year indicators of every stored centre, the composite performance index of ``year``
    (default: the latest) with its rank uncertainty, and the referral network analysed by
    :mod:`citynexus.network.structure` (centralities) with the gaps between fields."""
    from citynexus.centres.errors import CentresError

    net = _stored(db)
    if not net.centres:
        raise CentresError("no centres stored; run `citynexus centres import CENTRES.jsonl` (or `import demo`) first")
    return _performance(net, year, samples)


def _performance(net: Network, year: int | None = None, samples: int | None = None) -> dict[str, Any]:
    import math

    from citynexus.centres import performance as pf
    from citynexus.centres.errors import CentresError

    centres, records = net.centres, net.records
    table = pf.performance_table(records, [c.id for c in centres], net.verified)
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
                "rank_median": clean(u.get("median_rank")) if u is not None else None,
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
    return {
        "year": year,
        "years": [int(y) for y in years],
        "synthetic": net.synthetic,
        "indicators": per_year,
        "index": index_rows,
        "network": network,
    }


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


# ============================================================================ the faces' use cases
# The functions below take the app's engine (or a database URL) and, for writes, the Principal
# behind the request (`citynexus.services.auth`); every write checks role and ownership there and
# appends one audit event. Reads work on the stored network, or — when no centre is stored yet —
# on the SYNTHETIC demo computed in memory from the seeded generator (``synthetic: true``).

ACTIONS = ("open", "accept", "deliver", "confirm")
MAX_TOP = 15


def _url(db) -> str | None:
    """A database URL from an engine, a URL or None (the default database)."""
    from sqlalchemy import Engine

    if isinstance(db, Engine):
        return db.url.render_as_string(hide_password=False)
    return db


def _book(db):
    from citynexus.centres.lifecycle import ServiceBook

    return ServiceBook(_url(db))


@dataclass
class Network:
    """What the faces show: centres, requests, service records and the ids of the records whose
    delivery and confirmation verify on the ledger (the synthetic demo: every confirmed one —
    it is computed in memory and anchored nowhere)."""

    synthetic: bool
    centres: list
    requests: list
    records: list[dict[str, Any]]
    verified: set[str]
    owners: dict[str, str] = field(default_factory=dict)
    digest: str = ""

    def centre(self, cid: str):
        return next((c for c in self.centres if c.id == cid), None)

    def funding_records(self) -> list:
        from citynexus.centres.funding import FundingRecord

        return [FundingRecord.from_record(r, i, r["id"] in self.verified) for i, r in enumerate(self.records, start=1)]

    def affiliates(self) -> dict[str, list[str]]:
        return {c.id: list(c.affiliates) for c in self.centres}


_demo_cache = LRU(2)
_stored_cache = LRU(8)
_perf_cache = LRU(8)
_router_cache = LRU(4)
_route_cache = LRU(512)
_funding_cache = LRU(64)
_talent_cache = LRU(4)


def _iso(t) -> str | None:
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%SZ")


def demo_network() -> Network:
    """The SYNTHETIC demo network (``citynexus.centres.demo.generate``) in memory."""

    def make() -> Network:
        from citynexus.centres.demo import generate

        g = generate()
        recs = []
        for e in g["records"]:
            st = e["status"]
            confirmed = st == "confirmed"
            recs.append(
                {
                    "id": e["id"],
                    "request": None,
                    "centre": e["centre"],
                    "sme": e["sme"],
                    "period": e["period"],
                    "status": st,
                    "referred_from": e["referred_from"],
                    "requested_at": _iso(e["requested_at"]),
                    "accepted_at": _iso(e["accepted_at"]),
                    "delivered_at": _iso(e.get("delivered_at")) if st in ("delivered", "confirmed") else None,
                    "confirmed_at": _iso(e.get("confirmed_at")) if confirmed else None,
                    "confirmed_by": e["confirmed_by"] if confirmed else None,
                    "rating": e["rating"] if confirmed else None,
                    "outcome": e["outcome"] if confirmed else None,
                    "owner_org": "demo",
                }
            )
        verified = {r["id"] for r in recs if r["status"] == "confirmed"}
        return Network(True, g["centres"], g["requests"], recs, verified, {c.id: "demo" for c in g["centres"]}, "demo")

    return _demo_cache.get("demo", make)


def _stored(db) -> Network:
    """The stored network of ``db`` (records verified on its ledger; cached per stored state).
    With no centre stored nothing is opened for writing (no ledger is created by a read)."""
    from sqlalchemy import func, select

    from citynexus.store import get_engine, session_scope
    from citynexus.store.centres import CentreRow

    with session_scope(get_engine(_url(db))) as s:
        if not s.scalar(select(func.count()).select_from(CentreRow)):
            return Network(False, [], [], [], set(), {}, "empty")
    book = _book(db)
    centres = book.centres()
    records = book.records()
    requests = book.requests()
    size = book.ledger.size
    digest = hashlib.sha256(
        json.dumps(
            [[c.to_record() for c in centres], records, [r.to_record() for r in requests], size],
            sort_keys=True,
            default=str,
        ).encode()
    ).hexdigest()

    def make() -> Network:
        head = book.head()
        verified = {r["id"] for r in records if r["status"] == "confirmed" and book.verify(r, head)[0]}
        return Network(False, centres, requests, records, verified, book.owners(), digest)

    return _stored_cache.get((book.url, digest), make)


def network(db) -> Network:
    """The stored network, or the synthetic demo when no centre is stored."""
    net = _stored(db)
    return net if net.centres else demo_network()


def _centre_json(c, owners: dict[str, str]) -> dict[str, Any]:
    return {**c.to_record(), "owner": owners.get(c.id)}


def list_centres(db) -> dict[str, Any]:
    """Every centre (stored, or the synthetic demo's) with its fields, city and owner."""
    net = network(db)
    return {"synthetic": net.synthetic, "centres": [_centre_json(c, net.owners) for c in net.centres]}


def list_requests(db) -> dict[str, Any]:
    net = network(db)
    return {"synthetic": net.synthetic, "requests": [r.to_record() for r in net.requests]}


# ---------------------------------------------------------------------------- imports
def _owner_for(who, owner: str | None) -> str:
    from citynexus.services.auth import PermissionDenied

    if owner is None or owner == who.org:
        return who.org
    if not who.is_platform:
        raise PermissionDenied("only a platform key may import records for another organisation")
    return owner


def _upload_path(tmp: str, filename: str, allowed: tuple[str, ...]) -> Path:
    from citynexus.centres.errors import CentresImportError, ImportProblem

    suffix = Path(filename).suffix.lower()
    if suffix not in allowed:
        raise CentresImportError(
            [
                ImportProblem(
                    0, "(file)", f"cannot import {filename!r}", f"upload a file ending in {' or '.join(allowed)}"
                )
            ],
            filename,
        )
    return Path(tmp) / f"upload{suffix}"


def _owner_problems(rows, owners: dict[str, str], who, what: str):
    from citynexus.centres.errors import ImportProblem

    if who.is_platform:
        return []
    return [
        ImportProblem(
            i,
            "id",
            f"{what} {r.id!r} belongs to organisation {owners[r.id]!r}; key {who.key_name!r} acts for {who.org!r}",
            "use an id of your own",
        )
        for i, r in enumerate(rows, start=1)
        if r.id in owners and owners[r.id] != who.org
    ]


def import_upload(
    db,
    who,
    filename: str,
    content: bytes,
    kind: str = "centres",
    client: str | None = None,
    owner: str | None = None,
) -> dict[str, Any]:
    """Import an uploaded JSON Lines (or Excel) file of centres or requests for ``who``: an editor;
    all-or-nothing (every problem listed, with its line and field); a stored record of another
    organisation is refused, named with its line. New records belong to ``who``'s organisation (or
    ``owner``, for a platform key). Audited (``centres.import``)."""
    import tempfile

    from citynexus.centres.errors import CentresError, CentresImportError
    from citynexus.centres.records import read_centres, read_requests
    from citynexus.services import audit
    from citynexus.services.auth import require_role
    from citynexus.services.hub import invalidate, write_policy

    if kind not in ("centres", "requests"):
        raise CentresError(f"kind must be centres or requests, got {kind!r}")
    require_role(who, "editor", f"importing {kind}")
    new_owner = _owner_for(who, owner)
    book = _book(db)
    with tempfile.TemporaryDirectory() as tmp:
        p = _upload_path(tmp, filename, (".jsonl", ".ndjson", ".xlsx"))
        p.write_bytes(content)
        try:
            rows = read_centres(p) if kind == "centres" else read_requests(p)
        except CentresImportError as err:
            err.source = filename
            raise
    problems = _owner_problems(rows, book.owners("centre" if kind == "centres" else "request"), who, kind[:-1])
    if problems:
        raise CentresImportError(problems, filename)
    if kind == "centres":
        n = book.import_centres(rows, owner=new_owner, authorize=write_policy(who))
        invalidate(book.engine)
    else:
        n = book.import_requests(rows, owner=new_owner)
    audit.record(
        book.engine, who, f"centres.import.{kind}", "file", filename, client, {"stored": n, "owner": new_owner}
    )
    return {"source": filename, "kind": kind, "stored": n, "ids": [r.id for r in rows], "owner": new_owner}


# ---------------------------------------------------------------------------- routing
def _router(net: Network, encoder=None):
    from citynexus.centres.routing import Router

    key = (net.digest if not net.synthetic else "demo", tuple(c.id for c in net.centres), id(encoder))
    return _router_cache.get(key, lambda: Router(net.centres, encoder=encoder))


def route_text(
    db,
    text: str,
    sme: str = "SME",
    city: str | None = None,
    top: int = 3,
    mode: str = "hybrid",
    referrals: bool = True,
    encoder=None,
) -> dict[str, Any]:
    """Rank the centres (stored, or the synthetic demo's) for one problem statement: reasons,
    a referral when the problem spans fields, a team for a cross-disciplinary case."""
    from citynexus.centres.errors import RoutingError
    from citynexus.centres.records import parse_requests

    if not 1 <= top <= MAX_TOP:
        raise RoutingError(f"top must lie between 1 and {MAX_TOP}, got {top}")
    if mode not in ("hybrid", "bm25", "dense"):
        raise RoutingError(f"mode must be hybrid, bm25 or dense, got {mode!r}")
    net = network(db)
    obj: dict[str, Any] = {"id": "REQ", "sme": sme, "text": text, "city": city or "GZ"}
    (req,) = parse_requests([obj], "(request)")
    out = _router(net, encoder).route(req, top=top, mode=mode, referrals=referrals).to_json()
    out["synthetic"] = net.synthetic
    return out


def inbox(db, page: int = 1, size: int = 8, encoder=None) -> dict[str, Any]:
    """One page of the request inbox: each request with its routing (cached per request)."""
    net = network(db)
    reqs = net.requests
    pages = max(1, -(-len(reqs) // size))
    page = min(max(1, page), pages)
    shown = reqs[(page - 1) * size : page * size]
    router = _router(net, encoder)
    key0 = net.digest if not net.synthetic else "demo"
    items = []
    for r in shown:
        routing = _route_cache.get((key0, r.id, r.text, r.city), lambda r=r: router.route(r, top=3).to_json())
        items.append({"request": r.to_record() | {"lang": r.lang}, "routing": routing})
    return {"synthetic": net.synthetic, "page": page, "pages": pages, "total": len(reqs), "items": items}


# ---------------------------------------------------------------------------- service records
def _centre_parties(net_owners: dict[str, str], centre: str) -> set[str]:
    """Organisations acting for a centre: the centre's own id (its hub organization) and the
    organisation that owns its record."""
    return {centre, net_owners.get(centre, centre)}


def record_action(db, who, action: str, record: str | None = None, client: str | None = None, **kw: Any) -> dict:
    """One step of a service record, checked for role and party, and written to the audit trail.

    - ``open`` (``centre``, ``sme`` or ``request``, ...): an editor of the SME or of the centre;
    - ``accept`` / ``deliver``: an editor of the centre (its id, or the organisation owning it);
    - ``confirm`` (``rating``, ``outcome``): an editor of the SME — and never one acting for the
      centre, so a centre cannot confirm its own service here at all (the funding rule that flags
      self-confirmations remains for records that arrive by other ways, e.g. a CSV);
    the platform may do every step, but a confirmation it makes is recorded as the platform's and is
    never counted. ``who`` is a :class:`citynexus.services.auth.Principal`."""
    from citynexus.centres.errors import RecordError
    from citynexus.hub.errors import NotFoundError
    from citynexus.services import audit
    from citynexus.services.auth import PermissionDenied, require_role

    if action not in ACTIONS:
        raise RecordError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    book = _book(db)
    owners = book.owners()
    require_role(who, "editor", f"the {action} step of a service record")
    detail: dict[str, Any] = {}
    if action == "open":
        centre, sme = kw.get("centre"), kw.get("sme")
        if centre not in owners:
            raise NotFoundError(f"no centre {centre!r} stored; import the centres first")
        if kw.get("request"):
            req = next((r for r in book.requests() if r.id == kw["request"]), None)
            if req is None:
                raise NotFoundError(f"no request {kw['request']!r} stored")
            sme = req.sme
        if not who.is_platform and who.org not in _centre_parties(owners, centre) | {sme}:
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
            raise NotFoundError(f"no service record {record!r}")
        centre_side = _centre_parties(owners, cur["centre"])
        if action == "confirm":
            if not who.is_platform and (who.org != cur["sme"] or who.org in centre_side):
                raise PermissionDenied(
                    f"service record {record} belongs to organisation {cur['sme']!r} for confirmation: only the SME "
                    f"confirms, never the centre; key {who.key_name!r} acts for {who.org!r}"
                )
        elif not who.is_platform and who.org not in centre_side:
            raise PermissionDenied(
                f"service record {record} ({action}) belongs to organisation {cur['centre']!r}: only the centre "
                f"accepts and delivers; key {who.key_name!r} acts for {who.org!r}"
            )
        if action == "accept":
            book.accept(record)
        elif action == "deliver":
            detail["ledger_entry"] = book.deliver(record)
        else:
            by = who.org
            detail["ledger_entry"] = book.confirm(record, kw["rating"], kw.get("outcome"), by=by)
            detail["rating"] = kw["rating"]
    audit.record(book.engine, who, f"centres.record.{action}", "service_record", record, client, detail)
    return {"record": record, "action": action, **detail}


def list_records(db, centre: str | None = None, period: str | None = None) -> dict[str, Any]:
    """Service records (stored, or the synthetic demo's) with whether each verifies."""
    net = network(db)
    rows = [
        {**r, "verified": r["id"] in net.verified}
        for r in net.records
        if (centre is None or r["centre"] == centre) and (period is None or r["period"] == period)
    ]
    return {"synthetic": net.synthetic, "records": rows}


# ---------------------------------------------------------------------------- performance
def performance(db, year: int | None = None, samples: int | None = None) -> dict[str, Any]:
    """The performance report of the stored network or the synthetic demo (cached per state)."""
    net = network(db)
    return _perf_cache.get((net.digest, year, samples), lambda: _performance(net, year, samples))


# ---------------------------------------------------------------------------- funding
def formula_of(spec: dict[str, Any] | None, name: str = "custom"):
    """A :class:`Formula` from the TOML layout as a dict (``base_share``, ``performance``
    {``quantity``, ``quality``, ``quantity_split``, ``quality_split``}, ``limits``); a missing
    complement is filled in (``quality = 1 − quantity``...). None: the documented default."""
    from citynexus.centres import funding as fu
    from citynexus.centres.errors import FormulaError

    if spec is None:
        return fu.Formula.default()
    if not isinstance(spec, dict):
        raise FormulaError("formula must be an object in the layout of the TOML formula")
    d = json.loads(json.dumps(spec))
    d.setdefault("name", name)
    perf = d.get("performance")
    if isinstance(perf, dict):
        pairs = [
            (perf, "quantity", "quality"),
            (perf.get("quantity_split"), "distinct_smes", "confirmed_services"),
            (perf.get("quality_split"), "ratings", "outcomes"),
        ]
        for table, a, b in pairs:
            if not isinstance(table, dict):
                continue
            va, vb = table.get(a), table.get(b)
            if isinstance(va, int | float) and not isinstance(va, bool) and vb is None:
                table[b] = 1 - va
            elif isinstance(vb, int | float) and not isinstance(vb, bool) and va is None:
                table[a] = 1 - vb
    base = fu.Formula.default().to_toml_dict()
    for k, v in base.items():
        if k not in d:
            d[k] = v
        elif isinstance(v, dict) and isinstance(d[k], dict):
            for k2, v2 in v.items():
                if k2 not in d[k]:
                    d[k][k2] = v2
                elif isinstance(v2, dict) and isinstance(d[k][k2], dict):
                    d[k][k2] = {**v2, **d[k][k2]}
    return fu.Formula.from_dict(d, "formula")


def _records_of(records: list[dict[str, Any]] | None, records_csv: str | None):
    """Funding records from JSON objects or CSV text (same columns and checks as the CSV file)."""
    import csv
    import io

    from citynexus.centres import funding as fu

    if records_csv is not None:
        return fu.parse_records_csv(records_csv, "(records_csv)")
    cols = list(fu.REQUIRED_COLUMNS)
    for r in records or []:
        for k in r if isinstance(r, dict) else ():
            if k not in cols:
                cols.append(str(k))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols)
    w.writeheader()
    for r in records or []:
        if not isinstance(r, dict):
            r = {"centre": json.dumps(r)}
        w.writerow({k: ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v)) for k, v in r.items()})
    return fu.parse_records_csv(buf.getvalue(), "(records)")


def fund(
    db,
    budget: str,
    formula: dict[str, Any] | None = None,
    records: list[dict[str, Any]] | None = None,
    records_csv: str | None = None,
    compare_with: dict[str, Any] | None = None,
    demo: bool = False,
    sensitivity: bool = False,
) -> dict[str, Any]:
    """Allocate ``budget`` with ``formula`` (default: the documented one) over the given records,
    or — without records — over the stored network's ledger-verified records (the synthetic demo
    when none is stored). Every row also carries its amount under the default formula and the
    change (``vs_default``); amounts sum to the budget exactly (largest remainder to the cent).
    ``sensitivity``: each amount's 5-95 % range and Sobol indices when the formula's weights vary
    ±50 % (:func:`citynexus.centres.funding.sensitivity`)."""
    from citynexus.centres import funding as fu

    f = formula_of(formula)
    if records is None and records_csv is None:
        net = demo_network() if demo else network(db)
        recs = net.funding_records()
        kw: dict[str, Any] = {"centres": [c.id for c in net.centres], "affiliates": net.affiliates()}
        synthetic = net.synthetic
        names = {c.id: (c.name, c.name_zh) for c in net.centres}
    else:
        recs = _records_of(records, records_csv)
        kw, synthetic, names = {}, False, {}
    out = fu.allocate(recs, budget, f, **kw).to_json()
    default = fu.allocate(recs, budget, fu.Formula.default(), **kw).amounts()
    for r in out["allocations"]:
        r["default_amount"] = default[r["centre"]]
        r["vs_default"] = round(r["amount"] - default[r["centre"]], 2)
        if r["centre"] in names:
            r["name"], r["name_zh"] = names[r["centre"]]
    if compare_with is not None:
        g = formula_of(compare_with, "b")
        out["comparison"] = {"a": f.name, "b": g.name, "rows": fu.compare(recs, budget, f, g, **kw)}
    if sensitivity:
        key = (
            hashlib.sha256(json.dumps([r.__dict__ for r in recs], sort_keys=True, default=str).encode()).hexdigest(),
            json.dumps(f.to_toml_dict(), sort_keys=True),
            str(budget),
            json.dumps(kw, sort_keys=True, default=str),
        )
        out["sensitivity"] = _sensitivity_cache.get(key, lambda: fu.sensitivity(recs, budget, f, **kw))
    out["synthetic"] = synthetic
    return out


_sensitivity_cache = LRU(32)


def funding_summary(budget: str = "1000000") -> str:
    """One line: the default formula's allocation of ``budget`` over the SYNTHETIC demo network
    (for ``citynexus demo``)."""
    out = fund(None, budget, demo=True)
    rows = out["allocations"]
    s = out["summary"]
    top, low = rows[0], rows[-1]
    return (
        f"SME service centres (synthetic demo), default funding formula: {s['sum']:,.2f} over {s['centres']} "
        f"centres from {s['counted_services']} counted services ({s['excluded_records']} not counted, "
        f"{s['flagged_records']} flagged); highest {top['centre']} {top['amount']:,.2f}, "
        f"lowest {low['centre']} {low['amount']:,.2f}"
    )


# ---------------------------------------------------------------------------- talent
def talent_pool(db) -> dict[str, Any]:
    """Stored talent profiles and positions, or the synthetic demo's when none is stored."""
    from citynexus.centres import talent as tl

    ts, ps = tl.load_talent(_url(db))
    synthetic = not ts and not ps
    if synthetic:
        ts, ps = tl.demo_talent()
    return {"synthetic": synthetic, "talents": ts, "positions": ps}


def _talent_matcher(pool: dict[str, Any], encoder=None):
    from dataclasses import asdict

    from citynexus.centres import talent as tl

    key = (
        hashlib.sha256(
            json.dumps(
                [[asdict(t) for t in pool["talents"]], [asdict(p) for p in pool["positions"]]], sort_keys=True
            ).encode()
        ).hexdigest(),
        id(encoder),
    )
    return _talent_cache.get(key, lambda: tl.TalentMatcher(pool["talents"], pool["positions"], encoder=encoder))


def talent_match(
    db, position: str | None = None, talent: str | None = None, top: int = 5, encoder=None
) -> dict[str, Any]:
    """Talents for a position or positions for a talent (hard constraints and reasons)."""
    from citynexus.centres.errors import RoutingError
    from citynexus.hub.errors import NotFoundError

    if (position is None) == (talent is None):
        raise RoutingError("give exactly one of position or talent")
    if not 1 <= top <= 50:
        raise RoutingError(f"top must lie between 1 and 50, got {top}")
    pool = talent_pool(db)
    ids = {p.id for p in pool["positions"]} if position else {t.id for t in pool["talents"]}
    wanted = position or talent
    if wanted not in ids:
        raise NotFoundError(f"no {'position' if position else 'talent'} {wanted!r}")
    m = _talent_matcher(pool, encoder)
    rows = m.for_position(position, top) if position else m.for_talent(talent, top)
    return {"synthetic": pool["synthetic"], "position" if position else "talent": wanted, "matches": rows}


def import_talent_upload(
    db, who, filename: str, content: bytes, client: str | None = None, owner: str | None = None
) -> dict[str, Any]:
    """Import an uploaded JSON Lines file of talent profiles and positions for ``who`` (an editor;
    all-or-nothing; a stored record of another organisation is refused). Audited."""
    import tempfile
    from dataclasses import asdict

    from sqlalchemy import select

    from citynexus.centres import talent as tl
    from citynexus.centres.errors import CentresImportError, ImportProblem
    from citynexus.services import audit
    from citynexus.services.auth import require_role
    from citynexus.store import get_engine, session_scope
    from citynexus.store.centres import TalentRecordRow

    require_role(who, "editor", "importing talent records")
    new_owner = _owner_for(who, owner)
    with tempfile.TemporaryDirectory() as tmp:
        p = _upload_path(tmp, filename, (".jsonl", ".ndjson"))
        p.write_bytes(content)
        try:
            ts, ps = tl.read_talent_file(p)
        except CentresImportError as err:
            err.source = filename
            raise
    engine = get_engine(_url(db))
    with session_scope(engine) as s:
        owners = {
            (k, i): o
            for k, i, o in s.execute(select(TalentRecordRow.kind, TalentRecordRow.id, TalentRecordRow.owner_org))
        }
    items = [("talent", t) for t in ts] + [("position", q) for q in ps]
    if not who.is_platform:
        problems = [
            ImportProblem(
                n,
                "id",
                f"{k} {x.id!r} belongs to organisation {owners[(k, x.id)]!r}; "
                f"key {who.key_name!r} acts for {who.org!r}",
                "use an id of your own",
            )
            for n, (k, x) in enumerate(items, start=1)
            if owners.get((k, x.id), who.org) != who.org
        ]
        if problems:
            raise CentresImportError(problems, filename)
    with session_scope(engine) as s:
        for k, x in items:
            s.merge(TalentRecordRow(kind=k, id=x.id, data=asdict(x), owner_org=owners.get((k, x.id), new_owner)))
    detail = {"talents": len(ts), "positions": len(ps), "owner": new_owner}
    audit.record(engine, who, "centres.talent.import", "file", filename, client, detail)
    return {"source": filename, **detail}


# ---------------------------------------------------------------------------- the network map
def network_map(db, year: int | None = None) -> dict[str, Any]:
    """Centres placed at their cities (coordinates of the hub's city table) with the distinct
    SMEs each served in ``year`` (default: the latest; SME-confirmed, verified records), and the
    referral links between centres (who passed work to whom) of that year."""
    from citynexus.centres import performance as pf
    from citynexus.hub import cities as hc

    net = network(db)
    table = pf.performance_table(net.records, [c.id for c in net.centres], net.verified)
    years = sorted(int(y) for y in table["year"].unique()) if len(table) else []
    year = int(year or (years[-1] if years else 0))
    served = {r["centre"]: int(r["distinct_smes"]) for r in table.to_dict("records") if r["year"] == year}
    city = hc.cities()
    nodes = []
    for c in net.centres:
        cc = city.get(c.city)
        nodes.append(
            {
                "id": c.id,
                "name": c.name,
                "name_zh": c.name_zh or c.name,
                "city": c.city,
                "city_name": cc.name if cc else c.city,
                "city_name_zh": cc.name_zh if cc else c.city,
                "lat": cc.lat if cc else None,
                "lon": cc.lon if cc else None,
                "fields": list(c.fields),
                "smes": served.get(c.id, 0),
            }
        )
    links = pf.referral_links([r for r in net.records if int(str(r["period"])[:4]) == year])
    used = {c.city for c in net.centres}
    cities = [
        {"code": k, "name": v.name, "name_zh": v.name_zh, "lat": v.lat, "lon": v.lon, "has_centre": k in used}
        for k, v in city.items()
    ]
    return {
        "synthetic": net.synthetic,
        "year": year,
        "years": years,
        "nodes": nodes,
        "links": [{"from": a, "to": b, "n": int(n)} for a, b, n in links[["a", "b", "r"]].itertuples(False)],
        "cities": cities,
    }


def command_line_principal(db, action: str, record: str | None = None, acting_as: str | None = None, **kw: Any):
    """The principal a ``citynexus centres record`` command acts for: the organisation given with
    ``--as`` (an editor), by default the natural party of the step — the SME for ``open`` and
    ``confirm``, the centre for ``accept`` and ``deliver``. The step then goes through
    :func:`record_action`'s checks like an API call (key name ``cli``), so a centre cannot confirm
    its own service from the command line either."""
    from citynexus.services.auth import Principal

    org = acting_as
    if org is None:
        book = _book(db)
        if action == "open":
            org = kw.get("sme")
            if org is None and kw.get("request"):
                org = next((r.sme for r in book.requests() if r.id == kw["request"]), None)
            org = org or kw.get("centre")
        else:
            cur = next((r for r in book.records() if r["id"] == record), None)
            if cur is not None:
                org = cur["sme"] if action == "confirm" else cur["centre"]
    return Principal(0, "cli", org or "local", "editor")


def warm(db=None, encoder=None) -> None:
    """Build what the first routing and talent request would build (the sentence encoder, jieba's
    dictionary, the centres' and the talent matchers): about 10-15 s on two shared cores, once per
    process."""
    net = network(db)
    _router(net, encoder)
    if net.requests:
        route_text(db, net.requests[0].text, encoder=encoder)
    _talent_matcher(talent_pool(db), encoder)


def create_request(db, who, obj: dict[str, Any], client: str | None = None) -> dict[str, Any]:
    """Store one SME request (the web form and ``POST /api/v1/centres/requests``): an editor; the
    request is validated like a line of a requests file (every problem listed, nothing stored);
    ``sme`` defaults to the key's organisation, ``id`` to a new one; an existing id is refused (409).
    Owned by ``who``'s organisation; audited (``centres.request.create``)."""
    import uuid

    from citynexus.centres.records import parse_requests
    from citynexus.services import audit
    from citynexus.services.auth import require_role
    from citynexus.services.hub import RecordExistsError

    require_role(who, "editor", "submitting a service request")
    obj = dict(obj)
    obj.setdefault("sme", who.org)
    if not obj.get("id"):
        obj["id"] = f"REQ-{uuid.uuid4().hex[:10]}"
    (req,) = parse_requests([obj], "(request)")
    book = _book(db)
    if req.id in book.owners("request"):
        raise RecordExistsError(f"a request with id {req.id!r} exists already")
    book.import_requests([req], owner=who.org)
    audit.record(book.engine, who, "centres.request.create", "service_request", req.id, client, {"sme": req.sme})
    return {**req.to_record(), "lang": req.lang, "owner": who.org}
