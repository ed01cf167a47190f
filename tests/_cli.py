"""Running the ``citynexus`` command in tests: in process through ``main()`` as the console
script runs it (exit code, standard output, standard error), or through the typer app with its
database in the environment."""

from __future__ import annotations

import pytest


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    """``citynexus <argv>`` through ``main()``: its exit code (0 when it returns), what it
    printed and what it wrote to standard error."""
    from citynexus.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
        raise SystemExit(0)
    out, err = capsys.readouterr()
    code = exc.value.code
    return (0 if code is None else int(code)), out, err


def folded(text: str) -> str:
    """``text`` with every run of white space (the terminal's line wrapping) as one space."""
    return " ".join(text.split())


def invoke(args: list[str], db: str):
    """``citynexus <args>`` through the typer app with ``CITYNEXUS_DB=db`` and wide lines; the
    click ``Result``."""
    from typer.testing import CliRunner

    from citynexus.cli.main import app

    return CliRunner().invoke(app, args, env={"CITYNEXUS_DB": db, "COLUMNS": "200"})
