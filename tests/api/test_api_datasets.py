"""REST API: health, API keys, datasets (list, get, table, validate, upload, delete)."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient

from citynexus.api import create_app
from citynexus.data import load, write
from citynexus.services.keys import create_key, list_keys, revoke_key
from citynexus.store import get_engine


@pytest.fixture
def client(db_url):
    app = create_app(db_url)
    with TestClient(app) as c:
        c.key = create_key(get_engine(db_url), "tests")
        yield c


def gba_xlsx(tmp_path) -> bytes:
    return write(load("gba"), tmp_path / "gba.xlsx").read_bytes()


def gba_zip(tmp_path, mutate=None) -> bytes:
    folder = write(load("gba"), tmp_path / "csv")
    if mutate:
        mutate(folder)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in ("units.csv", "indicators.csv", "values.csv"):
            zf.write(folder / name, f"mydata/{name}")
    return buf.getvalue()


def test_health(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_list_and_get_bundled(client):
    r = client.get("/api/v1/datasets")
    assert r.status_code == 200
    assert r.json()[0]["name"] == "gba" and r.json()[0]["bundled"]
    r = client.get("/api/v1/datasets/gba")
    body = r.json()
    assert body["units"] == 11 and body["synthetic"] and body["periods"][0] == 2015
    r = client.get("/api/v1/datasets/gba/table", params={"period": 2023})
    assert r.status_code == 200 and len(r.json()["rows"]) == 11
    r = client.get("/api/v1/datasets/gba/table", params={"period": 1990})
    assert r.status_code == 400 and "periods present" in r.json()["message"]
    assert client.get("/api/v1/datasets/nope").status_code == 404


def test_upload_needs_a_valid_key(client, tmp_path):
    files = {"files": ("gba.xlsx", gba_xlsx(tmp_path))}
    r = client.post("/api/v1/datasets", files=files, data={"name": "mine"})
    assert r.status_code == 401 and "X-API-Key" in r.json()["message"]
    r = client.post("/api/v1/datasets", files=files, data={"name": "mine"}, headers={"X-API-Key": "cnx_bad_key"})
    assert r.status_code == 401 and "not valid" in r.json()["message"]
    r = client.post("/api/v1/datasets", files=files, data={"name": "mine"}, headers={"X-API-Key": "garbage"})
    assert r.status_code == 401 and "malformed" in r.json()["message"]
    assert [d["name"] for d in client.get("/api/v1/datasets").json()] == ["gba"]


def test_upload_excel_and_zip_then_get_and_delete(client, tmp_path):
    h = {"X-API-Key": client.key}
    r = client.post(
        "/api/v1/datasets", files={"files": ("gba.xlsx", gba_xlsx(tmp_path))}, data={"name": "mine"}, headers=h
    )
    assert r.status_code == 201, r.text
    assert r.json()["digest"] == load("gba").digest()
    r = client.post("/api/v1/datasets", files={"files": ("d.zip", gba_zip(tmp_path))}, data={"name": "mine"}, headers=h)
    assert r.status_code == 409
    r = client.post(
        "/api/v1/datasets",
        files={"files": ("d.zip", gba_zip(tmp_path))},
        data={"name": "mine", "replace": "true"},
        headers={"Authorization": f"Bearer {client.key}"},
    )
    assert r.status_code == 201
    assert client.get("/api/v1/datasets/mine").json()["units"] == 11
    assert client.delete("/api/v1/datasets/mine").status_code == 401
    assert client.delete("/api/v1/datasets/mine", headers=h).status_code == 200
    assert client.get("/api/v1/datasets/mine").status_code == 404


def test_invalid_upload_changes_nothing(client, tmp_path):
    h = {"X-API-Key": client.key}
    good = client.post(
        "/api/v1/datasets", files={"files": ("gba.xlsx", gba_xlsx(tmp_path))}, data={"name": "mine"}, headers=h
    )
    assert good.status_code == 201
    before = client.get("/api/v1/datasets/mine").json()

    def breaks(folder):
        v = folder / "values.csv"
        v.write_text(v.read_text(encoding="utf-8-sig").replace("GZ,2016,gdp,", "GZ,2016,gdp,x"), encoding="utf-8")

    r = client.post(
        "/api/v1/datasets",
        files={"files": ("d.zip", gba_zip(tmp_path, breaks))},
        data={"name": "mine", "replace": "true"},
        headers=h,
    )
    assert r.status_code == 422
    body = r.json()
    assert "nothing was stored" in body["message"]
    p = body["problems"][0]
    assert p["file"] == "values.csv" and p["column"] == "value" and p["kind"] == "NonNumericValueError"
    assert client.get("/api/v1/datasets/mine").json() == before


def test_validate_endpoint_and_bad_files(client, tmp_path):
    r = client.post("/api/v1/datasets/validate", files={"files": ("gba.xlsx", gba_xlsx(tmp_path))})
    assert r.status_code == 200 and r.json()["valid"]
    r = client.post("/api/v1/datasets/validate", files={"files": ("x.zip", b"not a zip")})
    assert r.status_code == 400 and "not a valid zip" in r.json()["message"]
    r = client.post("/api/v1/datasets/validate", files={"files": ("notes.txt", b"hello")})
    assert r.status_code == 400 and "unexpected file" in r.json()["message"]
    r = client.post("/api/v1/datasets/validate")
    assert r.status_code == 422 and "files" in r.json()["message"]


def test_key_admin_functions(db_url):
    eng = get_engine(db_url)
    key = create_key(eng, "analyst")
    assert key.startswith("cnx_")
    prefix = key.split("_")[1]
    assert [k.name for k in list_keys(eng)] == ["analyst"]
    revoke_key(eng, prefix)
    app = create_app(db_url)
    with TestClient(app) as c:
        r = c.delete("/api/v1/datasets/x", headers={"X-API-Key": key})
        assert r.status_code == 401 and "revoked" in r.json()["message"]
