"""``citynexus index``: build a composite index from a dataset and a spec, inspect its
indicators, explain one unit's score, compare two results."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer

from citynexus.cli.common import check_out, console, df_table
from citynexus.evaluate.errors import IndexSpecError

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Composite indices (综合指数): denominate, screen, impute, treat outliers, normalise, weight "
    "and aggregate as a spec (TOML) says; see docs/methods.md for every method.\n\n"
    "--data is a bundled dataset name (e.g. 'gba', synthetic) or a dataset path. Without --spec a "
    "bundled dataset uses its bundled spec (e.g. specs/gba.toml), other datasets the defaults.",
    no_args_is_help=True,
)

DATA_HELP = "Bundled dataset name (e.g. 'gba') or path of a dataset (CSV folder, .xlsx, Parquet folder)."
SPEC_HELP = "Index spec (TOML). Default: the bundled spec of a bundled dataset, else the built-in defaults."
PERIOD_HELP = "Year to evaluate (default: the latest period with data)."


UNITS_HELP = "Only these units (comma-separated codes); also [select] units = [...] in the spec."
EXCLUDE_HELP = "Leave out these units (comma-separated codes); also [select] exclude = [...] in the spec."
PERIODS_HELP = "Only these years (comma-separated), e.g. for --panel; also [select] periods = [...] in the spec."


def _codes(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def with_selection(spec, units: str | None, exclude: str | None, periods: str | None = None):
    """``spec`` with the command line's --units / --exclude / --periods in its [select]."""
    if not (units or exclude or periods):
        return spec
    spec = spec.copy()
    if units:
        spec.select.units = _codes(units)
    if exclude:
        spec.select.exclude = _codes(exclude)
    if periods:
        try:
            spec.select.periods = [int(p) for p in _codes(periods) or []]
        except ValueError:
            raise IndexSpecError(f"--periods must be years separated by commas, got {periods!r}") from None
    spec.validate(source="command line")
    return spec


def _load(data: str, spec_path: Path | None):
    from citynexus.data import open_dataset
    from citynexus.evaluate import IndexSpec, default_spec

    ds = open_dataset(data)
    if ds.synthetic:
        console.print("[yellow]note:[/] this dataset is SYNTHETIC (合成数据) — results are for demonstration only.")
    if spec_path is not None:
        spec = IndexSpec.read(spec_path)
    else:
        try:
            spec = default_spec(str(data))
            console.print(f"using the bundled spec for '{data}'")
        except IndexSpecError:
            spec = IndexSpec()
            console.print("no --spec given: using the default methods (see docs/methods.md)")
    return ds, spec


def _build(data: str, spec_path: Path | None, period: int | None, pick: tuple = (None, None, None)):
    from citynexus.evaluate import build

    ds, spec = _load(data, spec_path)
    return build(ds, with_selection(spec, *pick), period)


