"""A database that cannot be opened (a missing folder, a file that is no database, a server
that refuses the connection) is one clear error naming it, with the password hidden; the file
is left as it was; the CLI prints one line; the API answers 503 without naming the server's
database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from citynexus.store import StoreUnavailable, dispose_all, get_engine, shown_url

REPO = Path(__file__).resolve().parents[2]
REFUSED = "postgresql://someone:s3cret-pw@127.0.0.1:1/nothing"  # port 1: nothing listens


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), COLUMNS="400")
    return subprocess.run(
        [sys.executable, "-m", "citynexus.cli.main", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_a_file_that_is_no_database_is_named_and_left_untouched(tmp_path):
    f = tmp_path / "notes.db"
    f.write_bytes(b"meeting notes, not a database\n" * 10)
    before = f.read_bytes()
    with pytest.raises(StoreUnavailable, match=r"cannot open database sqlite:///.*notes\.db: file is not a database"):
        get_engine(str(f))
    assert f.read_bytes() == before
    assert not any(p.name.startswith("notes.db-") for p in tmp_path.iterdir())  # no -wal / -shm left behind


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(StoreUnavailable, match=r"no/such/folder/x\.db: unable to open database file"):
        get_engine(str(tmp_path / "no" / "such" / "folder" / "x.db"))


def test_a_refused_server_hides_the_password():
    with pytest.raises(StoreUnavailable) as info:
        get_engine(REFUSED)
    text = str(info.value)
    assert "someone:***@127.0.0.1:1/nothing" in text and "s3cret" not in text
    assert "connection" in text.lower()  # the driver's reason follows the name


def test_a_failed_open_is_not_cached(tmp_path):
    """Once the file is fixed (here: removed), the same path opens: the failure was not kept."""
    f = tmp_path / "later.db"
    f.write_text("not yet a database")
    with pytest.raises(StoreUnavailable):
        get_engine(str(f))
    f.unlink()
    assert get_engine(str(f)).dialect.name == "sqlite"
    dispose_all()


def test_shown_url_hides_only_the_password():
    assert shown_url("postgresql+psycopg://u:pw@h:5432/db") == "postgresql+psycopg://u:***@h:5432/db"
    assert shown_url("sqlite:////var/x.db") == "sqlite:////var/x.db"


@pytest.mark.parametrize("where", ["file", "server"])
def test_cli_says_one_line_and_exits_1(tmp_path, where):
    if where == "file":
        (tmp_path / "x.db").write_text("plain text")
        db, expect = str(tmp_path / "x.db"), "file is not a database"
    else:
        db, expect = REFUSED, "someone:***@"
    r = _cli("db", "current", "--db", db)
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert r.returncode == 1, r.stderr
    assert len(lines) == 1 and lines[0].startswith("error: cannot open database") and expect in lines[0], r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr and "s3cret" not in r.stderr


def test_serve_stops_before_announcing_itself(tmp_path):
    (tmp_path / "x.db").write_text("plain text")
    r = _cli("serve", "--db", str(tmp_path / "x.db"), "--port", "1")
    assert r.returncode == 1 and "file is not a database" in r.stderr
    assert "dashboard on" not in r.stdout


def test_api_answers_503_without_naming_the_database(tmp_path, monkeypatch):
    from citynexus.api import create_app
    from citynexus.services import cases

    def unavailable(*_a, **_k):
        raise StoreUnavailable("cannot open database sqlite:////srv/private/tenants.db: disk I/O error")

    monkeypatch.setattr(cases, "case_json", unavailable)
    with TestClient(create_app(str(tmp_path / "api.db"))) as c:
        r = c.get("/api/v1/cases/some-case")
    assert r.status_code == 503 and r.headers["retry-after"] == "2"
    assert r.json() == {"error": "StoreUnavailable", "message": "the database is unavailable; try again later"}
    assert "/srv" not in r.text and "tenants" not in r.text
    dispose_all()


@pytest.mark.parametrize(
    ("driver_says", "error"),
    [("server closed the connection unexpectedly", "StoreUnavailable"), ("database is locked", "StoreBusyError")],
)
def test_api_answers_503_when_the_database_stops_answering(tmp_path, monkeypatch, driver_says, error):
    """A database lost after the server started (or locked past the busy timeout) mid-request:
    503 with Retry-After and the error's family, none of the driver's text."""
    from sqlalchemy.exc import OperationalError

    from citynexus.api import create_app
    from citynexus.services import cases

    def lost(*_a, **_k):
        raise OperationalError("SELECT cases.id FROM cases", {}, Exception(driver_says))

    monkeypatch.setattr(cases, "case_json", lost)
    with TestClient(create_app(str(tmp_path / "api.db")), raise_server_exceptions=False) as c:
        r = c.get("/api/v1/cases/some-case")
    assert r.status_code == 503 and r.headers["retry-after"] == "2"
    assert r.json()["error"] == error and "SELECT" not in r.text and driver_says not in r.text
    dispose_all()


@pytest.mark.parametrize(
    ("lang", "heading", "sentence"),
    [
        ("en", "Service unavailable", "the database is unavailable; try again later"),
        ("zh", "服务暂时不可用", "数据库暂时无法访问，请稍后再试。"),
        ("zh-Hant", "服務暫時不可用", "數據庫暫時無法訪問，請稍後再試。"),
    ],
)
def test_a_page_says_unavailable_in_its_language(tmp_path, monkeypatch, lang, heading, sentence):
    """A dashboard page meeting a lost database: a 503 page in the reader's language, not JSON,
    none of the driver's text."""
    from sqlalchemy.exc import OperationalError

    from citynexus.api import create_app
    from citynexus.services import cases

    def lost(*_a, **_k):
        raise OperationalError("SELECT cases.id FROM cases", {}, Exception("could not connect to server"))

    monkeypatch.setattr(cases, "find_cases", lost)
    with TestClient(create_app(str(tmp_path / "web.db")), raise_server_exceptions=False) as c:
        r = c.get(f"/cases?lang={lang}")
    assert r.status_code == 503 and r.headers["retry-after"] == "2"
    assert r.headers["content-type"].startswith("text/html")
    assert f"<h1>{heading}</h1>" in r.text and sentence in r.text
    assert "SELECT" not in r.text and "could not connect" not in r.text
    dispose_all()
