"""Cases: validation, JSON Lines and Excel import (all-or-nothing), store round trip, seed library."""

import json

import pytest

from citynexus.cases.errors import CaseImportError, CaseNotFoundError
from citynexus.cases.io import read_file, write_jsonl
from citynexus.cases.library import CaseLibrary, seed_cases
from citynexus.cases.models import parse_case

GOOD = {
    "id": "shenzhen-bus-electrification",
    "city": "Shenzhen",
    "country": "China",
    "year": 2017,
    "title_en": "All-electric bus fleet (synthetic test case)",
    "title_zh": "公交车全面电动化（合成测试案例）",
    "description_en": "A synthetic test case: the city's buses run on batteries.",
    "description_zh": "合成测试案例：城市公交车全部使用电池驱动。",
    "themes": ["transport", "climate"],
    "sdg_goals": [11],
    "sdg_targets": ["11.2", "7.2"],
    "evidence": [
        {"indicator": "electric buses (synthetic)", "unit": "%", "before": 10, "after": 100,
         "year_before": 2012, "year_after": 2017, "source": "synthetic test data"}
    ],
    "contact": "test@example.org",
    "source_url": "https://example.org/case",
    "licence": "CC-BY-4.0",
}  # fmt: skip


def _write(path, records):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def test_parse_good_case_and_target_implies_goal():
    case, probs = parse_case(GOOD, 1)
    assert probs == [] and case is not None
    assert case.sdg_goals == [7, 11]  # 7.2 brings goal 7
    assert case.evidence[0].change == 90
    assert not case.seed


@pytest.mark.parametrize(
    "patch, field, words",
    [
        ({"city": ""}, "city", "missing"),
        ({"title_zh": "Only English"}, "title_zh", "no Chinese"),
        ({"sdg_goals": [18]}, "sdg_goals", "not an SDG goal"),
        ({"sdg_targets": ["11.8"]}, "sdg_targets", "not one of the 169"),
        ({"year": "two thousand"}, "year", "whole number"),
        ({"year": "inf"}, "year", "whole number"),  # float('inf') cannot become an int: a problem, not a crash
        ({"sdg_goals": ["inf"]}, "sdg_goals", "not an SDG goal"),
        ({"id": "seed-mine"}, "id", "reserved"),
        ({"id": "bad id with spaces"}, "id", "not a valid id"),
        ({"source_url": "javascript:alert(1)"}, "source_url", "not a web address"),
        ({"colour": "red"}, "colour", "not a case field"),
        ({"evidence": [{"indicator": "x", "unit": "%", "before": "ten", "source": "s"}]}, "evidence[0].before", "numb"),
        ({"evidence": [{"indicator": "x", "unit": "%", "source": "s"}]}, "evidence[0].before", "neither"),
        ({"evidence": [{"indicator": "x", "before": 1, "source": "s"}]}, "evidence[0].unit", "missing"),
    ],
)
def test_bad_fields_are_named(patch, field, words):
    case, probs = parse_case(GOOD | patch, 7, "f.jsonl")
    assert case is None
    assert any(p.field == field and words in p.problem for p in probs), [str(p) for p in probs]
    assert all(p.line == 7 and p.file == "f.jsonl" for p in probs)
    assert all(p.fix for p in probs)


def test_import_is_all_or_nothing(tmp_path, db_url):
    lib = CaseLibrary(db_url)
    bad = _write(tmp_path / "c.jsonl", [GOOD, GOOD | {"id": "other", "sdg_goals": [0]}, GOOD])
    with pytest.raises(CaseImportError) as ei:
        lib.import_file(bad)
    msg = str(ei.value)
    assert "line 2, field 'sdg_goals'" in msg and "line 3, field 'id'" in msg and "already used on line 1" in msg
    assert lib.user_cases() == []
    rep = lib.import_file(_write(tmp_path / "ok.jsonl", [GOOD, GOOD | {"id": "second"}]))
    assert rep.created == [GOOD["id"], "second"] and rep.updated == []
    got = lib.case(GOOD["id"])
    assert got.title_zh == GOOD["title_zh"] and got.evidence[0].after == 100 and got.sdg_targets == ["11.2", "7.2"]
    rep = lib.import_file(_write(tmp_path / "ok2.jsonl", [GOOD | {"city": "深圳"}]))
    assert rep.updated == [GOOD["id"]] and lib.case(GOOD["id"]).city == "深圳"
    assert lib.counts() == {"seed": len(seed_cases()), "user": 2}
    assert lib.case("second").owner == "local"
    # another organisation cannot update a case it does not own; nothing of its import is stored
    with pytest.raises(CaseImportError, match="belongs to organisation 'local', not 'org-b'"):
        lib.import_cases(read_file(_write(tmp_path / "b.jsonl", [GOOD | {"id": "new-b"}, GOOD | {"id": "second"}])),
                         owner="org-b")  # fmt: skip
    assert sorted(c.id for c in lib.user_cases()) == sorted([GOOD["id"], "second"])
    assert lib.import_cases(read_file(tmp_path / "b.jsonl")[:1], owner="org-b").created == ["new-b"]
    assert lib.case("new-b").owner == "org-b"
    lib.import_cases([c for c in read_file(tmp_path / "b.jsonl") if c.id == "second"])
    # a seed case cannot be overwritten, even bypassing the file validation
    with pytest.raises(CaseImportError, match="reserved"):
        lib.import_cases([seed_cases()[0]])
    assert lib.counts()["user"] == 3


