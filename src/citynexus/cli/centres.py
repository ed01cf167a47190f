"""``citynexus centres``: SME technology service network — import, route, record, performance, fund."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citynexus.centres.errors import CentresError
from citynexus.cli._options import DB_HELP, DbOpt, JsonOpt, LangOpt, command_group, print_json
from citynexus.cli.common import console, err_console

app = command_group(
    "SME technology service network (中小企业技术服务网络): centres, request routing with referrals, "
    "service records on the ledger, centre performance and performance-linked funding.",
    database=True,
)


@app.command("route")
def route(
    requests: Path = typer.Argument(..., help="SME requests, JSON Lines {id, sme, city, text}."),
    centres: Path = typer.Option(..., "--centres", help="Centres, JSON Lines {id, name, name_zh, city, fields, ...}."),
    top: int = typer.Option(3, "--top", help="Centres listed per request.", min=1),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid (default), bm25 or dense."),
    no_referrals: bool = typer.Option(False, "--no-referrals", help="Matcher ranking only (no clause referrals)."),
    json_out: JsonOpt = False,
) -> None:
    """Rank centres for every request (hub hybrid matcher), with reasons, a referral when the
    problem spans fields and a team for a cross-disciplinary case. Works from the two files alone."""
    from citynexus.services.centres import route_files

    out = route_files(requests, centres, top=top, mode=mode, referrals=not no_referrals)
    if json_out:
        print_json(out)
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
    json_out: JsonOpt = False,
) -> None:
    """Score routing on the bundled labelled bilingual set: hybrid vs BM25-only vs dense-only."""
    from citynexus.services.centres import evaluate_routing

    with err_console.status("loading the sentence encoder ..."):
        res = evaluate_routing()
    if json_out:
        print_json(res)
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
    records: Path | None = typer.Argument(
        None,
        help="Records CSV: centre,sme,period,confirmed,rating[,confirmed_by,outcome,affiliated]. "
        "Without it, the records stored in --db are used.",
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
    lang: LangOpt = "en",
    json_out: JsonOpt = False,
) -> None:
    """Allocate a budget over centres by a TOML formula; only SME-confirmed records count, repeats of
    one SME in a period count once, self-confirmed and affiliate records are flagged and not counted."""
    from citynexus.services.centres import fund_file

    if records is None and db is None:
        raise CentresError("give a records CSV or --db (the stored, ledger-verified records)")
    out = fund_file(records, budget, formula, compare_with, centres, sensitivity, db)
    if json_out:
        print_json(out)
        return
    from rich.table import Table

    from citynexus.i18n import t as tr

    if lang not in ("en", "zh"):
        raise CentresError(f"--lang must be en or zh, got {lang!r}")
    t = Table(
        header_style="bold",
        title=f"{tr('centres_allocation_of', lang)} {out['budget']:,.2f} ({out['formula']['name']})",
        title_justify="left",
    )
    numeric = ("centres_amount", "centres_vs_fixed", "centres_smes", "centres_services")
    # the explanations are composed in English; the Chinese table leaves them out (no mixed languages)
    cols = ("centres_centre", *numeric) + (("centres_explanation",) if lang == "en" else ())
    for key in cols:
        t.add_column(tr(key, lang), justify="right" if key in numeric else "left", overflow="fold")
    for r in out["allocations"]:
        cells = [
            r["centre"],
            f"{r['amount']:,.2f}",
            f"{r['vs_fixed_grant']:+,.2f}",
            f"{r['metrics']['distinct_smes']:g}",
            f"{r['metrics']['confirmed_services']:g}",
        ]
        t.add_row(*cells, *([r["explanation"]] if lang == "en" else []))
    console.print(t)
    s = out["summary"]
    console.print(
        f"{tr('centres_sum', lang)} {s['sum']:,.2f}; {tr('centres_flagged', lang)} {s['flagged_records']}, "
        f"{tr('centres_excluded', lang)} {s['excluded_records']}"
    )
    if "comparison" in out:
        cmp_ = out["comparison"]
        ct = Table(header_style="bold", title=f"{cmp_['a']} vs {cmp_['b']}", title_justify="left")
        for c in ("centre", cmp_["a"], cmp_["b"], "difference", "fixed grant"):
            ct.add_column(c, justify="left" if c == "centre" else "right")
        for r in cmp_["rows"]:
            ct.add_row(
                r["centre"],
                f"{r[cmp_['a']]:,.2f}",
                f"{r[cmp_['b']]:,.2f}",
                f"{r['difference']:+,.2f}",
                f"{r['fixed_grant']:,.2f}",
            )
        console.print(ct)
    if "sensitivity" in out:
        st_ = Table(
            header_style="bold", title="sensitivity to the formula's weights (Sobol total index)", title_justify="left"
        )
        names = list(out["sensitivity"]["centres"][0]["ST"]) if out["sensitivity"]["centres"] else []
        for c in ("centre", "nominal", "5%", "95%", *names):
            st_.add_column(c, justify="left" if c == "centre" else "right")
        for r in out["sensitivity"]["centres"]:
            st_.add_row(
                r["centre"],
                f"{r['nominal']:,.2f}",
                f"{r['p05']:,.2f}",
                f"{r['p95']:,.2f}",
                *(f"{r['ST'][k]:.2f}" for k in names),
            )
        console.print(st_)
    for e in out["excluded"]:
        if e["flagged"]:
            detail = e["detail"] if lang == "en" else tr(f"centres_rule_{e['rule']}", lang)
            console.print(
                f"  {tr('centres_flagged', lang)} #{e['row']}: {e['centre']} / {e['sme']}: {detail}", highlight=False
            )


@app.command("import")
def import_(
    centres: Path = typer.Argument(..., help="Centres, JSON Lines (the word 'demo': the synthetic demo network)."),
    requests: Path | None = typer.Option(None, "--requests", help="SME requests, JSON Lines."),
    db: DbOpt = None,
) -> None:
    """Store centres (and requests); all-or-nothing, every problem listed with line and field."""
    from citynexus.services.centres import import_files

    res = import_files(centres, requests, db)
    console.print(f"stored {res['centres']} centres and {res['requests']} requests", highlight=False)


record_app = command_group(
    "Service records: open, accept, deliver, confirm (delivery and confirmation go to the ledger).", database=True
)
app.add_typer(record_app, name="record")


AS_HELP = (
    "Organisation the step is done for (default: the SME for open/confirm, the centre for accept/deliver). "
    "Checked like an API key of that organisation: only the centre accepts and delivers, only the SME confirms."
)


#: ``--as ORG``: the organisation a record step is done for.
AsOpt = Annotated[str | None, typer.Option("--as", help=AS_HELP)]


def _step(action: str, record: str | None, acting_as: str | None, db: str | None, **kw) -> dict:
    from citynexus.services.centres import command_line_principal, record_action

    who = command_line_principal(db, action, record, acting_as, **kw)
    return record_action(db, who, action, record, **kw)


@record_app.command("open")
def record_open(
    centre: str = typer.Argument(..., help="Centre id."),
    sme: str | None = typer.Option(None, "--sme", help="SME id (or --request)."),
    request: str | None = typer.Option(None, "--request", help="Stored request id."),
    period: str | None = typer.Option(None, "--period", help="Funding period (default: the year)."),
    referred_from: str | None = typer.Option(None, "--referred-from", help="Centre that referred the SME."),
    acting_as: AsOpt = None,
    db: DbOpt = None,
) -> None:
    """Open a service record (status requested); prints its id."""
    out = _step(
        "open", None, acting_as, db, centre=centre, sme=sme, request=request, period=period, referred_from=referred_from
    )
    print(out["record"])


@record_app.command("accept")
def record_accept(record: str, acting_as: AsOpt = None, db: DbOpt = None) -> None:
    """The centre accepts the request."""
    _step("accept", record, acting_as, db)
    console.print(f"{record} accepted")


@record_app.command("deliver")
def record_deliver(record: str, acting_as: AsOpt = None, db: DbOpt = None) -> None:
    """The centre reports the service delivered (appended to the ledger)."""
    out = _step("deliver", record, acting_as, db)
    console.print(f"{record} delivered; ledger entry {out['ledger_entry']}")


@record_app.command("confirm")
def record_confirm(
    record: str,
    rating: int = typer.Option(..., "--rating", help="The SME's rating, 1-5."),
    outcome: str | None = typer.Option(
        None, "--outcome", help="technology_adopted, certification_passed or cost_saved."
    ),
    acting_as: str | None = typer.Option(None, "--as", "--by", help=AS_HELP + " Anyone but the SME is refused."),
    db: DbOpt = None,
) -> None:
    """The SME confirms the service with a rating and an outcome (appended to the ledger)."""
    out = _step("confirm", record, acting_as, db, rating=rating, outcome=outcome)
    console.print(f"{record} confirmed; ledger entry {out['ledger_entry']}")


@record_app.command("list")
def record_list(
    centre: str | None = typer.Option(None, "--centre"),
    period: str | None = typer.Option(None, "--period"),
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Service records with their ledger verification."""
    from citynexus.centres.lifecycle import ServiceBook

    book = ServiceBook(db)
    rows = book.records(centre, period)
    head = book.head()
    for r in rows:
        r["verified"], r["verification"] = book.verify(r, head)
    if json_out:
        print_json(rows)
        return
    for r in rows:
        console.print(
            f"{r['id']} {r['centre']} <- {r['sme']} {r['period']} {r['status']} "
            f"rating={r['rating']} outcome={r['outcome']}: {r['verification']}",
            highlight=False,
        )


