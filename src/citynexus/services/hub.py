"""Use cases of the cooperation hub shared by the API, the dashboard and the CLI.

The hub lives in the app's database. One :class:`~citynexus.hub.Matcher` per database is
kept in memory and rebuilt when the hub changes (record counts or the newest ``updated_at``
differ, or an import went through :func:`import_bytes`); sentence vectors are cached in the
database, so a rebuild only encodes new or changed texts.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, select

from citynexus.errors import CityNexusError, ConflictError
from citynexus.hub import Hub, HubImportError, ImportProblem, Matcher, NotFoundError
from citynexus.hub.registry import Authorize
from citynexus.services import audit
from citynexus.services.auth import Principal, can_see, check_write, import_owner, require_role
from citynexus.store import session_scope
from citynexus.store.hub import HubNeed, HubOffer, HubOrganization

if TYPE_CHECKING:
    from citynexus.hub.encoder import Encoder
    from citynexus.services.workers import Workers

SYNTHETIC_MARKERS = ("Synthetic demo record", "合成演示数据")


class RecordExistsError(ConflictError):
    """A record with that id exists already (HTTP 409)."""


def hub_of(engine: Engine) -> Hub:
    """The hub stored in ``engine``'s database."""
    return Hub(engine.url.render_as_string(hide_password=False))


def state_of(engine: Engine) -> tuple:
    """A cheap fingerprint of the hub's content: counts and newest update per table."""
    with session_scope(engine) as s:
        out = []
        for table in (HubOrganization, HubOffer, HubNeed):
            n, last = s.execute(select(func.count(), func.max(table.updated_at)).select_from(table)).one()
            out.append((int(n), str(last)))
    return tuple(out)


def is_empty(engine: Engine) -> bool:
    return all(n == 0 for n, _ in state_of(engine))


_lock = threading.Lock()
_cache: dict[str, tuple[tuple, Matcher]] = {}
_generation: dict[str, int] = {}


def invalidate(engine: Engine) -> None:
    """Forget the cached matcher of ``engine`` (after an import)."""
    key = str(engine.url)
    with _lock:
        _cache.pop(key, None)
        _generation[key] = _generation.get(key, 0) + 1


def matcher_of(engine: Engine, encoder: Encoder | None = None) -> Matcher:
    """The matcher over everything in ``engine``'s hub (built once per hub state). ``encoder``
    defaults to the process-wide default encoder."""
    key = str(engine.url)
    with _lock:
        state = (_generation.get(key, 0), state_of(engine), getattr(encoder, "name", None))
        hit = _cache.get(key)
        if hit is not None and hit[0] == state:
            return hit[1]
        m = hub_of(engine).matcher(encoder=encoder).build()
        _cache[key] = (state, m)
        return m


def graph_of(m: Matcher):
    """The organizations' match graph of a matcher (computed once per matcher)."""
    g = getattr(m, "_cnx_graph", None)
    if g is None:
        from citynexus.hub import match_graph

        with _lock:
            g = getattr(m, "_cnx_graph", None)
            if g is None:
                g = match_graph(m)
                m._cnx_graph = g
    return g


def is_synthetic_org(org) -> bool:
    """Records of the bundled demo hub say so in their descriptions."""
    return any((d or "").startswith(SYNTHETIC_MARKERS) for d in (org.description, org.description_zh))


def any_synthetic(m: Matcher) -> bool:
    return any(is_synthetic_org(o) for o in m.orgs.values())


def org_json(m: Matcher, org_id: str) -> dict[str, Any]:
    o = m.orgs.get(org_id)
    if o is None:
        return {"id": org_id}
    from citynexus.hub import cities as _cities

    c = _cities.cities().get(o.city)
    return {
        "id": o.id,
        "name": o.name,
        "name_zh": o.name_zh,
        "kind": o.kind,
        "city": o.city,
        "city_name": c.name if c else o.city,
        "city_name_zh": c.name_zh if c else o.city,
        "synthetic": is_synthetic_org(o),
    }


