"""Schema migrations (alembic), the schema check on open, backup/restore with a verified
ledger — on SQLite and PostgreSQL (``db_url``)."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, select, text

from citynexus.ledger import Ledger, audit, generate_key, merkle
from citynexus.ledger.errors import TamperError
from citynexus.store import Base, dispose_all, get_engine, session_scope
from citynexus.store import schema as sch
from citynexus.store.app import ApiKey, Organisation, StoredDataset
from citynexus.store.backup import read_backup, restore, write_backup
from citynexus.store.hub import HubNeed, HubOffer, HubOrganization
from citynexus.store.ledger import LedgerEntry
from tests.store.baseline_models import old_metadata

REPO = Path(__file__).resolve().parents[2]

#: the tables that existed before migrations (revision 0001) — frozen here on purpose
BASELINE_TABLES = (
    "api_keys",
    "datasets",
    "results",
    "jobs",
    "hub_organizations",
    "hub_offers",
    "hub_needs",
    "hub_vectors",
    "ledger_head",
    "ledger_entry",
    "ledger_node",
    "ledger_checkpoint",
    "ledger_key",
    "ledger_trace",
    "ledger_published",
)
LEDGER_TABLES = [t for t in BASELINE_TABLES if t.startswith("ledger_")]


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    e = dict(os.environ, PYTHONPATH=str(REPO / "src"), COLUMNS="400", **(env or {}))  # no line wrapping
    return subprocess.run(
        [sys.executable, "-m", "citynexus.cli.main", *args], capture_output=True, text=True, env=e, timeout=120
    )


def db_cli(*args: str):
    """``citynexus db ...`` in process (faster than a subprocess)."""
    from typer.testing import CliRunner

    from citynexus.cli.db import app

    return CliRunner().invoke(app, list(args))


def make_ledger(url: str, n: int = 5):
    led = Ledger.init(url, origin="migrate.test/log")
    led.append_many(
        [{"type": "kpi.report", "payload": {"city": c, "v": i}} for i, c in enumerate("ABCDEFGH"[:n])], "SZ"
    )
    key = generate_key("migrate-key")
    led.checkpoint(key)
    return led, key


# ------------------------------------------------------------------------------ schema


def test_head_revision_is_alembic_head():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(sch.alembic_config("sqlite://"))
    assert sch.head_revision() == script.get_current_head()
    assert sch.revisions()[sch.BASELINE] is None


def test_migrations_head_equals_declared_tables(db_url):
    """Migrating an empty database through every revision gives exactly ``Base.metadata``:
    a table declared without a revision (run ``citynexus db revision -m ...``) fails here."""
    before, after = sch.upgrade(db_url)
    assert before is None and after == sch.head_revision()
    assert sch.differences(db_url) == []


def test_new_database_is_stamped_at_head(db_url):
    eng = get_engine(db_url)
    with eng.connect() as conn:
        assert sch.current_revision(conn) == sch.head_revision()
    assert sch.differences(db_url) == []


def _old_database(url: str) -> None:
    """A database as citynexus made it before migrations: ``create_all`` of the frozen
    pre-migration models (no version table), with rows in service, hub and ledger tables."""
    eng = get_engine(url, create=False)
    old_metadata.create_all(eng)
    t = old_metadata.tables
    now = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    with eng.begin() as c:
        c.execute(
            insert(t["api_keys"]),
            [{"name": "old-key", "prefix": "cnx_abc", "secret_hash": "0" * 64, "created": now, "revoked": False}],
        )
        c.execute(
            insert(t["datasets"]),
            [
                {
                    "name": "old-ds",
                    "digest": "d" * 64,
                    "n_units": 1,
                    "n_indicators": 1,
                    "periods": [2020],
                    "tables": {},
                    "created": now,
                }
            ],
        )
        c.execute(
            insert(t["hub_organizations"]),
            [
                {
                    "id": "ORG1",
                    "name": "Old Org",
                    "kind": "enterprise",
                    "city": "SZ",
                    "industries": [],
                    "certifications": [],
                }
            ],
        )
        c.execute(
            insert(t["hub_offers"]),
            [
                {
                    "id": "OF1",
                    "org_id": "ORG1",
                    "kind": "patent",
                    "title": "T",
                    "text": "x",
                    "industries": [],
                    "lang": "en",
                    "attributes": {},
                }
            ],
        )
        c.execute(
            insert(t["hub_needs"]),
            [
                {
                    "id": "NE1",
                    "org_id": "ORG1",
                    "kind": "technology",
                    "title": "N",
                    "text": "y",
                    "industries": [],
                    "lang": "en",
                    "constraints": {},
                }
            ],
        )


def _copy_ledger(src_url: str, dst_url: str) -> None:
    src, dst = get_engine(src_url, create=False), get_engine(dst_url, create=False)
    with src.connect() as a, dst.begin() as b:
        for name in LEDGER_TABLES:
            old = old_metadata.tables[name]
            cols = [c.name for c in old.columns if not (name == "ledger_checkpoint" and c.name == "id")]
            rows = [dict(r._mapping) for r in a.execute(select(*(Base.metadata.tables[name].c[c] for c in cols)))]
            if rows:
                b.execute(insert(old), rows)  # checkpoint ids: numbered by the database (its sequence)


def test_baseline_revision_is_the_pre_migration_schema(db_url):
    """Revision 0001 creates exactly the tables of the frozen pre-migration models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    sch.upgrade(db_url, sch.BASELINE)
    with get_engine(db_url, create=False).connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), old_metadata)
    assert [d for d in diffs if not (d[0] == "remove_table" and d[1].name == "alembic_version")] == []


