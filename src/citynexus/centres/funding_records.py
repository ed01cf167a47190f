"""The records file of performance-linked funding (资金分配记录): one row per service record.

Columns ``centre, sme, period, confirmed, rating`` (required) and ``confirmed_by``,
``outcome``, ``affiliated``, ``entry`` (optional); UTF-8 CSV (RFC 4180) with a header row.
Reading is all-or-nothing: every problem is reported with its spreadsheet row (header = row 1)
and column. What counts is decided by :func:`citynexus.centres.funding.count_records`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citynexus.centres.errors import CentresImportError, ImportProblem, file_failure, problem_of
from citynexus.data.recordfiles import read_utf8

OUTCOMES = ("technology_adopted", "certification_passed", "cost_saved")
_OUTCOME_ALIASES = {
    "technology adopted": "technology_adopted",
    "adopted": "technology_adopted",
    "技术采用": "technology_adopted",
    "certification passed": "certification_passed",
    "certified": "certification_passed",
    "认证通过": "certification_passed",
    "cost saved": "cost_saved",
    "降低成本": "cost_saved",
}
_TRUE = {"true", "yes", "1", "y", "t", "是"}
_FALSE = {"false", "no", "0", "n", "f", "否", ""}


# ----------------------------------------------------------------------------- records
@dataclass
class FundingRecord:
    """One row of a records file: ``centre, sme, period, confirmed, rating`` and the optional
    ``confirmed_by``, ``outcome``, ``affiliated``, ``entry`` (ledger index) columns."""

    centre: str
    sme: str
    period: str
    confirmed: bool
    rating: float | None = None
    confirmed_by: str | None = None
    outcome: str | None = None
    affiliated: bool = False
    row: int = 0
    verified: bool = True  # False: its ledger entry is missing or does not match

    @classmethod
    def from_record(cls, r: dict[str, Any], row: int, verified: bool) -> FundingRecord:
        """A stored service record (``record_json`` layout) as a funding record: confirmed when
        its status is ``confirmed``; ``verified`` is used only for a confirmed one."""
        confirmed = r["status"] == "confirmed"
        rating = float(r["rating"]) if r["rating"] is not None else None
        return cls(
            r["centre"],
            r["sme"],
            r["period"],
            confirmed,
            rating,
            r["confirmed_by"],
            r["outcome"],
            False,
            row,
            verified if confirmed else True,
        )


REQUIRED_COLUMNS = ("centre", "sme", "period", "confirmed", "rating")
OPTIONAL_COLUMNS = ("confirmed_by", "outcome", "affiliated", "entry")


def _bool(v: str) -> bool | None:
    s = v.strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    return None


def parse_outcome(v: str | None) -> str | None:
    """Outcome code from a code, English or Chinese label; ``None`` for empty; ValueError otherwise."""
    if v is None or not str(v).strip():
        return None
    s = str(v).strip().lower()
    if s in OUTCOMES:
        return s
    if s in _OUTCOME_ALIASES:
        return _OUTCOME_ALIASES[s]
    raise ValueError(s)


def read_records_csv(path: str | Path) -> list[FundingRecord]:
    """Read a records CSV (UTF-8, header row); all-or-nothing with row and column of every problem."""
    path = Path(path)
    text = read_utf8(path, file_failure(path), not_utf8=("not UTF-8 text", "save as UTF-8"))
    return parse_records_csv(text, str(path))


def parse_records_csv(text: str, source: str = "(records)") -> list[FundingRecord]:
    """Records from CSV text; rows are numbered as in a spreadsheet (header = row 1)."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    problems: list[ImportProblem] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        need = ", ".join(REQUIRED_COLUMNS)
        fix = f"the header must name {need}"
        raise CentresImportError(
            [problem_of(1, c, "column missing", fix, "missing_column", column=c, columns=need) for c in missing], source
        )
    allowed = ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    for c in (c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS):
        problems.append(problem_of(1, c, "unknown column", f"allowed: {allowed}", "unknown_column", allowed=allowed))
    out: list[FundingRecord] = []
    for i, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        n0 = len(problems)

        def bad(col: str, msg: str, fix: str, kind: str, _i: int = i, **values: Any) -> None:
            problems.append(problem_of(_i, col, msg, fix, kind, **values))

        for col in ("centre", "sme", "period"):
            if not row.get(col):
                bad(col, "missing", f"give the {col} of every record", "missing_value", field=col)
        conf = _bool(row.get("confirmed", ""))
        if conf is None:
            value = repr(row.get("confirmed"))
            bad("confirmed", f"{value} is not true/false", "write true or false", "not_bool", value=value)
        rating = None
        if row.get("rating"):
            try:
                rating = float(row["rating"])
                if not 1 <= rating <= 5:
                    raise ValueError
            except ValueError:
                value = repr(row["rating"])
                fix = "write a number 1-5, or leave it empty"
                bad("rating", f"{value} is not a rating from 1 to 5", fix, "bad_rating", value=value)
                rating = None
        elif conf:
            fix = "the SME's rating 1-5 comes with its confirmation"
            bad("rating", "missing for a confirmed record", fix, "missing_rating")
        try:
            outcome = parse_outcome(row.get("outcome"))
        except ValueError:
            value, listed = repr(row.get("outcome")), ", ".join(OUTCOMES)
            bad(
                "outcome",
                f"{value} is not an outcome",
                f"use one of {listed}",
                "not_choice",
                value=value,
                allowed=listed,
            )
            outcome = None
        aff = _bool(row.get("affiliated", ""))
        if aff is None:
            value = repr(row.get("affiliated"))
            bad("affiliated", f"{value} is not true/false", "write true or false", "not_bool", value=value)
        if len(problems) > n0:
            continue
        out.append(
            FundingRecord(
                row["centre"],
                row["sme"],
                row["period"],
                bool(conf),
                rating,
                row.get("confirmed_by") or None,
                outcome,
                bool(aff),
                i,
            )
        )
    if not out and not problems:
        problems.append(problem_of(0, "(file)", "no records", "one record per row under the header", "no_records"))
    if problems:
        raise CentresImportError(problems, source)
    return out
