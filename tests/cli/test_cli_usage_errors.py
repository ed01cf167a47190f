"""A usage error on the command line is one clear line on stderr and a non-zero exit, never a
traceback. Every command (enumerated from the click tree, so new groups are covered) answers
``--help`` and an unknown option that way; a set of typical wrong calls too."""

from __future__ import annotations

import pytest
import typer

from citynexus.cli.main import app
from tests._cli import run_main


def _walk(cmd, path=()):
    yield path, cmd
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        if getattr(sub, "hidden", False):
            continue
        yield from _walk(sub, (*path, name))


COMMANDS = list(_walk(typer.main.get_command(app)))
LEAVES = [p for p, c in COMMANDS if not getattr(c, "commands", None)]


def assert_one_line(code: int, out: str, err: str, argv: list[str]) -> None:
    assert code != 0, f"{argv}: exit status 0"
    assert "Traceback" not in out + err, f"{argv}: traceback\n{err}"
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, f"{argv}: {len(lines)} lines on stderr:\n{err}"
    assert lines[0].startswith("error:"), lines[0]


def test_the_tree_is_walked():
    names = {" ".join(p) for p, _ in COMMANDS}
    # the groups of GROUPS and the top-level commands are all there
    for expected in ("data show", "index build", "region coupling", "network gravity", "template", "demo", "report"):
        assert expected in names, f"{expected} missing from {sorted(names)}"
    assert len(LEAVES) > 20


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p) or "citynexus")
def test_help_of_every_command(capsys, path):
    code, out, err = run_main([*path, "--help"], capsys)
    assert code == 0, err
    assert "Traceback" not in out + err
    assert "Usage" in out
    assert err == ""


@pytest.mark.parametrize("path", LEAVES, ids=lambda p: " ".join(p))
def test_unknown_option_of_every_command(capsys, path):
    argv = [*path, "--no-such-option-xyz"]
    code, out, err = run_main(argv, capsys)
    assert_one_line(code, out, err, argv)
    assert "--no-such-option-xyz" in err
    assert " ".join(path) in err  # names the command
    assert "--help" in err  # says how to get help


def test_template_onto_an_existing_file(capsys, tmp_path):
    f = tmp_path / "mine.xlsx"
    f.write_bytes(b"precious")
    argv = ["template", str(f)]
    code, out, err = run_main(argv, capsys)
    assert_one_line(code, out, err, argv)
    assert "exists" in err and "--force" in err
    assert f.read_bytes() == b"precious"


WRONG = [
    (["data", "show", "gba", "--lang"], "--lang"),
    (["index", "build", "--period", "abc"], "--period"),
    (["index", "build"], "--data"),
    (["frobnicate"], "frobnicate"),
    (["data", "show"], "Missing"),
    (["index", "build", "--data", "gba", "--period", "1850", "--out", "OUTDIR"], "1850"),
    (["data", "show", "no-such-dataset-here"], "no-such-dataset-here"),
    (["report", "--data"], "--data"),
    (["report", "--data", "gba", "--lang", "fr"], "fr"),
    (["region", "coupling", "--subsystems", "A"], ""),
]


@pytest.mark.parametrize(("argv", "needle"), WRONG, ids=lambda a: " ".join(a) if isinstance(a, list) else "")
def test_wrong_calls(capsys, tmp_path, argv, needle):
    argv = [str(tmp_path / "out") if a == "OUTDIR" else a for a in argv]
    code, out, err = run_main(argv, capsys)
    assert_one_line(code, out, err, argv)
    assert needle in err


def test_a_defect_is_one_line_too(capsys, monkeypatch):
    import citynexus.data

    def boom(*_a, **_k):
        raise ZeroDivisionError("float division by zero\nsecond line")

    monkeypatch.setattr(citynexus.data, "open_dataset", boom)
    argv = ["data", "show", "gba"]
    code, out, err = run_main(argv, capsys)
    assert_one_line(code, out, err, argv)
    assert code == 70 and "CITYNEXUS_DEBUG" in err
