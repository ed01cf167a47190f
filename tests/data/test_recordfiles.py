"""The shared readers of import files: UTF-8 text and JSON Lines, each fault named with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from citynexus.data.recordfiles import BadLine, json_lines, read_utf8


class _Fail(Exception):
    pass


def _fail(problem: str, fix: str) -> _Fail:
    return _Fail(problem, fix)


def test_read_utf8_drops_the_bom_and_names_what_is_wrong(tmp_path: Path):
    p = tmp_path / "a.jsonl"
    p.write_bytes("\ufeff{}\n广州".encode())
    assert read_utf8(p, _fail) == "{}\n广州"
    p.write_bytes("café".encode("latin-1"))
    with pytest.raises(_Fail) as err:
        read_utf8(p, _fail)
    assert err.value.args == ("not UTF-8 text", "save the file as UTF-8")
    assert isinstance(err.value.__cause__, UnicodeDecodeError)
    with pytest.raises(_Fail) as err:
        read_utf8(tmp_path / "none.jsonl", _fail, unreadable=("cannot read: {reason}", "check the path"))
    assert err.value.args == ("cannot read: No such file or directory", "check the path")


def test_json_lines_keeps_line_numbers_and_order():
    rows = json_lines('{"a": 1}\n\n  \nnot json\n[1, 2]\n')
    assert rows == [
        (1, {"a": 1}),
        (4, BadLine("invalid JSON: Expecting value at column 1", "one JSON object per line")),
        (5, [1, 2]),
    ]


def test_lines_refuse_duplicate_keys_nan_and_deep_nesting():
    text = '{"a": 1, "a": 2}\n{"x": NaN}\n' + "[" * 500 + "]" * 500
    rows = json_lines(text)
    assert [i for i, _ in rows] == [1, 2, 3] and all(isinstance(v, BadLine) for _, v in rows)
    assert "line 1" in rows[0][1].problem and "'a'" in rows[0][1].problem
    assert "NaN is not JSON" in rows[1][1].problem
    assert rows[2][1].fix == "one flat JSON object per line, keys once"


@pytest.mark.parametrize("area", ["cases", "centres"])
def test_every_importer_refuses_a_duplicate_key(tmp_path, area):
    """The case library and the centres importers parse with the same bounded parser as the hub
    and the API: a line whose key appears twice (the first value could be forged) is a problem
    naming its line, never silently the last value."""
    path = tmp_path / "records.jsonl"
    path.write_text('{"id": "A", "id": "B"}\n', encoding="utf-8")
    if area == "cases":
        from citynexus.cases.errors import CaseImportError as Err
        from citynexus.cases.io import read_jsonl as read
    else:
        from citynexus.centres.errors import CentresImportError as Err
        from citynexus.centres.records import read_centres as read
    with pytest.raises(Err) as err:
        read(path)
    assert err.value.problems[0].line == 1 and "'id'" in err.value.problems[0].problem
