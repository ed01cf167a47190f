"""``--out`` is checked before the work starts, for every analysis command that writes: a
wrong output is refused (one line, exit 1) even when the data would fail later, and nothing
is written."""

from __future__ import annotations

import pytest

from tests._cli import folded, run_main


def run(argv, capsys):
    code, out, err = run_main(argv, capsys)
    return code, out, folded(err)


@pytest.fixture
def afile(tmp_path):
    f = tmp_path / "taken.txt"
    f.write_text("x", encoding="utf-8")
    return f


CASES = [
    (["index", "build", "--data", "no-such-data", "--out", "{file}"], "is a file"),
    (["index", "stats", "--data", "no-such-data", "--out", "{dir}"], "is a folder"),
    (["index", "stats", "--data", "no-such-data", "--out", "{tmp}/s.txt"], "must end in .csv"),
    (["index", "compare", "a", "b", "--out", "{tmp}/c.xlsx"], "must end in .csv"),
    (["index", "robust", "--data", "no-such-data", "--spec", "x.toml", "--out", "{file}"], "is a file"),
    (["region", "disparity", "no-such-data", "-v", "IND", "--out", "{tmp}/d.txt"], "must end in"),
    (["region", "convergence", "no-such-data", "-v", "IND", "--out", "{dir}"], "must end in"),
    (["region", "convergence", "no-such-data", "-v", "IND", "--kde", "{tmp}/k.txt"], "--kde must end in"),
    (["region", "spatial", "no-such-data", "-v", "IND", "--out", "{file}/x.csv"], "is a file, not a folder"),
    (["region", "obstacles", "no-such-data", "--out", "{tmp}/o.parquet"], "must end in"),
    (["region", "coupling", "no-such-data", "--plot", "{tmp}/p.txt"], "--plot must end in"),
    (["data", "convert", "no-such-data", "{file}"], "is a file"),
    (["data", "show", "no-such-data", "--out", "{tmp}/t.json"], "must end in .csv, .xlsx"),
    (["network", "gravity", "--data", "no-such-data", "--mass", "gdp", "--out", "{file}"], "is a file"),
]


@pytest.mark.parametrize(("argv", "expected"), CASES, ids=[" ".join(c[0][:2]) + f" {i}" for i, c in enumerate(CASES)])
def test_wrong_out_is_refused_first(argv, expected, tmp_path, afile, capsys):
    d = tmp_path / "adir"
    d.mkdir()
    argv = [a.format(file=afile, dir=d, tmp=tmp_path) for a in argv]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    code, _, err = run(argv, capsys)
    assert code != 0
    assert expected in err and "no-such-data" not in err and "Traceback" not in err, err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
