"""The label catalogs (``citynexus/i18n/catalog/<area>.toml``): every catalog parses, the
loader rejects a clash of keys between two files and a bad entry naming the file and the key,
and the entries are well formed (same placeholders in both languages, no stray line break)."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

import citynexus.i18n as i18n
from citynexus.errors import CityNexusError
from citynexus.i18n import CatalogError, area, catalog_files, keys, merge_catalogs, read_catalog, t, table, to_hant

CATALOG_DIR = Path(i18n.__file__).parent / "catalog"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# ---- the package's catalogs


def test_every_catalog_of_the_package_parses_and_is_found_as_package_data():
    on_disk = sorted(p.name for p in CATALOG_DIR.glob("*.toml"))
    assert [f.name for f in catalog_files()] == on_disk
    assert {"dashboard.toml", "watch.toml", "fetched.toml", "plotly_ui.toml"} <= set(on_disk)
    total = 0
    for f in catalog_files():
        entries = read_catalog(f)
        assert entries, f"{f.name} has no entry"
        total += len(entries)
    assert total == len(table())  # every key in one catalog only, none lost in the merge
    assert len(table()) >= 1170


def test_hand_read_entries_of_three_catalogs():
    assert area("agree")["agree_title"] == ("Agreements", "合作协议")
    assert table()["led_type_trace.event"] == ("trace event", "溯源事件")  # a quoted key with a dot
    # a long text written over several lines with a trailing backslash is one line of text
    en, zh = table()["report_rank_intervals_note"]
    assert en.startswith('Rank intervals: "5%" and "95%" bound the ranks over the replications of the uncertain ')
    assert "uncertain choices" in en and "\n" not in en
    assert zh.endswith("最好和最差排名为子系统所有权重组合下的精确结果。")


def test_table_is_read_once_and_keys_follow_the_catalog_order():
    assert table() is table()
    assert area("watch") is area("watch")
    assert all(table()[k] == pair for k, pair in area("watch").items())
    assert keys("watch_level_") == tuple(k for k in area("watch") if k.startswith("watch_level_"))
    assert len(keys("watch_level_")) == 3
    assert keys("no_such_prefix_") == ()


def test_zh_hant_is_derived_from_the_simplified_text():
    en, zh = table()["agree_title"]
    assert t("agree_title", "en") == en and t("agree_title", "zh") == zh
    assert t("agree_title", "zh-Hant") == to_hant(zh) == "合作協議"
    assert t("not_a_key", "zh") == "not_a_key"


def problems_of(entries: dict[str, tuple[str, str]]) -> list[str]:
    """What is wrong with each entry: an empty text, stray whitespace or a line break (a long
    text continued without its trailing backslash), or placeholders that differ between languages."""
    bad = []
    for key, (en, zh) in entries.items():
        if any(not text or text != text.strip() or "\n" in text for text in (en, zh)):
            bad.append(f"{key}: empty text, stray whitespace or a line break")
        elif placeholders(en) != placeholders(zh):
            bad.append(f"{key}: en fills {sorted(placeholders(en))}, zh fills {sorted(placeholders(zh))}")
    return bad


def test_every_entry_is_well_formed():
    assert problems_of(table()) == []


def test_the_entry_check_catches_a_forgotten_backslash_and_a_lost_placeholder(tmp_path):
    f = write(
        tmp_path / "sloppy.toml",
        '[wrapped]\nen = """\nfirst line\nsecond line"""\nzh = "一行"\n\n'
        '[lost]\nen = "{n} cities"\nzh = "若干城市"\n\n[fine]\nen = "{n} cities"\nzh = "{n} 个城市"\n',
    )
    assert problems_of(read_catalog(f)) == [
        "wrapped: empty text, stray whitespace or a line break",
        "lost: en fills ['n'], zh fills []",
    ]


@pytest.mark.parametrize(("prefix", "catalog"), [("plotly_", "plotly_ui"), ("compare_unitname_", "compare")])
def test_families_keyed_by_their_english_text(prefix, catalog):
    """plotly's words and the units' names are looked up by their English text, which is the key's suffix."""
    family = [k for k in area(catalog) if k.startswith(prefix)]
    assert family
    for k in family:
        assert area(catalog)[k][0] == k.removeprefix(prefix)


def test_no_module_of_the_package_keeps_a_label_table():
    """New labels go to a catalog: no module beside the catalogs assigns a TEXT table."""
    for py in Path(i18n.__file__).parent.glob("*.py"):
        tree = ast.parse(py.read_text(encoding="utf-8"))
        names = {
            tgt.id
            for node in ast.walk(tree)
            if isinstance(node, (ast.Assign, ast.AnnAssign))
            for tgt in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(tgt, ast.Name)
        }
        assert "TEXT" not in names, py.name


def test_unknown_area_names_the_catalogs():
    with pytest.raises(CatalogError, match=r"no label catalog 'nope'.*dashboard"):
        area("nope")


# ---- the loader's checks, on catalogs written here


def test_a_key_in_two_catalogs_raises_naming_the_key_and_both_files(tmp_path):
    a = write(tmp_path / "alpha.toml", '[shared_key]\nen = "one"\nzh = "一"\n\n[only_a]\nen = "a"\nzh = "甲"\n')
    b = write(tmp_path / "beta.toml", '[shared_key]\nen = "two"\nzh = "二"\n')
    with pytest.raises(CatalogError) as err:
        merge_catalogs([(a, read_catalog(a)), (b, read_catalog(b))])
    msg = str(err.value)
    assert "'shared_key'" in msg and str(a) in msg and str(b) in msg
    assert isinstance(err.value, CityNexusError)
    assert merge_catalogs([(a, read_catalog(a))]) == {"shared_key": ("one", "一"), "only_a": ("a", "甲")}


def test_a_key_twice_in_one_catalog_raises_naming_the_file(tmp_path):
    f = write(tmp_path / "twice.toml", '[k]\nen = "a"\nzh = "甲"\n\n[k]\nen = "b"\nzh = "乙"\n')
    with pytest.raises(CatalogError, match=r"twice\.toml is not valid TOML"):
        read_catalog(f)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ('[lonely]\nen = "only English"\n', r"\[lonely\] lacks zh"),
        ('[lonely]\nzh = "只有中文"\n', r"\[lonely\] lacks en"),
        ('[num]\nen = "count"\nzh = 3\n', r"\[num\] zh is int 3, not a text"),
        ('[lst]\nen = ["a", "b"]\nzh = "甲"\n', r"\[lst\] en is list"),
        ('[extra]\nen = "x"\nzh = "乙"\nzh-Hant = "乙"\n', r"\[extra\] has zh-Hant.*derived from zh"),
        ('flat = "not a table"\n', r"'flat' is not a table"),
        ('[nested.deeper]\nen = "x"\nzh = "乙"\n', r"\[nested\] lacks en and zh"),
        ('[broken\nen = "x"\n', r"is not valid TOML"),
    ],
)
def test_a_bad_entry_raises_naming_the_file_and_the_key(tmp_path, text, pattern):
    f = write(tmp_path / "area.toml", text)
    with pytest.raises(CatalogError, match=pattern) as err:
        read_catalog(f)
    assert str(f) in str(err.value)


def test_a_catalog_not_in_utf8_raises_naming_the_file(tmp_path):
    f = tmp_path / "latin1.toml"
    f.write_bytes('[k]\nen = "café"\nzh = "咖啡"\n'.encode("latin-1", errors="replace"))
    with pytest.raises(CatalogError, match=r"latin1\.toml is not valid TOML in UTF-8"):
        read_catalog(f)
