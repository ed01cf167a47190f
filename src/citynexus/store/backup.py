"""Backup and restore of a whole citynexus database (备份与恢复), portable between SQLite
and PostgreSQL.

A backup is one JSON document (gzip-compressed when the file name ends with ``.gz``)::

    {"format": "citynexus-backup/1", "revision": "0001", "created": "2026-...Z",
     "dialect": "sqlite", "tables": {"ledger_entry": {"columns": [...], "rows": [[...], ...]}, ...}}

Every table declared on :class:`citynexus.store.Base` that exists in the database is
written, ledger included; binary columns as base64, times as ISO 8601, JSON columns as
JSON. :func:`restore` reads it back into a *new, empty* database in one transaction: the
schema is created at the backup's revision, the rows are inserted, then the schema is
upgraded to the head — and before anything is written, a ``check(tables)`` hook (the CLI
passes the ledger verifier, :func:`citynexus.ledger.backup.verify_backup`) may refuse the
backup, so a tampered ledger is never restored.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, Integer, LargeBinary, func, inspect, select, text
from sqlalchemy.types import Date

from citynexus.store import Base, StoreError, get_engine, import_all_tables, normalise_url

FORMAT = "citynexus-backup/1"
Tables = dict[str, dict[str, Any]]


def _utc(v: dt.datetime) -> dt.datetime:
    """A time in UTC with an explicit offset (SQLite returns naive times, which are UTC)."""
    return (v if v.tzinfo else v.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _encoder(col) -> Callable[[Any], Any]:
    if isinstance(col.type, LargeBinary):
        return lambda v: None if v is None else base64.b64encode(bytes(v)).decode()
    if isinstance(col.type, DateTime):
        return lambda v: None if v is None else _utc(v).isoformat()
    if isinstance(col.type, Date):
        return lambda v: None if v is None else v.isoformat()
    return lambda v: v


def _decoder(col) -> Callable[[Any], Any]:
    if isinstance(col.type, LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v, validate=True)
    if isinstance(col.type, DateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if isinstance(col.type, Date):
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    return lambda v: v


def dump(url: str | None = None) -> dict[str, Any]:
    """The whole database as a backup document (see the module docstring)."""
    from citynexus.store.schema import current_revision

    engine = get_engine(url)
    import_all_tables()
    out: Tables = {}
    with engine.connect() as conn:
        revision = current_revision(conn)
        present = set(inspect(conn).get_table_names())
        for table in Base.metadata.sorted_tables:
            if table.name not in present:
                continue
            cols = list(table.columns)
            enc = [_encoder(c) for c in cols]
            pk = list(table.primary_key.columns) or cols[:1]
            rows = conn.execute(select(*cols).order_by(*pk)).all()
            out[table.name] = {
                "columns": [c.name for c in cols],
                "rows": [[e(v) for e, v in zip(enc, r)] for r in rows],
            }
    return {
        "format": FORMAT,
        "revision": revision,
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "dialect": engine.dialect.name,
        "tables": out,
    }


def write_backup(url: str | None, path: Path) -> dict[str, int]:
    """Write the backup of the database at ``url`` to ``path`` (gzip when it ends with
    ``.gz``); returns the row count per table."""
    doc = dump(url)
    data = json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    tmp.replace(path)
    return {name: len(t["rows"]) for name, t in doc["tables"].items()}


def read_backup(path: Path) -> dict[str, Any]:
    """Read and check the shape of a backup file (duplicate JSON keys refused)."""
    from citynexus.data.limits import InputLimitError, JSONSyntaxError, loads

    try:
        raw = path.read_bytes()
    except OSError as err:
        raise StoreError(f"cannot read the backup {path}: {err.strerror}") from err
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise StoreError(f"{path} is not a readable gzip file: {err}") from err
    try:
        doc = loads(raw, source=str(path), max_bytes=len(raw), max_depth=256)
    except (JSONSyntaxError, InputLimitError) as err:
        raise StoreError(f"{path} is not a citynexus backup: {err}") from err
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise StoreError(f"{path} is not a citynexus backup (expected format {FORMAT!r})")
    tables = doc.get("tables")
    if not isinstance(tables, dict):
        raise StoreError(f"{path}: 'tables' must be an object of tables")
    import_all_tables()
    for name, t in tables.items():
        table = Base.metadata.tables.get(name)
        if table is None:
            raise StoreError(f"{path}: table {name!r} is not known to this citynexus")
        if not isinstance(t, dict) or not isinstance(t.get("rows"), list) or not isinstance(t.get("columns"), list):
            raise StoreError(f"{path}: table {name!r} needs 'columns' and 'rows' lists")
        unknown = set(t["columns"]) - set(table.columns.keys())
        if unknown:
            raise StoreError(f"{path}: table {name!r} has unknown column(s) {sorted(unknown)}")
        for i, r in enumerate(t["rows"]):
            if not isinstance(r, list) or len(r) != len(t["columns"]):
                raise StoreError(f"{path}: table {name!r}, row {i + 1}: expected {len(t['columns'])} values")
    return doc


def rows_of(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The rows of table ``name`` in a backup, decoded to Python values."""
    t = doc["tables"].get(name)
    if not t:
        return []
    table = Base.metadata.tables[name]
    dec = [_decoder(table.columns[c]) for c in t["columns"]]
    try:
        return [{c: d(v) for c, d, v in zip(t["columns"], dec, r)} for r in t["rows"]]
    except (ValueError, TypeError) as err:
        raise StoreError(f"backup table {name!r}: a value cannot be decoded ({err})") from err


