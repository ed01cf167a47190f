"""Stored agreements, reports and evaluation runs, anchored in the ledger.

:class:`AgreementRegistry` keeps agreements (with their terms), report batches and
evaluation runs in the database (SQLite or PostgreSQL, through :mod:`citynexus.store`), each
write in one transaction. Every report batch and every evaluation run is appended to the
ledger (:class:`citynexus.ledger.Ledger`) as an entry whose payload carries RFC 8785
canonical-JSON digests:

* ``agree.reports``: ``{"batch", "source", "rows", "agreements", "digest"}`` — the digest of the
  batch's rows;
* ``agree.evaluation``: ``{"run", "agreement", "agreement_digest", "as_of", "rule_digests",
  "batches" (ledger indices of the report batches used), "reports_digest", "results_digest",
  "versions"}`` — ``versions`` maps each agreement version the run used (number, as text) to its
  ``digest``, ``effective`` date and ``rule_digests``.

Every version of an agreement is kept (:mod:`citynexus.agree.versions`): storing a changed
agreement adds a version with an effective date, and a run judges each period by the version in
force for it, each result naming its ``version``.

:meth:`AgreementRegistry.verify` proves a shown status: the run's ledger entry is included in
the log (RFC 9162 inclusion proof against the current root), the stored results, reports and
rules still hash to the digests in the entries, and re-evaluating those reports with that rule
version at that as-of date gives the same status.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import delete, select

from citynexus.agree.errors import (
    AgreementError,
    AgreementNotFoundError,
    AgreementProblem,
    ReportImportError,
    ReportProblem,
    VerifyError,
)
from citynexus.agree.evaluate import Evaluation, evaluate, reports_digest
from citynexus.agree.model import Agreement, agreement_from_dict
from citynexus.agree.reports import read_table, validate_reports
from citynexus.agree.versions import Version, evaluate_versions
from citynexus.errors import Location
from citynexus.store import get_engine, session_scope

SUBMITTER = "agree"


@dataclass
class ImportResult:
    """What an import stored: the batch id, its ledger index and row count."""

    batch: str
    ledger_index: int
    rows: int
    agreements: list[str]


@dataclass
class Verification:
    """The checks made by :meth:`AgreementRegistry.verify` and whether all passed."""

    agreement: str
    term: str
    period: str
    status: str
    run: int
    ledger_index: int
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(ok for _, ok, _ in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "agreement": self.agreement,
            "term": self.term,
            "period": self.period,
            "status": self.status,
            "run": self.run,
            "ledger_index": self.ledger_index,
            "ok": self.ok,
            "checks": [{"check": c, "ok": ok, "detail": d} for c, ok, d in self.checks],
        }


def _head_size(s) -> int:
    """The ledger's size inside its append transaction = the index the next entry gets."""
    from citynexus.store.ledger import LedgerHead

    return int(s.execute(select(LedgerHead.size).where(LedgerHead.id == 1)).scalar_one())


def _results_digest(results: list[dict[str, Any]]) -> str:
    from citynexus.ledger.canonical import digest

    return digest(results)


