"""``citynexus admin``: organisations, API keys and the audit trail of the service."""

from __future__ import annotations

import json
from datetime import datetime

import typer
from rich.table import Table

from citynexus.cli._options import DbOpt, command_group
from citynexus.cli.common import console

app = command_group(
    help="Administer the service: organisations (tenants), their API keys and roles, and the audit trail.\n\n"
    "Roles: viewer (reads its organisation's private records), editor (writes its organisation's records), "
    "admin (an editor who reads the audit trail), platform (an operator: every organisation).",
    rich_markup_mode="markdown",
    database=True,
)

ROLE_HELP = "viewer, editor, admin or platform."


def _engine(db: str | None):
    from citynexus.store import get_engine

    return get_engine(db)


@app.command("create-org")
def create_org(
    code: str = typer.Argument(..., help="Short code of the organisation, e.g. 'sz-office'."),
    name: str = typer.Option(..., "--name", help="Its name."),
    name_zh: str = typer.Option(None, "--name-zh", help="Its Chinese name."),
    db: DbOpt = None,
) -> None:
    """Register an organisation (a tenant that owns records and keys)."""
    from citynexus.services.keys import create_org as make

    org = make(_engine(db), code, name, name_zh)
    console.print(f"created organisation {org.code} ({org.name})", highlight=False)


@app.command("list-orgs")
def list_orgs(db: DbOpt = None) -> None:
    """List organisations."""
    from citynexus.services.keys import list_orgs as orgs

    t = Table(header_style="bold")
    for c in ("code", "name", "name (zh)", "created"):
        t.add_column(c)
    for o in orgs(_engine(db)):
        t.add_row(o.code, o.name, o.name_zh or "", o.created.strftime("%Y-%m-%d %H:%M"))
    console.print(t)


@app.command("create-key")
def create_key(
    name: str = typer.Argument(..., help="Who or what will use the key, e.g. 'planning-office'."),
    org: str = typer.Option(None, "--org", help="The organisation's code (default: the local organisation)."),
    role: str = typer.Option("admin", "--role", help=ROLE_HELP),
    db: DbOpt = None,
) -> None:
    """Create an API key and print it once, as the last line (only its hash is stored)."""
    from citynexus.services.keys import create_key as make

    key = make(_engine(db), name, org=org, role=role)
    article = "An" if role[:1] in "aeiou" else "A"
    console.print(
        f"[dim]{article} {role} key of organisation {org or 'local'}. "
        "Send it as header 'X-API-Key'; it is not shown again.[/]"
    )
    print(key, flush=True)


@app.command("list-keys")
def list_keys(
    org: str = typer.Option(None, "--org", help="Only this organisation's keys."),
    db: DbOpt = None,
) -> None:
    """List API keys (prefix, name, organisation, role, created, revoked)."""
    from citynexus.services.keys import list_keys as keys

    t = Table(header_style="bold")
    for c in ("prefix", "name", "organisation", "role", "created", "revoked"):
        t.add_column(c)
    for k in keys(_engine(db), org):
        t.add_row(k.prefix, k.name, k.org, k.role, k.created.strftime("%Y-%m-%d %H:%M"), "yes" if k.revoked else "")
    console.print(t)


@app.command("revoke-key")
def revoke_key(
    prefix: str = typer.Argument(..., help="The key's prefix (the part after 'cnx_')."),
    db: DbOpt = None,
) -> None:
    """Revoke an API key so it can no longer be used."""
    from citynexus.services.keys import revoke_key as revoke

    revoke(_engine(db), prefix)
    console.print(f"revoked key {prefix}")


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    from citynexus.errors import CityNexusError

    try:
        return datetime.fromisoformat(value)
    except ValueError as err:
        raise CityNexusError(f"--since {value!r} is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM") from err


@app.command("audit")
def audit(
    org: str = typer.Option(None, "--org", help="Only events of this organisation."),
    since: str = typer.Option(None, "--since", help="Only events from this date (YYYY-MM-DD[THH:MM]) on."),
    limit: int = typer.Option(200, "--limit", min=1, help="At most this many (the newest)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list of events."),
    verify: bool = typer.Option(False, "--verify", help="Check the hash chain (and its ledger anchors) first."),
    db: DbOpt = None,
) -> None:
    """Show the audit trail: who (key and organisation) did what to which record, when, from where."""
    from citynexus.services import audit as trail

    eng = _engine(db)
    if verify:
        from citynexus.services.ledger import ledger_of

        n = trail.verify(eng, ledger_of(eng))
        console.print(f"[green]audit trail verifies[/]: {n} events, hash chain intact", highlight=False)
    events = trail.events(eng, org=org, since=_since(since), limit=limit)
    if as_json:
        print(json.dumps([e.to_json() for e in events], ensure_ascii=False, indent=2))
        return
    t = Table(header_style="bold")
    for c in ("#", "time (UTC)", "organisation", "key", "action", "target", "from"):
        t.add_column(c)
    for e in events:
        t.add_row(str(e.id), e.time[:19], e.org, e.key_name, e.action, f"{e.target_type} {e.target_id}", e.client or "")
    console.print(t)
    if not events:
        console.print("[dim]no events[/]")