def test_upgrade_from_pre_migration_schema_with_data(db_url, tmp_path):
    scratch = f"sqlite:///{tmp_path / 'scratch.db'}"
    led0, key = make_ledger(scratch)
    _old_database(db_url)
    _copy_ledger(scratch, db_url)
    with pytest.raises(sch.SchemaError, match=r"created before schema migrations.*citynexus db upgrade"):
        get_engine(db_url)
    from citynexus.api import create_app

    with pytest.raises(sch.SchemaError, match="citynexus db upgrade"):  # the server refuses to start
        create_app(db_url)
    r = cli("ledger", "status", "--db", db_url)
    assert r.returncode == 1 and "citynexus db upgrade" in r.stderr and "Traceback" not in r.stderr
    assert "before migrations" in " ".join(db_cli("current", "--db", db_url).stdout.split())

    before, after = sch.upgrade(db_url)
    assert before is None and after == sch.head_revision()
    dispose_all()
    eng = get_engine(db_url)  # accepted now
    with session_scope(eng) as s:
        api_key = s.scalars(select(ApiKey)).one()
        assert (api_key.name, api_key.org, api_key.role) == ("old-key", "local", "admin")  # old keys keep full rights
        ds = s.scalars(select(StoredDataset)).one()
        assert ds.periods == [2020] and ds.owner_org == "local"
        assert s.get(HubOffer, "OF1").org_id == "ORG1" and s.get(HubOffer, "OF1").owner_org == "local"
        assert s.get(HubNeed, "NE1").visibility == "public" and s.get(HubOrganization, "ORG1").owner_org == "local"
        assert s.get(Organisation, "local") is not None
    led = Ledger(db_url)
    assert led.size == 5 and led.root_at() == led0.root_at()
    assert audit(led, [key.verifier]).ok
    led.append("kpi.report", {"after": "upgrade"}, "SZ")
    assert led.checkpoint(key).size == 6
    assert sch.differences(db_url) == []
    r = db_cli("upgrade", "--db", db_url)
    assert r.exit_code == 0 and f"already at revision {sch.head_revision()}" in " ".join(r.stdout.split())


def sch_problem(url: str) -> str | None:
    from citynexus.store import schema_problem

    return schema_problem(get_engine(url, create=False))


def test_old_and_unknown_revisions_refused(db_url):
    eng = get_engine(db_url)
    dispose_all()
    with get_engine(db_url, create=False).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'zz99'"))
    with pytest.raises(sch.SchemaError, match=r"unknown to this citynexus.*upgrade citynexus"):
        get_engine(db_url)
    with get_engine(db_url, create=False).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    head = sch.head_revision()
    assert head != sch.BASELINE
    dispose_all()
    with pytest.raises(
        sch.SchemaError, match=f"revision 0001, this citynexus needs {head}; run 'citynexus db upgrade'"
    ):
        get_engine(db_url)
    assert "run 'citynexus db upgrade'" in sch_problem(db_url)
    with get_engine(db_url, create=False).begin() as conn:  # back to the truth: the schema is at the head
        conn.execute(text("UPDATE alembic_version SET version_num = :h"), {"h": head})
    dispose_all()
    get_engine(db_url)
    assert sch_problem(db_url) is None
    del eng


def test_new_revision_is_one_command(tmp_path):
    """``citynexus db revision -m`` autogenerates the revision for a newly declared table."""
    from sqlalchemy import Column, Integer, String, Table

    t = Table("zz_probe_table", Base.metadata, Column("id", Integer, primary_key=True), Column("name", String(20)))
    path = None
    try:
        path = sch.new_revision("probe table")
        src = path.read_text()
        assert path.name == f"{int(sch.BASELINE) + len(sch.revisions()) - 1:04d}_probe_table.py"
        assert "create_table('zz_probe_table'" in src or 'create_table("zz_probe_table"' in src
        assert sch.head_revision() == path.name[:4]
        url = f"sqlite:///{tmp_path / 'probe.db'}"
        sch.upgrade(url)
        assert sch.differences(url) == []
    finally:
        Base.metadata.remove(t)
        if path is not None:
            path.unlink()
        dispose_all()
    with pytest.raises(sch.SchemaError, match="nothing to add"):
        sch.new_revision("nothing")


