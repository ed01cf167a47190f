"""The options every command group shares (``cli/_options.py``): one flag, one type, one help text."""

from __future__ import annotations

import json

import pytest
import typer

from citynexus.cli._options import DB_HELP, print_json
from citynexus.cli.main import app


def _commands(cmd, path=()):
    """(path, command) of every leaf command of the click tree."""
    subs = getattr(cmd, "commands", None)
    if subs is None:
        yield path, cmd
        return
    for name, sub in sorted(subs.items()):
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def _options(flag: str):
    for path, cmd in COMMANDS:
        for p in cmd.params:
            if flag in getattr(p, "opts", ()):
                yield " ".join(path), p


def test_the_tree_is_walked():
    names = {p for p, _ in COMMANDS}
    assert {("agree", "check"), ("cases", "tag"), ("watch", "changepoints"), ("admin", "create-key")} <= names
    assert len(COMMANDS) > 60


def test_every_db_option_says_the_same_about_the_database():
    found = list(_options("--db"))
    assert len(found) > 40
    for where, p in found:
        # the shared text, or (index build --publish) one naming the same default
        assert p.help.startswith(DB_HELP) or "$CITYNEXUS_DB" in p.help, where
        assert p.default is None and not p.required, where


def test_every_json_option_is_a_flag_that_is_off_by_default():
    found = list(_options("--json"))
    assert len(found) > 30
    for where, p in found:
        assert p.is_flag, where
        # a plain --json is off by default; only a --json/--no-json switch may start on (agree compliance)
        assert p.default is False or p.secondary_opts == ["--no-json"], where
        assert p.help and p.help.startswith("Print"), where


def test_the_pinned_json_commands_keep_their_flag():
    pinned = {"agree check", "watch changepoints", "centres route", "centres fund", "cases tag", "cases list"}
    assert pinned | {"admin audit"} <= {where for where, _ in _options("--json")}


def test_lang_options_default_to_english():
    for where, p in _options("--lang"):
        assert p.default in ("en", None), where


def test_print_json_keeps_chinese_readable_and_is_plain(capsys):
    print_json({"city": "广州", "n": 1})
    out = capsys.readouterr().out
    assert json.loads(out) == {"city": "广州", "n": 1}
    assert "广州" in out and "\\u" not in out and "\x1b" not in out  # no escapes, no colour codes
    print_json([1, 2], indent=None)
    assert capsys.readouterr().out == "[1, 2]\n"


def test_print_json_refuses_what_json_cannot_hold_unless_told(capsys):
    import datetime as dt

    with pytest.raises(TypeError):
        print_json({"when": dt.date(2026, 1, 2)})
    print_json({"when": dt.date(2026, 1, 2)}, default=str)
    assert json.loads(capsys.readouterr().out) == {"when": "2026-01-02"}
