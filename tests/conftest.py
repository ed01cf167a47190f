"""Shared fixtures.

``browser`` / ``page`` / ``live_server``: Playwright driving Debian's Chromium (installed by
`make test` through scripts/sysdeps.sh) against a live server on loopback; screenshots go to
``test-output/``.

``encoder``: the real sentence encoder, loaded once.
``client``: a client of the app on a fresh SQLite database of the module's own.
``shared_data``: the folder of real datasets beside the repository (``../shared/data``).
``db_url``: parametrised over SQLite (a temporary file) and PostgreSQL (the server that
``scripts/with-postgres.sh`` starts; skipped without it, except under ``CI=true``).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from tests._browser import browser_page
from tests._live import live_site

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def _own_default_database(tmp_path_factory):
    """No test reads or writes the user's own database: the default ``CITYNEXUS_DB`` of
    the test session is a fresh SQLite file (a test that passes ``--db`` or a URL still uses
    its own)."""
    old = os.environ.get("CITYNEXUS_DB")
    os.environ["CITYNEXUS_DB"] = f"sqlite:///{tmp_path_factory.mktemp('default-db') / 'citynexus.db'}"
    yield
    if old is None:
        os.environ.pop("CITYNEXUS_DB", None)
    else:
        os.environ["CITYNEXUS_DB"] = old


SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED_DATA} is missing")
        pytest.skip(f"{SHARED_DATA} not found")
    return SHARED_DATA


@pytest.fixture(scope="session")
def encoder():
    """The real multilingual sentence encoder, loaded and warmed up once for the session (it is
    process-wide afterwards)."""
    from citynexus.hub import default_encoder

    enc = default_encoder()
    enc.encode(["warm-up"])
    return enc


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A client of the app on a fresh SQLite database of the test module's own, without keys
    (a module that needs keys or both databases defines its own ``client``)."""
    from fastapi.testclient import TestClient

    from citynexus.api import create_app

    with TestClient(create_app(f"sqlite:///{tmp_path_factory.mktemp('client') / 'client.db'}")) as c:
        yield c


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


# ---------------------------------------------------------------------------- browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OUT = REPO / "test-output" / "browser"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is not installed; `make test` installs it (scripts/sysdeps.sh)")
        pytest.skip("Chromium not installed (run `make test`)")


@pytest.fixture(scope="session")
def browser():
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    with live_site(tmp_path_factory.mktemp("live"), "live") as site:
        yield site


@pytest.fixture
def page(browser):
    with browser_page(browser) as pg:
        yield pg


@pytest.fixture(scope="session")
def shots() -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT
