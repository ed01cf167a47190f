"""``citynexus agree``: agreements whose terms are KPI rules (CEL) checked on reported values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from citynexus.cli._options import DbOpt, JsonOpt, LangOpt, command_group, print_json
from citynexus.cli.common import console

app = command_group(
    "Agreements (合作协议) with executable KPI terms: validate, check on reports, store, verify, graph.",
    database=True,
)

ASOF_HELP = "Evaluate as of this date (YYYY-MM-DD); periods ending later are not_due. Default: today."


def _one_line(fn):
    """Print an agreement error as exactly one line on stderr (no wrapping, no traceback)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from citynexus.agree.errors import AgreeError, ReportImportError

        try:
            return fn(*args, **kwargs)
        except ReportImportError:
            raise  # a table of every problem, printed by the CLI's main()
        except AgreeError as err:
            typer.echo("error: " + " ".join(str(err).split()), err=True)
            raise SystemExit(1) from None

    return wrapper


def _emit(text: str, out: Path | None, then: str = "") -> None:
    """Write ``text`` to ``out`` (saying so, with what to do ``then``) or print it to stdout."""
    if out:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}{then}", highlight=False)
    else:
        print(text)


def _as_of(value: str | None, option: str = "--as-of") -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        from citynexus.agree.errors import AgreeError

        raise AgreeError(f"{option} {value!r} is not a date; write YYYY-MM-DD") from None


@app.command("new")
@_one_line
def new(
    template: str = typer.Option(
        "joint-rd",
        "--template",
        "-t",
        help="joint-rd, capacity-supply, green-production, talent-training or data-verification.",
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="File to write (default: TEMPLATE.toml here)."),
    agreement_id: str | None = typer.Option(None, "--id", help="Agreement id to put in the file."),
    parties: str | None = typer.Option(None, "--parties", help="Comma-separated organization ids, in template order."),
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite an existing file."),
    list_: bool = typer.Option(False, "--list", help="List the templates and exit."),
) -> None:
    """Write a filled-in, bilingual agreement template to edit (it validates as written)."""
    from citynexus.agree.templates import TEMPLATES, write_template

    if list_:
        for k, v in TEMPLATES.items():
            console.print(f"{k:18s} {v}", highlight=False)
        return
    plist = [p.strip() for p in parties.split(",")] if parties else None
    p = write_template(template, out or Path(f"{template}.toml"), agreement_id, plist, force)
    console.print(f"wrote {p} (template {template}); edit it, then: citynexus agree validate {p}", highlight=False)


@app.command("validate")
@_one_line
def validate(
    files: list[Path] = typer.Argument(..., help="Agreement TOML files."),
    as_json: JsonOpt = False,
) -> None:
    """Check agreement files: keys, dates, parties, frequencies and that every rule compiles.
    A bad agreement exits with status 1 and one line naming the file, the term and the fix."""
    from citynexus.agree import load_agreement

    out = []
    for f in files:
        ag = load_agreement(f)
        out.append({"file": str(f), "agreement": ag.id, "terms": len(ag.terms), "ok": True})
    if as_json:
        print_json(out)
        return
    for o in out:
        console.print(f"{o['file']}: agreement {o['agreement']} is valid ({o['terms']} terms)", highlight=False)


@app.command("check")
@_one_line
def check(
    agreement: Path = typer.Argument(..., help="Agreement TOML file."),
    reports: Path | None = typer.Option(
        None, "--reports", help="Reports: CSV, .xlsx or JSON rows agreement,party,metric,period,value."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help=ASOF_HELP),
    as_json: bool = typer.Option(False, "--json", help='Print {"agreement": ID, "results": [...]} as JSON.'),
    lang: LangOpt = "en",
    risk: bool = typer.Option(
        False, "--risk", help="After the table, forecast the periods not yet due: probability of breach, lead time."
    ),
) -> None:
    """Evaluate every term and period of an agreement on a report file, from files alone (no
    database, no hub). Only rows whose agreement column is this agreement's id count."""
    from citynexus.services.agree import check_files

    if risk and as_json:
        from citynexus.agree.errors import AgreeError

        raise AgreeError("--risk prints a table after the results; it cannot be combined with --json")
    doc = check_files(agreement, reports, _as_of(as_of), risk=risk)
    if as_json:
        print_json(doc)
        return
    _print_results(doc, lang)
    if risk:
        _print_risk(doc["risk"], lang)


