"""City resolution (codes, English and Chinese names) and bilingual tokenisation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citynexus.hub import UnknownCityError, resolve_city
from citynexus.hub.cities import cities, distance_km, names, neighbours
from citynexus.hub.text import detect_lang, domain_words, tokenize

CODES = ["GZ", "SZ", "ZH", "FS", "HZ", "DG", "ZS", "JM", "ZQ", "HK", "MO"]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("GZ", "GZ"),
        ("gz", "GZ"),
        ("Guangzhou", "GZ"),
        ("guangzhou ", "GZ"),
        ("广州", "GZ"),
        ("广州市", "GZ"),
        ("廣州", "GZ"),
        ("Hong Kong", "HK"),
        ("香港", "HK"),
        ("香港特别行政区", "HK"),
        ("Macao", "MO"),
        ("Macau", "MO"),
        ("澳门", "MO"),
        ("澳門", "MO"),
        ("东莞市", "DG"),
        ("Shenzhen", "SZ"),
        ("ＳＺ", "SZ"),
    ],
)
def test_resolve_city_accepts_codes_and_names(value, code):
    assert resolve_city(value) == code


@pytest.mark.parametrize("value", ["Beijing", "北京", "", "  ", None, 3, "G Z"])
def test_resolve_city_rejects_unknown(value):
    with pytest.raises(UnknownCityError) as err:
        resolve_city(value)
    assert "city" in str(err.value)


def test_page_names_of_the_cities_in_each_language():
    en, zh = names("en"), names("zh")
    assert sorted(en) == sorted(zh) == sorted(CODES)
    assert en["GZ"] == "Guangzhou" and zh["GZ"] == "广州" and zh["HK"] == "香港"
    assert names("fr") == en  # any other language: the English names


def test_cities_come_from_the_gba_dataset():
    assert sorted(cities()) == sorted(CODES)


def test_distance_matches_hand_computed_haversine():
    a, b = cities()["GZ"], cities()["HK"]
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dl = math.radians(b.lon - a.lon)
    # spherical law of cosines, an independent formula for the same great-circle distance
    d = 6371.0088 * math.acos(math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl))
    assert distance_km("GZ", "HK") == pytest.approx(d, rel=1e-9)
    assert 100 < d < 140


def test_neighbours_by_distance():
    assert "HK" in neighbours("SZ", 70.0)
    assert "MO" in neighbours("ZH", 70.0)
    assert "ZQ" not in neighbours("HK", 70.0)
    assert neighbours("GZ", 0.0) == frozenset()


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(CODES), st.sampled_from(CODES), st.floats(0, 300))
def test_neighbour_relation_is_symmetric_and_irreflexive(a, b, km):
    assert (b in neighbours(a, km)) == (a in neighbours(b, km))
    assert a not in neighbours(a, km)


def test_tokenize_keeps_domain_words_and_folds_english():
    toks = tokenize("粤港澳大湾区新能源汽车 Batteries recycling, ISO 9001 and the 5G networks")
    assert "粤港澳大湾区" in toks and "新能源汽车" in toks
    assert "新能源" in toks  # search mode also yields sub-words
    assert "battery" in toks and "network" in toks and "iso" in toks and "9001" in toks and "5g" in toks
    assert "the" not in toks and "and" not in toks


def test_tokenize_empty_and_punctuation():
    assert tokenize("") == []
    assert tokenize("，。！？...") == []


def test_domain_dictionary_is_shipped():
    words = domain_words()
    assert "粤港澳大湾区" in words and "新能源汽车" in words


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("hello world", "en"),
        ("寻求电池回收技术", "zh"),
        ("我们需要 ISO 9001 认证的供应商", "zh"),
        ("We need an ISO 9001 certified supplier in 东莞", "en"),
        ("", "en"),
    ],
)
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang
