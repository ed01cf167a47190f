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


def main() -> None:
    """Run the CLI; CityNexusError -> one message on stderr and exit status 1."""
    try:
        app(standalone_mode=False)
    except CityNexusError as err:
        print_error(err)
        sys.exit(75 if type(err).__name__ == "StoreBusyError" else 1)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        print_error("aborted")
        sys.exit(130)
    except Exception as err:  # click usage errors (click's own, or the copy newer typer vendors); a locked database
        from citynexus.store import BUSY_HELP, is_busy

        if is_busy(err):
            print_error(BUSY_HELP)
            sys.exit(75)  # EX_TEMPFAIL: try again later
        import click

        usage: tuple[type, ...] = (click.ClickException,)
        try:
            from typer._click.exceptions import ClickException as VendoredClickException

            usage += (VendoredClickException,)
        except ImportError:  # typer that uses click itself
            pass
        if isinstance(err, usage):
            err.show()
            sys.exit(err.exit_code)
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
