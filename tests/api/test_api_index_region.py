"""REST API: rankings, re-ranking, index builds (stored, cached, exported), region analytics."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from tests.api._tenants import keyed_client

from citynexus.data import load
from citynexus.evaluate import build, default_spec


@pytest.fixture
def client(db_url):
    with keyed_client(db_url, "tests") as c:
        yield c


def test_ranking_matches_build(client):
    r = client.get("/api/v1/index/ranking", params={"dataset": "gba", "period": 2023})
    assert r.status_code == 200
    body = r.json()
    res = build(load("gba"), default_spec("gba"), period=2023)
    expected = res.ranking()
    got = pd.DataFrame(body["ranking"]).set_index("unit")
    assert list(got.index) == list(expected.index)
    assert got["score"].to_numpy() == pytest.approx(expected["score"].to_numpy(), abs=1e-9)
    assert [c["code"] for c in body["children"]] == ["IND", "URB"]
    assert body["synthetic"] is True
    assert client.get("/api/v1/index/ranking", params={"period": 1990}).status_code == 400


def test_rerank_weights_change_the_ranking(client):
    ind = client.post("/api/v1/index/rerank", json={"dataset": "gba", "weights": {"IND": 1, "URB": 0}}).json()
    urb = client.post("/api/v1/index/rerank", json={"dataset": "gba", "weights": {"IND": 0, "URB": 1}}).json()
    res = build(load("gba"), default_spec("gba"))
    assert [r["unit"] for r in ind["ranking"]] == list(res.scores["IND"].sort_values(ascending=False).index)
    assert [r["unit"] for r in urb["ranking"]] == list(res.scores["URB"].sort_values(ascending=False).index)
    half = client.post("/api/v1/index/rerank", json={"weights": {"IND": 2, "URB": 2}}).json()
    assert half["weights"] == {"IND": 0.5, "URB": 0.5}
    top = {r["unit"]: r["score"] for r in half["ranking"]}
    assert top["SZ"] == pytest.approx(res.scores.loc["SZ", "GBA"])


@pytest.mark.parametrize(
    ("payload", "status", "needle"),
    [
        ({"weights": {"XYZ": 1}}, 400, "unknown weight 'XYZ'"),
        ({"weights": {"IND": -1, "URB": 1}}, 400, ">= 0"),
        ({"weights": {"IND": 0, "URB": 0}}, 400, "at least one weight"),
        ({"dataset": "nope", "weights": {"IND": 1}}, 404, "no dataset named 'nope'"),
        ({"period": 1800, "weights": {"IND": 1}}, 400, "period 1800"),
        ({"weights": "heavy"}, 422, "weights"),
        ({}, 422, "weights"),
    ],
)
def test_rerank_bad_payloads(client, payload, status, needle):
    r = client.post("/api/v1/index/rerank", json=payload)
    assert r.status_code == status, r.text
    assert needle in r.json()["message"]


def test_builds_need_key_and_are_cached_and_exported(client):
    req = {"dataset": "gba", "period": 2022}
    assert client.post("/api/v1/index/builds", json=req).status_code == 401
    h = {"X-API-Key": client.key}
    r1 = client.post("/api/v1/index/builds", json=req, headers=h)
    assert r1.status_code == 201, r1.text
    r2 = client.post("/api/v1/index/builds", json=req, headers=h)
    assert r2.json()["id"] == r1.json()["id"] and r2.json()["cached"] is True
    rid = r1.json()["id"]
    got = client.get(f"/api/v1/index/builds/{rid}").json()
    assert got["params"]["period"] == 2022 and got["result"]["provenance"]["dataset_digest"] == load("gba").digest()
    x = client.get(f"/api/v1/index/builds/{rid}/export", params={"format": "xlsx"})
    assert x.status_code == 200 and x.content[:2] == b"PK"
    assert "scores" in pd.ExcelFile(io.BytesIO(x.content)).sheet_names
    z = client.get(f"/api/v1/index/builds/{rid}/export", params={"format": "csv"})
    names = zipfile.ZipFile(io.BytesIO(z.content)).namelist()
    assert "scores.csv" in names and "weights.csv" in names
    j = client.get(f"/api/v1/index/builds/{rid}/export", params={"format": "json"})
    assert j.json()["provenance"]["period"] == 2022
    assert client.get(f"/api/v1/index/builds/{rid}/export", params={"format": "pdf"}).status_code == 400
    assert client.get("/api/v1/index/builds/999999").status_code == 404


def test_build_with_a_custom_spec_and_bad_specs(client):
    h = {"X-API-Key": client.key}
    toml = default_spec("gba").with_(**{"normalise.method": "zscore"}).to_toml()
    r = client.post("/api/v1/index/builds", json={"dataset": "gba", "spec": toml}, headers=h)
    assert r.status_code == 201, r.text
    r = client.post(
        "/api/v1/index/builds", json={"dataset": "gba", "spec": {"normalise": {"method": "minmaxx"}}}, headers=h
    )
    assert r.status_code == 400 and "minmax" in r.json()["message"]
    r = client.post("/api/v1/index/builds", json={"dataset": "gba", "spec": "this is = = not toml"}, headers=h)
    assert r.status_code == 400


def test_private_builds_are_not_public(client):
    h = {"X-API-Key": client.key}
    rid = client.post(
        "/api/v1/index/builds", json={"dataset": "gba", "public": False, "period": 2021}, headers=h
    ).json()["id"]
    assert client.get(f"/api/v1/index/builds/{rid}").status_code == 404


def test_region_endpoints(client):
    c = client.get("/api/v1/region/coupling").json()
    assert c["subsystems"] == ["IND", "URB"]
    assert c["method"] == "wang" and "Wang et al. (2021)" in c["model"] and c["scores"] == "pooled panel"
    assert len(c["rows"]) == 110 and all(0 <= r["D"] <= 1 for r in c["rows"])
    d = client.get("/api/v1/region/disparity").json()["rows"]
    assert [r["period"] for r in d] == list(range(2015, 2025))
    # Dagum's parts add up to the plain (unweighted) Gini of the pooled panel scores
    from citynexus.evaluate.panel import build_panel

    _, scores = build_panel(load("gba"), default_spec("gba"))
    for r in d:
        y = scores.loc[scores["period"] == r["period"], "GBA"].to_numpy()
        plain = abs(y[:, None] - y[None, :]).sum() / (2 * len(y) ** 2 * y.mean())
        assert r["G_w"] + r["G_nb"] + r["G_t"] == pytest.approx(plain, abs=1e-12)
    s = client.get("/api/v1/region/spatial").json()
    assert s["weights"] in ("queen", "knn") and len(s["lisa"]) == 11
    assert client.get("/api/v1/region/coupling", params={"dataset": "nope"}).status_code == 404


def test_openapi_lists_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in (
        "/healthz",
        "/api/v1/datasets",
        "/api/v1/index/rerank",
        "/api/v1/index/builds",
        "/api/v1/region/coupling",
    ):
        assert p in paths