def _print_risk(risk: dict, lang: str) -> None:
    from rich.table import Table

    from citynexus.i18n import t

    zh = lang.startswith("zh")
    tab = Table(title=t("agree_forecast", lang), header_style="bold", title_justify="left")
    for key in ("agree_col_term", "agree_col_period", "agree_col_status", "agree_col_probability", "agree_col_lead"):
        tab.add_column(t(key, lang))
    tab.add_column(t("agree_col_explanation", lang))
    for term, cells in risk.items():
        for period, r in sorted(cells.items()):
            st = t("agree_status_at_risk" if r["at_risk"] else "agree_status_on_track", lang)
            tab.add_row(term, period, st, f"{100 * r['probability_breach']:.0f}%", str(r["lead_days"]),
                        r["explanation_zh" if zh else "explanation"])  # fmt: skip
    console.print(tab if risk else t("agree_risk_none", lang))


def _print_results(doc: dict, lang: str) -> None:
    from rich.table import Table

    from citynexus.i18n import t

    zh = lang.startswith("zh")
    tab = Table(title=f"{doc['agreement']} @ {doc['as_of']}", header_style="bold", title_justify="left")
    for key in ("agree_col_term", "agree_col_period", "agree_col_status", "agree_col_explanation"):
        tab.add_column(t(key, lang))
    counts: dict[str, int] = {}
    for r in doc["results"]:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
        tab.add_row(
            r["term"], r["period"], t(f"agree_status_{r['status']}", lang), r["explanation_zh" if zh else "explanation"]
        )
    console.print(tab)
    console.print(", ".join(f"{t(f'agree_status_{k}', lang)}: {v}" for k, v in counts.items()), highlight=False)


@app.command("add")
@_one_line
def add(
    files: list[Path] = typer.Argument(..., help="Agreement TOML files to store."),
    effective: str | None = typer.Option(
        None,
        "--effective",
        help="A changed agreement's new version judges periods ending from this date on (YYYY-MM-DD). Default: today.",
    ),
    db: DbOpt = None,
) -> None:
    """Validate and store agreements (parties are checked against the hub when it holds any). Storing a
    changed agreement adds a version; the earlier versions are kept and still judge their periods."""
    from citynexus.services.agree import add_agreement

    eff = _as_of(effective, "--effective") if effective else None
    for f in files:
        r = add_agreement(f, db, effective=eff)
        console.print(
            f"stored agreement {r['agreement']} ({r['terms']} terms), version {r['version']} "
            f"effective {r['effective']}",
            highlight=False,
        )