@app.command("performance")
def performance(
    db: DbOpt = None,
    year: int | None = typer.Option(None, "--year", help="Year of the index (default: the latest with records)."),
    samples: int | None = typer.Option(None, "--samples", help="Replications of the rank uncertainty (spec: 300)."),
    json_out: JsonOpt = False,
) -> None:
    """Centre performance per year, the composite performance index (evaluation engine, spec in
    citynexus/centres/specs/performance.toml) with 5-95% rank intervals, and the referral network."""
    from citynexus.services.centres import performance_report

    with err_console.status("computing the index and its rank uncertainty ..."):
        out = performance_report(db, year, samples)
    if json_out:
        print_json(out)
        return
    from rich.table import Table

    ind = {r["centre"]: r for r in out["indicators"] if r["year"] == out["year"]}
    t = Table(header_style="bold", title=f"centre performance index {out['year']}", title_justify="left")
    for c in (
        "rank",
        "centre",
        "score",
        "rank 5-95%",
        "SMEs",
        "services",
        "rating",
        "resp. h",
        "ref. given",
        "ref. taken",
    ):
        t.add_column(c, justify="left" if c == "centre" else "right")

    def f(v, fmt="{:.1f}"):
        return "" if v is None else fmt.format(v)

    for r in out["index"]:
        i = ind.get(r["centre"], {})
        t.add_row(
            f(r["rank"], "{:g}"),
            r["centre"],
            f(r["score"]),
            f"{f(r['rank_q05'], '{:.0f}')}-{f(r['rank_q95'], '{:.0f}')}",
            f(i.get("distinct_smes"), "{:g}"),
            f(i.get("confirmed_services"), "{:g}"),
            f(i.get("mean_rating"), "{:.2f}"),
            f(i.get("response_hours")),
            f(i.get("referrals_given"), "{:g}"),
            f(i.get("referrals_taken"), "{:g}"),
        )
    console.print(t)
    cen = sorted(out["network"]["centrality"], key=lambda r: -(r.get("betweenness") or 0))[:3]
    if cen:
        console.print(
            "most central in the referral network (betweenness): "
            + ", ".join(f"{r['centre']} {r['betweenness']:.3f}" for r in cen)
        )
    console.print(f"{len(out['network']['gaps'])} pairs of fields with no referral between them")


@app.command("demo")
def demo(
    out: Path = typer.Option(
        Path("centres-demo"), "--out", help="Folder for centres.jsonl, requests.jsonl, records.csv."
    ),
) -> None:
    """Write the SYNTHETIC demo network as files (store it with `citynexus centres import demo`)."""
    from citynexus.centres.demo import write_demo

    paths = write_demo(out)
    for k, p in paths.items():
        console.print(f"{k}: {p} (synthetic)", highlight=False)