# ------------------------------------------------------------------------------ backup / restore


def _fill(url: str):
    led, key = make_ledger(url)
    eng = get_engine(url)
    with session_scope(eng) as s:
        s.add(Organisation(code="local", name="Local organisation"))
        s.flush()
        s.add(ApiKey(name="k", prefix="cnx_x", secret_hash="1" * 64))
        s.add(HubOrganization(id="ORG1", name="Org 一", kind="enterprise", city="SZ", industries=["ai"]))
    return led, key


def _comparable(url: str) -> dict:
    from citynexus.store.backup import dump

    return dump(url)["tables"]


def test_backup_restore_round_trip(db_url, tmp_path):
    led, key = _fill(db_url)
    f = tmp_path / "b.json.gz"
    counts = write_backup(db_url, f)
    assert counts["ledger_entry"] == 5 and counts["api_keys"] == 1
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    restore(f, target, check=lambda doc: None)
    assert _comparable(target) == _comparable(db_url)
    led2 = Ledger(target)
    assert led2.root_at() == led.root_at() and audit(led2, [key.verifier]).ok
    with session_scope(get_engine(target)) as s:
        s.add(ApiKey(name="after-restore", prefix="cnx_y", secret_hash="2" * 64))  # ids keep counting
    with pytest.raises(Exception, match="not empty"):
        restore(f, target)


def test_restore_into_each_backend(db_url, tmp_path):
    source = f"sqlite:///{tmp_path / 'source.db'}"
    _, key = _fill(source)
    f = tmp_path / "b.json"
    write_backup(source, f)
    r = cli("db", "restore", str(f), "--db", db_url, "--pubkey", key.verifier.vkey)
    assert r.returncode == 0, r.stderr
    assert "ledger verified: 5 entries recomputed, 1 signed checkpoint(s) match (keys: pinned)" in " ".join(
        r.stdout.split()
    )
    dispose_all()
    assert _comparable(db_url) == _comparable(source)
    with session_scope(get_engine(db_url)) as s:
        s.add(ApiKey(name="after-restore", prefix="cnx_y", secret_hash="2" * 64))  # sequences moved on
    Ledger(db_url).append("kpi.report", {"after": "restore"}, "SZ")


def _tamper(f: Path, out: Path, fix_tree: bool = False, resign: bool = False) -> None:
    doc = json.loads(f.read_text())
    t = doc["tables"]["ledger_entry"]
    col = t["columns"].index("data")
    row = t["rows"][2]
    data = base64.b64decode(row[col]).replace(b'"v":2', b'"v":2000')
    row[col] = base64.b64encode(data).decode()
    if fix_tree:
        entries = [base64.b64decode(r[col]) for r in t["rows"]]
        cr = merkle.CompactRange()
        nodes = []
        for d in entries:
            nodes += [[lv, i, base64.b64encode(h).decode()] for lv, i, h in cr.append(merkle.leaf_hash(d))]
        nt = doc["tables"]["ledger_node"]
        order = [nt["columns"].index(c) for c in ("level", "idx", "hash")]
        nt["rows"] = [[n[order.index(k)] for k in range(3)] for n in nodes]
        ht = doc["tables"]["ledger_head"]
        ht["rows"][0][ht["columns"].index("root")] = base64.b64encode(cr.root()).decode()
        if resign:
            from citynexus.ledger import sign_checkpoint

            attacker = generate_key("migrate-key")  # same name
            head = dict(zip(ht["columns"], ht["rows"][0]))
            cp = sign_checkpoint(head["origin"], cr.size, cr.root(), [attacker])
            ct = doc["tables"]["ledger_checkpoint"]
            ct["rows"][0][ct["columns"].index("note")] = cp.note
            ct["rows"][0][ct["columns"].index("root")] = base64.b64encode(cr.root()).decode()
            kt = doc["tables"]["ledger_key"]
            kt["rows"][0][kt["columns"].index("vkey")] = attacker.verifier.vkey
            kt["rows"][0][kt["columns"].index("key_id")] = attacker.verifier.key_id.hex()
    out.write_text(json.dumps(doc))


