"""``citynexus centres``: SME technology service network — import, route, record, performance, fund."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from citynexus.cli.common import console, err_console

app = typer.Typer(
    help="SME technology service network (中小企业技术服务网络): centres, request routing with referrals, "
    "service records on the ledger, centre performance and performance-linked funding.",
    no_args_is_help=True,
)

DB_HELP = "Database: SQLAlchemy URL (sqlite:///c.db, postgresql://...) or SQLite file path. Default: $CITYNEXUS_DB."


def _dump(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


@app.command("route")
def route(
    requests: Path = typer.Argument(..., help="SME requests, JSON Lines {id, sme, city, text}."),
    centres: Path = typer.Option(..., "--centres", help="Centres, JSON Lines {id, name, name_zh, city, fields, ...}."),
    top: int = typer.Option(3, "--top", help="Centres listed per request.", min=1),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid (default), bm25 or dense."),
    no_referrals: bool = typer.Option(False, "--no-referrals", help="Matcher ranking only (no clause referrals)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Rank centres for every request (hub hybrid matcher), with reasons, a referral when the
    problem spans fields and a team for a cross-disciplinary case. Works from the two files alone."""
    from citynexus.services.centres import route_files

    out = route_files(requests, centres, top=top, mode=mode, referrals=not no_referrals)
    if json_out:
        _dump(out)
        return
    for r in out:
        line = f"[bold]{r['request']}[/] ({r['lang']}): " + " > ".join(r["centres"])
        console.print(line, highlight=False)
        if r["ranking"]:
            console.print(f"   why {r['ranking'][0]['centre']}: {r['ranking'][0]['reasons'].get('summary', '')}")
        if r["referral"]:
            console.print(f"   referral -> {r['referral']['centre']}: {r['referral']['reason']}", highlight=False)
        if r["team"]:
            console.print("   team: " + ", ".join(f"{t['centre']} ({t['role']})" for t in r["team"]))


@app.command("evaluate")
def evaluate(
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Score routing on the bundled labelled bilingual set: hybrid vs BM25-only vs dense-only."""
    from citynexus.services.centres import evaluate_routing

    with err_console.status("loading the sentence encoder ..."):
        res = evaluate_routing()
    if json_out:
        _dump(res)
        return
    from rich.table import Table

    t = Table(header_style="bold", title="routing on the labelled set (top-1, MRR, recall@3)", title_justify="left")
    for c in ("system", "subset", "n", "top1", "mrr", "recall@3"):
        t.add_column(c, justify="right" if c not in ("system", "subset") else "left")
    for r in res["rows"]:
        t.add_row(r["system"], r["subset"], str(r["n"]), f"{r['top1']:.3f}", f"{r['mrr']:.3f}", f"{r['recall@3']:.3f}")
    console.print(t)
    console.print(f"referrals: {res['referrals']}")


@app.command("fund")
def fund(
    records: Path = typer.Argument(
        ..., help="Records CSV: centre,sme,period,confirmed,rating[,confirmed_by,outcome,affiliated]."
    ),
    budget: str = typer.Option(..., "--budget", help="Budget to allocate (to the cent), e.g. 1000000."),
    formula: Path | None = typer.Option(None, "--formula", help="Funding formula TOML (default: the documented one)."),
    compare_with: Path | None = typer.Option(None, "--compare", help="Second formula TOML: scenario comparison."),
    centres: Path | None = typer.Option(
        None, "--centres", help="Centres JSON Lines: adds centres without records and their affiliates."
    ),
    sensitivity: bool = typer.Option(
        False, "--sensitivity", help="Sobol sensitivity of each amount to the formula's weights."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP + " With --db, only ledger-verified records count."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Allocate a budget over centres by a TOML formula; only SME-confirmed records count, repeats of
    one SME in a period count once, self-confirmed and affiliate records are flagged and not counted."""
    from citynexus.services.centres import fund_file

    out = fund_file(records, budget, formula, compare_with, centres, sensitivity, db)
    if json_out:
        _dump(out)
        return
    from rich.table import Table

    t = Table(
        header_style="bold",
        title=f"allocation of {out['budget']:,.2f} ({out['formula']['name']})",
        title_justify="left",
    )
    for c in ("centre", "amount", "vs fixed grant", "SMEs", "services", "explanation"):
        t.add_column(
            c, justify="right" if c in ("amount", "vs fixed grant", "SMEs", "services") else "left", overflow="fold"
        )
    for r in out["allocations"]:
        t.add_row(
            r["centre"],
            f"{r['amount']:,.2f}",
            f"{r['vs_fixed_grant']:+,.2f}",
            f"{r['metrics']['distinct_smes']:g}",
            f"{r['metrics']['confirmed_services']:g}",
            r["explanation"],
        )
    console.print(t)
    console.print(
        f"sum {out['summary']['sum']:,.2f}; {out['summary']['flagged_records']} flagged and "
        f"{out['summary']['excluded_records']} excluded records in all"
    )
    for e in out["excluded"]:
        if e["flagged"]:
            console.print(f"  flagged row {e['row']}: {e['centre']} / {e['sme']}: {e['detail']}", highlight=False)