class AgreementRegistry:
    """Agreements, reports and runs in the database at ``url`` (default: ``$CITYNEXUS_DB``)."""

    def __init__(self, url: str | None = None):
        self.url = url
        self.engine = get_engine(url)

    # ------------------------------------------------------------------ ledger
    def ledger(self):
        from citynexus.ledger import Ledger

        return Ledger.init(self.url, origin="citynexus/agree", exist_ok=True)

    # ------------------------------------------------------------------ agreements
    def known_parties(self) -> set[str] | None:
        """Organization ids of the hub in the same database, or None when the hub is empty."""
        from citynexus.store.hub import HubOrganization

        with session_scope(self.engine) as s:
            ids = set(s.execute(select(HubOrganization.id)).scalars())
        return ids or None

    def party_names(self) -> dict[str, tuple[str, str]]:
        """``{organization id: (name, Chinese name)}`` of the hub in the same database (the
        Chinese name falls back to the name); empty when the hub holds none."""
        from citynexus.store.hub import HubOrganization

        with session_scope(self.engine) as s:
            rows = s.execute(select(HubOrganization.id, HubOrganization.name, HubOrganization.name_zh)).all()
        return {i: (n, z or n) for i, n, z in rows}

    def owner_of(self, agreement_id: str) -> tuple[bool, str | None]:
        """``(stored, owner organisation)`` of an agreement id."""
        from citynexus.store.agree import AgreeAgreement

        with session_scope(self.engine) as s:
            row = s.get(AgreeAgreement, agreement_id)
            return (row is not None, row.owner if row is not None else None)

    def save(
        self,
        agreement: Agreement,
        check_hub: bool = True,
        owner: str | None = None,
        authorize: Callable[[str | None], None] | None = None,
        effective: dt.date | None = None,
    ) -> Agreement:
        """Store an agreement and its terms in one transaction; a changed one becomes a new version
        effective from ``effective`` (default: today; the first version: the agreement's start), the
        earlier versions kept. With ``check_hub`` and a non-empty hub, parties unknown to the hub are
        refused. Stored reports are kept (and checked against the new parties).
        ``authorize(current_owner)`` runs inside the transaction when the id is already stored
        and may raise to refuse the replacement; ``owner`` is recorded for a new agreement."""
        if check_hub:
            known = self.known_parties()
            if known is not None:
                agreement_from_dict(agreement.to_dict(), source=agreement.id, known_parties=known)
        from citynexus.store.agree import AgreeAgreement, AgreeReport, AgreeTerm

        with session_scope(self.engine) as s:
            stale = s.execute(
                select(AgreeReport.party)
                .where(AgreeReport.agreement_id == agreement.id, AgreeReport.party.not_in(agreement.parties))
                .limit(1)
            ).first()
            if stale is not None:
                raise AgreementError(
                    [
                        AgreementProblem(
                            agreement.id,
                            None,
                            "parties",
                            f"stored reports name party {stale[0]!r}, which the new version drops",
                            "keep that party or store the agreement under a new id",
                            "party_dropped",
                            {"value": repr(stale[0])},
                        )
                    ]
                )
            row = s.get(AgreeAgreement, agreement.id)
            if row is None:
                row = AgreeAgreement(id=agreement.id, owner=owner)
                s.add(row)
            elif authorize is not None:
                authorize(row.owner)
            row.title, row.title_zh = agreement.title, agreement.title_zh
            row.parties = list(agreement.parties)
            row.start, row.end = agreement.start, agreement.end
            row.doc = agreement.to_dict()
            row.digest = agreement.digest
            row.synthetic = agreement.synthetic
            _add_version(s, agreement, effective)
            s.execute(delete(AgreeTerm).where(AgreeTerm.agreement_id == agreement.id))
            s.flush()
            for t in agreement.terms:
                s.add(AgreeTerm.from_record(t, agreement_id=agreement.id, term_id=t.id))
        return agreement

    def get(self, agreement_id: str) -> Agreement:
        from citynexus.store.agree import AgreeAgreement

        with session_scope(self.engine) as s:
            row = s.get(AgreeAgreement, agreement_id)
            if row is None:
                raise AgreementNotFoundError(
                    f"no agreement {agreement_id!r} is stored; add it with 'citynexus agree new' or import it"
                )
            return agreement_from_dict(row.doc, source=agreement_id)

    def versions(self, agreement_id: str) -> list[Version]:
        """Every stored version of an agreement, oldest first (see :mod:`citynexus.agree.versions`)."""
        from citynexus.store.agree import AgreeVersion

        current = self.get(agreement_id)
        with session_scope(self.engine) as s:
            rows = s.execute(
                select(AgreeVersion).where(AgreeVersion.agreement_id == agreement_id).order_by(AgreeVersion.version)
            ).scalars()
            out = [Version(r.version, r.effective, agreement_from_dict(r.doc, source=agreement_id), r.created_at)
                   for r in rows]  # fmt: skip
        return out or [Version(1, current.start, current)]

    def list(self) -> list[Agreement]:
        from citynexus.store.agree import AgreeAgreement

        with session_scope(self.engine) as s:
            docs = [r.doc for r in s.execute(select(AgreeAgreement).order_by(AgreeAgreement.id)).scalars()]
        return [agreement_from_dict(d, source=d.get("id", "?")) for d in docs]

    # ------------------------------------------------------------------ reports
    def import_reports(
        self,
        path: str | Path | pd.DataFrame,
        source: str | None = None,
        authorize: Callable[[list[Agreement]], None] | None = None,
        submitter: str = SUBMITTER,
    ) -> ImportResult:
        """Import a report file (CSV, Excel, JSON) or a raw frame of strings. All-or-nothing:
        every problem (including a row that duplicates a stored one) is listed and nothing is
        stored. ``authorize(agreements named in the batch)`` may raise to refuse it. The batch
        is appended to the ledger (as ``submitter``), then its rows are stored."""
        from citynexus.store.agree import AgreeReport, AgreeReportBatch

        if isinstance(path, pd.DataFrame):
            raw, first, name = path, 2, source or "<reports>"
        else:
            raw, first = read_table(path)
            name = source or Path(path).name
        ags = self.list()
        rows = validate_reports(raw, ags, source=name, first_row=first)
        if authorize is not None:
            named = set(rows["agreement"])
            authorize([a for a in ags if a.id in named])
        with session_scope(self.engine) as s:
            existing = set(
                s.execute(
                    select(AgreeReport.agreement_id, AgreeReport.party, AgreeReport.metric, AgreeReport.period).where(
                        AgreeReport.agreement_id.in_(sorted(set(rows["agreement"])))
                    )
                ).all()
            )
        if existing:
            probs = []
            for i, k in enumerate(zip(rows["agreement"], rows["party"], rows["metric"], rows["period"])):
                if k in existing:
                    probs.append(
                        ReportProblem(
                            f"a value for ({', '.join(k)}) is already stored",
                            "remove the row (stored reports are never overwritten)",
                            Location(file=name, row=first + i, column="period"),
                        )
                    )
            if probs:
                raise ReportImportError(probs, source=name)
        batch = uuid.uuid4().hex
        dig = reports_digest(rows)
        payload = {
            "batch": batch,
            "source": name,
            "rows": len(rows),
            "agreements": sorted(set(rows["agreement"])),
            "digest": dig,
        }
        mappings = [
            {
                "batch_id": batch,
                "agreement_id": a,
                "party": p,
                "metric": m,
                "period": q,
                "kind": k,
                "idx": int(i),
                "value": float(v),
            }
            for a, p, m, q, k, i, v in zip(
                rows["agreement"],
                rows["party"],
                rows["metric"],
                rows["period"],
                rows["kind"],
                rows["index"],
                rows["value"],
            )
        ]

        def write(s, _triples) -> None:
            # runs inside the ledger's transaction: the entry, the batch and its rows are stored together or not at all
            from sqlalchemy import insert

            s.add(
                AgreeReportBatch(
                    id=batch, source=name, rows=len(rows), digest=dig, ledger_index=_head_size(s), submitter=submitter
                )
            )
            s.flush()
            if mappings:
                s.execute(insert(AgreeReport), mappings)

        entry = self.ledger().append_many(
            [{"type": "agree.reports", "payload": payload, "submitter": submitter}], check=write
        )[0]
        return ImportResult(batch, entry.index, len(rows), sorted(set(rows["agreement"])))

    def reports(self, agreement_ids: Iterable[str] | None = None, batches: Iterable[str] | None = None) -> pd.DataFrame:
        """Stored reports (optionally of some agreements and/or batches) as a clean frame."""
        from citynexus.store.agree import AgreeReport

        q = select(
            AgreeReport.agreement_id,
            AgreeReport.party,
            AgreeReport.metric,
            AgreeReport.period,
            AgreeReport.kind,
            AgreeReport.idx,
            AgreeReport.value,
            AgreeReport.batch_id,
        )
        if agreement_ids is not None:
            q = q.where(AgreeReport.agreement_id.in_(list(agreement_ids)))
        if batches is not None:
            q = q.where(AgreeReport.batch_id.in_(list(batches)))
        with session_scope(self.engine) as s:
            rows = s.execute(q).all()
        df = pd.DataFrame(rows, columns=["agreement", "party", "metric", "period", "kind", "index", "value", "batch"])
        df["index"] = df["index"].astype("int64")
        df["value"] = df["value"].astype(float)
        return df

    # ------------------------------------------------------------------ runs
    def run(
        self,
        agreement_ids: Iterable[str] | None = None,
        as_of: dt.date | None = None,
        authorize: Callable[[list[Agreement]], None] | None = None,
        submitter: str = SUBMITTER,
    ) -> list[Evaluation]:
        """Evaluate stored agreements on their stored reports, store each run and append it to
        the ledger (as ``submitter``). ``authorize(agreements)`` may raise to refuse. Returns the
        evaluations."""
        from citynexus.store.agree import AgreeReportBatch, AgreeRun

        as_of = as_of or dt.date.today()
        ags = [self.get(a) for a in agreement_ids] if agreement_ids is not None else self.list()
        if authorize is not None:
            authorize(ags)
        rows = self.reports([a.id for a in ags])
        with session_scope(self.engine) as s:
            batch_index = dict(s.execute(select(AgreeReportBatch.id, AgreeReportBatch.ledger_index)).all())
        newest = evaluate(ags, rows, as_of) if ags else []
        assert isinstance(newest, list)
        led = self.ledger()
        out = []
        for ag, last in zip(ags, newest):
            sub = rows[rows["agreement"] == ag.id]
            used = sorted({batch_index[b] for b in sub["batch"]})
            versions = self.versions(ag.id)
            ev = evaluate_versions(versions, sub, as_of, newest=last)
            results = [r.to_dict() for r in ev.results]
            payload = {
                "run": uuid.uuid4().hex,
                "agreement": ag.id,
                "agreement_digest": ag.digest,
                "as_of": as_of.isoformat(),
                "rule_digests": ev.rule_digests,
                "batches": used,
                "reports_digest": ev.reports_digest,
                "results_digest": _results_digest(results),
                "versions": {str(v.number): _version_digests(v) for v in versions},
            }

            def write(s, _triples, ag=ag, ev=ev, results=results, payload=payload, used=used, versions=versions):
                # inside the ledger's transaction: the entry and the run are stored together
                s.add(
                    AgreeRun(
                        agreement_id=ag.id,
                        as_of=as_of,
                        results=results,
                        results_digest=payload["results_digest"],
                        reports_digest=ev.reports_digest,
                        rule_digests=ev.rule_digests,
                        batches=used,
                        ledger_index=_head_size(s),
                        version=versions[-1].number,
                    )
                )

            led.append_many([{"type": "agree.evaluation", "payload": payload, "submitter": submitter}], check=write)
            out.append(ev)
        return out

    def latest_run(self, agreement_id: str) -> dict[str, Any] | None:
        """The newest stored run of an agreement as plain data (None if never evaluated)."""
        from citynexus.store.agree import AgreeRun

        with session_scope(self.engine) as s:
            r = s.execute(
                select(AgreeRun).where(AgreeRun.agreement_id == agreement_id).order_by(AgreeRun.id.desc()).limit(1)
            ).scalar_one_or_none()
            if r is None:
                return None
            return {
                "run": r.id,
                "agreement": r.agreement_id,
                "as_of": r.as_of.isoformat(),
                "results": r.results,
                "ledger_index": r.ledger_index,
                "version": r.version,
            }

    # ------------------------------------------------------------------ verify
    def verify(self, agreement_id: str, term: str, period: str, run: int | None = None) -> Verification:
        """Prove that the status shown for (agreement, term, period) in a stored run (default:
        the newest) was computed from the anchored reports by the anchored rule version. Every
        check is reported; :attr:`Verification.ok` is True only if all pass."""
        from citynexus.ledger import merkle
        from citynexus.store.agree import AgreeReportBatch, AgreeRun

        with session_scope(self.engine) as s:
            q = select(AgreeRun).where(AgreeRun.agreement_id == agreement_id)
            q = q.where(AgreeRun.id == run) if run is not None else q.order_by(AgreeRun.id.desc()).limit(1)
            r = s.execute(q).scalar_one_or_none()
            if r is None:
                raise VerifyError(
                    f"no stored evaluation run of agreement {agreement_id!r}; run 'citynexus agree status' first"
                )
            stored = {k: getattr(r, k) for k in ("id", "as_of", "results", "ledger_index", "batches")}
            batches = {b.ledger_index: (b.id, b.digest) for b in s.execute(select(AgreeReportBatch)).scalars()}
        shown = next((x for x in stored["results"] if x["term"] == term and x["period"] == period), None)
        if shown is None:
            raise VerifyError(
                f"run {stored['id']} of {agreement_id!r} has no result for term {term!r}, period {period!r}"
            )
        v = Verification(agreement_id, term, period, shown["status"], stored["id"], stored["ledger_index"])
        led = self.ledger()
        entry = led.entry(stored["ledger_index"])
        size = led.size
        try:
            merkle.verify_inclusion(
                entry.leaf_hash, entry.index, size, led.inclusion_proof(entry.index, size), led.root_at(size)
            )
            v.checks.append(("ledger inclusion", True, f"entry {entry.index} is in the log of size {size} (RFC 9162)"))
        except Exception as err:  # ProofError
            v.checks.append(("ledger inclusion", False, str(err)))
        p = entry.payload
        ok_type = entry.type == "agree.evaluation" and p.get("agreement") == agreement_id
        v.checks.append(("entry is this run", ok_type, f"{entry.type} for {p.get('agreement')}"))
        rd = _results_digest(stored["results"])
        v.checks.append(("stored results match the entry", rd == p.get("results_digest"), rd))
        versions = self.versions(agreement_id)
        if "versions" in p:  # the versions the run used, each still hashing to its digests in the entry
            versions = [x for x in versions if str(x.number) in p["versions"]]
            ok = len(versions) == len(p["versions"]) and all(_version_digests(x) == p["versions"][str(x.number)]
                                                              for x in versions)  # fmt: skip
            v.checks.append(("agreement versions", ok, ", ".join(f"v{x.number}" for x in versions)))
        else:  # a run stored before versions were kept: judged by the version it recorded
            versions = [x for x in versions if x.agreement.digest == p.get("agreement_digest")] or versions[-1:]
        by_number = {x.number: x for x in versions}
        ag = by_number.get(shown.get("version"), versions[-1]).agreement
        want = p.get("versions", {}).get(str(shown.get("version")), p).get("rule_digests", {}).get(term)
        got_rule = ag.term(term).rule_digest if term in {t.id for t in ag.terms} else None
        v.checks.append(("rule version", got_rule == want, f"term {term}: {got_rule}"))
        # the reports of the batches named in the entry, each batch checked against its own entry
        batch_ids = []
        for li in p.get("batches", []):
            be = led.entry(li)
            bid, bdig = batches.get(li, (None, None))
            ok = be.type == "agree.reports" and bid == be.payload.get("batch") and bdig == be.payload.get("digest")
            rows_b = self.reports(batches=[bid]) if bid else self.reports(batches=[])
            ok = ok and reports_digest(rows_b) == be.payload.get("digest")
            v.checks.append((f"report batch at ledger entry {li}", ok, f"{len(rows_b)} rows"))
            if bid:
                batch_ids.append(bid)
        rows = self.reports([agreement_id], batches=batch_ids)
        rep_dig = reports_digest(rows)
        v.checks.append(("reports used match the entry", rep_dig == p.get("reports_digest"), rep_dig))
        as_of = dt.date.fromisoformat(p.get("as_of", stored["as_of"].isoformat()))
        ev = evaluate_versions(versions, rows, as_of)
        again = next((x for x in ev.results if x.term == term and x.period == period), None)
        same = again is not None and again.status == shown["status"]
        v.checks.append(("recomputed status", same, f"{again.status if again else None} (shown: {shown['status']})"))
        return v


