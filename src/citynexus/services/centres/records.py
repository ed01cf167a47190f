"""Writes of the service network: uploaded centres and requests files, one SME request, and the
steps of a service record (open, accept, deliver, confirm), each checked for role and party in
:mod:`citynexus.services.auth` and written to the audit trail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from citynexus.services.auth import import_owner
from citynexus.services.centres.state import _book, network

ACTIONS = ("open", "accept", "deliver", "confirm")
#: The largest centres, requests or talent file an upload may be (the API answers 413 past it).
MAX_UPLOAD = 20 * 1024 * 1024
#: The file types of a centres or requests upload (JSON Lines or an Excel workbook).
UPLOAD_TYPES = (".jsonl", ".ndjson", ".xlsx")


def _upload_path(tmp: str, filename: str, allowed: tuple[str, ...]) -> Path:
    from citynexus.centres.errors import CentresImportError, ImportProblem

    suffix = Path(filename).suffix.lower()
    if suffix not in allowed:
        raise CentresImportError(
            [
                ImportProblem(
                    0,
                    "(file)",
                    f"cannot import {filename!r}",
                    f"upload a file ending in {' or '.join(allowed)}",
                    kind="file_type_of",
                    values={"value": repr(filename), "allowed": ", ".join(allowed)},
                )
            ],
            filename,
        )
    return Path(tmp) / f"upload{suffix}"


def _owner_problems(rows, owners: dict[str, str], who, what: str):

    if who.is_platform:
        return []
    return [
        not_owner(i, what, r.id, owners[r.id], who)
        for i, r in enumerate(rows, start=1)
        if r.id in owners and owners[r.id] != who.org
    ]


def not_owner(line: int, what: str, rid: str, owner: str, who):
    """The problem of record ``rid`` (a ``what``) of another organisation ``owner`` in an import of
    ``who`` (kind ``not_owner``)."""
    from citynexus.centres.errors import problem_of

    problem = f"{what} {rid!r} belongs to organisation {owner!r}; key {who.key_name!r} acts for {who.org!r}"
    values = {"record": what, "value": repr(rid), "owner": repr(owner), "key": repr(who.key_name), "org": repr(who.org)}
    return problem_of(line, "id", problem, "use an id of your own", "not_owner", **values)


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
    new_owner = import_owner(who, owner)
    book = _book(db)
    with tempfile.TemporaryDirectory() as tmp:
        p = _upload_path(tmp, filename, UPLOAD_TYPES)
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
