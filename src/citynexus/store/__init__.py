"""Persistence with SQLAlchemy 2: SQLite by default, PostgreSQL for many users.

The database URL comes from, in order: the ``url`` argument (CLI ``--db``), the
environment variable ``CITYNEXUS_DB``, or an SQLite file ``citynexus.db`` in the user's
data directory. Each domain declares its tables on :class:`Base` in a module of this
package (``store.hub``, ``store.ledger``, ...). Writes go through :func:`session_scope`,
which commits on success and rolls back on any error, so a failed import stores nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from citynexus.errors import CityNexusError

ENV_VAR = "CITYNEXUS_DB"
#: seconds an SQLite connection waits for another writer's lock before giving up
BUSY_ENV = "CITYNEXUS_DB_BUSY_TIMEOUT"
DEFAULT_BUSY_TIMEOUT = 30.0


class Base(DeclarativeBase):
    """Declarative base of every citynexus table."""

    @classmethod
    def from_record(cls, record: object, /, *, skip: Iterable[str] = (), **values: Any) -> Self:
        """A row of this table from a domain record: each column takes ``values[name]`` if given,
        else the record's attribute of the same name (a field or a property; ``skip`` names those
        not to copy), else its default. Sequences become lists and mappings dicts, so JSON columns
        hold plain JSON. A name in ``values`` that is not a column is a programming error."""
        names = _column_names(cls)
        unknown = set(values).difference(names)
        if unknown:
            raise TypeError(f"{cls.__name__} has no column(s) {sorted(unknown)}")
        skipped = set(skip)
        kw = dict(values)
        for name in names:
            if name not in kw and name not in skipped and hasattr(record, name):
                kw[name] = _plain(getattr(record, name))
        return cls(**kw)


@cache
def _column_names(cls: type) -> tuple[str, ...]:
    """The mapped column attributes of a table class (once per class: rows are built in bulk)."""
    return tuple(c.key for c in sa_inspect(cls).column_attrs)


def _plain(v: Any) -> Any:
    if isinstance(v, Mapping):
        return dict(v)
    if isinstance(v, (list, tuple, set, frozenset)):
        return list(v)
    return v


class StoreError(CityNexusError):
    """The database cannot be opened or used."""


class StoreBusyError(StoreError):
    """Another connection holds the database's write lock longer than the busy timeout."""


class StoreUnavailable(StoreError):
    """The database cannot be opened or reached: a folder that does not exist or cannot be
    written, a file that is no database, a server that does not answer or refuses the login."""


def shown_url(url: str) -> str:
    """``url`` as it may be shown to its user: a password is replaced by ``***``."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _opened(eng: Engine, url: str) -> Engine:
    """``eng`` once a first connection succeeded; else a :class:`StoreUnavailable` naming the
    database (password hidden) and the driver's reason, or :class:`StoreBusyError`."""
    try:
        with eng.connect():
            pass
    except DBAPIError as err:
        eng.dispose()
        if is_busy(err):
            raise StoreBusyError(BUSY_HELP) from err
        reason = " ".join(str(err.orig or err).split())
        raise StoreUnavailable(f"cannot open database {shown_url(url)}: {reason}") from err
    return eng


BUSY_HELP = (
    "the database is busy: another process is writing to it; retry in a moment "
    f"(an SQLite database waits ${BUSY_ENV} seconds, default {DEFAULT_BUSY_TIMEOUT:g}; PostgreSQL suits many writers)"
)


def is_busy(err: BaseException) -> bool:
    """Whether ``err`` (a driver or SQLAlchemy error) means "locked by another writer"."""
    text = str(getattr(err, "orig", None) or err).lower()
    return "database is locked" in text or "database is busy" in text or "database table is locked" in text


def busy_timeout() -> float:
    """The SQLite busy timeout in seconds (``$CITYNEXUS_DB_BUSY_TIMEOUT``, default 30)."""
    raw = os.environ.get(BUSY_ENV)
    if not raw:
        return DEFAULT_BUSY_TIMEOUT
    try:
        value = float(raw)
    except ValueError as err:
        raise StoreError(f"{BUSY_ENV}={raw!r} is not a number of seconds") from err
    if value < 0:
        raise StoreError(f"{BUSY_ENV}={raw!r} must be zero or more seconds")
    return value


def default_url() -> str:
    """``CITYNEXUS_DB`` if set, else an SQLite file in the user's data directory."""
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    from platformdirs import user_data_dir

    d = Path(user_data_dir("citynexus", appauthor=False))
    d.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{d / 'citynexus.db'}"


def normalise_url(url: str) -> str:
    """Accept a plain file path for SQLite and ``postgresql://`` for psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


_engines: dict[str, Engine] = {}


def get_engine(url: str | None = None, create: bool = True) -> Engine:
    """An engine for ``url`` (cached per URL). With ``create`` (the default), the schema is
    checked once per process (:func:`citynexus.store.schema.ensure_schema`): a new database
    gets every table, stamped at the newest revision; a database with an old or unknown
    schema raises :class:`~citynexus.store.schema.SchemaError` saying to run
    ``citynexus db upgrade``. SQLite connections use WAL and a busy timeout."""
    url = normalise_url(url or default_url())
    eng = _engines.get(url)
    if eng is None:
        try:
            if url.startswith("sqlite"):
                timeout = busy_timeout()
                eng = create_engine(url, connect_args={"timeout": timeout})

                @event.listens_for(eng, "connect")
                def _sqlite_pragmas(dbapi_conn, _record):
                    # every connection: WAL (readers never block the writer nor each other), a busy
                    # timeout (wait for another writer's lock instead of failing at once), foreign keys
                    cur = dbapi_conn.cursor()
                    cur.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
                    cur.execute("PRAGMA foreign_keys=ON")
                    cur.execute("PRAGMA journal_mode=WAL")
                    cur.execute("PRAGMA synchronous=NORMAL")
                    cur.close()
            else:
                eng = create_engine(url, pool_pre_ping=True)
        except Exception as err:
            raise StoreUnavailable(f"cannot open database {shown_url(url)}: {err}") from err
        _engines[url] = _opened(eng, url)
    if create and url not in _checked:
        import_all_tables()
        from citynexus.store.schema import ensure_schema

        try:
            ensure_schema(eng)  # a new database gets every table; an old or unknown schema is refused
        except OperationalError as err:
            if is_busy(err):
                raise StoreBusyError(BUSY_HELP) from err
            raise
        _checked.add(url)
    return eng


_checked: set[str] = set()


def import_all_tables() -> None:
    """Import every module of this package that declares tables, so ``create_all`` sees
    them."""
    import importlib
    import pkgutil

    import citynexus.store as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"citynexus.store.{mod.name}")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back on any error."""
    session = sessionmaker(engine, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except OperationalError as err:
        session.rollback()
        if is_busy(err):
            raise StoreBusyError(BUSY_HELP) from err
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_all() -> None:
    """Close every cached engine (tests, process shutdown)."""
    for eng in _engines.values():
        eng.dispose()
    _engines.clear()
    _checked.clear()


def schema_problem(engine: Engine) -> str | None:
    """Why the database's schema is not the one this version needs (old, from before
    migrations, or unknown), or None when it is — for readiness checks; see
    :func:`citynexus.store.schema.ensure_schema`."""
    from citynexus.store.schema import SchemaError, check_schema

    try:
        check_schema(engine)
    except SchemaError as err:
        return str(err)
    return None
