"""Reading and writing hub records: JSON Lines and Excel (导入导出).

One record per JSON line (or spreadsheet row)::

    {"type": "organization", "id", "name", "name_zh"?, "kind", "city", "industries": [..],
     "size"?, "certifications"?: [..], "description"?, "description_zh"?}
    {"type": "offer", "id", "org", "kind", "title", "text", "industries"?: [..], "attributes"?: {..}}
    {"type": "need", "id", "org", "kind", "title", "text", "industries"?: [..],
     "constraints"?: {"cities"?, "certifications"?, "min_capacity"?, "deadline"?, "budget"?}}

Parsing checks every field and collects *all* problems (line and field of each); callers
store nothing unless the list is empty. Excel workbooks have sheets ``organizations``,
``offers`` and ``needs`` with one column per field; list fields hold items separated by
``;`` and ``attributes``/``constraints`` entries are columns named ``attributes.KEY`` /
``constraints.KEY``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citynexus.data.limits import InputLimitError, JSONSyntaxError, check_xlsx
from citynexus.data.limits import loads as safe_json
from citynexus.data.recordfiles import BadLine, json_lines, read_utf8
from citynexus.hub.cities import resolve_city
from citynexus.hub.errors import HubImportError, ImportProblem, UnknownCityError
from citynexus.hub.industries import normalise_industry
from citynexus.hub.models import NEED_KINDS, OFFER_KINDS, ORG_KINDS, ORG_SIZES, VISIBILITY, Need, Offer, Organization
from citynexus.hub.text import detect_lang

if TYPE_CHECKING:
    from collections.abc import Iterable

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")

# the fields offers and needs share (field -> required)
_LISTING_FIELDS = {
    "type": True,
    "id": True,
    "org": True,
    "kind": True,
    "title": True,
    "text": True,
    "industries": False,
}
FIELDS: dict[str, dict[str, bool]] = {
    # field -> required
    "organization": {
        "type": True,
        "id": True,
        "name": True,
        "name_zh": False,
        "kind": True,
        "city": True,
        "industries": True,
        "size": False,
        "certifications": False,
        "description": False,
        "description_zh": False,
    },
    "offer": {**_LISTING_FIELDS, "attributes": False},
    "need": {**_LISTING_FIELDS, "constraints": False, "visibility": False},
}
CONSTRAINT_KEYS = ("cities", "certifications", "min_capacity", "deadline", "budget")
SHEETS = {"organization": "organizations", "offer": "offers", "need": "needs"}

Record = Organization | Offer | Need


@dataclass
class ParsedFile:
    """Records read from one file, in order, with the line (or sheet row) of each."""

    records: list[tuple[int, str | None, Record]] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


class RecordChecker:
    """Checks the fields of one import record (line or spreadsheet row ``line``) and collects
    every problem, each with its line, field and fix; shared by every importer of records."""

    def __init__(self, line: int, sheet: str | None, problems: list[ImportProblem]):
        self.line, self.sheet, self.problems = line, sheet, problems

    def bad(self, fld: str, problem: str, fix: str = "", kind: str = "", **values: Any) -> None:
        """Record a problem of field ``fld``: the English ``problem`` and ``fix``, and the ``kind``
        of problem with the ``values`` its sentences quote (as texts) for a page to translate."""
        vals = {k: str(v) for k, v in values.items()}
        self.problems.append(ImportProblem(self.line, fld, problem, fix, self.sheet, kind, vals))

    def text(self, obj: dict, fld: str, required: bool, max_len: int = 20000) -> str | None:
        v = obj.get(fld)
        if v is None or (isinstance(v, str) and not v.strip()):
            if required:
                self.bad(fld, "missing", f"give '{fld}' as a non-empty text", "missing_text", field=fld)
            return None
        if not isinstance(v, str):
            self.bad(
                fld, f"must be a text, got {type(v).__name__} {v!r}", f'write "{v}" in quotes', "not_text", value=v
            )
            return None
        if len(v) > max_len:
            self.bad(fld, f"longer than {max_len} characters", "shorten it", "too_long", max=max_len)
            return None
        return v.strip()

    def ident(self, obj: dict, fld: str) -> str | None:
        v = self.text(obj, fld, True, 64)
        if v is not None and not ID_RE.match(v):
            self.bad(
                fld, f"{v!r} is not a valid id", "use 1-64 letters, digits, '_', '.', ':' or '-'", "bad_id", value=v
            )
            return None
        return v

    def choice(self, obj: dict, fld: str, allowed: tuple[str, ...], required: bool) -> str | None:
        v = self.text(obj, fld, required)
        if v is None:
            return None
        if v.lower() not in allowed:
            listed = ", ".join(allowed)
            self.bad(
                fld,
                f"{v!r} is not one of {listed}",
                "use one of the listed values",
                "not_choice",
                value=v,
                allowed=listed,
            )
            return None
        return v.lower()

    def text_list(self, obj: dict, fld: str, required: bool) -> list[str] | None:
        if fld not in obj or obj[fld] is None:
            if required:
                fix = f"give '{fld}' as a list of texts, e.g. [\"nev\"] (may be empty: [])"
                self.bad(fld, "missing", fix, "missing_list", field=fld)
            return [] if not required else None
        v = obj[fld]
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            self.bad(
                fld,
                f"must be a list of texts, got {v!r}",
                f'write e.g. "{fld}": ["a", "b"]',
                "not_list",
                value=repr(v),
                field=fld,
            )
            return None
        return [x.strip() for x in v if x.strip()]

    def city(self, value: Any, fld: str) -> str | None:
        try:
            return resolve_city(value)
        except UnknownCityError as err:
            self.bad(fld, str(err), "", "unknown_city", value=repr(value))
            return None

    def number(self, d: dict, key: str, fld: str) -> float | None:
        v = d.get(key)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
            fix = "write a plain number without unit or quotes"
            self.bad(fld, f"must be a non-negative number, got {v!r}", fix, "not_number", value=repr(v))
            return None
        return v

    def date(self, d: dict, key: str, fld: str) -> str | None:
        v = d.get(key)
        if v is None:
            return None
        if isinstance(v, dt.datetime):
            v = v.date().isoformat()
        elif isinstance(v, dt.date):
            v = v.isoformat()
        try:
            return dt.date.fromisoformat(str(v)).isoformat()
        except ValueError:
            self.bad(fld, f"{v!r} is not a date", "write an ISO date YYYY-MM-DD", "not_date", value=repr(v))
            return None


def parse_record(obj: Any, line: int, sheet: str | None = None) -> tuple[Record | None, list[ImportProblem]]:
    """Validate one record (a dict) and build its dataclass; ``(None, problems)`` when invalid."""
    problems: list[ImportProblem] = []
    c = RecordChecker(line, sheet, problems)
    if not isinstance(obj, dict):
        c.bad("(record)", f"must be a JSON object {{...}}, got {type(obj).__name__}", "", "not_record")
        return None, problems
    typ = obj.get("type")
    if typ not in FIELDS:
        c.bad(
            "type",
            f"{typ!r} is not a record type",
            "use 'organization', 'offer' or 'need'",
            "bad_type",
            value=repr(typ),
        )
        return None, problems
    for k in obj:
        if k not in FIELDS[typ]:
            listed = ", ".join(FIELDS[typ])
            c.bad(
                k, f"unknown field of a {typ}", f"allowed fields: {listed}", "unknown_field", type=typ, allowed=listed
            )
    rid = c.ident(obj, "id")
    if typ == "organization":
        name = c.text(obj, "name", True, 300)
        kind = c.choice(obj, "kind", ORG_KINDS, True)
        city = None
        if obj.get("city") in (None, ""):
            c.bad("city", "missing", "give a unit code (GZ, SZ, HK, ...) or a city name", "missing_city")
        else:
            city = c.city(obj["city"], "city")
        industries = c.text_list(obj, "industries", True)
        size = c.choice(obj, "size", ORG_SIZES, False)
        certs = c.text_list(obj, "certifications", False)
        name_zh = c.text(obj, "name_zh", False, 300)
        desc = c.text(obj, "description", False)
        desc_zh = c.text(obj, "description_zh", False)
        if problems:
            return None, problems
        return (
            Organization(
                id=rid,
                name=name,
                kind=kind,
                city=city,
                industries=_dedup(normalise_industry(x) for x in industries),
                name_zh=name_zh,
                size=size,
                certifications=certs or [],
                description=desc,
                description_zh=desc_zh,
            ),
            problems,
        )
    org = c.ident(obj, "org")
    kind = c.choice(obj, "kind", OFFER_KINDS if typ == "offer" else NEED_KINDS, True)
    title = c.text(obj, "title", True, 500)
    text = c.text(obj, "text", True)
    industries = c.text_list(obj, "industries", False)
    extra_name = "attributes" if typ == "offer" else "constraints"
    extra = obj.get(extra_name) or {}
    if not isinstance(extra, dict):
        c.bad(extra_name, f"must be an object {{...}}, got {extra!r}", "", "not_object", value=repr(extra))
        extra = {}
    extra = _check_offer_attributes(c, extra) if typ == "offer" else _check_constraints(c, extra)
    visibility = (c.choice(obj, "visibility", VISIBILITY, False) or "public") if typ == "need" else "public"
    if problems:
        return None, problems
    inds = _dedup(normalise_industry(x) for x in industries)
    lang = detect_lang(f"{title} {text}")
    if typ == "offer":
        return Offer(rid, org, kind, title, text, inds, extra, lang), problems
    return Need(rid, org, kind, title, text, inds, extra, lang, visibility), problems


def _dedup(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _listed(d: dict, key: str) -> Any:
    """``d[key]``, a single text taken as a one-item list (None when the key is absent)."""
    v = d.get(key)
    return [v] if isinstance(v, str) else v


def _city_list(c: RecordChecker, d: dict, key: str, fld: str) -> list[str] | None:
    v = _listed(d, key)
    if v is None:
        return None
    if not isinstance(v, list) or not v:
        c.bad(
            fld,
            f"must be a non-empty list of cities, got {v!r}",
            'write e.g. ["GZ", "深圳"]',
            "not_cities",
            value=repr(v),
        )
        return None
    out = []
    for x in v:
        code = c.city(x, fld)
        if code:
            out.append(code)
    return _dedup(out)


def _str_list(c: RecordChecker, d: dict, key: str, fld: str) -> list[str] | None:
    v = _listed(d, key)
    if v is None:
        return None
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        c.bad(fld, f"must be a list of texts, got {v!r}", 'write e.g. ["ISO 9001"]', "not_certs", value=repr(v))
        return None
    return [x.strip() for x in v if x.strip()]


def _check_offer_attributes(c: RecordChecker, d: dict) -> dict:
    out = dict(d)
    for key in ("capacity", "price"):
        if key in d:
            out[key] = c.number(d, key, f"attributes.{key}")
    if "available_from" in d:
        out["available_from"] = c.date(d, "available_from", "attributes.available_from")
    if "cities" in d:
        out["cities"] = _city_list(c, d, "cities", "attributes.cities")
    if "certifications" in d:
        out["certifications"] = _str_list(c, d, "certifications", "attributes.certifications")
    try:
        json.dumps(out)
    except (TypeError, ValueError):
        c.bad("attributes", "holds values that are not JSON (text, number, list, object)", "", "not_json")
    return {k: v for k, v in out.items() if v is not None}


def _check_constraints(c: RecordChecker, d: dict) -> dict:
    out: dict[str, Any] = {}
    for k in d:
        if k not in CONSTRAINT_KEYS:
            listed = ", ".join(CONSTRAINT_KEYS)
            c.bad(f"constraints.{k}", "unknown constraint", f"use {listed}", "unknown_constraint", allowed=listed)
    if "cities" in d:
        out["cities"] = _city_list(c, d, "cities", "constraints.cities")
    if "certifications" in d:
        out["certifications"] = _str_list(c, d, "certifications", "constraints.certifications")
    for key in ("min_capacity", "budget"):
        if key in d:
            out[key] = c.number(d, key, f"constraints.{key}")
    if "deadline" in d:
        out["deadline"] = c.date(d, "deadline", "constraints.deadline")
    return {k: v for k, v in out.items() if v is not None}


# ----------------------------------------------------------------------------- reading


def read_jsonl(path: Path | str) -> ParsedFile:
    """Parse a JSON Lines file; blank lines are skipped; problems are collected, not raised."""
    path = Path(path)
    out = ParsedFile()
    content = read_utf8(path, partial(HubImportError.of_file, path))
    for i, obj in json_lines(content):
        if isinstance(obj, BadLine):
            out.problems.append(ImportProblem(i, "(json)", obj.problem, obj.fix, kind="bad_json"))
            continue
        rec, probs = parse_record(obj, i)
        out.problems.extend(probs)
        if rec is not None:
            out.records.append((i, None, rec))
    return out


def _cell_list(v: Any) -> list[str]:
    if v is None:
        return []
    return [x.strip() for x in re.split(r"[;；]", str(v)) if x.strip()]


def _cell_value(v: Any) -> Any:
    if isinstance(v, str):
        s = v.strip()
        if s.startswith(("[", "{")):
            try:
                return safe_json(s)
            except (JSONSyntaxError, InputLimitError):
                return s
        return s or None
    return v


LIST_FIELDS = {"industries", "certifications"}
LIST_KEYS = {"cities", "certifications"}


def read_excel(path: Path | str) -> ParsedFile:
    """Parse a workbook with sheets organizations / offers / needs (row 1 = header)."""
    from openpyxl import load_workbook

    path = Path(path)
    out = ParsedFile()
    try:
        check_xlsx(path)  # a workbook is a zip: entry count and unpacked size, counted while streaming
    except InputLimitError as err:
        raise HubImportError.of_file(path, str(err)) from err
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:
        raise HubImportError.of_file(path, f"cannot open workbook {path}: {err}") from err
    found = False
    for typ, sheet in SHEETS.items():
        if sheet not in wb.sheetnames:
            continue
        found = True
        rows = wb[sheet].iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            continue
        cols = [str(h).strip() if h is not None else "" for h in header]
        for r, values in enumerate(rows, start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            obj: dict[str, Any] = {"type": typ}
            nested: dict[str, dict] = {}
            for col, v in zip(cols, values):
                if not col or v is None or (isinstance(v, str) and not v.strip()):
                    continue
                if "." in col:
                    group, key = col.split(".", 1)
                    val = _cell_list(v) if key in LIST_KEYS and isinstance(v, str) else _cell_value(v)
                    nested.setdefault(group, {})[key] = val
                elif col in LIST_FIELDS:
                    obj[col] = _cell_list(v)
                elif col == "id" or col == "org":
                    obj[col] = str(v).strip() if not isinstance(v, float) or not v.is_integer() else str(int(v))
                else:
                    obj[col] = _cell_value(v)
            obj.update(nested)
            if typ == "organization" and "industries" not in obj:
                obj["industries"] = []
            rec, probs = parse_record(obj, r, sheet)
            out.problems.extend(probs)
            if rec is not None:
                out.records.append((r, sheet, rec))
    wb.close()
    if not found:
        names = ", ".join(SHEETS.values())
        raise HubImportError(
            [
                ImportProblem(
                    0, "(sheets)", f"none of the sheets {names} found", kind="no_sheets", values={"sheets": names}
                )
            ],
            str(path),
        )
    return out


def read_file(path: Path | str) -> ParsedFile:
    """JSON Lines (``.jsonl``, ``.json``, ``.ndjson``) or Excel (``.xlsx``) by extension."""
    suffix = Path(path).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_excel(path)
    if suffix in (".jsonl", ".ndjson", ".json", ".txt"):
        return read_jsonl(path)
    raise HubImportError.of_file(
        path, f"unsupported file type {suffix!r}", "use .jsonl or .xlsx", "file_type", value=suffix
    )


# ----------------------------------------------------------------------------- writing


def write_jsonl(path: Path | str, records: Iterable[Record]) -> int:
    """Write records (organizations first is the caller's business) as JSON Lines; returns the count."""
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec.to_record(), ensure_ascii=False) + "\n")
            n += 1
    return n


