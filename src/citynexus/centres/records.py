"""Reading centres and SME service requests from JSON Lines or Excel (导入服务中心与服务需求).

One JSON object per line::

    centre:  {"id", "name", "name_zh"?, "city", "fields": [..], "description"?, "description_zh"?,
              "capacity"?, "affiliates"?: [SME ids]}          (at least one description)
    request: {"id", "sme", "city", "text", "industry"?, "expect"?: [centre ids]}

An Excel workbook (``.xlsx``) holds a sheet ``centres`` or ``requests`` with one column per
field (row 1 = header; ``fields``, ``affiliates`` and ``expect`` list items separated by ``;``);
problems then name the spreadsheet row. Validation follows the hub's import
(:mod:`citynexus.hub.records`): every line and every field is checked, *all* problems are
collected (line and field of each, what is wrong, how to fix it), and the file is rejected
as a whole (:class:`CentresImportError`) if there is any.
Cities are resolved with the hub (:func:`citynexus.hub.resolve_city`: code, English or
Chinese name); the language of a request is detected with :func:`citynexus.hub.text.detect_lang`.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from citynexus.centres.errors import CentresImportError, ImportProblem, file_failure, problem_of
from citynexus.centres.models import Centre, ServiceRequest
from citynexus.data.recordfiles import BadLine, json_lines, read_utf8
from citynexus.hub.cities import resolve_city
from citynexus.hub.errors import UnknownCityError
from citynexus.hub.records import RecordChecker
from citynexus.hub.text import detect_lang

CENTRE_FIELDS = {
    "id": True,
    "name": True,
    "name_zh": False,
    "city": True,
    "fields": True,
    "description": False,
    "description_zh": False,
    "capacity": False,
    "affiliates": False,
}
REQUEST_FIELDS = {"id": True, "sme": True, "city": True, "text": True, "industry": False, "expect": False}


class Checker(RecordChecker):
    """Collects the problems of one record (line ``line`` of a file): the hub's field checks
    plus those of centres, requests and talent."""

    def __init__(self, line: int, problems: list[ImportProblem], sheet: str | None = None):
        super().__init__(line, sheet, problems)
        self._n0 = len(problems)

    @property
    def ok(self) -> bool:
        """Whether this record has added no problem so far."""
        return len(self.problems) == self._n0

    @classmethod
    def of_object(cls, obj: Any, line: int, problems: list[ImportProblem], allowed: dict[str, bool], what: str):
        """A checker of the record ``obj`` after the checks every record kind shares: it is a JSON
        object and names only ``allowed`` fields; ``None`` (and the problem noted) when it is no object."""
        c = cls(line, problems)
        if not isinstance(obj, dict):
            c.bad("(record)", f"must be a JSON object {{...}}, got {type(obj).__name__}", "", "not_record")
            return None
        c.unknown(obj, allowed, what)
        return c

    def unknown(self, obj: dict, allowed: dict[str, bool], what: str) -> None:
        for k in obj:
            if k not in allowed:
                listed = ", ".join(allowed)
                self.bad(k, f"unknown field of a {what}", f"allowed fields: {listed}", "unknown_field", allowed=listed)

    def ids(self, obj: dict, fld: str, required: bool) -> list[str] | None:
        v = obj.get(fld)
        if v is None:
            if required:
                self.bad(
                    fld, "missing", f'give \'{fld}\' as a list, e.g. "{fld}": ["a", "b"]', "missing_ids", field=fld
                )
                return None
            return []
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            problem = f"must be a list of non-empty texts, got {v!r}"
            self.bad(fld, problem, f'write e.g. "{fld}": ["a", "b"]', "not_list", value=repr(v), field=fld)
            return None
        return list(dict.fromkeys(x.strip() for x in v))

    def city(self, obj: dict, fld: str = "city") -> str | None:
        v = obj.get(fld)
        if v in (None, ""):
            self.bad(fld, "missing", "give a unit code (GZ, SZ, HK, ...) or a city name", "missing_city")
            return None
        try:
            return resolve_city(v)
        except UnknownCityError as err:
            self.bad(fld, str(err), "", "unknown_city", value=repr(v))
            return None

    def number(self, obj: dict, fld: str, minimum: float = 0.0) -> float | None:
        v = obj.get(fld)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < minimum:
            fix = "write a plain number without unit or quotes"
            self.bad(
                fld,
                f"must be a number >= {minimum:g}, got {v!r}",
                fix,
                "below_minimum",
                minimum=f"{minimum:g}",
                value=repr(v),
            )
            return None
        return float(v)


def parse_centre(obj: Any, line: int, problems: list[ImportProblem]) -> Centre | None:
    """Validate one centre record; ``None`` (and problems appended) when invalid."""
    c = Checker.of_object(obj, line, problems, CENTRE_FIELDS, "centre")
    if c is None:
        return None
    cid = c.ident(obj, "id")
    name = c.text(obj, "name", True, 300)
    name_zh = c.text(obj, "name_zh", False, 300)
    city = c.city(obj)
    fields = c.ids(obj, "fields", True)
    if fields is not None and not fields:
        c.bad("fields", "is empty", 'name at least one technical field, e.g. "fields": ["emc"]', "no_fields")
    desc = c.text(obj, "description", False)
    desc_zh = c.text(obj, "description_zh", False)
    if desc is None and desc_zh is None and "description" not in obj and "description_zh" not in obj:
        fix = "describe the centre's services in English or Chinese"
        c.bad("description", "missing (and no description_zh)", fix, "missing_description")
    cap = c.number(obj, "capacity")
    affiliates = c.ids(obj, "affiliates", False)
    if not c.ok:
        return None
    fields = list(dict.fromkeys(f.lower() for f in fields))
    return Centre(cid, name, city, fields, desc, desc_zh, name_zh, cap, affiliates or [])


def parse_request(obj: Any, line: int, problems: list[ImportProblem]) -> ServiceRequest | None:
    """Validate one service request; ``None`` (and problems appended) when invalid."""
    c = Checker.of_object(obj, line, problems, REQUEST_FIELDS, "request")
    if c is None:
        return None
    rid = c.ident(obj, "id")
    sme = c.ident(obj, "sme")
    city = c.city(obj)
    text = c.text(obj, "text", True, 5000)
    industry = c.text(obj, "industry", False, 100)
    expect = c.ids(obj, "expect", False)
    if not c.ok:
        return None
    return ServiceRequest(rid, sme, city, text, detect_lang(text), industry, expect or [])


def _read_lines(path: Path | str) -> list[tuple[int, Any]]:
    """``(line, object)`` of every non-blank line of a JSON Lines file; all JSON problems at once."""
    path = Path(path)
    content = read_utf8(path, file_failure(path))
    rows = json_lines(content)
    problems = [
        ImportProblem(i, "(json)", v.problem, v.fix, kind="bad_json") for i, v in rows if isinstance(v, BadLine)
    ]
    if problems:
        raise CentresImportError(problems, str(path))
    return rows


LIST_COLUMNS = {"fields", "affiliates", "expect"}


def no_sheet(sheet: str, found: list[str]) -> ImportProblem:
    """The problem of a workbook without the sheet ``sheet`` (kind ``no_sheet``)."""
    listed = ", ".join(found)
    return problem_of(0, "(sheets)", f"no sheet '{sheet}' (found: {listed})", "", "no_sheet", sheet=sheet, found=listed)


def _read_excel(path: Path | str, sheet: str) -> list[tuple[int, Any]]:
    """Rows of sheet ``sheet`` of a workbook as dicts (row 1 = header; list columns hold items
    separated by ``;``). Row numbers are the spreadsheet's."""
    from openpyxl import load_workbook

    path = Path(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:
        problem = f"cannot open workbook {path}: {err}"
        raise CentresImportError.of_file(path, problem, "", "bad_workbook", file=str(path), error=str(err)) from err
    try:
        if sheet not in wb.sheetnames:
            raise CentresImportError([no_sheet(sheet, wb.sheetnames)], str(path))
        rows = wb[sheet].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, None) or []]
        out: list[tuple[int, Any]] = []
        for i, values in enumerate(rows, start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            obj: dict[str, Any] = {}
            for col, v in zip(header, values):
                if not col or v is None or (isinstance(v, str) and not v.strip()):
                    continue
                if col in LIST_COLUMNS:
                    obj[col] = [x.strip() for x in re.split(r"[;；]", str(v)) if x.strip()]
                elif col in ("id", "sme") and isinstance(v, float) and v.is_integer():
                    obj[col] = str(int(v))
                elif col in ("id", "sme", "city"):
                    obj[col] = str(v).strip()
                else:
                    obj[col] = v.strip() if isinstance(v, str) else v
            out.append((i, obj))
        return out
    finally:
        wb.close()


def _rows(path: Path | str, sheet: str) -> list[tuple[int, Any]]:
    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        return _read_excel(path, sheet)
    return _read_lines(path)


def _parse_all(rows: list[tuple[int, Any]], parse, source: str, what: str) -> list:
    problems: list[ImportProblem] = []
    out = []
    seen: dict[str, int] = {}
    for line, obj in rows:
        rec = parse(obj, line, problems)
        if rec is None:
            continue
        if rec.id in seen:
            problems.append(
                problem_of(
                    line,
                    "id",
                    f"{rec.id!r} already used on line {seen[rec.id]}",
                    f"give every {what} its own id",
                    f"duplicate_{what}_id",
                    value=repr(rec.id),
                    first=seen[rec.id],
                )
            )
            continue
        seen[rec.id] = line
        out.append(rec)
    if not out and not problems:
        fix = f"write one {what} per line as a JSON object"
        problems.append(problem_of(0, "(file)", f"no {what} found", fix, f"no_{what}s"))
    if problems:
        raise CentresImportError(problems, source)
    return out


def read_centres(path: Path | str) -> list[Centre]:
    """All centres of a JSON Lines file (or sheet ``centres`` of a workbook), or
    :class:`CentresImportError` listing every problem."""
    return _parse_all(_rows(path, "centres"), parse_centre, str(path), "centre")


def read_requests(path: Path | str, centres: list[Centre] | None = None) -> list[ServiceRequest]:
    """All requests of a JSON Lines file; with ``centres``, ``expect`` labels must name known centres."""
    rows = _rows(path, "requests")
    reqs = _parse_all(rows, parse_request, str(path), "request")
    if centres is not None:
        known = {c.id for c in centres}
        lines = {r.id: ln for ln, r in zip([ln for ln, _ in rows], reqs)}
        problems = [
            problem_of(
                lines.get(r.id, 0),
                "expect",
                f"names unknown centre {e!r}",
                "use ids of the centres file",
                "unknown_centre",
                value=repr(e),
            )
            for r in reqs
            for e in r.expect
            if e not in known
        ]
        if problems:
            raise CentresImportError(problems, str(path))
    return reqs


def parse_centres(objs: list[Any], source: str = "(records)") -> list[Centre]:
    """Centres from already-decoded objects (API bodies, tests); same checks as the file reader."""
    return _parse_all(list(enumerate(objs, start=1)), parse_centre, source, "centre")


def parse_requests(objs: list[Any], source: str = "(records)") -> list[ServiceRequest]:
    """Requests from already-decoded objects; same checks as the file reader."""
    return _parse_all(list(enumerate(objs, start=1)), parse_request, source, "request")


def write_jsonl(path: Path | str, records: list) -> int:
    """Write centres or requests as JSON Lines; returns the count."""
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r.to_record(), ensure_ascii=False) + "\n")
    return len(records)
