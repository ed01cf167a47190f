"""Persistence with SQLAlchemy 2: SQLite by default, PostgreSQL for many users.

The database URL comes from, in order: the ``url`` argument (CLI ``--db``), the
environment variable ``CITYNEXUS_DB``, or an SQLite file ``citynexus.db`` in the user's
data directory. Each domain declares its tables on :class:`Base` in a module of this
package (``store.hub``, ``store.ledger``, ...). Writes go through :func:`session_scope`,
which commits on success and rolls back on any error, so a failed import stores nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from citynexus.errors import CityNexusError

ENV_VAR = "CITYNEXUS_DB"


class Base(DeclarativeBase):
    """Declarative base of every citynexus table."""


class StoreError(CityNexusError):
    """The database cannot be opened or used."""


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
    """An engine for ``url`` (cached per URL); creates all declared tables when ``create``."""
    url = normalise_url(url or default_url())
    eng = _engines.get(url)
    if eng is None:
        try:
            if url.startswith("sqlite"):
                eng = create_engine(url, connect_args={"timeout": 30})

                @event.listens_for(eng, "connect")
                def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
                    cur = dbapi_conn.cursor()
                    cur.execute("PRAGMA foreign_keys=ON")
                    cur.execute("PRAGMA journal_mode=WAL")
                    cur.execute("PRAGMA synchronous=NORMAL")
                    cur.close()
            else:
                eng = create_engine(url, pool_pre_ping=True)
        except Exception as err:
            raise StoreError(f"cannot open database {url!r}: {err}") from err
        _engines[url] = eng
    if create:
        import_all_tables()
        Base.metadata.create_all(eng)
    return eng


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


def schema_problem(engine: Engine) -> str | None:
    """Why the database's schema is not the one this version needs, or None when it is."""
    return None