def restore(path: Path, url: str | None = None, check: Callable[[dict[str, Any]], Any] | None = None) -> dict[str, int]:
    """Restore the backup at ``path`` into the new, empty database at ``url``.

    ``check(doc)`` runs before anything is written and may raise to refuse the backup.
    All rows are written in one transaction with the schema; returns rows per table."""
    from alembic import command

    from citynexus.store.schema import _citynexus_tables, alembic_config, current_revision, head_revision, revisions

    doc = read_backup(path)
    rev = doc.get("revision")
    if rev not in revisions():
        raise StoreError(
            f"{path} was made at schema revision {rev!r}, unknown to this citynexus (head {head_revision()}); "
            "restore it with the citynexus version that made it"
        )
    if check is not None:
        check(doc)
    url = normalise_url(url) if url else None
    engine: Engine = get_engine(url, create=False)
    target = engine.url.render_as_string(hide_password=False)
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        if _citynexus_tables(conn) or current_revision(conn) is not None:
            raise StoreError(
                f"the database {engine.url.render_as_string(hide_password=True)} is not empty; restore into a new "
                "database (give another --db) so nothing is mixed or overwritten"
            )
        command.upgrade(alembic_config(target, conn), rev)
        present = set(inspect(conn).get_table_names())
        for table in reversed(Base.metadata.sorted_tables):  # rows seeded by migrations: the backup has them
            if table.name in present:
                conn.execute(table.delete())
        for table in Base.metadata.sorted_tables:
            rows = rows_of(doc, table.name)
            if rows:
                conn.execute(table.insert(), rows)
            counts[table.name] = len(rows)
        command.upgrade(alembic_config(target, conn), "head")
        if conn.dialect.name == "postgresql":  # explicit ids were inserted: move the sequences past them
            for table in Base.metadata.sorted_tables:
                pk = list(table.primary_key.columns)
                serial = len(pk) == 1 and isinstance(pk[0].type, Integer) and pk[0].autoincrement in ("auto", True)
                if serial and counts.get(table.name):
                    top = conn.execute(select(func.max(pk[0]))).scalar_one()
                    seq = conn.execute(
                        text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
                    ).scalar_one_or_none()
                    if seq:
                        conn.execute(text("SELECT setval(:s, :v)"), {"s": seq, "v": top})
    return {k: v for k, v in counts.items() if k in doc["tables"]}