@app.command("build")
def build_cmd(
    data: str = typer.Option(..., "--data", "-d", help=DATA_HELP),
    spec: Path | None = typer.Option(None, "--spec", "-s", help=SPEC_HELP),
    period: int | None = typer.Option(None, "--period", "-p", help=PERIOD_HELP),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Folder to write scores.csv, stages/*.csv, weights.csv, log.json, result.json."
    ),
    excel: bool = typer.Option(False, "--excel", help="Also write result.xlsx (every table in one workbook)."),
    top: int = typer.Option(20, "--top", help="How many units of the ranking to print."),
    lang: str = typer.Option("en", "--lang", help="Unit names in 'en' or 'zh'."),
    publish: bool = typer.Option(
        False, "--publish", help="Append the digests of inputs, spec and result.json to the verifiable ledger."
    ),
    key: list[Path] = typer.Option(
        None, "--key", "-k", help="With --publish: private key to sign a checkpoint and write a receipt."
    ),
    db: str = typer.Option(None, "--db", help="With --publish: ledger database URL (default: $CITYNEXUS_DB)."),
    units: str | None = typer.Option(None, "--units", help=UNITS_HELP),
    exclude: str | None = typer.Option(None, "--exclude", help=EXCLUDE_HELP),
    periods: str | None = typer.Option(None, "--periods", help=PERIODS_HELP),
    panel: bool = typer.Option(
        False,
        "--panel",
        help="Pooled panel index: every unit-year normalised and weighted together, so that years are "
        "comparable (units CODE@YEAR; also writes panel_scores.csv with unit, period, scores and the rank "
        "within the period).",
    ),
) -> None:
    """Build the index and write every stage, the weights used, the step log and the
    result (with provenance) to --out; print the ranking. With --publish, record the
    result in the ledger (check it later with `citynexus ledger verify-result`)."""
    check_out(out, folder=True)
    pick = (units, exclude, periods)
    if panel:
        if period is not None:
            raise IndexSpecError("--panel pools every period; leave out --period (use --periods to choose years)")
        _build_panel(data, spec, out, excel, top, lang, pick)
        return
    r = _build(data, spec, period, pick)
    files = r.to_csv(out)
    if excel:
        files.append(r.to_excel(out / "result.xlsx"))
    console.print(
        df_table(
            r.ranking(lang=lang).head(top),
            title=f"{r.index_code} ranking (1 = best), scores of year {r.period} (normalised within that year)",
        )
    )
    warn = [rec for rec in r.log if rec["level"] == "warning"]
    for rec in warn[:10]:
        console.print(f"[yellow]{rec['step']}:[/] {rec['message']}")
    if len(warn) > 10:
        console.print(f"... and {len(warn) - 10} more warnings in {out / 'log.json'}")
    console.print(f"wrote {len(files)} files to {out}")
    if publish:
        from citynexus.cli.ledger import publish as publish_cmd

        publish_cmd(result=out / "result.json", key=key or None, receipt=None, submitter=None, db=db)


def _build_panel(data: str, spec_path: Path | None, out: Path, excel: bool, top: int, lang: str, pick) -> None:
    from citynexus.evaluate.panel import build_panel

    ds, spec = _load(data, spec_path)
    r, scores = build_panel(ds, with_selection(spec, *pick))
    files = r.to_csv(out)
    names = ds.units.set_index("code")["name_zh" if lang.startswith("zh") else "name"]
    scores.insert(1, "name", scores["unit"].map(names))
    scores.to_csv(out / "panel_scores.csv", index=False, encoding="utf-8-sig")
    files.append(out / "panel_scores.csv")
    if excel:
        files.append(r.to_excel(out / "result.xlsx"))
    last = int(scores["period"].max())
    shown = scores[scores["period"] == last].sort_values("rank").head(top).set_index("unit")
    cols = ["name", r.index_code, "rank"]
    console.print(
        df_table(
            shown[cols],
            title=f"{r.index_code} {last} ranking (1 = best), pooled panel scores "
            f"({scores['period'].min()}-{last} normalised together, comparable across years)",
        )
    )
    warn = [x for x in r.log if x["level"] == "warning"]
    for rec in warn[:10]:
        console.print(f"[yellow]{rec['step']}:[/] {rec['message']}")
    if len(warn) > 10:
        console.print(f"... and {len(warn) - 10} more warnings in {out / 'log.json'}")
    console.print(f"wrote {len(files)} files to {out}")


@app.command("stats")
def stats_cmd(
    data: str = typer.Option(..., "--data", "-d", help=DATA_HELP),
    spec: Path | None = typer.Option(None, "--spec", "-s", help=SPEC_HELP),
    period: int | None = typer.Option(None, "--period", "-p", help=PERIOD_HELP),
    out: Path | None = typer.Option(None, "--out", "-o", help="Also write the indicator statistics to this CSV."),
) -> None:
    """Indicator statistics (availability, skew, kurtosis, flags for outliers,
    collinearity and negative correlations), correlations with parents and Cronbach's
    alpha per aggregate."""
    check_out(out, suffixes=(".csv",))
    r = _build(data, spec, period)
    s = r.stats()
    cols = ["availability", "min", "max", "mean", "sd", "skew", "kurtosis", "outliers"]
    console.print(df_table(s[cols], title=f"indicator statistics ({r.period}, after denominating)"))
    for c, row in s.iterrows():
        if row["collinear"]:
            console.print(f"[yellow]collinear[/] (|r| >= 0.9 with a sibling): {c} ~ {row['collinear']}")
    console.print(df_table(r.cronbach().set_index("aggregate"), title="Cronbach's alpha of each aggregate's children"))
    corr = r.correlations().set_index("code")
    console.print(df_table(corr, title="correlation with parent and with the index"))
    neg = r.negative_correlations()
    if len(neg):
        console.print(
            df_table(neg, title="siblings with correlation <= -0.4 (they pull their parent apart)", index=False)
        )
    treated = r.treatment[~r.treatment["treatment"].str.startswith("none")] if len(r.treatment) else r.treatment
    if len(treated):
        t = treated[
            ["indicator", "treatment", "n_winsorised", "skew_before", "kurt_before", "skew_after", "kurt_after"]
        ]
        console.print(df_table(t.set_index("indicator"), title="outlier treatment"))
    if out is not None:
        s.to_csv(out, encoding="utf-8-sig")
        console.print(f"wrote {out}")


@app.command("explain")
def explain_cmd(
    unit: str = typer.Argument(..., help="Unit code to explain (e.g. SZ)."),
    data: str = typer.Option(..., "--data", "-d", help=DATA_HELP),
    spec: Path | None = typer.Option(None, "--spec", "-s", help=SPEC_HELP),
    period: int | None = typer.Option(None, "--period", "-p", help=PERIOD_HELP),
    code: str | None = typer.Option(None, "--code", help="Aggregate to explain (default: the top index)."),
    n: int = typer.Option(5, "--n", help="How many strengths and weaknesses to list."),
) -> None:
    """Each indicator's contribution (effective weight x normalised value) to the unit's
    score, and its strongest and weakest indicators (by rank among all units)."""
    r = _build(data, spec, period)
    try:
        e = r.explain(unit, code, n)
    except KeyError as err:
        raise IndexSpecError(str(err).strip("'\"")) from None
    name = r.units["name"].get(unit, unit) if "name" in r.units.columns else unit
    console.print(
        f"[bold]{name} ({unit})[/]: {e.code} = {e.score:.2f}, rank {e.rank} of {r.scores[e.code].notna().sum()}"
    )
    console.print(df_table(e.table, title="contributions (sum = score for arithmetic aggregation)"))
    console.print(df_table(e.strengths[["value", "rank", "contribution"]], title="strengths (best ranks)"))
    console.print(df_table(e.weaknesses[["value", "rank", "contribution"]], title="weaknesses (worst ranks)"))


def _scores_from(ref: Path, data: str | None, period: int | None, code: str | None) -> tuple[pd.Series, str]:
    if ref.is_dir():
        f = ref / "result.json"
        if not f.exists():
            raise IndexSpecError(f"{ref} has no result.json; give a folder written by `citynexus index build --out`")
        d = json.loads(f.read_text(encoding="utf-8"))
        c = code or d["index"]
        s = pd.Series({r["unit"]: r.get(c) for r in d["scores"]}, dtype=float, name=c)
        return s, c
    if ref.suffix.lower() == ".toml":
        if data is None:
            raise IndexSpecError(f"{ref} is a spec: give --data to build it")
        r = _build(data, ref, period)
        c = code or r.index_code
        return r.scores[c], c
    raise IndexSpecError(f"{ref} is neither a result folder (from `index build --out`) nor a spec (.toml)")


@app.command("compare")
def compare_cmd(
    a: Path = typer.Argument(..., help="First result: a folder written by `index build --out`, or a spec .toml."),
    b: Path = typer.Argument(..., help="Second result: a folder or a spec .toml."),
    data: str | None = typer.Option(None, "--data", "-d", help=DATA_HELP + " Needed when A or B is a spec."),
    period: int | None = typer.Option(None, "--period", "-p", help=PERIOD_HELP),
    code: str | None = typer.Option(None, "--code", help="Aggregate to compare (default: the top index)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Also write the comparison to this CSV."),
) -> None:
    """Rank and score shifts from A to B (rank_shift > 0: the unit moved up in B)."""
    from citynexus.evaluate.analysis import compare

    check_out(out, suffixes=(".csv",))
    sa, ca = _scores_from(a, data, period, code)
    sb, cb = _scores_from(b, data, period, code)
    if ca != cb:
        raise IndexSpecError(f"A's index is {ca} but B's is {cb}; pick one with --code")
    df = compare(sa, sb)
    console.print(df_table(df, title=f"{ca}: {a.name} (a) -> {b.name} (b)"))
    console.print(f"mean absolute rank shift: {df['abs_shift'].astype(float).mean():.2f}")
    if out is not None:
        df.to_csv(out, encoding="utf-8-sig")
        console.print(f"wrote {out}")


def _attach_robust() -> None:
    from citynexus.cli.robust import register

    register(app)


_attach_robust()