def test_invalid_json_line_and_empty_file(tmp_path):
    p = tmp_path / "c.jsonl"
    p.write_text(json.dumps(GOOD) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(CaseImportError, match=r"line 2, field '\(json\)'"):
        read_file(p)
    (tmp_path / "e.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(CaseImportError, match="no cases"):
        read_file(tmp_path / "e.jsonl")
    (tmp_path / "x.csv").write_text("a", encoding="utf-8")
    with pytest.raises(CaseImportError, match="unsupported file type"):
        read_file(tmp_path / "x.csv")


def test_excel_import_with_evidence_sheet(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "cases"
    cols = ["id", "city", "country", "year", "title_en", "title_zh", "description_en", "description_zh", "themes",
            "sdg_targets"]  # fmt: skip
    ws.append(cols)
    ws.append([GOOD[c] if c not in ("themes", "sdg_targets") else "; ".join(GOOD[c]) for c in cols])
    ev = wb.create_sheet("evidence")
    ev.append(["case_id", "indicator", "unit", "before", "after", "source"])
    ev.append([GOOD["id"], "buses", "%", 10, 100, "synthetic"])
    ev.append(["nope", "buses", "%", 10, 100, "synthetic"])
    wb.save(tmp_path / "c.xlsx")
    with pytest.raises(CaseImportError, match=r"sheet 'evidence'.*row 3, field 'case_id'"):
        read_file(tmp_path / "c.xlsx")
    ev.delete_rows(3)
    wb.save(tmp_path / "c.xlsx")
    ws.append(
        ["two", "Foshan", "China", None, "Synthetic second case", "合成第二个案例", "Synthetic.", "合成。", "x", None]
    )
    ws["K1"], ws["K3"] = "sdg_goals", 6  # a single number in a list cell
    wb.save(tmp_path / "c.xlsx")
    case, two = read_file(tmp_path / "c.xlsx")
    assert two.sdg_goals == [6] and two.year is None
    assert case.themes == ["transport", "climate"] and case.sdg_goals == [7, 11] and case.evidence[0].before == 10


def test_roundtrip_jsonl(tmp_path):
    (case,) = read_file(_write(tmp_path / "a.jsonl", [GOOD]))
    write_jsonl(tmp_path / "b.jsonl", [case])
    assert read_file(tmp_path / "b.jsonl") == [case]


def test_seed_library_is_shipped_and_separate(tmp_path):
    seeds = seed_cases()
    assert len(seeds) == 10
    assert all(c.seed and c.id.startswith("seed-") for c in seeds)
    cities = {c.city for c in seeds}
    assert {"Guangzhou", "São Paulo", "Kampala", "Kazan", "Tehran", "Xianning", "Antalya"} <= cities
    for c in seeds:
        assert c.evidence == []  # the issue states no figures
        assert "issue 18" in c.summarised_from
        assert c.sdg_goals and c.title_zh and c.description_en
    assert any("碳普惠" in c.description_en for c in seeds)
    lib = CaseLibrary(f"sqlite:///{tmp_path / 'x.db'}")
    assert [c.id for c in lib.cases(goal=6)] == ["seed-kampala-pit-emptying-gis", "seed-kazan-lake-chaikovoye-park"]
    assert [c.id for c in lib.cases(theme="Sanitation", country="uganda")] == ["seed-kampala-pit-emptying-gis"]
    assert lib.cases(origin="user") == []
    assert lib.case("seed-antalya-eco-farmer-card").country == "Türkiye"
    with pytest.raises(CaseNotFoundError, match="no case with id 'nope'"):
        lib.case("nope")


def test_seed_cases_cite_the_pages_their_figures_come_from():
    seeds = {c.id: c for c in seed_cases()}
    linked = {cid for cid, c in seeds.items() if c.source_url}
    assert linked == set(seeds) - {"seed-guangzhou-newborn-health", "seed-guangzhou-battery-recycling"}
    for cid in linked:
        c = seeds[cid]
        assert c.source_url.startswith(("http://", "https://")) and c.evidence == []
        # the source link (or, for São Paulo, a mention of it) and every other page are named in summarised_from
        assert c.source_url in c.summarised_from or "named as the source link" in c.summarised_from, cid
    # a figure stated by a page appears in both languages of the description
    for cid, en, zh in [
        ("seed-kampala-pit-emptying-gis", "15,000", "1.5万"),
        ("seed-guangzhou-elderly-canteens", "928", "928"),
        ("seed-sao-paulo-informal-workers", "19,000", "1.9万"),
        ("seed-antalya-eco-farmer-card", "1,331 kg", "1331千克"),
        ("seed-guangzhou-carbon-inclusion", "226,300", "22.63万"),
        ("seed-xianning-safe-routes-to-school", "2.07 million", "207万"),
        ("seed-kazan-lake-chaikovoye-park", "30 August 2021", "2021年8月30日"),
    ]:
        assert en in seeds[cid].description_en and zh in seeds[cid].description_zh, cid
    assert (
        seeds["seed-xianning-safe-routes-to-school"].year == 2022
        and seeds["seed-tehran-natural-pesticide"].year is None
    )