def _version_digests(v: Version) -> dict[str, Any]:
    return {
        "digest": v.agreement.digest,
        "effective": v.effective.isoformat(),
        "rule_digests": {t.id: t.rule_digest for t in v.agreement.terms},
    }


def _add_version(s, agreement: Agreement, effective: dt.date | None) -> None:
    """Inside :meth:`AgreementRegistry.save`: a new version when the content differs from the newest."""
    from citynexus.store.agree import AgreeVersion

    last = s.execute(
        select(AgreeVersion).where(AgreeVersion.agreement_id == agreement.id).order_by(AgreeVersion.version.desc())
    ).scalars().first()  # fmt: skip
    if last is not None and last.digest == agreement.digest:
        return
    eff = agreement.start if last is None else (effective or dt.date.today())
    if last is not None and eff < last.effective:
        raise AgreementError(
            [AgreementProblem(agreement.id, None, "effective",
                              f"the new version would take effect on {eff}, before version {last.version} "
                              f"({last.effective})", f"give an effective date on or after {last.effective}",
                              "effective_too_early", {"effective": str(eff), "version": str(last.version),
                                                      "last": str(last.effective)})]
        )  # fmt: skip
    number = 1 if last is None else last.version + 1
    s.add(AgreeVersion(agreement_id=agreement.id, version=number, effective=eff, doc=agreement.to_dict(),
                       digest=agreement.digest))  # fmt: skip


