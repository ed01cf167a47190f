"""Entry point of the ``citynexus`` command.

Each command group lives in its own module ``citynexus.cli.<group>`` exposing ``app`` (a
``typer.Typer``); the groups listed in ``GROUPS`` are attached when their module exists.
Errors derived from :class:`~citynexus.errors.CityNexusError` print one clear message and
exit with status 1, without a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import typer

from citynexus import __version__
from citynexus.cli.common import console, print_error
from citynexus.errors import CityNexusError

#: (group name, module) of every command group.
GROUPS: tuple[tuple[str, str], ...] = (
    ("data", "citynexus.cli.data"),
    ("index", "citynexus.cli.index"),
    ("region", "citynexus.cli.region"),
    ("network", "citynexus.cli.network"),
    ("hub", "citynexus.cli.hub"),
    ("agree", "citynexus.cli.agree"),
    ("ledger", "citynexus.cli.ledger"),
    ("cases", "citynexus.cli.cases"),
    ("admin", "citynexus.cli.admin"),
    ("db", "citynexus.cli.db"),
    ("centres", "citynexus.cli.centres"),
    ("talent", "citynexus.cli.talent"),
    ("watch", "citynexus.cli.watch"),
)

app = typer.Typer(
    name="citynexus",
    help="Evaluate, connect and coordinate city clusters (城市群评估、协作与协调).\n\n"
    "Data sets are given by path (a folder of CSV files, an .xlsx workbook or a folder of Parquet "
    "files) or by the name of a bundled dataset such as 'gba' (synthetic demo data).",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        console.print(f"citynexus {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """citynexus: composite indices, regional analytics, cooperation hub, verifiable ledger."""


for _name, _module in GROUPS:
    if importlib.util.find_spec(_module) is not None:
        _mod = importlib.import_module(_module)
        app.add_typer(_mod.app, name=_name)

# single commands live in citynexus.cli.commands
importlib.import_module("citynexus.cli.commands").register(app)


def _click_exceptions() -> tuple[type[BaseException], ...]:
    """Click's exception base classes: the copy newer typer vendors and, when installed, click
    itself (older typer uses it)."""
    found: list[type[BaseException]] = []
    try:
        from typer._click.exceptions import ClickException

        found.append(ClickException)
    except ImportError:  # pragma: no cover - a typer that uses click itself
        pass
    try:
        import click

        found.append(click.ClickException)
    except ImportError:  # pragma: no cover - click is optional beside typer's copy
        pass
    return tuple(found)


def usage_line(err: BaseException) -> str:
    """One line for a click usage error: what was wrong, where, and how to get help.

    ``No such option: --lang`` becomes ``citynexus data show: No such option: --lang.
    Try 'citynexus data show --help'.``
    """
    msg = err.format_message() if hasattr(err, "format_message") else str(err)
    msg = " ".join(str(msg).split())  # one line, whatever click put in it
    ctx = getattr(err, "ctx", None)
    if ctx is not None:
        path = ctx.command_path
        return f"{path}: {msg.rstrip('.')}. Try '{path} --help'."
    return msg


def main(argv: list[str] | None = None) -> None:
    """Run the CLI. Every failure a person can cause ends in one line on stderr and a
    non-zero exit status, never a traceback:

    - :class:`~citynexus.errors.CityNexusError` -> its message (a table for dataset
      validation problems), status 1;
    - a usage error (unknown option or command, bad or missing value) -> one line naming the
      command and the option, status 2;
    - a file that cannot be read or written -> one line, status 1;
    - anything else is a defect: one line asking for a report, status 70 (the traceback is
      shown only with ``CITYNEXUS_DEBUG=1``).
    """
    import os

    try:
        from typer._click.exceptions import NoArgsIsHelpError
    except ImportError:  # pragma: no cover - a typer that uses click itself
        from click.exceptions import NoArgsIsHelpError

    click_errors = _click_exceptions()
    try:
        app(args=argv, prog_name="citynexus", standalone_mode=False)
    except CityNexusError as err:
        print_error(err)
        sys.exit(75 if type(err).__name__ == "StoreBusyError" else 1)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        print_error("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        print_error("interrupted")
        sys.exit(130)
    except NoArgsIsHelpError as err:  # a group called without a command: its help, as asked
        console.print(err.format_message(), highlight=False, markup=False)
        sys.exit(2)
    except click_errors as err:
        print_error(usage_line(err))
        sys.exit(getattr(err, "exit_code", 2) or 2)
    except OSError as err:
        if os.environ.get("CITYNEXUS_DEBUG"):
            raise
        where = f" ({err.filename})" if getattr(err, "filename", None) else ""
        print_error(f"{err.strerror or err}{where}: check the path and its permissions")
        sys.exit(1)
    except Exception as err:  # a locked database, else a defect
        from citynexus.store import BUSY_HELP, is_busy

        if is_busy(err):
            print_error(BUSY_HELP)
            sys.exit(75)  # EX_TEMPFAIL: try again later
        if os.environ.get("CITYNEXUS_DEBUG"):
            raise
        print_error(
            f"internal error {type(err).__name__}: {' '.join(str(err).split())} "
            "(please report it; run again with CITYNEXUS_DEBUG=1 for the traceback)"
        )
        sys.exit(70)


if __name__ == "__main__":  # pragma: no cover
    main()
