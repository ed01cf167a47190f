"""Live servers for browser tests: the app on a free loopback port, in a daemon thread, and the
site a browser test drives (a fresh SQLite database, an API key, the server)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def serving(app) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free loopback port; yields the base URL and stops the
    server on exit."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def site_db(folder: Path, name: str) -> str:
    """The URL of the SQLite database ``<folder>/<name>.db`` a live site runs on."""
    return f"sqlite:///{folder / f'{name}.db'}"


@contextmanager
def live_site(folder: Path, name: str, *, role: str = "admin") -> Iterator[dict[str, str]]:
    """The app on the database :func:`site_db` ``(folder, name)`` (what a caller put there first
    stays) with one API key ``browser-<name>`` of ``role``, served on loopback; yields
    ``{"url", "key", "db"}``."""
    from citynexus.api import create_app
    from citynexus.services.keys import create_key
    from citynexus.store import get_engine

    db = site_db(folder, name)
    app = create_app(db)
    key = create_key(get_engine(db), f"browser-{name}", role=role)
    with serving(app) as url:
        yield {"url": url, "key": key, "db": db}


def load_demo(site: dict[str, str], area: str) -> None:
    """Load the SYNTHETIC demo records of ``area`` (``hub``, ``agree``) through the API with the
    site's key."""
    import httpx

    r = httpx.post(f"{site['url']}/api/v1/{area}/demo", headers={"X-API-Key": site["key"]}, timeout=120)
    assert r.status_code == 200, r.text
