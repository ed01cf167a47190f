"""Options that many commands share, declared once.

typer reads the ``typer.Option`` in an ``Annotated`` type, so a command writes
``db: DbOpt = None`` and gets the same flag, type and help text as every other command.
The help texts here are the ones ``--help`` prints for each of these options.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

#: Where the database is when ``--db`` is not given (see :func:`citynexus.store.default_url`).
DB_HELP = (
    "Database: SQLAlchemy URL or SQLite file path (default: $CITYNEXUS_DB, else citynexus.db in the user data "
    "directory)."
)

#: ``--db URL``: the database to read or write.
DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP)]
#: ``--json``: print the answer as JSON instead of the human-readable output.
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
#: ``--lang en|zh``: the language of what a command prints (tables, labels, messages).
LangOpt = Annotated[str, typer.Option("--lang", help="Language of the output: en or zh.")]


#: The sentence a group that opens the database adds to its help.
DB_SENTENCE = (
    "The database is --db URL (an SQLAlchemy URL or an SQLite file path), else $CITYNEXUS_DB, else citynexus.db in "
    "your user data directory."
)


def command_group(help: str, *, database: bool = False, **kwargs: Any) -> typer.Typer:
    """A group of commands (``citynexus hub ...``): without a command it prints its help; with
    ``database`` its help ends with where the database is (:data:`DB_SENTENCE`). ``kwargs`` go to
    :class:`typer.Typer` (``rich_markup_mode``...)."""
    text = f"{help}\n\n{DB_SENTENCE}" if database else help
    return typer.Typer(help=text, no_args_is_help=True, **kwargs)


def print_json(obj: Any, *, indent: int | None = 2, default: Any = None) -> None:
    """Print ``obj`` as JSON on stdout, non-ASCII characters as they are (Chinese stays readable).

    A plain ``print``, not rich: rich would re-wrap long lines and colour the text, and the
    output is meant for other programs.
    """
    print(json.dumps(obj, ensure_ascii=False, indent=indent, default=default))
