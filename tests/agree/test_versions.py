"""Rule history: every version of an agreement is kept, each period is judged by the version in force
for it, runs name the versions they used, and the history is shown (store, REST, page, CLI) and
carried over by revision 0007. Hand-made agreements (synthetic)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from citynexus.agree import AgreementError
from citynexus.agree.registry import AgreementRegistry
from citynexus.agree.versions import in_force, period_end
from citynexus.services import agree as svc
from tests.i18n.test_problem_kinds import check as check_problem

from .helpers import agreement

D = dt.date.fromisoformat


def _v1():
    return agreement([{"rule": "output >= 100"}, {"rule": "staff >= 5"}])


def _v2():  # a tighter output rule, and the staff term dropped
    return agreement([{"rule": "output >= 150"}])


def _stored(db_url) -> AgreementRegistry:
    reg = AgreementRegistry(db_url)
    reg.save(_v1(), check_hub=False)
    rows = [("output", q, "120") for q in ("2026Q1", "2026Q2", "2026Q3")] + [("staff", "2026Q3", "7")]
    raw = pd.DataFrame([{"agreement": "AG1", "party": "A", "metric": m, "period": q, "value": v} for m, q, v in rows])
    reg.import_reports(raw, source="r.csv")
    return reg


def test_period_end_and_in_force():
    assert period_end("2026Q3") == D("2026-09-30") and period_end("2026-02") == D("2026-02-28")
    assert period_end("2026") == D("2026-12-31") and period_end("2026-06-30") == D("2026-06-30")
    from citynexus.agree.versions import Version

    vs = [Version(1, D("2026-01-01"), _v1()), Version(2, D("2026-07-01"), _v2())]
    assert in_force(vs, D("2026-06-30")).number == 1 and in_force(vs, D("2026-07-01")).number == 2
    assert in_force(vs, D("2025-12-31")).number == 1  # before every version: the first


def test_each_period_is_judged_by_the_version_in_force(db_url):
    reg = _stored(db_url)
    reg.save(_v1(), check_hub=False)  # the same content again: no new version
    assert [v.number for v in reg.versions("AG1")] == [1]
    reg.save(_v2(), check_hub=False, effective=D("2026-07-01"))
    vs = reg.versions("AG1")
    assert [(v.number, v.effective) for v in vs] == [(1, D("2026-01-01")), (2, D("2026-07-01"))]
    (ev,) = reg.run(["AG1"], D("2026-10-15"))
    got = {(r.term, r.period): (r.status, r.version) for r in ev.results}
    # output: Q1, Q2 under "output >= 100" (met); Q3 under "output >= 150" (breached); Q4 not due (version 2)
    assert got[("T1", "2026Q1")] == ("met", 1) and got[("T1", "2026Q2")] == ("met", 1)
    assert got[("T1", "2026Q3")] == ("breached", 2) and got[("T1", "2026Q4")] == ("not_due", 2)
    # the dropped staff term is judged only where version 1 governs (no staff report there: no data)
    assert {p for t, p in got if t == "T2"} == {"2026Q1", "2026Q2"}
    latest = reg.latest_run("AG1")
    assert latest["version"] == 2 and {r["version"] for r in latest["results"]} == {1, 2}
    entry = reg.ledger().entry(latest["ledger_index"]).payload
    assert set(entry["versions"]) == {"1", "2"} and entry["versions"]["1"]["digest"] == vs[0].agreement.digest
    for period in ("2026Q1", "2026Q3"):
        v = reg.verify("AG1", "T1", period)
        assert v.ok, v.checks
    # a version may not take effect before the one it follows
    with pytest.raises(AgreementError, match="effective") as ei:
        reg.save(_v1(), check_hub=False, effective=D("2026-03-01"))
    assert len(reg.versions("AG1")) == 2  # nothing stored by the refused save
    (p,) = ei.value.problems  # its kind and values, for a page to write it in its language
    assert p.kind == "effective_too_early" and p.values["effective"] == "2026-03-01"
    check_problem(p)


def test_history_in_service_rest_page_and_cli(db_url, tmp_path):
    from typer.testing import CliRunner

    from citynexus.api import create_app
    from citynexus.cli.agree import app

    reg = _stored(db_url)
    reg.save(_v2(), check_hub=False, effective=D("2026-07-01"))
    reg.run(["AG1"], D("2026-10-15"))
    hist = svc.agreement_versions("AG1", db_url)
    assert [(h["version"], h["effective"], h["changed"]) for h in hist] == [
        (1, "2026-01-01", ["T1", "T2"]),
        (2, "2026-07-01", ["T1", "T2"]),
    ]
    with TestClient(create_app(db_url)) as c:
        assert c.get("/api/v1/agree/agreements/AG1/versions").json() == hist
        assert c.get("/api/v1/agree/agreements/NOPE/versions").status_code == 404
        page = c.get("/agree", params={"lang": "en", "id": "AG1"}).text
        table = page.split('id="agree-versions"')[1].split("</table>")[0]
        assert table.count("data-version=") == 2 and "2026-07-01" in table
        assert 'data-term="T2"' in page  # the dropped term's old periods are still shown
        q = {"lang": "zh", "id": "AG1", "term": "T1", "period": "2026Q1", "verify": "1"}
        detail = c.get("/agree", params=q).text
        assert "版本 1" in detail and "版本历史" in detail
        # the checks of the verification are named in the page's language
        assert "账本包含证明" in detail and "协议版本" in detail and "ledger inclusion" not in detail
    out = CliRunner().invoke(app, ["versions", "AG1", "--db", db_url, "--json"])
    assert out.exit_code == 0 and [v["version"] for v in __import__("json").loads(out.stdout)] == [1, 2]
    bad = CliRunner().invoke(app, ["add", str(tmp_path / "x.toml"), "--effective", "July", "--db", db_url])
    assert bad.exit_code == 1 and "--effective 'July' is not a date" in bad.output


def test_revision_0007_makes_each_stored_agreement_its_version_1(db_url):
    from citynexus.store import get_engine
    from citynexus.store import schema as sch

    sch.upgrade(db_url, "0006")
    doc = _v1().to_dict()
    eng = get_engine(db_url, create=False)
    with eng.begin() as c:
        c.execute(
            sa.text(
                'INSERT INTO agree_agreements (id, title, title_zh, parties, start, "end", doc, digest, synthetic) '
                "VALUES ('AG1', 't', 't', '[\"A\", \"B\"]', '2026-01-01', '2026-12-31', :doc, :dig, false)"
            ),
            {"doc": __import__("json").dumps(doc), "dig": _v1().digest},
        )
    assert sch.upgrade(db_url) == ("0006", sch.head_revision())
    vs = AgreementRegistry(db_url).versions("AG1")
    assert [(v.number, v.effective, v.agreement.digest) for v in vs] == [(1, D("2026-01-01"), _v1().digest)]


def test_rest_store_with_effective_date(db_url):
    from citynexus.api import create_app
    from citynexus.services.keys import create_key
    from citynexus.store import get_engine

    from .test_cli import AGREEMENT

    with TestClient(create_app(db_url)) as c:
        key = {"X-API-Key": create_key(get_engine(db_url), "versions-test")}
        files = {"file": ("deal.toml", AGREEMENT.encode())}
        first = c.post("/api/v1/agree/agreements", files=files, headers=key).json()
        assert (first["version"], first["effective"]) == (1, "2026-01-01")
        changed = {"file": ("deal.toml", AGREEMENT.replace("rd_share >= 5", "rd_share >= 6").encode())}
        bad = c.post("/api/v1/agree/agreements", files=changed, headers=key, params={"effective": "soon"})
        assert bad.status_code == 400 and "effective 'soon' is not a date" in bad.json()["message"]
        early = c.post("/api/v1/agree/agreements", files=changed, headers=key, params={"effective": "2025-06-01"})
        assert early.status_code == 422 and "on or after 2026-01-01" in early.json()["message"]
        ok = c.post("/api/v1/agree/agreements", files=changed, headers=key, params={"effective": "2026-04-01"})
        assert ok.status_code == 200 and (ok.json()["version"], ok.json()["effective"]) == (2, "2026-04-01")
        assert [v["changed"] for v in c.get("/api/v1/agree/agreements/JRD-1/versions").json()] == [
            ["T1", "T2"],
            ["T1"],
        ]