def item_json(m: Matcher, item_type: str, item_id: str) -> dict[str, Any]:
    it = (m.offers if item_type == "offer" else m.needs).get(item_id)
    if it is None:
        return {"id": item_id}
    extra = {"attributes": it.attributes} if item_type == "offer" else {"constraints": it.constraints}
    return {
        "id": it.id,
        "kind": it.kind,
        "title": it.title,
        "text": it.text,
        "lang": it.lang,
        "industries": it.industries,
        **extra,
    }


def match_json(m: Matcher, match) -> dict[str, Any]:
    """A ranked match with the matched item and its organization spelled out."""
    return {
        "type": match.item_type,
        "id": match.item_id,
        "score": round(match.score, 6),
        "item": item_json(m, match.item_type, match.item_id),
        "org": org_json(m, match.org),
        "reasons": match.reasons,
    }


def write_policy(who: Principal) -> Authorize:
    """The hub's ownership rule for ``who``: a stored record may be changed only by its owner
    organisation, an offer or need only for an organization of the same owner; the platform
    may change anything."""

    def authorize(t: str, rid: str, stored_owner: str | None, parent_owner: str | None) -> ImportProblem | None:
        if who.is_platform:
            return None
        values = {"record": t, "value": repr(rid), "key": repr(who.key_name), "org": repr(who.org)}
        if stored_owner is not None and stored_owner != who.org:
            return ImportProblem(
                0,
                "id",
                f"{t} {rid!r} belongs to organisation {stored_owner!r}; key {who.key_name!r} acts for {who.org!r}",
                "use an id of your own",
                kind="not_owner",
                values={**values, "owner": repr(stored_owner)},
            )
        if parent_owner is not None and parent_owner != who.org:
            return ImportProblem(
                0,
                "org",
                f"{t} {rid!r} is listed for an organization of {parent_owner!r}; a key of {who.org!r} can list "
                "offers and needs only for its own organizations",
                "list it under an organization of your own",
                kind="not_own_organization",
                values={**values, "owner": repr(parent_owner)},
            )
        return None

    return authorize


def import_bytes(
    engine: Engine, who: Principal, filename: str, content: bytes, client: str | None = None, owner: str | None = None
) -> dict[str, Any]:
    """Import an uploaded .jsonl or .xlsx file for ``who`` (all-or-nothing, every record
    owner-checked); new records belong to ``who``'s organisation (or ``owner``, for a
    platform key). Raises HubImportError listing every problem. Audited."""
    require_role(who, "editor", "importing hub records")
    new_owner = import_owner(who, owner)
    suffix = Path(filename).suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".json", ".xlsx"):
        raise HubImportError(
            [
                ImportProblem(
                    0,
                    "(file)",
                    f"cannot import {filename!r}",
                    "upload a JSON Lines (.jsonl) or Excel (.xlsx) file",
                    kind="file_type",
                    values={"value": repr(filename)},
                )
            ],
            filename,
        )
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"upload{suffix}"
        p.write_bytes(content)
        hub = hub_of(engine)
        report = hub.import_file(p, owner=new_owner, authorize=write_policy(who), source=filename)
    invalidate(engine)
    audit.record(
        engine,
        who,
        "hub.import",
        "file",
        filename,
        client,
        {"created": report.n_created, "updated": report.n_updated, "owner": new_owner},
    )
    body = report.to_json()
    body["source"] = filename
    body["summary"] = report.summary()
    body["counts"] = hub.counts()
    return body


def import_upload(
    workers: Workers,
    engine: Engine,
    who: Principal,
    filename: str,
    content: bytes,
    client: str | None = None,
    owner: str | None = None,
) -> dict[str, Any]:
    """:func:`import_bytes` in one of ``workers``' processes (a small file in the calling
    thread), so the server keeps answering while a large file is parsed and stored; the
    server's cached matcher is dropped afterwards. Errors are those of :func:`import_bytes`,
    or the workers' time limit and loss (:mod:`citynexus.services.workers`)."""
    try:
        return workers.run(import_bytes, engine, who, filename, content, client, owner, size=len(content))
    finally:
        invalidate(engine)


