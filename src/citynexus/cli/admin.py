"""``citynexus admin``: API keys for the REST API and dashboard uploads."""

from __future__ import annotations

import typer
from rich.table import Table

from citynexus.cli.common import console

app = typer.Typer(
    help="Administer the service: API keys for writes through the REST API.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

DB_HELP = "Database URL or SQLite file (default: $CITYNEXUS_DB or citynexus.db in the user data folder)."


@app.command("create-key")
def create_key(
    name: str = typer.Argument(..., help="Who or what will use the key, e.g. 'planning-office'."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from citynexus.services.keys import create_key as make
    from citynexus.store import get_engine

    key = make(get_engine(db), name)
    console.print(key, highlight=False, soft_wrap=True)
    console.print("[dim]Send it as header 'X-API-Key'. It is not shown again.[/]", style="dim")


@app.command("list-keys")
def list_keys(db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """List API keys (name, prefix, created, revoked)."""
    from citynexus.services.keys import list_keys as keys
    from citynexus.store import get_engine

    t = Table(header_style="bold")
    for c in ("prefix", "name", "created", "revoked"):
        t.add_column(c)
    for k in keys(get_engine(db)):
        t.add_row(k.prefix, k.name, k.created.strftime("%Y-%m-%d %H:%M"), "yes" if k.revoked else "")
    console.print(t)


@app.command("revoke-key")
def revoke_key(
    prefix: str = typer.Argument(..., help="The key's prefix (the part after 'cnx_')."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Revoke an API key so it can no longer write."""
    from citynexus.services.keys import revoke_key as revoke
    from citynexus.store import get_engine

    revoke(get_engine(db), prefix)
    console.print(f"revoked key {prefix}")
