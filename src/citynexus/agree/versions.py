"""Versions of a stored agreement (协议版本): every text of its terms and rules that was ever in force.

Storing an agreement whose content (:attr:`Agreement.digest`) differs from its newest version adds a
version ``n + 1`` with an ``effective`` date; the first version is effective from the agreement's
``start``. The version **in force** for a period is the newest version whose ``effective`` date is on
or before the period's last day (for a ``once`` term: its due date); a period that ends before every
version's date uses the first. So re-evaluating an old period uses the rules that applied to it, while
periods ending from a new version's date on are judged by the new rules; a term that a version drops
is not evaluated for the periods that version governs.

Reference: the temporal "valid time" of a versioned record (Snodgrass, 1999, "Developing Time-Oriented
Database Applications in SQL", ch. 10), one interval per version, the intervals abutting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from citynexus.agree.evaluate import Evaluation, evaluate
from citynexus.agree.model import Agreement
from citynexus.agree.periods import parse_period


@dataclass(frozen=True)
class Version:
    """One stored version: its number (1, 2, ...), the date from which it governs, the agreement as it
    was, and when it was stored."""

    number: int
    effective: dt.date
    agreement: Agreement
    stored_at: dt.datetime | None = None

    def to_dict(self, previous: Version | None = None) -> dict[str, Any]:
        return {
            "version": self.number,
            "effective": self.effective.isoformat(),
            "digest": self.agreement.digest,
            "stored_at": self.stored_at.isoformat() if self.stored_at else None,
            "rule_digests": {t.id: t.rule_digest for t in self.agreement.terms},
            "changed": changed_terms(previous.agreement if previous else None, self.agreement),
        }


def changed_terms(old: Agreement | None, new: Agreement) -> list[str]:
    """Term ids added, removed or whose rule version (:attr:`Term.rule_digest`) changed from ``old``."""
    was = {t.id: t.rule_digest for t in old.terms} if old else {}
    now = {t.id: t.rule_digest for t in new.terms}
    return sorted(k for k in was.keys() | now.keys() if was.get(k) != now.get(k))


def period_end(label: str) -> dt.date:
    """The last day of a result's period label (a month, quarter or year, or a ``once`` term's due date)."""
    try:
        return parse_period(label).last
    except ValueError:
        return dt.date.fromisoformat(label)


def in_force(versions: list[Version], day: dt.date) -> Version:
    """The version governing a period that ends on ``day`` (see the module docstring)."""
    chosen = versions[0]
    for v in versions[1:]:
        if v.effective <= day:
            chosen = v
    return chosen


def evaluate_versions(
    versions: list[Version], reports: pd.DataFrame, as_of: dt.date, newest: Evaluation | None = None
) -> Evaluation:
    """Evaluate an agreement with every term and period judged by the version in force for it.

    ``versions`` in order (oldest first, all of one agreement); ``newest`` may give the evaluation of
    the newest version already computed. The results keep each version's own order and carry
    :attr:`TermResult.version`; ``rule_digests`` are the newest version's."""
    evs = [evaluate(v.agreement, reports, as_of) for v in versions[:-1]]
    evs.append(newest if newest is not None else evaluate(versions[-1].agreement, reports, as_of))
    results = []
    for v, ev in zip(versions, evs):
        assert isinstance(ev, Evaluation)
        for r in ev.results:
            if in_force(versions, period_end(r.period)) is v:
                r.version = v.number
                results.append(r)
    last = evs[-1]
    assert isinstance(last, Evaluation)
    return Evaluation(last.agreement, as_of, results, last.rule_digests, last.reports_digest)
