"""``citynexus watch``: risk early warning on reported series (change points, anomalies, trajectories,
partner risk, alerts) and a credit signal from verified records."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from citynexus.cli.common import console

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Risk early warning (风险预警): change points, anomalies, KPI trajectories, partner risk and alerts "
    "on reported series (a long table party,metric,period,value), and a credit signal from verified records.",
    no_args_is_help=True,
)


@app.command("changepoints")
def changepoints(
    file: Path = typer.Argument(..., help="CSV file with columns t,value (an empty value is missing)."),
    as_json: bool = typer.Option(False, "--json", help="Print plain JSON on stdout."),
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
