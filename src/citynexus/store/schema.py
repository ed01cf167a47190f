"""Schema versions with alembic (数据库结构版本): upgrade, check, and add revisions.

The schema's history is the chain of alembic revisions in ``store/migrations/versions``;
revision ``0001`` is the baseline, equal to the tables that existed before migrations
(every table was then made by ``Base.metadata.create_all``). A database records its
revision in the table ``alembic_version``.

:func:`ensure_schema` runs whenever :func:`citynexus.store.get_engine` opens a database
for use, so the server and every CLI command refuse a database whose schema is old or
unknown, with a message saying what to run:

- no citynexus table at all -> a new database: all tables are created and stamped at the
  head revision;
- citynexus tables but no ``alembic_version`` -> a database from before migrations (the
  baseline schema): refused, ``citynexus db upgrade`` stamps it ``0001`` and upgrades;
- a revision older than the head -> refused, ``citynexus db upgrade``;
- a revision this version of citynexus does not know (a newer program wrote it) ->
  refused, upgrade citynexus.

Adding tables (a new ``store/<area>.py``) is one command, ``citynexus db revision -m
"agree tables"``, which autogenerates the revision that brings the head up to
``Base.metadata``; a test compares the migrated schema with ``Base.metadata``
(alembic's ``compare_metadata``), so a forgotten revision fails CI.

Reference: alembic tutorial and "Auto Generating Migrations"
(https://alembic.sqlalchemy.org/en/latest/autogenerate.html).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text

from citynexus.errors import CityNexusError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSIONS = MIGRATIONS / "versions"
BASELINE = "0001"
VERSION_TABLE = "alembic_version"

_REV = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*(None|['\"]([^'\"]+)['\"])", re.M)


class SchemaError(CityNexusError):
    """The database schema is not the one this version of citynexus uses."""


def revisions() -> dict[str, str | None]:
    """``{revision: down_revision}`` of every revision file, read without importing alembic
    (so opening a database stays cheap)."""
    out: dict[str, str | None] = {}
    for p in sorted(VERSIONS.glob("*.py")):
        src = p.read_text(encoding="utf-8")
        rev, down = _REV.search(src), _DOWN.search(src)
        if rev and down:
            out[rev.group(1)] = down.group(2)
    return out


def head_revision() -> str:
    """The newest revision: the one no other revision builds on."""
    revs = revisions()
    heads = set(revs) - {d for d in revs.values() if d}
    if len(heads) != 1:
        raise SchemaError(
            f"the migrations have {len(heads)} heads ({', '.join(sorted(heads))}); merge them with "
            "'alembic merge' so there is one"
        )
    return heads.pop()


def current_revision(conn: Connection) -> str | None:
    """The revision recorded in the database, or None when there is no version table."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar_one_or_none()


def _citynexus_tables(conn: Connection) -> set[str]:
    from citynexus.store import Base, import_all_tables

    import_all_tables()
    return set(inspect(conn).get_table_names()) & set(Base.metadata.tables)


