"""The hub registry on the store (登记库): import, export, look-up, cached vectors.

>>> hub = Hub("sqlite:///hub.db")               # doctest: +SKIP
>>> report = hub.import_file("listings.jsonl")    # doctest: +SKIP
>>> hub.matcher().match_need("N-001", top=5)      # doctest: +SKIP

Imports are all-or-nothing: every record is validated first (all problems are reported,
each with its line and field); the database is written only when there is none, in one
transaction. Re-importing an id replaces the stored record and the report says so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import delete, select

from citynexus.hub.encoder import Encoder, default_encoder
from citynexus.hub.errors import HubImportError, ImportProblem, NotFoundError
from citynexus.hub.models import Need, Offer, Organization
from citynexus.hub.records import ParsedFile, Record, parse_record, read_file, write_excel, write_jsonl
from citynexus.store import get_engine, session_scope
from citynexus.store.hub import HubNeed, HubOffer, HubOrganization, HubVector

if TYPE_CHECKING:
    from citynexus.hub.config import MatchConfig

TYPES = ("organization", "offer", "need")

#: ``authorize(type, id, stored_owner, parent_owner) -> refusal or None`` (see :meth:`Hub.import_records`): the
#: refusal is an :class:`ImportProblem` whose line and sheet the import fills in.
Authorize = Callable[[str, str, str | None, str | None], ImportProblem | None]


@dataclass
class ImportReport:
    """What an import did: ids created and updated, per record type."""

    source: str = ""
    created: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in TYPES})
    updated: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in TYPES})

    @property
    def n_created(self) -> int:
        return sum(len(v) for v in self.created.values())

    @property
    def n_updated(self) -> int:
        return sum(len(v) for v in self.updated.values())

    def summary(self) -> str:
        parts = []
        for t in TYPES:
            c, u = len(self.created[t]), len(self.updated[t])
            if c or u:
                parts.append(f"{t}s: {c} new, {u} updated")
        head = f"imported {self.source}: " if self.source else "imported: "
        text = head + ("; ".join(parts) if parts else "nothing")
        if self.n_updated:
            ids = [i for t in TYPES for i in self.updated[t]]
            shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
            text += f" (updated existing ids: {shown})"
        return text

    def to_json(self) -> dict:
        return {"source": self.source, "created": self.created, "updated": self.updated}


def _text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _org_from_row(r: HubOrganization) -> Organization:
    return Organization(
        id=r.id,
        name=r.name,
        kind=r.kind,
        city=r.city,
        industries=list(r.industries or []),
        name_zh=r.name_zh,
        size=r.size,
        certifications=list(r.certifications or []),
        description=r.description,
        description_zh=r.description_zh,
    )


def _offer_from_row(r: HubOffer) -> Offer:
    return Offer(r.id, r.org_id, r.kind, r.title, r.text, list(r.industries or []), dict(r.attributes or {}), r.lang)


def _need_from_row(r: HubNeed) -> Need:
    return Need(
        r.id,
        r.org_id,
        r.kind,
        r.title,
        r.text,
        list(r.industries or []),
        dict(r.constraints or {}),
        r.lang,
        r.visibility or "public",
    )


class Hub:
    """Organizations, offers and needs stored in a database (``url``: SQLAlchemy URL or file path;
    default ``CITYNEXUS_DB`` or the user's data directory)."""

    def __init__(self, url: str | None = None):
        self.engine = get_engine(url)

    # ------------------------------------------------------------------ import
    def import_file(
        self, path: str | Path, owner: str | None = None, authorize: Authorize | None = None, source: str = ""
    ) -> ImportReport:
        """Import a JSON Lines or Excel file (all-or-nothing); see :meth:`import_records` for
        ``owner`` and ``authorize``."""
        parsed = read_file(path)
        return self._import_parsed(parsed, source or str(path), owner, authorize)

    def import_records(
        self,
        records: Iterable[dict],
        source: str = "",
        owner: str | None = None,
        authorize: Authorize | None = None,
    ) -> ImportReport:
        """Import record dicts (numbered from 1 like lines of a file), all-or-nothing.

        New records belong to organisation ``owner`` (the store's default when None); an
        updated record keeps its owner. ``authorize(type, id, stored_owner, parent_owner)``
        is asked about every record (``stored_owner``: the owner of the stored record with
        that id, None for a new one; ``parent_owner``: for an offer or need, the owner of its
        organization) and returns an :class:`ImportProblem` to refuse the record (its line and
        sheet are filled in here), or None."""
        parsed = ParsedFile()
        for i, obj in enumerate(records, start=1):
            rec, probs = parse_record(obj, i)
            parsed.problems.extend(probs)
            if rec is not None:
                parsed.records.append((i, None, rec))
        return self._import_parsed(parsed, source, owner, authorize)

    def _import_parsed(
        self, parsed: ParsedFile, source: str, owner: str | None = None, authorize: Authorize | None = None
    ) -> ImportReport:
        problems = list(parsed.problems)
        seen: dict[tuple[str, str], tuple[int, str | None]] = {}
        for line, sheet, rec in parsed.records:
            key = (_type_of(rec), rec.id)
            if key in seen:
                first, first_sheet = seen[key]
                where = f"sheet '{first_sheet}' row {first}" if first_sheet else f"line {first}"
                problems.append(
                    ImportProblem(
                        line,
                        "id",
                        f"duplicate {key[0]} id {rec.id!r} (first at {where})",
                        "",
                        sheet,
                        "duplicate_id",
                        {"value": repr(rec.id), "first": str(first)},
                    )
                )
            else:
                seen[key] = (line, sheet)
        file_orgs = {rid for (t, rid) in seen if t == "organization"}
        with session_scope(self.engine) as s:
            owners = self._owners(s)
        stored_orgs = set(owners["organization"])
        for line, sheet, rec in parsed.records:
            if isinstance(rec, Offer | Need) and rec.org not in file_orgs and rec.org not in stored_orgs:
                problems.append(
                    ImportProblem(
                        line,
                        "org",
                        f"unknown organization {rec.org!r}",
                        "add an organization record with this id (in this file or an earlier import)",
                        sheet,
                        "unknown_org",
                        {"value": repr(rec.org)},
                    )
                )
        if authorize is not None:
            problems.extend(self._authorize(parsed, owners, owner, authorize))
        if problems:
            problems.sort(key=lambda p: (p.sheet or "", p.line))
            raise HubImportError(problems, source)
        report = ImportReport(source=source)
        with session_scope(self.engine) as s:
            existing = {t: set(v) for t, v in self._owners(s).items()}
            # organizations first so that foreign keys hold
            ordered = sorted(parsed.records, key=lambda x: TYPES.index(_type_of(x[2])))
            for _, _, rec in ordered:
                t = _type_of(rec)
                if rec.id in existing[t]:
                    self._update(s, rec)
                    report.updated[t].append(rec.id)
                else:
                    row = _to_row(rec)
                    if owner is not None:
                        row.owner_org = owner
                    s.add(row)
                    report.created[t].append(rec.id)
                if t == "organization":
                    s.flush()
        return report

    @staticmethod
    def _update(s, rec: Record) -> None:
        row = s.get({Organization: HubOrganization, Offer: HubOffer, Need: HubNeed}[type(rec)], rec.id)
        new = _to_row(rec)
        for col in row.__table__.columns.keys():  # noqa: SIM118 - a ColumnCollection, not a dict
            if col in ("id", "created_at", "updated_at", "owner_org"):
                continue
            setattr(row, col, getattr(new, col))

    @staticmethod
    def _owners(s) -> dict[str, dict[str, str]]:
        """Stored ids and their owner organisation, per record type."""
        return {
            t: dict(s.execute(select(table.id, table.owner_org)).all())
            for t, table in (("organization", HubOrganization), ("offer", HubOffer), ("need", HubNeed))
        }

    @staticmethod
    def _authorize(parsed: ParsedFile, owners: dict, owner: str | None, authorize: Authorize) -> list[ImportProblem]:
        # an organization of this file keeps its stored owner, or becomes the importer's
        org_owner = dict(owners["organization"])
        for _, _, rec in parsed.records:
            if isinstance(rec, Organization) and rec.id not in org_owner:
                org_owner[rec.id] = owner
        problems = []
        for line, sheet, rec in parsed.records:
            t = _type_of(rec)
            parent = None if t == "organization" else org_owner.get(rec.org)
            refusal = authorize(t, rec.id, owners[t].get(rec.id), parent)
            if refusal is not None:
                problems.append(replace(refusal, line=line, sheet=sheet))
        return problems

    def delete(self, item_type: str, item_id: str) -> None:
        """Delete one organization (with its offers and needs), offer or need."""
        table = {"organization": HubOrganization, "offer": HubOffer, "need": HubNeed}[item_type]
        with session_scope(self.engine) as s:
            row = s.get(table, item_id)
            if row is None:
                raise NotFoundError(f"no {item_type} with id {item_id!r} in the hub")
            if item_type == "organization":
                listings = [("offer", o) for o in s.scalars(select(HubOffer.id).where(HubOffer.org_id == item_id))]
                listings += [("need", n) for n in s.scalars(select(HubNeed.id).where(HubNeed.org_id == item_id))]
                for t, i in listings:
                    s.delete(s.get(HubOffer if t == "offer" else HubNeed, i))
                    s.execute(delete(HubVector).where(HubVector.item_type == t, HubVector.item_id == i))
            else:
                s.execute(delete(HubVector).where(HubVector.item_type == item_type, HubVector.item_id == item_id))
            s.delete(row)

    def owner(self, item_type: str, item_id: str) -> str:
        """The owner organisation of a stored record (NotFoundError when there is none)."""
        table = {"organization": HubOrganization, "offer": HubOffer, "need": HubNeed}[item_type]
        with session_scope(self.engine) as s:
            o = s.scalar(select(table.owner_org).where(table.id == item_id))
        if o is None:
            raise NotFoundError(f"no {item_type} with id {item_id!r} in the hub")
        return o

    # ------------------------------------------------------------------ reading
    def organizations(self) -> list[Organization]:
        with session_scope(self.engine) as s:
            return [_org_from_row(r) for r in s.scalars(select(HubOrganization).order_by(HubOrganization.id))]

    def offers(self, org: str | None = None) -> list[Offer]:
        """Every offer (of organization ``org`` if given), by id."""
        return self._listings(HubOffer, _offer_from_row, org)

    def needs(self, org: str | None = None) -> list[Need]:
        """Every need (of organization ``org`` if given), by id."""
        return self._listings(HubNeed, _need_from_row, org)

    def _listings(self, table: type[HubOffer] | type[HubNeed], convert: Callable[[Any], Any], org: str | None) -> list:
        with session_scope(self.engine) as s:
            q = select(table).order_by(table.id)
            if org is not None:
                q = q.where(table.org_id == org)
            return [convert(r) for r in s.scalars(q)]

    def _get(self, table: type, key: str, what: str, convert: Callable[[Any], Any]) -> Any:
        with session_scope(self.engine) as s:
            r = s.get(table, key)
            if r is None:
                raise NotFoundError(f"no {what} with id {key!r} in the hub")
            return convert(r)

    def organization(self, org_id: str) -> Organization:
        return self._get(HubOrganization, org_id, "organization", _org_from_row)

    def offer(self, offer_id: str) -> Offer:
        return self._get(HubOffer, offer_id, "offer", _offer_from_row)

    def need(self, need_id: str) -> Need:
        return self._get(HubNeed, need_id, "need", _need_from_row)

    def counts(self) -> dict[str, int]:
        from sqlalchemy import func

        with session_scope(self.engine) as s:
            return {
                "organizations": s.scalar(select(func.count()).select_from(HubOrganization)),
                "offers": s.scalar(select(func.count()).select_from(HubOffer)),
                "needs": s.scalar(select(func.count()).select_from(HubNeed)),
            }

    def records(self) -> list[Record]:
        """Every record, organizations first (the order an import needs)."""
        return [*self.organizations(), *self.offers(), *self.needs()]

    # ------------------------------------------------------------------ export
    def export(self, path: str | Path) -> int:
        """Write every record to ``.jsonl`` or ``.xlsx`` (by extension); returns the count.
        The file imports back unchanged."""
        path = Path(path)
        recs = self.records()
        if path.suffix.lower() == ".xlsx":
            return write_excel(path, recs)
        if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
            return write_jsonl(path, recs)
        raise HubImportError([ImportProblem(0, "(file)", f"cannot export to {path.suffix!r}", "use .jsonl or .xlsx")])

    # ------------------------------------------------------------------ vectors and matching
    def ensure_vectors(self, encoder: Encoder | None = None, progress=None) -> dict[tuple[str, str], np.ndarray]:
        """Sentence vectors of every offer and need, encoding (and storing) only those whose
        text changed since they were cached. ``progress(done, total)`` is called while encoding."""
        enc = encoder or default_encoder()
        items: list[tuple[str, Offer | Need]] = [("offer", o) for o in self.offers()] + [
            ("need", n) for n in self.needs()
        ]
        with session_scope(self.engine) as s:
            cached = {
                (v.item_type, v.item_id): v for v in s.scalars(select(HubVector).where(HubVector.model == enc.name))
            }
            out: dict[tuple[str, str], np.ndarray] = {}
            todo: list[tuple[str, Offer | Need, str]] = []
            for t, it in items:
                doc = it.document()
                dg = _text_digest(doc)
                row = cached.get((t, it.id))
                if row is not None and row.digest == dg and row.dim == enc.dim:
                    out[(t, it.id)] = np.frombuffer(row.vector, dtype=np.float32).copy()
                else:
                    todo.append((t, it, dg))
            batch = 256
            for start in range(0, len(todo), batch):
                chunk = todo[start : start + batch]
                vecs = enc.encode([it.document() for _, it, _ in chunk])
                for (t, it, dg), v in zip(chunk, vecs):
                    out[(t, it.id)] = v
                    row = cached.get((t, it.id))
                    blob = np.asarray(v, dtype=np.float32).tobytes()
                    if row is None:
                        s.add(
                            HubVector(item_type=t, item_id=it.id, model=enc.name, digest=dg, dim=enc.dim, vector=blob)
                        )
                    else:
                        row.digest, row.dim, row.vector = dg, enc.dim, blob
                if progress:
                    progress(min(start + batch, len(todo)), len(todo))
        return out

    def matcher(self, encoder: Encoder | None = None, config: MatchConfig | None = None):
        """A :class:`~citynexus.hub.matching.Matcher` over everything in the hub (vectors from the cache)."""
        from citynexus.hub.matching import Matcher

        enc = encoder or default_encoder()
        vectors = self.ensure_vectors(enc)
        return Matcher(self.organizations(), self.offers(), self.needs(), enc, config, vectors)


def _type_of(rec: Record) -> str:
    return {Organization: "organization", Offer: "offer", Need: "need"}[type(rec)]


def _to_row(rec: Record):
    if isinstance(rec, Organization):
        return HubOrganization.from_record(rec)
    return (HubOffer if isinstance(rec, Offer) else HubNeed).from_record(rec, org_id=rec.org)