@pytest.mark.parametrize(
    ("fix_tree", "resign", "message"),
    [
        (False, False, "entry 2 does not match its stored leaf hash"),
        (True, False, "checkpoint #1 (size 5, signed at"),
        (True, True, "no signature by a trusted key"),
    ],
)
def test_tampered_backup_refused_nothing_written(db_url, tmp_path, fix_tree, resign, message):
    from citynexus.ledger.backup import verify_backup

    source = f"sqlite:///{tmp_path / 'source.db'}"
    _, key = _fill(source)
    f, bad = tmp_path / "b.json", tmp_path / "bad.json"
    write_backup(source, f)
    _tamper(f, bad, fix_tree, resign)
    with pytest.raises(TamperError, match=re_escape(message)):
        restore(bad, db_url, check=lambda doc: verify_backup(doc, [key.verifier]))
    with get_engine(db_url, create=False).connect() as conn:
        assert inspect(conn).get_table_names() == []
    if not resign:
        return  # the command line is checked once, on the strongest forgery
    r = cli("db", "restore", str(bad), "--db", db_url, "--pubkey", key.verifier.vkey)
    assert r.returncode == 1 and ("refusing" in r.stderr or "no signature by a trusted key" in r.stderr), r.stderr
    assert "Traceback" not in r.stderr


def re_escape(s: str) -> str:
    import re

    return re.escape(s)


def test_backup_with_forged_lookup_rows_refused(tmp_path):
    """A published-result lookup row pointing a digest at another entry is refused."""
    from citynexus.ledger import publish_result
    from citynexus.ledger.backup import verify_backup

    source = f"sqlite:///{tmp_path / 's.db'}"
    led, key = make_ledger(source)
    publish_result({"scores": {"SZ": 1.0}}, led, signer=key)
    f = tmp_path / "b.json"
    write_backup(source, f)
    assert verify_backup(read_backup(f), [key.verifier]).size == 6
    doc = json.loads(f.read_text())
    t = doc["tables"]["ledger_published"]
    t["rows"][0][t["columns"].index("entry_idx")] = 0
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(TamperError, match="lookup tables do not agree"):
        verify_backup(read_backup(tmp_path / "bad.json"), [key.verifier])


def test_backup_file_with_duplicate_key_refused(tmp_path):
    f = tmp_path / "dup.json"
    f.write_text('{"format": "citynexus-backup/1", "revision": "0001", "tables": {}, "tables": {}}')
    with pytest.raises(Exception, match="duplicate key 'tables'"):
        read_backup(f)
    g = tmp_path / "g.json.gz"
    g.write_bytes(gzip.compress(b'{"format": "other"}'))
    with pytest.raises(Exception, match="is not a citynexus backup"):
        read_backup(g)


def test_entries_survive_round_trip_byte_for_byte(tmp_path):
    source = f"sqlite:///{tmp_path / 's.db'}"
    led, _ = make_ledger(source)
    led.append("blob", {"名": "值", "bytes": "\u2028"}, "SZ")
    f = tmp_path / "b.json"
    write_backup(source, f)
    target = f"sqlite:///{tmp_path / 't.db'}"
    restore(f, target)
    with session_scope(get_engine(target)) as s, session_scope(get_engine(source)) as s0:
        assert (
            s.scalars(select(LedgerEntry.data).order_by(LedgerEntry.idx)).all()
            == s0.scalars(select(LedgerEntry.data).order_by(LedgerEntry.idx)).all()
        )


def _schema(url: str) -> dict:
    """Tables with their columns (name, type, nullable, default) and indexes, as reflected."""
    eng = get_engine(url, create=False)
    insp = inspect(eng)
    out = {}
    for t in sorted(insp.get_table_names()):
        cols = [(c["name"], str(c["type"]), c["nullable"], str(c.get("default"))) for c in insp.get_columns(t)]
        idx = sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(t))
        out[t] = (cols, idx)
    dispose_all()
    return out


def test_every_downgrade_undoes_its_upgrade(db_url):
    """Step by step from the empty database: upgrade one revision, downgrade it, and the schema is the
    one before (columns in order, types, defaults, indexes); then back up to the head."""
    from alembic import command

    revs = [r for r, _ in sorted(sch.revisions().items(), key=lambda kv: kv[0])]
    eng = get_engine(db_url, create=False)
    for prev, rev in zip(["base", *revs[:-1]], revs):
        with eng.begin() as conn:
            command.upgrade(sch.alembic_config(db_url, conn), prev)
        before = _schema(db_url)
        with eng.begin() as conn:
            command.upgrade(sch.alembic_config(db_url, conn), rev)
            command.downgrade(sch.alembic_config(db_url, conn), prev)
        assert _schema(db_url) == before, f"downgrade of {rev} does not undo it"
    sch.upgrade(db_url)
    assert sch.differences(db_url) == []