def _stamp_new(conn: Connection, revision: str) -> None:
    conn.execute(text(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
    conn.execute(text(f"DELETE FROM {VERSION_TABLE}"))
    conn.execute(text(f"INSERT INTO {VERSION_TABLE} (version_num) VALUES (:v)"), {"v": revision})


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def check_schema(engine: Engine) -> str | None:
    """The database's revision when it is the head, None for a new database (no citynexus
    table yet); :class:`SchemaError` (saying what to run) for a database from before
    migrations, an older revision or an unknown one. Reads only."""
    head = head_revision()
    with engine.connect() as conn:
        rev = current_revision(conn)
        if rev is None:
            if _citynexus_tables(conn):
                raise SchemaError(
                    f"the database {_where(engine)} was created before schema migrations (no version recorded); "
                    "run 'citynexus db upgrade' (with the same --db) to bring it to the current schema"
                )
            return None
    if rev == head:
        return rev
    if rev in revisions():
        raise SchemaError(
            f"the database {_where(engine)} has schema revision {rev}, this citynexus needs {head}; "
            "run 'citynexus db upgrade' (back it up first with 'citynexus db backup FILE')"
        )
    raise SchemaError(
        f"the database {_where(engine)} has schema revision {rev!r}, unknown to this citynexus (head {head}): it was "
        "written by a newer version; upgrade citynexus"
    )


def ensure_schema(engine: Engine) -> str:
    """Create a new database at the head revision, or check an existing one is at the head
    (:func:`check_schema`); :class:`SchemaError` (saying what to run) otherwise. Returns the
    revision."""
    from citynexus.store import Base

    rev = check_schema(engine)
    if rev is None:
        head = head_revision()
        with engine.begin() as conn:
            if current_revision(conn) is None and not _citynexus_tables(conn):
                Base.metadata.create_all(conn)
                _stamp_new(conn, head)
        return head
    Base.metadata.create_all(engine)  # tables declared since the last revision (checked by the tests)
    return rev


def alembic_config(url: str, connection: Connection | None = None) -> Any:
    """An alembic ``Config`` for the database at ``url`` (optionally an open connection)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> tuple[str | None, str]:
    """Bring the database to ``revision`` (default: the head). A database from before
    migrations is stamped as the baseline first; a new database gets every table. Returns
    ``(revision before, revision after)``."""
    from alembic import command

    from citynexus.store import default_url, get_engine, normalise_url

    url = normalise_url(url or default_url())
    engine = get_engine(url, create=False)
    with engine.begin() as conn:
        before = current_revision(conn)
        if before is None and _citynexus_tables(conn):
            _stamp_new(conn, BASELINE)  # tables made by create_all before migrations = the baseline
        command.upgrade(alembic_config(url, conn), revision)
        after = current_revision(conn)
    return before, after or ""


def stamp(url: str, revision: str) -> None:
    """Record ``revision`` in the database without running migrations (for a database you
    know to be at that revision)."""
    from alembic import command

    from citynexus.store import get_engine, normalise_url

    url = normalise_url(url)
    with get_engine(url, create=False).begin() as conn:
        command.stamp(alembic_config(url, conn), revision)


def differences(url: str) -> list[Any]:
    """What differs between the database's schema and ``Base.metadata`` (alembic
    ``compare_metadata``); empty when the migrations are complete."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from citynexus.store import Base, get_engine, import_all_tables, normalise_url

    import_all_tables()
    with get_engine(normalise_url(url), create=False).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(ctx, Base.metadata)
    return [
        d for d in diffs if not (isinstance(d, tuple) and d and d[0] == "remove_table" and d[1].name == VERSION_TABLE)
    ]


def new_revision(message: str) -> Path:
    """Write a revision that takes the head schema to ``Base.metadata`` (autogenerated
    against a scratch SQLite database upgraded to the head); returns its file. Review it,
    then commit it with the tables it creates."""
    import tempfile

    from alembic import command

    from citynexus.store import dispose_all, get_engine

    head = head_revision()
    number = max(int(r) for r in revisions() if r.isdigit()) + 1
    rev_id = f"{number:04d}"
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "change"
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'scratch.db'}"
        engine = get_engine(url, create=False)
        with engine.begin() as conn:
            command.upgrade(alembic_config(url, conn), head)
        with engine.begin() as conn:
            if not differences(url):
                dispose_all()
                raise SchemaError("the head revision already matches the declared tables: nothing to add")
            script = command.revision(
                alembic_config(url, conn), message=message, autogenerate=True, rev_id=rev_id, head=head
            )
        dispose_all()
    old = Path(script.path)
    new = old.with_name(f"{rev_id}_{slug}.py")
    src = old.read_text(encoding="utf-8")
    # autogenerate ran on SQLite: make server defaults portable, drop alembic's reminder comments
    src = src.replace("server_default=sa.text('(CURRENT_TIMESTAMP)')", "server_default=sa.func.now()")
    src = src.replace("    # ### commands auto generated by Alembic - please adjust! ###\n", "")
    src = src.replace("    # ### end Alembic commands ###\n", "")
    new.write_text(src, encoding="utf-8")
    if old != new:
        old.unlink()
    return new
