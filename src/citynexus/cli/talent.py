"""``citynexus talent``: talent profiles and positions, matched both ways (hub matcher + talent constraints)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from citynexus.centres.errors import CentresError
from citynexus.cli._options import DbOpt, JsonOpt, command_group
from citynexus.cli.common import console, err_console

app = command_group(
    "Talent matching (人才匹配): talent profiles and positions/projects, matched both ways in Chinese and "
    "English with hard constraints (city, language, work permit, level) and reasons.",
    database=True,
)


@app.command("import")
def import_(
    file: str = typer.Argument(..., help="JSON Lines of talent and position records; 'demo' = synthetic demo."),
    db: DbOpt = None,
) -> None:
    """Store talent profiles and positions (all-or-nothing, every problem with line and field)."""
    from citynexus.services.centres import import_talent

    n = import_talent(file, db)
    console.print(f"stored {n['talents']} talent profiles and {n['positions']} positions")


@app.command("match")
def match(
    position: str | None = typer.Option(None, "--position", help="Talents for this position id."),
    talent: str | None = typer.Option(None, "--talent", help="Positions for this talent id."),
    file: Path | None = typer.Option(None, "--file", help="Match from this JSON Lines file instead of --db."),
    top: int = typer.Option(5, "--top", min=1),
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Match one position to talents (--position) or one talent to positions (--talent)."""
    from citynexus.services.centres import match_talent

    if (position is None) == (talent is None):
        raise CentresError("give exactly one of --position or --talent")
    with err_console.status("loading the sentence encoder ..."):
        out = match_talent(position=position, talent=talent, file=file, db=db, top=top)
    if json_out:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for r in out:
        key = r.get("talent") or r.get("position")
        console.print(f"[bold]{key}[/] {r['score']:.3f}: {r['reasons']['summary']}", highlight=False)
    if not out:
        console.print("no match meets the hard constraints")
