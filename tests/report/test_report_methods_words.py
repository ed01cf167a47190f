"""The methods section's words (``report/methods.toml``): one entry per method, in both languages,
naming only methods the index engine has."""

from __future__ import annotations

import string

import pytest

from citynexus.evaluate import registry
from citynexus.report.methods import _words, describe

KINDS = ("normalise", "weights", "aggregate", "impute")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("kind", KINDS)
def test_every_entry_names_a_method_of_the_engine_in_both_languages(kind):
    words = _words()[kind]
    assert words, kind
    assert set(words) <= set(registry.methods(kind)), f"{kind}: words for methods the engine does not have"
    for method, w in words.items():
        assert w["en"].strip() and w["zh"].strip(), (kind, method)
        assert _fields(w["en"]) == _fields(w["zh"]), (kind, method)  # the same values filled in both


@pytest.mark.parametrize("kind", ("weights", "aggregate"))
def test_every_weighting_and_aggregation_method_is_described(kind):
    assert set(_words()[kind]) == set(registry.methods(kind))


def test_the_words_reach_the_methods_section_in_each_language():
    spec = {
        "normalise": {"method": "zscore", "mean": 10, "sd": 2},
        "weights": {"method": "equal", "level": {"2": {"method": "critic"}}},
        "aggregate": {"method": "geometric"},
        "impute": {"method": "interpolate"},
    }
    en = {i.step: i for i in describe(spec, lang="en")}
    zh = {i.step: i for i in describe(spec, lang="zh")}
    assert "z-scores with mean 10 and standard deviation 2" in en["Normalise"].text
    assert "均值 10，标准差 2" in zh["无量纲化"].text
    assert en["Weights"].formula == zh["权重"].formula == "C_j = σ_j Σ_k (1 - r_jk);  w_j = C_j / Σ_k C_k"
    assert "weighted geometric mean" in en["Aggregate"].text and "加权几何平均" in zh["合成"].text
    assert en["Aggregate"].formula == "y = Π_j x_j^{w_j}"
    assert en["Impute"].text == "Missing values were interpolated linearly in time within each city."


def test_a_method_without_words_is_named_as_it_is():
    items = {i.step: i for i in describe({"normalise": {"method": "borda"}, "impute": {"method": "locf"}})}
    assert "normalised by borda." in items["Normalise"].text and items["Normalise"].formula == ""
    assert items["Impute"].text == "Imputation: locf."
