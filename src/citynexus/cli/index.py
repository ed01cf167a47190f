"""``citynexus index``: build a composite index from a dataset and a spec, inspect its
indicators, explain one unit's score, compare two results."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer

from citynexus.cli._names import LANG_HELP, check_lang, label, named, tr
from citynexus.cli._options import command_group
from citynexus.cli.common import check_out, console, df_table
from citynexus.evaluate.errors import IndexSpecError

app = command_group(
    rich_markup_mode="markdown",
    help="Composite indices (综合指数): denominate, screen, impute, treat outliers, normalise, weight "
    "and aggregate as a spec (TOML) says; see docs/methods.md for every method.\n\n"
    "--data is a bundled dataset name (e.g. 'gba', synthetic) or a dataset path. Without --spec a "
    "bundled dataset uses its bundled spec (e.g. specs/gba.toml), other datasets the defaults.",
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


def _load(data: str, spec_path: Path | None, lang: str = "en"):
    from citynexus.data import open_dataset
    from citynexus.evaluate import IndexSpec, default_spec

    ds = open_dataset(data)
    if ds.synthetic:
        console.print(tr("cli_synthetic_note", lang))
    if spec_path is not None:
        spec = IndexSpec.read(spec_path)
    else:
        try:
            spec = default_spec(str(data))
            console.print(tr("cli_bundled_spec", lang, data=data))
        except IndexSpecError:
            spec = IndexSpec()
            console.print(tr("cli_default_spec", lang))
    return ds, spec


def _build(data: str, spec_path: Path | None, period: int | None, pick: tuple = (None, None, None), lang: str = "en"):
    """(result, dataset) of building ``data`` with the spec and the command line's selection."""
    from citynexus.evaluate import build

    ds, spec = _load(data, spec_path, lang)
    return build(ds, with_selection(spec, *pick), period), ds


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
    lang: str = typer.Option("en", "--lang", help=LANG_HELP),
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
    lang = check_lang(lang, IndexSpecError)
    pick = (units, exclude, periods)
    if panel:
        if period is not None:
            raise IndexSpecError("--panel pools every period; leave out --period (use --periods to choose years)")
        _build_panel(data, spec, out, excel, top, lang, pick)
        return
    r, ds = _build(data, spec, period, pick, lang)
    files = r.to_csv(out)
    if excel:
        files.append(r.to_excel(out / "result.xlsx"))
    shown, with_index = named(r.ranking().drop(columns="name", errors="ignore").head(top), ds, lang)
    title = tr("cli_ranking_title", lang, index=label(ds, r.index_code, lang), period=r.period)
    _print_built(df_table(shown, title=title, index=with_index), r.log, files, out)
    if publish:
        from citynexus.cli.ledger import publish as publish_cmd

        publish_cmd(result=out / "result.json", key=key or None, receipt=None, submitter=None, db=db)


def _print_built(table, log: list[dict], files: list[Path], out: Path) -> None:
    """Print the ranking ``table``, the first ten warnings of the step ``log`` (the rest are
    counted, and kept in ``out/log.json``) and how many ``files`` were written to ``out``."""
    console.print(table)
    warn = [rec for rec in log if rec["level"] == "warning"]
    for rec in warn[:10]:
        console.print(f"[yellow]{rec['step']}:[/] {rec['message']}")
    if len(warn) > 10:
        console.print(f"... and {len(warn) - 10} more warnings in {out / 'log.json'}")
    console.print(f"wrote {len(files)} files to {out}")


def _build_panel(data: str, spec_path: Path | None, out: Path, excel: bool, top: int, lang: str, pick) -> None:
    from citynexus.evaluate.panel import build_panel

    ds, spec = _load(data, spec_path, lang)
    r, scores = build_panel(ds, with_selection(spec, *pick))
    files = r.to_csv(out)
    names = ds.units.set_index("code")["name_zh" if lang.startswith("zh") else "name"]
    scores.insert(1, "name", scores["unit"].map(names))
    scores.to_csv(out / "panel_scores.csv", index=False, encoding="utf-8-sig")
    scores = scores.drop(columns="name")
    files.append(out / "panel_scores.csv")
    if excel:
        files.append(r.to_excel(out / "result.xlsx"))
    last = int(scores["period"].max())
    shown = scores[scores["period"] == last].sort_values("rank").head(top).set_index("unit")
    shown, with_index = named(shown[[r.index_code, "rank"]], ds, lang)
    first = scores["period"].min()
    title = tr("cli_panel_title", lang, index=label(ds, r.index_code, lang), period=last, first=first)
    _print_built(df_table(shown, title=title, index=with_index), r.log, files, out)


