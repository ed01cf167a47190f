"""``citynexus data``: check, convert, inspect datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table
from rich.tree import Tree

from citynexus.cli._options import LangOpt, command_group
from citynexus.cli.common import console, err_console
from citynexus.data.dataset import Dataset, summary_counts

app = command_group(
    rich_markup_mode="markdown",
    help="Check, convert and inspect datasets (units, indicator framework, panel values).\n\n"
    "DATA is a bundled dataset name (e.g. 'gba') or a path: a folder with units.csv, "
    "indicators.csv and values.csv, a folder of .parquet files, or an .xlsx workbook with sheets "
    "of the same names.",
)


def print_summary(ds: Dataset, lang: str = "en") -> None:
    """Print a readable summary of a dataset: counts, framework, periods, coverage."""
    s = summary_counts(ds)
    if ds.synthetic:
        console.print(
            Panel(
                "[bold yellow]SYNTHETIC DATA[/] — values come from a seeded generator and are not real "
                "statistics (see the 'source' column). 合成数据，仅供演示。",
                border_style="yellow",
            )
        )
    periods = s["periods"]
    t = Table(title=f"Dataset {ds.name!r}", show_header=False, title_justify="left")
    t.add_column(style="bold")
    t.add_column()
    t.add_row("units 单元", f"{s['units']}" + (f" (groups: {', '.join(s['groups'])})" if s["groups"] else ""))
    top = max(s["per_level"], default=1)

    def level_name(lv: int) -> str:
        return "indicators" if lv == 1 else ("index" if lv == top else "aggregates")

    per_level = ", ".join(f"level {lv}: {n} {level_name(lv)}" for lv, n in s["per_level"].items())
    t.add_row("framework 指标体系", per_level)
    t.add_row("denominators 分母", str(s["denominators"]))
    t.add_row("periods 时期", f"{periods[0]}–{periods[-1]} ({len(periods)})" if periods else "none")
    t.add_row("values 数值", f"{s['values']:,}")
    t.add_row("coverage 覆盖率", f"{s['coverage']:.1%}")
    t.add_row("digest", ds.digest()[:16])
    console.print(t)
    for note in ds.notes:
        console.print(f"[yellow]note:[/] {note}")

    # per-unit table for the latest period
    latest = periods[-1]
    cov = ds.coverage()
    ind_codes = ds.codes("indicator")
    ut = Table(title=f"Units (coverage over {len(periods)} periods)", header_style="bold", title_justify="left")
    for c in ("code", "name", "名称", *ds.groups, "coverage", "missing cells"):
        ut.add_column(c, justify="right" if c in ("coverage", "missing cells") else "left")
    panel = ds.panel(ind_codes)
    missing = panel.isna().groupby(level="unit", sort=False).sum().sum(axis=1)
    for _, u in ds.units.iterrows():
        ut.add_row(
            u["code"],
            u["name"],
            u["name_zh"],
            *[str(u[g]) for g in ds.groups],
            f"{cov.loc[u['code'], ind_codes].mean():.0%}",
            str(int(missing.get(u["code"], 0))),
        )
    console.print(ut)

    ind_cov = cov[ind_codes].mean()
    weak = ind_cov[ind_cov < 1].sort_values().head(5)
    if len(weak):
        wt = Table(title="Indicators with the lowest coverage", header_style="bold", title_justify="left")
        for c in ("indicator", "name", "coverage"):
            wt.add_column(c, justify="right" if c == "coverage" else "left")
        for code, v in weak.items():
            wt.add_row(code, ds.label(code, lang), f"{v:.0%}")
        console.print(wt)
    console.print(f"[green]OK[/]: no problems found; latest period {latest}.")


#: The dataset a command reads.
DataArg = Annotated[str, typer.Argument(help="Bundled dataset name (e.g. gba) or path to a dataset.")]


@app.command("check")
def check(
    data: DataArg,
    lang: LangOpt = "en",
) -> None:
    """Validate a dataset and print a summary; on failure list every problem with file,
    row, column and the fix, and exit with status 1."""
    from citynexus.data import open_dataset

    ds = open_dataset(data)
    print_summary(ds, lang=lang)


@app.command("convert")
def convert(
    src: str = typer.Argument(..., help="Dataset to read (bundled name or path)."),
    out: Path = typer.Argument(..., help="Where to write: a folder (CSV or Parquet) or a .xlsx file."),
    fmt: str = typer.Option(None, "--format", "-f", help="csv, excel or parquet (default: excel for .xlsx, else csv)."),
    wide: bool = typer.Option(False, "--wide", help="Write values wide: one column per indicator."),
    source: str = typer.Option(
        "citynexus",
        "--from",
        help="Layout of SRC: citynexus (default) or coinr (COINr's iData/iMeta: a folder of two CSV files "
        "named *iData*.csv and *iMeta*.csv, or a workbook with sheets iData and iMeta).",
    ),
    period: int = typer.Option(None, "--period", help="With --from coinr: the year when iData has no Time column."),
) -> None:
    """Convert a dataset between CSV folder, Excel workbook and Parquet folder (or from COINr's
    iData/iMeta layout). The input is validated first; nothing is written if it has problems."""
    from citynexus.cli.common import check_out
    from citynexus.data import open_dataset, write

    as_file = out.suffix.lower() == ".xlsx" or fmt == "excel"
    check_out(out, folder=not as_file, suffixes=(".xlsx",) if as_file else ())
    if source == "coinr":
        from citynexus.data.coinr import read_coinr

        ds = read_coinr(src, period=period)
    elif source == "citynexus":
        ds = open_dataset(src)
    else:
        raise typer.BadParameter(f"--from must be citynexus or coinr, not {source!r}", param_hint="--from")
    path = write(ds, out, fmt=fmt, wide=wide)
    console.print(f"wrote {path} ({len(ds.units)} units, {len(ds.values):,} values)")


@app.command("tree")
def tree(
    data: DataArg,
    lang: LangOpt = "en",
) -> None:
    """Print the indicator framework as a tree (with directions and weights)."""
    from citynexus.data import open_dataset

    ds = open_dataset(data)
    ind = ds.indicators.set_index("code")
    root = Tree(f"[bold]{ds.name}[/]")
    nodes = {}
    for code, depth in ds.walk():
        row = ind.loc[code]
        arrow = {1: " [green]↑[/]", -1: " [red]↓[/]"}.get(int(row["direction"]), "")
        text = f"[bold]{code}[/] {ds.label(code, lang)}{arrow} [dim](w={row['weight']:g})[/]"
        parent = nodes.get(row["parent"], root) if depth else root
        nodes[code] = parent.add(text)
    console.print(root)


@app.command("show")
def show(
    data: DataArg,
    period: int = typer.Option(None, "--period", "-p", help="Year (default: latest)."),
    out: Path = typer.Option(None, "--out", "-o", help="Also write the table to CSV or .xlsx."),
) -> None:
    """Print the units x indicators table of one period."""
    from citynexus.cli.common import check_out, df_table
    from citynexus.data import open_dataset

    check_out(out, suffixes=(".csv", ".xlsx"))
    ds = open_dataset(data)
    tab = ds.table(period)
    console.print(df_table(tab.round(2), title=f"{ds.name}, {period or ds.periods[-1]}", floatfmt="{:g}"))
    if out:
        if out.suffix.lower() == ".xlsx":
            tab.to_excel(out)
        else:
            tab.to_csv(out)
        err_console.print(f"wrote {out}")