def _flatten(rec: dict) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for k, v in rec.items():
        if k == "type":
            continue
        if isinstance(v, dict):
            for kk, vv in v.items():
                flat[f"{k}.{kk}"] = "; ".join(vv) if isinstance(vv, list) else vv
        elif isinstance(v, list):
            flat[k] = "; ".join(v)
        else:
            flat[k] = v
    return flat


def write_excel(path: Path | str, records: Iterable[Record]) -> int:
    """Write records to a workbook with sheets organizations / offers / needs."""
    from openpyxl import Workbook

    by_type: dict[str, list[dict]] = {t: [] for t in SHEETS}
    for rec in records:
        d = rec.to_record()
        by_type[d["type"]].append(_flatten(d))
    wb = Workbook()
    wb.remove(wb.active)
    n = 0
    for typ, rows in by_type.items():
        ws = wb.create_sheet(SHEETS[typ])
        cols = [f for f in FIELDS[typ] if f != "type" and f not in ("attributes", "constraints")]
        extra = sorted({k for r in rows for k in r if k not in cols})
        ws.append(cols + extra)
        for r in rows:
            ws.append([_excel_cell(r.get(cn)) for cn in cols + extra])
            n += 1
    wb.save(path)
    return n


def _excel_cell(v: Any) -> Any:
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    return v