@app.command("stats")
def stats_cmd(
    data: str = typer.Option(..., "--data", "-d", help=DATA_HELP),
    spec: Path | None = typer.Option(None, "--spec", "-s", help=SPEC_HELP),
    period: int | None = typer.Option(None, "--period", "-p", help=PERIOD_HELP),
    out: Path | None = typer.Option(None, "--out", "-o", help="Also write the indicator statistics to this CSV."),
    lang: str = typer.Option("en", "--lang", help=LANG_HELP),
) -> None:
    """Indicator statistics (availability, skew, kurtosis, flags for outliers,
    collinearity and negative correlations), correlations with parents and Cronbach's
    alpha per aggregate. Indicators are shown with their names beside the codes."""
    check_out(out, suffixes=(".csv",))
    lang = check_lang(lang, IndexSpecError)
    r, ds = _build(data, spec, period, lang=lang)
    s = r.stats()
    s.index.name = "indicator"
    cols = ["availability", "min", "max", "mean", "sd", "skew", "kurtosis", "outliers"]
    _show(s[cols], ds, lang, tr("cli_stats_title", lang, period=r.period))
    for c, row in s.iterrows():
        if row["collinear"]:
            others = ", ".join(label(ds, x.strip(), lang) for x in str(row["collinear"]).split(","))
            console.print(tr("cli_collinear", lang, a=label(ds, str(c), lang), b=others))
    _show(r.cronbach().set_index("aggregate"), ds, lang, tr("cli_cronbach_title", lang))
    _show(r.correlations().set_index("code"), ds, lang, tr("cli_corr_title", lang))
    neg = r.negative_correlations()
    if len(neg):
        _show(neg, ds, lang, tr("cli_negative_title", lang))
    treated = r.treatment[~r.treatment["treatment"].str.startswith("none")] if len(r.treatment) else r.treatment
    if len(treated):
        t = treated[
            ["indicator", "treatment", "n_winsorised", "skew_before", "kurt_before", "skew_after", "kurt_after"]
        ]
        _show(t.set_index("indicator"), ds, lang, tr("cli_treatment_title", lang))
    if out is not None:
        s.to_csv(out, encoding="utf-8-sig")
        console.print(tr("cli_wrote", lang, path=out))


def _show(df: pd.DataFrame, ds, lang: str, title: str) -> None:
    """Print ``df`` with names beside or instead of codes, headers in ``lang``."""
    shown, with_index = named(df, ds, lang)
    console.print(df_table(shown, title=title, index=with_index))


@app.command("explain")
def explain_cmd(
    unit: str = typer.Argument(..., help="Unit code to explain (e.g. SZ)."),
    data: str = typer.Option(..., "--data", "-d", help=DATA_HELP),
    spec: Path | None = typer.Option(None, "--spec", "-s", help=SPEC_HELP),
    period: int | None = typer.Option(None, "--period", "-p", help=PERIOD_HELP),
    code: str | None = typer.Option(None, "--code", help="Aggregate to explain (default: the top index)."),
    n: int = typer.Option(5, "--n", help="How many strengths and weaknesses to list."),
    lang: str = typer.Option("en", "--lang", help=LANG_HELP),
) -> None:
    """Each indicator's contribution (effective weight x normalised value) to the unit's
    score, and its strongest and weakest indicators (by rank among all units), with the
    indicators' names beside their codes."""
    lang = check_lang(lang, IndexSpecError)
    r, ds = _build(data, spec, period, lang=lang)
    try:
        e = r.explain(unit, code, n)
    except KeyError as err:
        raise IndexSpecError(str(err).strip("'\"")) from None
    head = {"name": label(ds, unit, lang), "unit": unit, "code": label(ds, e.code, lang), "score": e.score}
    console.print(tr("cli_explain_head", lang, **head, rank=e.rank, n=r.scores[e.code].notna().sum()))
    parts = (
        (e.table, "cli_contributions_title"),
        (e.strengths[["value", "rank", "contribution"]], "cli_strengths_title"),
        (e.weaknesses[["value", "rank", "contribution"]], "cli_weaknesses_title"),
    )
    for df, key in parts:
        df = df.copy()
        df.index.name = "indicator"
        _show(df, ds, lang, tr(key, lang))


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
        r, _ = _build(data, ref, period)
        c = code or r.index_code
        return r.scores[c], c
    raise IndexSpecError(f"{ref} is neither a result folder (from `index build --out`) nor a spec (.toml)")


@app.command("compare")
def compare_cmd(
    a: Path = typer.Argument(..., help="First result: a folder written by `index build --out`, or a spec .toml."),
    b: Path = typer.Argument(..., help="Second result: a folder or a spec .toml."),
    data: str | None = typer.Option(
        None, "--data", "-d", help=DATA_HELP + " Needed when A or B is a spec; names the units in the table."
    ),
    period: int | None = typer.Option(None, "--period", "-p", help=PERIOD_HELP),
    code: str | None = typer.Option(None, "--code", help="Aggregate to compare (default: the top index)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Also write the comparison to this CSV."),
    lang: str = typer.Option("en", "--lang", help=LANG_HELP),
) -> None:
    """Rank and score shifts from A to B (rank_shift > 0: the unit moved up in B). With
    --data the units' names are shown beside their codes."""
    from citynexus.data import open_dataset
    from citynexus.evaluate.analysis import compare

    check_out(out, suffixes=(".csv",))
    lang = check_lang(lang, IndexSpecError)
    sa, ca = _scores_from(a, data, period, code)
    sb, cb = _scores_from(b, data, period, code)
    if ca != cb:
        raise IndexSpecError(f"A's index is {ca} but B's is {cb}; pick one with --code")
    df = compare(sa, sb)
    df.index.name = "unit"
    ds = open_dataset(data) if data is not None else None
    _show(df, ds, lang, tr("cli_compare_title", lang, code=label(ds, ca, lang), a=a.name, b=b.name))
    console.print(tr("cli_mean_shift", lang, v=df["abs_shift"].astype(float).mean()))
    if out is not None:
        df.to_csv(out, encoding="utf-8-sig")
        console.print(tr("cli_wrote", lang, path=out))


def _attach_robust() -> None:
    from citynexus.cli.robust import register

    register(app)


_attach_robust()
