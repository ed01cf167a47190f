"""Every bundled template validates as written, evaluates, and `agree new` writes it."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from citynexus.agree import evaluate, load_agreement
from citynexus.agree.errors import AgreeError
from citynexus.agree.reports import empty_reports
from citynexus.agree.templates import TEMPLATES, fill, template_text, write_template

from .test_cli import cli


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_template_validates_and_evaluates(name, tmp_path):
    p = write_template(name, tmp_path / f"{name}.toml")
    ag = load_agreement(p)
    assert ag.title and ag.title_zh
    assert all(t.text and t.text_zh for t in ag.terms)
    assert len(ag.terms) == 3
    ev = evaluate(ag, empty_reports(), dt.date(2030, 1, 1))
    assert {r.status for r in ev.results} <= {"no_data", "met", "breached"}
    # every metric a rule uses has bilingual labels
    for t in ag.terms:
        for v in t.compiled.vars:
            assert {"label", "label_zh"} <= set(ag.metrics[v.metric]), (name, v.metric)


def test_template_categories_cover_the_seeds():
    cats = set()
    for name in TEMPLATES:
        cats |= {t["category"] for t in tomllib.loads(template_text(name))["terms"]}
    assert {"rd", "capacity", "quality", "green", "talent", "data"} <= cats


def test_fill_id_and_parties(tmp_path):
    text = fill("capacity-supply", "CAP-X", ["S1", "B1"])
    data = tomllib.loads(text)
    assert data["id"] == "CAP-X" and data["parties"] == ["S1", "B1"]
    assert {t["party"] for t in data["terms"]} == {"S1"}
    with pytest.raises(AgreeError, match="exactly 2"):
        fill("capacity-supply", parties=["only-one"])
    with pytest.raises(AgreeError, match="unknown template"):
        template_text("nope")


def test_cli_new_writes_a_valid_file(tmp_path):
    out = cli("new", "--template", "data-verification", "--out", str(tmp_path / "d.toml"))
    assert out.returncode == 0, out.stderr
    assert load_agreement(tmp_path / "d.toml").id == "DAT-2026-001"
    again = cli("new", "--template", "data-verification", "--out", str(tmp_path / "d.toml"))
    assert again.returncode == 1 and "exists" in again.stderr and "Traceback" not in again.stderr
