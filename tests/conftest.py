"""Shared fixtures.

``shared_data``: the folder of real datasets beside the repository (``../shared/data``).
``db_url``: parametrised over SQLite (a temporary file) and PostgreSQL (the server that
``scripts/with-postgres.sh`` starts; skipped without it, except under ``CI=true``).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED_DATA} is missing")
        pytest.skip(f"{SHARED_DATA} not found")
    return SHARED_DATA


def _pg_url() -> str | None:
    return os.environ.get("CITYNEXUS_TEST_PG_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A fresh, empty database URL for one test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        from citynexus.store import dispose_all

        dispose_all()
        return
    base = _pg_url()
    if not base:
        if os.environ.get("CI") == "true":
            pytest.fail("CITYNEXUS_TEST_PG_URL is not set under CI (run the tests through `make test`)")
        pytest.skip("no PostgreSQL server (run through `make test`)")
    import sqlalchemy as sa

    schema = "t_" + uuid.uuid4().hex[:12]
    eng = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE {schema}"))
    eng.dispose()
    url = base.rsplit("/", 1)[0] + "/" + schema
    yield url
    from citynexus.store import dispose_all

    dispose_all()
    eng = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(sa.text(f"DROP DATABASE IF EXISTS {schema} WITH (FORCE)"))
    eng.dispose()
