"""Names, not codes, and one language in the CLI's tables: every region command and
`index stats|explain|compare` with --lang zh / zh-Hant print no English header or word (names,
codes and the symbols of the statistics excepted), and in English they name the units and
indicators beside the codes."""

from __future__ import annotations

import pytest

from citynexus.cli.common import console
from citynexus.data import load
from tests._cli import run_main
from tests.i18n.purity import foreign_in_chinese, names_allow_list, simplified_in_traditional

REGION = [
    ["region", "coupling", "gba", "--period", "2020"],
    ["region", "coupling", "gba", "--change"],
    ["region", "obstacles", "gba", "--top", "2"],
    ["region", "obstacles", "gba", "--pillars"],
    ["region", "disparity", "gba", "-v", "GBA"],
    ["region", "convergence", "gba", "-v", "IND"],
    ["region", "spatial", "gba", "-v", "GBA", "--permutations", "99"],
]
INDEX = [
    ["index", "stats", "--data", "gba"],
    ["index", "explain", "SZ", "--data", "gba", "--n", "3"],
]
#: symbols of the statistics, written the same in Chinese text
SYMBOLS = {"p_norm", "p_sim", "E[I]"}


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    """A wide console, so that no name or code is cut with an ellipsis."""
    monkeypatch.setattr(console, "width", 300)


def headers(out: str) -> list[str]:
    """The header cells of every rich table printed (the rows drawn with ┃)."""
    return [c.strip() for ln in out.splitlines() if "┃" in ln for c in ln.split("┃") if c.strip()]


@pytest.fixture(scope="module")
def allow() -> set[str]:
    return names_allow_list(load("gba")) | SYMBOLS


@pytest.mark.parametrize("lang", ["zh", "zh-Hant"])
@pytest.mark.parametrize("argv", REGION + INDEX, ids=lambda a: " ".join(a[:2] + a[3:4]))
def test_chinese_tables_have_no_english(argv, lang, allow, capsys):
    code, out, err = run_main([*argv, "--lang", lang], capsys)
    assert code == 0, err
    hs = headers(out)
    assert hs, "no table printed"
    english = [h for h in hs if foreign_in_chinese(h, allow)]
    assert not english, f"English headers in {' '.join(argv)} --lang {lang}: {english}"
    bad = foreign_in_chinese(out, allow)
    assert not bad, "\n".join(bad[:20])
    if lang == "zh-Hant":
        assert not simplified_in_traditional(out, allow)


def test_the_header_check_can_fail(allow):
    table = "┏━━┓\n┃ 单元 ┃ p_sim ┃ quadrant ┃\n┡━━┩"
    assert [h for h in headers(table) if foreign_in_chinese(h, allow)] == ["quadrant"]


def test_index_tables_name_indicators_and_units(tmp_path, capsys):
    code, out, err = run_main(["index", "stats", "--data", "gba"], capsys)
    assert code == 0, err
    assert "Strategic emerging industries value added" in out and "sei_share" in out  # name beside the code
    assert "collinear (|r| >= 0.9 with a sibling): Strategic emerging" in out
    code, out, err = run_main(["index", "explain", "SZ", "--data", "gba", "--lang", "zh"], capsys)
    assert code == 0, err
    assert "深圳（SZ）" in out and "战略性新兴产业增加值占比" in out and "产业集群" in out
    assert " IND " not in out  # the parent is named, not coded
    a, b = tmp_path / "a", tmp_path / "b"
    assert run_main(["index", "build", "--data", "gba", "--out", str(a)], capsys)[0] == 0
    assert run_main(["index", "build", "--data", "gba", "--period", "2020", "--out", str(b)], capsys)[0] == 0
    code, out, err = run_main(["index", "compare", str(a), str(b), "--data", "gba", "--lang", "zh-Hant"], capsys)
    assert code == 0, err
    assert "廣州" in out and "排名變化" in out and "rank_shift" not in out
    code, out, _ = run_main(["index", "compare", str(a), str(b)], capsys)  # without a dataset: codes only
    assert "rank_shift" in out and "Guangzhou" not in out


def test_index_build_ranking_in_traditional(tmp_path, capsys):
    code, out, err = run_main(
        ["index", "build", "--data", "gba", "--out", str(tmp_path / "r"), "--lang", "zh-Hant"], capsys
    )
    assert code == 0, err
    assert "廣州" in out and "广州" not in out and "排名" in out
    code, _, err = run_main(["index", "stats", "--data", "gba", "--lang", "fr"], capsys)
    assert code == 1 and "--lang must be en, zh or zh-Hant, not 'fr'" in " ".join(err.split())