def org_names(registry: AgreementRegistry) -> dict[str, tuple[str, str | None]]:
    """Names (en, zh) of the hub's organizations in the registry's database."""
    from citynexus.store.hub import HubOrganization

    with session_scope(registry.engine) as s:
        return {
            i: (n, z)
            for i, n, z in s.execute(select(HubOrganization.id, HubOrganization.name, HubOrganization.name_zh))
        }


def stored_graph(registry: AgreementRegistry, agreements: list[Agreement] | None = None):
    """The compliance knowledge graph of the stored agreements (default: all) with their newest runs."""
    from citynexus.agree.graph import build_graph

    ags = registry.list() if agreements is None else agreements
    runs = {a.id: r for a in ags if (r := registry.latest_run(a.id)) is not None}
    return build_graph(ags, runs, org_names(registry))


def compliance(registry: AgreementRegistry, org_id: str, agreements: list[Agreement] | None = None) -> dict[str, Any]:
    """:func:`citynexus.agree.hub.compliance_summary` over the stored agreements (default: all)
    and their newest runs."""
    from citynexus.agree.hub import compliance_summary

    ags = registry.list() if agreements is None else agreements
    runs = {a.id: r for a in ags if org_id in a.parties and (r := registry.latest_run(a.id)) is not None}
    return compliance_summary(org_id, ags, runs)
