"""Portraits (JSON and text) and the `citynexus hub` commands."""

from __future__ import annotations

import json

import networkx as nx
import pytest
from tests._cli import invoke as run

from citynexus.hub import Hub, match_graph, portrait, render_text


@pytest.fixture
def hub_db(tmp_path, small_records):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    Hub(url).import_records(small_records)
    return url


def test_portrait_json_and_text(hub_db, encoder):
    m = Hub(hub_db).matcher(encoder)
    g = match_graph(m)
    p = portrait(m, "A", graph=g)
    assert p["profile"]["city"] == "SZ" and p["profile"]["city_name_zh"] == "深圳"
    assert [n["id"] for n in p["needs"]] == ["N1", "N2"] and p["offers"] == []
    assert {"code": "battery", "en": "batteries and energy storage", "zh": "动力电池与储能"} in p["industries"]
    assert p["keywords"] and all(k["weight"] > 0 for k in p["keywords"])
    # network numbers agree with networkx on the same graph
    assert p["network"]["partners"] == g.degree("A")
    assert p["network"]["strength"] == pytest.approx(g.degree("A", weight="weight"), abs=1e-5)
    bc = nx.betweenness_centrality(g, weight="distance", normalized=True)["A"]
    assert p["network"]["betweenness"] == pytest.approx(bc, abs=1e-6)
    assert p["not_included"] == ["agreement compliance", "risk level"]
    assert "risk" not in json.dumps(p["network"])
    text = render_text(p)
    for heading in ("Needs 需求", "Keywords 关键词", "Network 网络位置", "Suggested partners", "Not included"):
        assert heading in text
    json.dumps(p, ensure_ascii=False)  # JSON-ready


def test_match_graph_edges_link_need_owner_to_offer_owner(hub_db, encoder):
    m = Hub(hub_db).matcher(encoder)
    g = match_graph(m)
    assert set(g.nodes) == {"A", "B", "C", "D", "E"}
    assert all("A" in e for e in g.edges)  # only A has needs


def test_cli_import_match_search_export_portrait(tmp_path, small_records):
    from hubtest_helpers import org

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in small_records), encoding="utf-8")
    r = run(["hub", "import", str(src)], db)
    assert r.exit_code == 0, r.output
    assert "organizations: 5 new" in r.output
    r = run(["hub", "import", str(src), "--no-vectors"], db)
    assert "updated" in r.output
    r = run(["hub", "match", "N1", "--top", "2", "--json"], db)
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert len(data) == 2 and set(data[0]) >= {"offer", "score", "reasons"} and data[0]["score"] >= data[1]["score"]
    r = run(["hub", "match", "F2", "--offer", "--json"], db)
    assert json.loads(r.output)[0]["need"] == "N1"
    r = run(["hub", "search", "电池回收", "--lang", "en", "--json"], db)
    assert r.exit_code == 0 and all(x["offer"] in {"F2", "F3", "F6"} for x in json.loads(r.output))
    r = run(["hub", "match", "N1"], db)
    assert r.exit_code == 0 and "F1" in r.output
    r = run(["hub", "portrait", "A", "--json"], db)
    assert json.loads(r.output)["id"] == "A"
    r = run(["hub", "portrait", "A"], db)
    assert "Suggested partners" in r.output
    r = run(["hub", "partners", "A", "--json"], db)
    assert json.loads(r.output)[0]["org"] in {"B", "C"}
    out = tmp_path / "out.xlsx"
    r = run(["hub", "export", str(out)], db)
    assert r.exit_code == 0 and out.exists()
    r = run(["hub", "export", str(out)], db)
    assert r.exit_code != 0 and "--force" in r.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(org("Z", "Atlantis")) + "\n", encoding="utf-8")
    r = run(["hub", "import", str(bad)], db)
    assert r.exit_code != 0 and isinstance(r.exception, Exception)


def test_cli_errors_are_one_message(tmp_path):
    import subprocess
    import sys

    db = str(tmp_path / "e.db")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"type": "organization", "id": "X", "name": "n", "kind": "enterprise", "city": "Mars", '
        '"industries": []}\n{oops\n',
        encoding="utf-8",
    )
    p = subprocess.run(
        [sys.executable, "-m", "citynexus.cli.main", "hub", "import", str(bad), "--db", db],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 1
    assert "line 1, field 'city'" in p.stderr and "line 2, field '(json)'" in p.stderr
    assert "Traceback" not in p.stderr
    p = subprocess.run(
        [sys.executable, "-m", "citynexus.cli.main", "hub", "match", "NOPE", "--db", db],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 1 and "no need with id 'NOPE'" in p.stderr
