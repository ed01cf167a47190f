"""The talent pool of the service network (人才对接): stored or synthetic profiles and positions,
matching both ways, and the audited import of an uploaded talent file."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from citynexus.services.auth import import_owner
from citynexus.services.cache import LRU
from citynexus.services.centres.records import _upload_path, not_owner
from citynexus.services.centres.state import _url

_talent_cache = LRU(4)


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
    from citynexus.centres.errors import CentresImportError
    from citynexus.services import audit
    from citynexus.services.auth import require_role
    from citynexus.store import get_engine, session_scope
    from citynexus.store.centres import TalentRecordRow

    require_role(who, "editor", "importing talent records")
    new_owner = import_owner(who, owner)
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
            not_owner(n, k, x.id, owners[(k, x.id)], who)
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