@app.command("versions")
@_one_line
def versions(
    agreement: str = typer.Argument(..., help="Agreement id."),
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every stored version of an agreement: effective date, digest and the terms it changed."""
    from rich.table import Table

    from citynexus.services.agree import agreement_versions

    vs = agreement_versions(agreement, db)
    if as_json:
        print_json(vs)
        return
    tab = Table(title=f"{agreement}: versions", header_style="bold", title_justify="left")
    for c in ("version", "effective", "stored", "digest", "terms changed"):
        tab.add_column(c)
    for v in vs:
        stored = (v["stored_at"] or "")[:19].replace("T", " ")
        tab.add_row(str(v["version"]), v["effective"], stored, v["digest"][:19] + "…", ", ".join(v["changed"]))
    console.print(tab)


@app.command("import-reports")
def import_reports(
    file: Path = typer.Argument(..., help="Reports: CSV, .xlsx or JSON with agreement,party,metric,period,value."),
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import reports for stored agreements. All-or-nothing: every problem is listed (file, row,
    column, fix) and nothing is stored. The batch is appended to the ledger."""
    from citynexus.services.agree import import_reports as run_import

    r = run_import(file, db)
    if as_json:
        print_json(r)
        return
    console.print(f"imported {r['rows']} rows (batch {r['batch']}, ledger entry {r['ledger_index']})", highlight=False)


@app.command("status")
@_one_line
def status(
    agreements: list[str] = typer.Argument(None, help="Agreement ids (default: every stored agreement)."),
    as_of: str | None = typer.Option(None, "--as-of", help=ASOF_HELP),
    db: DbOpt = None,
    as_json: bool = typer.Option(False, "--json", help="Print JSON (a list of evaluations)."),
    lang: LangOpt = "en",
    risk: bool = typer.Option(
        False, "--risk", help="Forecast the periods not yet due (a table after each run; 'risk' in --json)."
    ),
) -> None:
    """Evaluate stored agreements on stored reports; each run is stored and appended to the ledger."""
    from citynexus.services.agree import run_status

    docs = run_status(db, list(agreements or []), _as_of(as_of), risk=risk)
    if as_json:
        print_json(docs)
        return
    for d in docs:
        _print_results(d, lang)
        console.print(f"run {d['run']}, ledger entry {d['ledger_index']}", highlight=False)
        if risk:
            _print_risk(d["risk"], lang)


@app.command("verify")
@_one_line
def verify(
    agreement: str = typer.Argument(..., help="Agreement id."),
    term: str = typer.Argument(..., help="Term id."),
    period: str = typer.Argument(..., help="Period as shown (2026Q1, 2026-03, 2026 or a due date)."),
    run: int | None = typer.Option(None, "--run", help="Run number (default: the newest)."),
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Prove that a shown status was computed from the anchored reports by the anchored rule
    version. Exits with status 1 if any check fails."""
    from citynexus.services.agree import verify_status

    v = verify_status(agreement, term, period, db, run)
    if as_json:
        print_json(v)
    else:
        for c in v["checks"]:
            mark = "[green]ok[/]" if c["ok"] else "[bold red]FAILED[/]"
            console.print(f"{mark}  {c['check']}: {c['detail']}")
        verdict = "verified" if v["ok"] else "NOT verified"
        console.print(f"{agreement} {term} {period} = {v['status']} (run {v['run']}): {verdict}", highlight=False)
    if not v["ok"]:
        raise SystemExit(1)


@app.command("graph")
@_one_line
def graph(
    fmt: str = typer.Option("turtle", "--format", help="Export format: turtle or json-ld."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the export to this file (default: stdout)."),
    ask: str | None = typer.Option(
        None, "--ask", help="Canned question: breached-green [YEAR], depends-on [NAME], at-risk [QUARTER]."
    ),
    arg: str | None = typer.Option(None, "--arg", help="Argument of the canned question (a year, a name, 2026Q3)."),
    sparql: str | None = typer.Option(
        None, "--sparql", help="A SPARQL SELECT query (cnx:, dcterms:, ... prefixes known)."
    ),
    db: DbOpt = None,
    as_json: bool = typer.Option(False, "--json", help="Print query answers as JSON."),
) -> None:
    """Compliance knowledge graph of the stored agreements: export (Turtle, JSON-LD) or query (SPARQL)."""
    from citynexus.services.agree import graph_query, graph_text

    if ask or sparql:
        rows = graph_query(db, ask, arg, sparql)
        if as_json:
            print_json(rows)
            return
        from rich.table import Table

        tab = Table(header_style="bold")
        for c in rows[0] if rows else ["(no answer)"]:
            tab.add_column(c)
        for r in rows:
            tab.add_row(*[v or "" for v in r.values()])
        console.print(tab)
        return
    _emit(graph_text(db, fmt), out)


@app.command("draft")
@_one_line
def draft(
    need: str = typer.Argument(..., help="Need id of the hub."),
    offer: str = typer.Argument(..., help="Offer id of the hub that matches it."),
    out: Path | None = typer.Option(None, "--out", "-o", help="File to write (default: stdout)."),
    template: str | None = typer.Option(None, "--template", "-t", help="Template (default: chosen from the match)."),
    db: DbOpt = None,
) -> None:
    """Draft an agreement from a need<->offer match of the hub, both parties filled in."""
    from citynexus.services.agree import draft_agreement

    _emit(draft_agreement(need, offer, db, template), out, f"; edit it, then: citynexus agree add {out}")


@app.command("compliance")
@_one_line
def compliance(
    org: str = typer.Argument(..., help="Organization id."),
    db: DbOpt = None,
    as_json: bool = typer.Option(True, "--json/--no-json", help="Print JSON (default)."),
) -> None:
    """An organization's agreements and compliance record (met/breached share by category)."""
    from citynexus.services.agree import organization_compliance

    print_json(organization_compliance(org, db))


@app.command("demo")
@_one_line
def demo(
    db: DbOpt = None,
    as_of: str = typer.Option("2026-10-15", "--as-of", help="Evaluate the demo as of this date."),
) -> None:
    """Store the SYNTHETIC demo agreements and quarterly reports (2024Q1..2026Q3) and evaluate them."""
    from citynexus.services.agree import load_demo_data

    r = load_demo_data(db, _as_of(as_of))
    console.print(
        f"synthetic demo: stored {r['agreements']} agreements and {r['reports']} report rows; "
        f"evaluated {r['evaluated']} agreements as of {as_of}",
        highlight=False,
    )
