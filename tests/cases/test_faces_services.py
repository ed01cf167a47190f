"""Use cases behind the REST and dashboard faces: reads need no key and write nothing, writes check
the role, the summary line of the demo, juror scores given as JSON records."""

from __future__ import annotations

import pytest

from citynexus.cases.errors import ScreeningError
from citynexus.services import cases as svc
from citynexus.services.auth import PermissionDenied, Principal
from citynexus.store import get_engine, session_scope
from citynexus.store.app import AuditEvent
from citynexus.store.cases import CaseRow

VIEWER = Principal(key_id=1, key_name="vera", org="A", role="viewer")


def test_reads_write_nothing(db_url):
    eng = get_engine(db_url)
    assert len(svc.find_cases(eng)) == 10
    assert svc.facets(eng)["goals"][11] == 4
    assert svc.case_json(eng, "seed-antalya-eco-farmer-card")["sdg_goals"] == [2]
    board = svc.screening_board(eng)  # the dashboard's demo board: no principal, nothing audited
    assert board["synthetic"] is True and len(board["cases"]) == 10
    with session_scope(eng) as s:
        assert s.query(CaseRow).count() == 0 and s.query(AuditEvent).count() == 0


def test_writes_need_an_editor(db_url):
    eng = get_engine(db_url)
    with pytest.raises(PermissionDenied):
        svc.import_upload(eng, VIEWER, "c.jsonl", b"{}")
    with pytest.raises(PermissionDenied):
        svc.screening_board(eng, VIEWER)
    with pytest.raises(PermissionDenied):
        svc.update_case(eng, VIEWER, "x", {})


def test_library_summary_line(tmp_path, monkeypatch):
    monkeypatch.delenv("CITYNEXUS_DB", raising=False)
    monkeypatch.setattr(svc, "_default_db_exists", lambda: False)  # never touch the user's database
    line = svc.library_summary(lang="en")
    assert line == "Case library: 10 cases (10 seed, 0 imported) from 6 countries, 10 of the 17 SDGs " + (
        "(`citynexus cases list`, dashboard /cases)"
    )
    assert svc.library_summary(lang="zh").startswith("案例库：10 个案例")
    assert "(10 seed, 0 imported)" in svc.library_summary(f"sqlite:///{tmp_path / 'c.db'}")


def test_scores_frame_long_and_wide_agree():
    from citynexus.cases.screening import CRITERIA

    wide = [{"juror": "J1", "case": "a", **dict.fromkeys(CRITERIA, 5)}]
    long = [{"juror": "J1", "case": "a", "criterion": c, "score": 5} for c in CRITERIA]
    a, b = svc.scores_frame(wide, CRITERIA), svc.scores_frame(long, CRITERIA)
    assert sorted(a["criterion"]) == sorted(b["criterion"]) and list(a["score"]) == list(b["score"])
    with pytest.raises(ScreeningError, match="record 1 is not an object"):
        svc.scores_frame([3], CRITERIA)  # type: ignore[list-item]


def test_cached_encoder_matches_the_encoder():
    import numpy as np

    from citynexus.hub.encoder import default_encoder

    texts = ["safe routes to school", "社区长者饭堂", "safe routes to school"]
    enc = svc._CachedEncoder(size=10)
    a = enc.encode(texts)
    b = default_encoder().encode(texts)
    assert a.shape == b.shape and np.allclose(a, b, atol=1e-6)
    assert np.allclose(enc.encode(texts[:1]), b[:1], atol=1e-6)  # from the cache
    assert enc.name == default_encoder().name and enc.dim == 512


def test_only_the_platform_imports_in_another_organisations_name():
    from citynexus.services.auth import import_owner

    editor = Principal(key_id=2, key_name="ed", org="A", role="editor")
    platform = Principal(key_id=3, key_name="ops", org="P", role="platform")
    assert import_owner(editor, None) == "A" and import_owner(editor, "A", "cases") == "A"
    assert import_owner(platform, None) == "P" and import_owner(platform, "B") == "B"
    with pytest.raises(PermissionDenied, match=r"^only a platform key may import cases for another organisation$"):
        import_owner(editor, "B", "cases")
    with pytest.raises(PermissionDenied, match="import records for"):
        import_owner(editor, "B")
