"""Input limits: zip bombs, lying archives, deep and ambiguous JSON (data/limits.py)."""

from __future__ import annotations

import json
import resource
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citynexus.data import limits
from citynexus.data.limits import InputLimitError, JSONSyntaxError

GiB = 2**30
MiB = 2**20


def make_bomb(path: Path, unpacked: int = GiB, name: str = "units.csv", declared: int | None = None) -> int:
    """Write a zip whose one member ``name`` (a CSV header, then blank lines) unpacks to
    ``unpacked`` bytes from about 1 MB per GiB. The deflate stream is built from one
    compressed 1 MiB block repeated after full flushes, so making it takes well under a
    second. ``declared`` is the uncompressed size written into the headers (default: the
    true size) — a lying archive declares less."""
    block = b"\n" * MiB
    head = b"code,name,name_zh,country,lat,lon\n"
    first_block = head + block[len(head) :]
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(first_block) + co.flush(zlib.Z_FULL_FLUSH)
    rep = co.compress(block) + co.flush(zlib.Z_FULL_FLUSH)
    tail = co.flush(zlib.Z_FINISH)
    n = unpacked // MiB
    crc = zlib.crc32(first_block)
    for _ in range(n - 1):
        crc = zlib.crc32(block, crc)
    csize = len(first) + len(rep) * (n - 1) + len(tail)
    usize = n * MiB if declared is None else declared
    fn = name.encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, csize, usize, len(fn), 0) + fn)
        f.write(first)
        for _ in range(n - 1):
            f.write(rep)
        f.write(tail)
        cd_off = f.tell()
        cd = struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, csize, usize, len(fn), 0, 0, 0, 0, 0, 0
        )
        f.write(cd + fn)
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(cd) + len(fn), cd_off, 0))
    return n * MiB


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    make_bomb(p)
    return p


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def test_bomb_fixture_is_genuine(tmp_path):
    """The generator makes valid archives: a small one unpacks completely to its size."""
    p = tmp_path / "small.zip"
    n = make_bomb(p, unpacked=8 * MiB)
    with zipfile.ZipFile(p) as zf:
        data = zf.read("units.csv")
    assert len(data) == n and data.startswith(b"code,name")
    assert limits.read_zip_members(p)["units.csv"] == data


