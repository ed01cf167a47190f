"""Reading and writing case files: JSON Lines (one case per line) and Excel.

Excel layout: a sheet ``cases`` (row 1 = header with the field names of
:data:`citynexus.cases.models.FIELDS` except ``evidence``; list cells such as ``themes`` or
``sdg_targets`` separated by ``;``) and an optional sheet ``evidence`` (columns ``case_id`` and
:data:`~citynexus.cases.models.EVIDENCE_FIELDS`), one row per indicator.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

from citynexus.cases.errors import CaseImportError, CaseProblem
from citynexus.cases.models import FIELDS, Case, parse_case
from citynexus.data.recordfiles import BadLine, json_lines, read_utf8

_UNREADABLE = ("cannot read the file: {reason}", "check the path")
_NOT_UTF8 = ("the file is not UTF-8 text", "save it as UTF-8")


def _fail(path, problem: str, fix: str, kind: str, **values: Any) -> CaseImportError:
    """The error of a file that cannot be used at all: one problem of the whole file."""
    return CaseImportError([CaseProblem.of(0, "(file)", problem, fix, str(path), kind, **values)], str(path))


def _unreadable(path, problem: str, fix: str) -> CaseImportError:
    """What :func:`read_utf8` raises: kind ``not_utf8``, else ``unreadable_case_file`` with the reason."""
    if (problem, fix) == _NOT_UTF8:
        return _fail(path, problem, fix, "not_utf8")
    reason = problem.removeprefix(_UNREADABLE[0].removesuffix("{reason}"))
    return _fail(path, problem, fix, "unreadable_case_file", reason=reason)


def _parse_all(items: list[tuple[int, Any]], file: str, origin: str) -> list[Case]:
    problems: list[CaseProblem] = []
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for line, obj in items:
        case, probs = parse_case(obj, line, file, origin)
        problems.extend(probs)
        if case is None:
            continue
        if case.id in seen:
            msg = f"id {case.id!r} already used on line {seen[case.id]}"
            fix = "give each case its own id"
            problems.append(CaseProblem.of(line, "id", msg, fix, file, "duplicate_id", value=repr(case.id),
                                           first=seen[case.id]))  # fmt: skip
            continue
        seen[case.id] = line
        cases.append(case)
    if problems:
        raise CaseImportError(problems, file)
    return cases


def read_jsonl(path: Path | str, origin: str = "user") -> list[Case]:
    """Every case of a JSON Lines file, or :class:`CaseImportError` listing every problem."""
    path = Path(path)
    content = read_utf8(path, partial(_unreadable, path), _UNREADABLE, _NOT_UTF8)
    rows = json_lines(content)
    items = [(i, v) for i, v in rows if not isinstance(v, BadLine)]
    bad = [CaseProblem(i, "(json)", v.problem, v.fix, str(path), "bad_json") for i, v in rows if isinstance(v, BadLine)]
    if not items and not bad:
        raise _fail(path, "the file holds no cases", "write one JSON object per line", "no_cases")
    try:
        cases = _parse_all(items, str(path), origin)
    except CaseImportError as err:
        raise CaseImportError(sorted(bad + err.problems, key=lambda p: p.line), str(path)) from None
    if bad:
        raise CaseImportError(bad, str(path))
    return cases


def _cell(v: Any) -> Any:
    if isinstance(v, str):
        s = v.strip()
        if s.startswith(("[", "{")):
            try:
                return json.loads(s)
            except json.JSONDecodeError:
                return s
        return s or None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def read_excel(path: Path | str, origin: str = "user") -> list[Case]:
    """Every case of a workbook (sheets ``cases`` and optional ``evidence``), all-or-nothing."""
    from openpyxl import load_workbook

    path = Path(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:
        msg = f"cannot open the workbook: {err}"
        raise _fail(path, msg, "save it as .xlsx", "unreadable_workbook", error=err) from err
    try:
        if "cases" not in wb.sheetnames:
            found = ", ".join(wb.sheetnames)
            raise _fail(path, f"no sheet named 'cases' (sheets: {found})", "rename the case sheet", "no_case_sheet",
                        found=found)  # fmt: skip

        def rows(sheet):
            it = wb[sheet].iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in (next(it, None) or [])]
            for r, values in enumerate(it, start=2):
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                yield r, {c: _cell(v) for c, v in zip(header, values) if c and _cell(v) is not None}

        file = f"{path} sheet 'cases'"
        items = list(rows("cases"))
        problems: list[CaseProblem] = []
        for r, obj in items:
            if "evidence" in obj:
                msg = "evidence goes in the sheet 'evidence'"
                problems.append(CaseProblem(r, "evidence", msg, "move it there", file, "evidence_in_cases_sheet"))
            if "id" in obj:
                obj["id"] = str(obj["id"])
        if "evidence" in wb.sheetnames:
            ids = {str(o.get("id")): o for _, o in items}
            efile = f"{path} sheet 'evidence'"
            for r, e in rows("evidence"):
                cid = str(e.pop("case_id", "") or "")
                if cid not in ids:
                    problems.append(
                        CaseProblem.of(
                            r,
                            "case_id",
                            f"no case with id {cid!r} in sheet 'cases'",
                            "write the id of a case of the sheet 'cases'",
                            efile,
                            "unknown_case_id",
                            value=repr(cid),
                        )
                    )
                    continue
                ids[cid].setdefault("evidence", []).append(e)
    finally:
        wb.close()
    if not items:
        raise _fail(path, "the sheet 'cases' holds no cases", "one row per case below the header", "no_cases_in_sheet")
    try:
        cases = _parse_all(items, file, origin)
    except CaseImportError as err:
        raise CaseImportError(problems + err.problems, str(path)) from None
    if problems:
        raise CaseImportError(problems, str(path))
    return cases


def read_file(path: Path | str, origin: str = "user") -> list[Case]:
    """JSON Lines (``.jsonl``, ``.ndjson``, ``.json``) or Excel (``.xlsx``) by extension."""
    suffix = Path(path).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_excel(path, origin)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return read_jsonl(path, origin)
    raise _fail(path, f"unsupported file type {suffix!r}", "use .jsonl or .xlsx", "case_file_type", value=repr(suffix))


def write_jsonl(path: Path | str, cases: list[Case]) -> int:
    """Write cases as JSON Lines (the import format); returns the number written."""
    with open(path, "w", encoding="utf-8") as fh:
        for c in cases:
            d = {k: v for k, v in c.to_json().items() if k in FIELDS}
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    return len(cases)
