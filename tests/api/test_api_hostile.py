"""What an attacker would send: oversized bodies, hostile JSON, key guessing, framing, huge
numbers. Each was a finding against the service; each is now refused cleanly and stores nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from citynexus.api import create_app
from citynexus.services.keys import create_key
from citynexus.store import get_engine


@pytest.fixture
def c(tmp_path):
    db = str(tmp_path / "api.db")
    with TestClient(create_app(db)) as client:
        client.key = {"X-API-Key": create_key(get_engine(db), "tester", role="editor")}
        client.db = db
        yield client


def test_declared_oversized_body_is_refused_before_reading(c):
    # the body is never sent: the declared length alone is refused, without a key
    r = c.post("/api/v1/hub/import", content=b"x", headers={"content-length": str(188 * 2**20)})
    assert r.status_code == 413 and "larger than allowed" in r.json()["message"]


def test_undeclared_oversized_body_is_cut_at_the_limit(c, monkeypatch):
    import citynexus.api.middleware as mw

    app = c.app
    # a small limit for the test: a chunked body past it is refused
    for m in app.user_middleware:
        if m.cls is mw.GuardMiddleware:
            m.kwargs["max_body"] = 1000
    app.middleware_stack = app.build_middleware_stack()

    def chunks():
        for _ in range(10):
            yield b"y" * 500

    r = c.post("/api/v1/index/rerank", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("depth", [65, 900, 20000])
def test_deep_json_is_refused_and_nothing_is_stored(c, depth):
    from citynexus.ledger import Ledger

    Ledger.init(c.db, "test.example/log")
    body = b'{"type": "x", "payload": ' + b"[" * depth + b"]" * depth + b"}"
    r = c.post("/api/v1/ledger/entries", content=body, headers={**c.key, "content-type": "application/json"})
    assert r.status_code == 400 and f"nested {depth + 1} levels deep; the limit is 64" in r.json()["message"]
    assert c.get("/api/v1/ledger/status").json()["size"] == 0
    assert c.get("/api/v1/ledger/entries").status_code == 200


def test_duplicate_json_keys_are_refused(c):
    body = b'{"dataset": "gba", "weights": {"IND": 1, "URB": 1, "IND": 99}}'
    r = c.post("/api/v1/index/rerank", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400 and "duplicate key 'IND'" in r.json()["message"]


def test_key_guessing_is_rate_limited(c):
    statuses = [
        c.post(
            "/api/v1/index/builds", json={"dataset": "gba"}, headers={"X-API-Key": f"cnx_g{i:04d}_secret"}
        ).status_code
        for i in range(40)
    ]
    assert statuses[:20] == [401] * 20 and set(statuses[20:]) == {429}
    r = c.post("/api/v1/index/builds", json={"dataset": "gba"}, headers={"X-API-Key": "cnx_g9999_secret"})
    assert r.status_code == 429 and r.headers["retry-after"] == "60"


def test_security_headers_on_pages_and_api(c):
    for path in ("/", "/api/v1/datasets", "/docs"):
        h = c.get(path).headers
        assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in h["content-security-policy"]


def test_api_docs_load_nothing_from_elsewhere(c):
    import re

    for path in ("/docs", "/redoc"):
        html = c.get(path).text
        srcs = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"(?:src|href)='([^']+)'", html)
        assert srcs and not [s for s in srcs if s.startswith(("http://", "https://", "//"))], srcs
    assert c.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200


def test_huge_weights_are_refused_not_overflowed(c):
    r = c.post("/api/v1/index/rerank", json={"dataset": "gba", "weights": {"IND": 1e308, "URB": 1e308}})
    assert r.status_code == 422 and "weights" in r.json()["message"]
    r = c.post("/api/v1/index/rerank", json={"dataset": "gba", "weights": {"IND": 1e12, "URB": 1}})
    assert r.status_code == 200 and all(x["score"] is not None for x in r.json()["ranking"])


def test_upload_errors_name_the_upload_not_server_paths(c):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("units.csv", "code,name\nA,a\n")
    r = c.post("/api/v1/datasets/validate", files={"files": ("mine.zip", buf.getvalue())})
    assert r.status_code == 422
    text = r.text
    assert "/tmp" not in text and "mine.zip" in text


def test_readiness_and_health(c):
    assert c.get("/healthz").json()["status"] == "ok"
    assert c.get("/readyz").json()["status"] == "ready"


def test_robustness_spec_cannot_make_the_server_read_its_files(c):
    spec = '[[robustness.factor]]\nname = "w"\nkind = "weights_sets"\nfile = "/etc/passwd"\n'
    r = c.post("/api/v1/robustness", json={"dataset": "gba", "spec": spec, "samples": 20}, headers=c.key)
    assert r.status_code == 400 and "cannot name files" in r.json()["message"]
    assert "root:" not in r.text and "/etc/passwd" not in r.text


@pytest.mark.parametrize("path", ["/api/v1/index/builds/{n}", "/api/v1/index/builds/{n}/export"])
def test_ids_beyond_any_row_are_refused_not_overflowed(c, path):
    r = c.get(path.format(n=10**30), headers=c.key)
    assert r.status_code == 422
    assert c.get("/api/v1/robustness/jobs/99999999999999999999999", headers=c.key).status_code == 422