def test_zip_bomb_upload_refused_with_bounded_memory(bomb, tmp_path, monkeypatch):
    """A 1 MB zip whose units.csv unpacks to 1 GiB, sent as a dataset upload: refused after
    reading at most the unpacked limit, keeping O(chunk) in memory, leaving no file."""
    from citynexus.services.datasets import dataset_from_upload

    assert bomb.stat().st_size < 1.2 * MiB
    with zipfile.ZipFile(bomb) as zf:
        assert zf.getinfo("units.csv").file_size == GiB
    monkeypatch.setenv("CITYNEXUS_ZIP_MAX_UNPACKED", str(64 * MiB))
    data = bomb.read_bytes()
    rss0 = _rss_mib()
    tracemalloc.start()
    try:
        with pytest.raises(InputLimitError, match=r"units\.csv' unpacks to more than 67108864 bytes"):
            dataset_from_upload([("bomb.zip", data)], "bomb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * MiB, f"peak traced allocation {peak / MiB:.1f} MiB"
    assert _rss_mib() - rss0 < 128, "resident memory grew by more than 128 MiB"


def test_zip_bomb_checked_without_keeping_data(bomb):
    """check_zip with the default limit (256 MiB) streams and counts: bounded memory."""
    tracemalloc.start()
    try:
        with pytest.raises(InputLimitError, match="CITYNEXUS_ZIP_MAX_UNPACKED"):
            limits.check_zip(bomb, name="bomb.zip")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * MiB


def test_extract_refused_leaves_no_partial_file(bomb, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(InputLimitError):
        limits.extract_zip_members(bomb, out, lambda n: n, max_unpacked=4 * MiB)
    assert list(out.iterdir()) == []


def test_lying_archive_declaring_small_size(tmp_path):
    """An archive that declares 100 bytes but holds 1 GiB: never more than the declared
    size is produced (zipfile stops there and the CRC fails) — refused, memory bounded."""
    p = tmp_path / "liar.zip"
    make_bomb(p, declared=100)
    with zipfile.ZipFile(p) as zf:
        assert zf.getinfo("units.csv").file_size == 100
    tracemalloc.start()
    try:
        with pytest.raises(InputLimitError, match="cannot be read"):
            limits.read_zip_members(p)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * MiB


def test_entry_count_limit(tmp_path):
    p = tmp_path / "many.zip"
    with zipfile.ZipFile(p, "w") as zf:
        for i in range(30):
            zf.writestr(f"f{i}.txt", "x")
    assert len(limits.read_zip_members(p, max_entries=30)) == 30
    with pytest.raises(InputLimitError, match="holds 30 entries; the limit is 29"):
        limits.read_zip_members(p, max_entries=29)


def test_select_reads_only_wanted_members_and_counts_them(tmp_path):
    p = tmp_path / "two.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.csv", "a" * 1000)
        zf.writestr("b.csv", "b" * 10)
    assert limits.read_zip_members(p, select=lambda n: n == "b.csv", max_unpacked=100) == {"b.csv": b"b" * 10}
    with pytest.raises(InputLimitError, match=r"'a\.csv' unpacks to more than 100"):
        limits.read_zip_members(p, max_unpacked=100)


def test_not_a_zip(tmp_path):
    with pytest.raises(InputLimitError, match="not a valid zip"):
        limits.read_zip_members(b"PK\x03\x04 not really", name="x.zip")


def test_xlsx_bomb_refused_before_openpyxl(bomb, tmp_path, monkeypatch):
    """A workbook is a zip: the dataset reader and the hub import check it first."""
    from citynexus.data import read
    from citynexus.hub.errors import HubImportError
    from citynexus.hub.records import read_file

    x = tmp_path / "book.xlsx"
    x.write_bytes(bomb.read_bytes())
    monkeypatch.setenv("CITYNEXUS_ZIP_MAX_UNPACKED", str(8 * MiB))
    with pytest.raises(InputLimitError, match=r"book\.xlsx: 'units\.csv' unpacks to more than 8388608"):
        read(x)
    with pytest.raises(HubImportError, match="unpacks to more than"):
        read_file(x)


def test_real_workbook_passes_the_check(tmp_path, shared_data):
    from citynexus.data import read, write

    ds = read(shared_data / "asem") if (shared_data / "asem" / "units.csv").exists() else None
    if ds is None:
        from citynexus.data.bundled import load

        ds = load("gba")
    x = tmp_path / "ds.xlsx"
    write(ds, x)
    assert 0 < limits.check_xlsx(x) < 256 * MiB
    assert len(read(x).units) == len(ds.units)


def test_limits_from_environment(monkeypatch):
    monkeypatch.setenv("CITYNEXUS_JSON_MAX_DEPTH", "5")
    assert limits.limits().json_max_depth == 5
    assert limits.limits(json_max_depth=7).json_max_depth == 7
    monkeypatch.setenv("CITYNEXUS_JSON_MAX_DEPTH", "deep")
    with pytest.raises(InputLimitError, match="CITYNEXUS_JSON_MAX_DEPTH='deep' is not an integer"):
        limits.limits()
    monkeypatch.setenv("CITYNEXUS_JSON_MAX_DEPTH", "0")
    with pytest.raises(InputLimitError, match="must be positive"):
        limits.limits()


# ----------------------------------------------------------------------------- JSON


def test_20000_levels_is_a_clear_error_not_recursion():
    text = "[" * 20000 + "]" * 20000
    with pytest.raises(InputLimitError, match=r"request\.json: JSON nested 20000 levels deep; the limit is 64"):
        limits.loads(text, source="request.json")
    obj = {"a": None}
    cur = obj
    for _ in range(20000):
        cur["a"] = {"a": None}
        cur = cur["a"]
    with pytest.raises(InputLimitError, match="more than 64 levels"):
        limits.check_depth(obj)


def test_hub_import_of_deep_json_is_a_problem_on_its_line(tmp_path):
    from citynexus.hub.records import read_jsonl

    p = tmp_path / "deep.jsonl"
    p.write_text('{"type": "organization"}\n' + '{"a": ' * 20000 + "1" + "}" * 20000 + "\n", encoding="utf-8")
    parsed = read_jsonl(p)
    deep = [pr for pr in parsed.problems if pr.line == 2]
    assert deep and "nested 20000 levels deep" in deep[0].problem


def test_hub_import_refuses_duplicate_keys(tmp_path):
    from citynexus.hub.records import read_jsonl

    p = tmp_path / "dup.jsonl"
    p.write_text('{"type": "organization", "id": "A", "id": "B"}\n', encoding="utf-8")
    parsed = read_jsonl(p)
    assert not parsed.records
    assert any("duplicate key 'id'" in pr.problem and pr.line == 1 for pr in parsed.problems)


def test_duplicate_keys_refused_at_any_depth():
    with pytest.raises(InputLimitError, match="duplicate key 'v'"):
        limits.loads('{"v": 1, "v": 2}')
    with pytest.raises(InputLimitError, match=r"bundle\.json: duplicate key 'payload'"):
        limits.loads('{"entry": {"payload": "forged", "payload": "real"}}', source="bundle.json")
    assert limits.loads('[{"v": 1}, {"v": 2}]') == [{"v": 1}, {"v": 2}]


def test_brackets_inside_strings_do_not_count():
    assert limits.text_depth('{"a": "[[[[[[[[", "b": "\\"[[[\\\\"}') == 1
    assert limits.loads('{"a": "' + "[" * 1000 + '"}') == {"a": "[" * 1000}
    assert limits.text_depth("42") == 0 and limits.text_depth("[]") == 1 and limits.text_depth("[[1],{}]") == 2


def test_size_limit_and_syntax_errors():
    with pytest.raises(InputLimitError, match="JSON text of 12 bytes is larger than the limit of 10"):
        limits.loads('"0123456789"', max_bytes=10)
    with pytest.raises(JSONSyntaxError, match="invalid JSON: Expecting value at line 1 column 6"):
        limits.loads('{"a":}')
    with pytest.raises(JSONSyntaxError, match="NaN is not JSON"):
        limits.loads('{"a": NaN}')
    with pytest.raises(JSONSyntaxError, match="not UTF-8"):
        limits.loads(b'"\xff"')
    assert limits.loads(b'\xef\xbb\xbf{"a": "\xe5\x90\x8d"}') == {"a": "名"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:名'),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=3), children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_text_depth_equals_depth_of_parsed_value(value):
    """Invariant: the pre-parse depth of the text is the depth of the value it encodes, and
    loads is json.loads on every text within the limits."""
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False, indent=1)):
        assert limits.text_depth(text) == limits.check_depth(value, max_depth=10_000)
        assert limits.loads(text) == value