# ---------------------------------------------------------------------------- search and portraits
def private_needs(engine: Engine) -> dict[str, str]:
    """Private needs and their owner organisation."""
    with session_scope(engine) as s:
        return dict(s.execute(select(HubNeed.id, HubNeed.owner_org).where(HubNeed.visibility == "private")).all())


def _hidden(engine: Engine, who: Principal | None) -> set[str]:
    """Ids of the private needs ``who`` may not see."""
    return {i for i, o in private_needs(engine).items() if not can_see(who, o, True)}


def search(
    engine: Engine,
    encoder: Encoder | None,
    who: Principal | None,
    q: str,
    target: str = "offer",
    top: int = 10,
    lang: str | None = None,
) -> dict[str, Any]:
    """Hybrid search of offers or needs; private needs only for those who may see them."""
    if not q.strip():
        raise CityNexusError("the search text is empty: type a few words, e.g. 'battery recycling' or '电池回收'")
    if is_empty(engine):
        return {"query": q, "target": target, "empty": True, "synthetic": False, "results": []}
    m = matcher_of(engine, encoder)
    hidden = _hidden(engine, who) if target == "need" else set()
    res = m.search(q, top=top + len(hidden), target=target, lang=lang)
    res = [r for r in res if r.item_id not in hidden][:top]
    return {
        "query": q,
        "target": target,
        "empty": False,
        "synthetic": any_synthetic(m),
        "results": [match_json(m, r) for r in res],
    }


def need_matches(
    engine: Engine, encoder: Encoder | None, who: Principal | None, need_id: str, top: int = 10, mode: str = "hybrid"
) -> dict[str, Any]:
    """Offers ranked for a need (NotFoundError for a private need of another organisation)."""
    if is_empty(engine):
        raise NotFoundError(f"no need with id {need_id!r}: the hub is empty")
    if need_id in _hidden(engine, who):
        raise NotFoundError(f"no need with id {need_id!r} in the hub")
    m = matcher_of(engine, encoder)
    res = m.match_need(need_id, top=top, mode=mode)
    need = m.needs[need_id]
    return {
        "need": {**item_json(m, "need", need_id), "org": org_json(m, need.org)},
        "mode": mode,
        "synthetic": any_synthetic(m),
        "matches": [match_json(m, r) for r in res],
    }


def portrait_of(engine: Engine, encoder: Encoder | None, who: Principal | None, org_id: str) -> dict[str, Any]:
    """The digital portrait of an organization (its private needs only for those who may see them)."""
    from citynexus.hub import portrait

    if is_empty(engine):
        raise NotFoundError(f"no organization with id {org_id!r}: the hub is empty")
    m = matcher_of(engine, encoder)
    if org_id not in m.orgs:
        raise NotFoundError(f"no organization with id {org_id!r} in the hub")
    p = portrait(m, org_id, graph=graph_of(m))
    hidden = _hidden(engine, who)
    p["needs"] = [n for n in p["needs"] if n["id"] not in hidden]
    p["synthetic"] = is_synthetic_org(m.orgs[org_id])
    p["compliance"] = compliance_of(engine, who, org_id)
    return p


def compliance_of(engine: Engine, who: Principal | None, org_id: str) -> dict[str, Any]:
    """The organization's agreements and compliance record (met/breached share by category)
    over the agreements ``who`` may see."""
    from citynexus.services.agree import organization_compliance

    return organization_compliance(org_id, engine.url.render_as_string(hide_password=False), viewer=who)


# ---------------------------------------------------------------------------- one record at a time
RECORD_TYPES = {"orgs": "organization", "offers": "offer", "needs": "need"}


