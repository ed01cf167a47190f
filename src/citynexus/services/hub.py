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

from citynexus.hub import Hub, HubImportError, Matcher
from citynexus.store import session_scope
from citynexus.store.hub import HubNeed, HubOffer, HubOrganization

if TYPE_CHECKING:
    from citynexus.hub.encoder import Encoder

SYNTHETIC_MARKERS = ("Synthetic demo record", "合成演示数据")


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


def import_bytes(engine: Engine, filename: str, content: bytes) -> dict[str, Any]:
    """Import an uploaded .jsonl or .xlsx file (all-or-nothing); raises HubImportError."""
    suffix = Path(filename).suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".json", ".xlsx"):
        from citynexus.hub import ImportProblem

        raise HubImportError(
            [
                ImportProblem(
                    0, "(file)", f"cannot import {filename!r}", "upload a JSON Lines (.jsonl) or Excel (.xlsx) file"
                )
            ],
            filename,
        )
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"upload{suffix}"
        p.write_bytes(content)
        hub = hub_of(engine)
        try:
            report = hub.import_file(p)
        except HubImportError as err:
            err.source = filename
            raise
    invalidate(engine)
    body = report.to_json()
    body["source"] = filename
    body["summary"] = report.summary().replace(str(p), filename)
    body["counts"] = hub.counts()
    return body
