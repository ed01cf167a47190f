"""``citynexus watch``: risk early warning on reported series (change points, anomalies, trajectories,
partner risk, alerts) and a credit signal from verified records."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from citynexus.cli._options import DB_HELP, DbOpt, JsonOpt, LangOpt, command_group
from citynexus.cli.common import console

app = command_group(
    rich_markup_mode="markdown",
    help="Risk early warning (风险预警): change points, anomalies, KPI trajectories, partner risk and alerts "
    "on reported series (a long table party,metric,period,value), and a credit signal from verified records.",
    database=True,
)


@app.command("changepoints")
def changepoints(
    file: Path = typer.Argument(..., help="CSV file with columns t,value (an empty value is missing)."),
    as_json: JsonOpt = False,
    lang: str = typer.Option("en", "--lang", help="Language of the explanation: en or zh."),
) -> None:
    """Change points of one series with the default setting: 0-based positions where a new segment starts."""
    from citynexus.services.watch import changepoints_of_file

    out = changepoints_of_file(file, lang=lang)
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    console.print(out["explanation"])
    for seg in out["segments"]:
        console.print(
            f"  [{seg['start']}, {seg['end']}): mean {seg['mean']:.6g}, sd {seg['std']:.4g}, "
            f"{seg['n_observed']} observed"
        )


@app.command("scan")
def scan_cmd(
    reports: Path = typer.Argument(..., help="CSV report table with columns party,metric,period,value."),
    targets: Path | None = typer.Option(None, "--targets", help="CSV of KPI targets: party,rule,due."),
    previous: Path | None = typer.Option(None, "--previous", help="The previous version of the reports (revisions)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Current period (default: the latest reported)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP + " The alerts are stored there."),
    store: bool = typer.Option(True, "--store/--no-store", help="Store the alerts (deduplicated)."),
    as_json: JsonOpt = False,
    lang: LangOpt = "en",
    top: int = typer.Option(20, "--top", help="How many parties to show."),
) -> None:
    """Scan partners' reported series: change points, outliers, reporting behaviour, KPI trajectories,
    a risk score per party and category, and alerts (stored, deduplicated)."""
    from citynexus.i18n import t
    from citynexus.services.watch import read_reports, read_targets, scan_reports

    df = read_reports(reports)
    tg = read_targets(targets) if targets else None
    prev = read_reports(previous) if previous else None
    from citynexus.store import default_url

    out = scan_reports(df, tg, prev, as_of, db_url=(db or default_url()) if store else None)
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, default=str))
        return
    from rich.table import Table

    tab = Table(title=t("watch_title", lang), header_style="bold", title_justify="left")
    for c in ("watch_party", "watch_score", "watch_level", "watch_reasons"):
        tab.add_column(t(c, lang), overflow="fold")
    for p in out["parties"][:top]:
        reasons = p["reasons_en"] if lang == "en" else p["reasons_zh"]
        tab.add_row(p["party"], f"{p['score']:.2f}", t(f"watch_level_{p['level']}", lang), "\n".join(reasons) or "-")
    console.print(tab)
    if out["stored"] is not None:
        console.print(f"alerts: {out['stored']['new']} new, {out['stored']['updated']} already known")


@app.command("alerts")
def alerts_cmd(
    status: str | None = typer.Option(
        None, "--status", help="Only alerts of this status: open, acknowledged, resolved."
    ),
    party: str | None = typer.Option(None, "--party", help="Only alerts of this party."),
    ack: int | None = typer.Option(None, "--ack", help="Acknowledge the alert with this id."),
    resolve: int | None = typer.Option(None, "--resolve", help="Resolve the alert with this id."),
    by: str = typer.Option("", "--by", help="Who acknowledges or resolves."),
    note: str | None = typer.Option(None, "--note", help="A note kept with the alert."),
    db: DbOpt = None,
    evidence: bool = typer.Option(False, "--evidence", help="Include the evidence (series, marks) in --json."),
    as_json: JsonOpt = False,
    lang: LangOpt = "en",
) -> None:
    """List stored alerts, or move one: open -> acknowledged -> resolved."""
    from citynexus.i18n import t
    from citynexus.services.watch import list_alerts, set_alert_status
    from citynexus.watch.errors import WatchAlertError

    if ack is not None and resolve is not None:
        raise WatchAlertError("give --ack or --resolve, not both")
    if ack is not None or resolve is not None:
        a = set_alert_status(
            ack if ack is not None else resolve,  # type: ignore[arg-type]
            "acknowledged" if ack is not None else "resolved",
            by=by,
            note=note,
            db_url=db,
        )
        if as_json:
            typer.echo(json.dumps(a, ensure_ascii=False, default=str))
        else:
            console.print(f"alert {a['id']}: {t('watch_status_' + a['status'], lang)}")
        return
    rows = list_alerts(db, status=status, party=party, evidence=evidence)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, default=str))
        return
    if not rows:
        console.print(t("watch_no_alert", lang))
        return
    from rich.table import Table

    tab = Table(title=t("watch_alerts", lang), header_style="bold", title_justify="left")
    for c in ("id", t("watch_party", lang), t("watch_alert", lang), t("watch_level", lang), "status"):
        tab.add_column(c, overflow="fold")
    for a in rows:
        tab.add_row(
            str(a["id"]),
            a["party"],
            a["message_en"] if lang == "en" else a["message_zh"],
            t(f"watch_level_{a['level']}", lang),
            t(f"watch_status_{a['status']}", lang),
        )
    console.print(tab)


@app.command("credit")
def credit_cmd(
    party: str = typer.Argument(..., help="The SME (party id as in its verified reports)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP + " It holds the ledger."),
    proofs: bool = typer.Option(True, "--proofs/--no-proofs", help="Attach a proof bundle per ledger entry."),
    as_json: JsonOpt = False,
    lang: LangOpt = "en",
) -> None:
    """Credit report of an SME from verified (ledger-anchored) records: points, reason codes, each
    input with its ledger entries and proofs."""
    from citynexus.i18n import t
    from citynexus.services.watch import credit_for

    rep = credit_for(party, db_url=db, lang=lang, proofs=proofs)
    if as_json:
        typer.echo(json.dumps(rep, ensure_ascii=False, default=str))
        return
    console.print(f"[bold]{t('watch_credit', lang)}: {party}[/]  {rep['score']:.0f} ({rep['probability_bad']:.1%})")
    for k, v in rep["inputs"].items():
        console.print(f"  {k} = {v['value']:.4g}  {v['points']:+.0f}  (ledger entries: {len(v['entries'])})")
    for r in rep["reasons"]:
        console.print(f"  - {r}")
    console.print(f"[dim]{t('watch_synthetic', lang)}: {rep['model_note']}[/]")


@app.command("demo")
def demo_cmd(
    db: str | None = typer.Option(None, "--db", help=DB_HELP + " It holds the ledger and the alerts."),
    as_json: JsonOpt = False,
) -> None:
    """Load the SYNTHETIC demo partner reports (planted funding drop, R&D stall, delivery slippage,
    reporting stop) into the ledger, scan them and store the alerts."""
    from citynexus.services.watch import seed_demo

    out = seed_demo(db)
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, default=str))
        return
    console.print(f"SYNTHETIC demo: {out['ledger_size']} ledger entries; alerts {out['stored']}")
    for p in out["parties"][:5]:
        console.print(f"  {p['party']}: {p['level']} ({p['score']:.2f}) — {'; '.join(p['reasons_en'][:1])}")


def risk_summary(lang: str = "en") -> str:
    """Load the SYNTHETIC watch demo (partner reports with planted events) into the default database,
    so the dashboard's risk radar shows it, and say which partner is the riskiest and why (one line;
    printed by ``citynexus demo``)."""
    from citynexus.services.watch import demo_summary, seed_demo
    from citynexus.store import default_url

    return demo_summary(seed_demo(default_url()), lang)
