"""The phrase table shipped as package data: loads, is complete, and bad tables are named precisely."""

import copy
import json
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from citynexus.cases import ontology
from citynexus.cases.errors import CasesError
from citynexus.cases.ontology import ONTOLOGY, OntologyError, phrases, validate


def _table():
    return json.loads(resources.files("citynexus.cases").joinpath(ontology.FILE).read_text(encoding="utf-8"))


def test_shipped_table_is_complete():
    assert sorted(ONTOLOGY) == list(range(1, 18))
    assert all(ONTOLOGY[g]["en"] and ONTOLOGY[g]["zh"] for g in ONTOLOGY)
    # 644 phrases + 131 added from the dev sets' misses (docs/cases.md)
    assert sum(len(ONTOLOGY[g][lang]) for g in ONTOLOGY for lang in ("en", "zh")) == 775
    assert ("poverty", "1.2") in phrases(1, "en") and ("贫困", "1.2") in phrases(1, "zh")
    assert ("welfare", None) in phrases(1, "en")


def test_the_json_file_goes_into_the_wheel():
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    assert "**/*.json" in pyproject["tool"]["setuptools"]["package-data"]["citynexus"]


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t["goals"].pop("17"), r"goals missing \['17'\]"),
        (lambda t: t["goals"]["3"]["en"].append("clinic*"), r"goal 3, en, phrase 'clinic\*' is listed twice"),
        (lambda t: t["goals"]["5"]["en"].append("menstrual health@6.2"), "not a target of goal 5"),
        (lambda t: t["goals"]["5"]["en"].append("x@5.99"), "'5.99', which is not a target of goal 5"),
        (lambda t: t["goals"]["7"]["en"].append("Solar Roofs"), "not lower-case English words"),
        (lambda t: t["goals"]["7"]["zh"].append("solar"), "goal 7, zh, phrase 'solar' has no Chinese character"),
        (lambda t: t["goals"]["9"].__setitem__("zh", []), "goal 9, zh: expected a non-empty list"),
        (lambda t: t["goals"]["2"]["en"].append(3), "phrase 3 is not a non-empty string"),
    ],
)
def test_bad_tables_are_named(edit, message):
    table = copy.deepcopy(_table())
    edit(table)
    with pytest.raises(OntologyError, match=message) as info:
        validate(table, source="test.json")
    assert isinstance(info.value, CasesError) and str(info.value).startswith("test.json: ")


def test_not_an_object():
    with pytest.raises(OntologyError, match="expected an object with a 'goals' object"):
        validate(["poverty"])