def _record_json(engine: Engine, item_type: str, item_id: str) -> dict[str, Any]:
    hub = hub_of(engine)
    rec = {"organization": hub.organization, "offer": hub.offer, "need": hub.need}[item_type](item_id)
    return {**rec.to_record(), "owner": hub.owner(item_type, item_id)}


def get_record(engine: Engine, who: Principal | None, item_type: str, item_id: str) -> dict[str, Any]:
    """One record as its import record plus its ``owner``; a private need is not found for
    anyone but its owner and the platform."""
    body = _record_json(engine, item_type, item_id)
    if not can_see(who, body["owner"], body.get("visibility") == "private"):
        raise NotFoundError(f"no {item_type} with id {item_id!r} in the hub")
    return body


def _one_record(item_type: str, obj: Any, item_id: str | None) -> dict:
    if not isinstance(obj, dict):
        raise HubImportError(
            [ImportProblem(1, "(record)", "the body must be one JSON object", "", kind="not_record")], "request body"
        )
    obj = dict(obj)
    if obj.setdefault("type", item_type) != item_type:
        raise HubImportError(
            [
                ImportProblem(
                    1,
                    "type",
                    f"{obj['type']!r} sent to the {item_type} endpoint",
                    f"use '{item_type}'",
                    kind="wrong_endpoint",
                    values={"value": repr(obj["type"]), "endpoint": item_type},
                )
            ],
            "request body",
        )
    if item_id is not None and obj.setdefault("id", item_id) != item_id:
        raise HubImportError(
            [
                ImportProblem(
                    1,
                    "id",
                    f"the body's id {obj['id']!r} is not the path's {item_id!r}",
                    "",
                    kind="id_mismatch",
                    values={"value": repr(obj["id"]), "path": repr(item_id)},
                )
            ],
            "request body",
        )
    return obj


def create_record(
    engine: Engine, who: Principal, item_type: str, obj: Any, client: str | None = None
) -> dict[str, Any]:
    """Create one record (the body of one import line) for ``who``'s organisation; an id that
    exists already is refused (409). Audited."""
    require_role(who, "editor", f"creating a hub {item_type}")
    obj = _one_record(item_type, obj, None)
    hub = hub_of(engine)
    rid = obj.get("id")
    if isinstance(rid, str):
        try:
            hub.owner(item_type, rid)
        except NotFoundError:
            pass
        else:
            raise RecordExistsError(f"a {item_type} with id {rid!r} exists already; PUT it to change it")
    hub.import_records([obj], source="request body", owner=who.org, authorize=write_policy(who))
    invalidate(engine)
    audit.record(engine, who, f"hub.{item_type}.create", item_type, str(rid), client)
    return _record_json(engine, item_type, str(rid))


def update_record(
    engine: Engine, who: Principal, item_type: str, item_id: str, obj: Any, client: str | None = None
) -> dict[str, Any]:
    """Replace one stored record (write access to it needed). Audited."""
    require_role(who, "editor", f"changing a hub {item_type}")
    hub = hub_of(engine)
    check_write(who, hub.owner(item_type, item_id), f"{item_type} {item_id!r}")
    hub.import_records([_one_record(item_type, obj, item_id)], "request body", who.org, write_policy(who))
    invalidate(engine)
    audit.record(engine, who, f"hub.{item_type}.update", item_type, item_id, client)
    return _record_json(engine, item_type, item_id)


def delete_record(engine: Engine, who: Principal, item_type: str, item_id: str, client: str | None = None) -> dict:
    """Delete one record (an organization with its offers and needs). Audited."""
    hub = hub_of(engine)
    check_write(who, hub.owner(item_type, item_id), f"{item_type} {item_id!r}")
    hub.delete(item_type, item_id)
    invalidate(engine)
    audit.record(engine, who, f"hub.{item_type}.delete", item_type, item_id, client)
    return {"deleted": item_id, "type": item_type}
