"""CaseQuery: one filter of the library for the CLI, the REST list and the dashboard."""

from __future__ import annotations

import pytest

from citynexus.cases.errors import CasesError
from citynexus.cases.library import CaseQuery, seed_cases
from citynexus.services import cases as svc


def _ids(q: CaseQuery) -> list[str]:
    return [c.id for c in seed_cases() if q.matches(c)]


def test_country_and_city_match_in_either_language_and_any_case():
    assert _ids(CaseQuery(country="uganda")) == _ids(CaseQuery(country="乌干达")) == ["seed-kampala-pit-emptying-gis"]
    assert len(_ids(CaseQuery(city="广州"))) == len(_ids(CaseQuery(city="GUANGZHOU"))) == 4


def test_filters_combine_and_the_text_query_needs_every_word():
    assert _ids(CaseQuery(city="Guangzhou", goal=12, theme="Circular Economy")) == ["seed-guangzhou-battery-recycling"]
    assert _ids(CaseQuery(q="pit emptying")) == ["seed-kampala-pit-emptying-gis"]
    assert _ids(CaseQuery(q="pit nonsense-word")) == []
    assert len(_ids(CaseQuery(q="   "))) == 10  # a blank query filters nothing


BAD = [({"origin": "mine"}, "origin"), ({"goal": 18}, "goal"), ({"goal": 0}, "goal")]


@pytest.mark.parametrize(("kw", "needle"), BAD)
def test_bad_filters_are_named(kw, needle):
    with pytest.raises(CasesError, match=needle):
        CaseQuery(**kw)


def test_the_cli_list_and_the_rest_search_answer_the_same_filter(tmp_path):
    db = str(tmp_path / "c.db")
    listed = [c["id"] for c in svc.list_cases(db, country="中国", goal=3)]
    from citynexus.store import get_engine

    found = [c["id"] for c in svc.search_json(get_engine(db), country="中国", goal=3)["cases"]]
    assert listed == found == ["seed-guangzhou-newborn-health", "seed-xianning-safe-routes-to-school"]
