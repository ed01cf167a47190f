"""``citynexus index robust``: uncertainty and sensitivity analysis of a composite index.

:func:`register` adds the command to the ``index`` command group."""

from __future__ import annotations

from pathlib import Path

import typer

from citynexus.cli._names import named
from citynexus.cli.common import check_out, console, df_table, progress

DATA_HELP = "Bundled dataset name (e.g. 'gba', synthetic) or path of a dataset (CSV folder, .xlsx, Parquet folder)."
SPEC_HELP = (
    "Index spec (TOML) with the uncertain factors in [[robustness.factor]] tables (see docs/robustness.md), "
    "e.g. kind = 'weights_noise', 'weights_sets', 'choice', 'integer', 'continuous' or 'exclude'."
)

SENSITIVITY_HELP = (
    "Also compute Sobol first-order and total indices of the mean absolute rank shift per factor, with bootstrap "
    "intervals and a convergence check (indices at N/2 vs N)."
)


def robust_cmd(
    data: str = typer.Option(..., "--data", "-d", help=DATA_HELP),
    spec: Path | None = typer.Option(
        None, "--spec", "-s", help=SPEC_HELP + " Default for a bundled dataset: its bundled spec (gba: 4 factors)."
    ),
    out: Path = typer.Option(
        ...,
        "--out",
        "-o",
        help="Folder for uncertainty.csv, samples.csv (replayable), ranks.csv, scores.csv, sensitivity.csv "
        "and the plots; or a workbook (.xlsx): one sheet per table, English and Chinese unit names beside the "
        "codes, plots left out.",
    ),
    samples: int | None = typer.Option(
        None,
        "--samples",
        "-n",
        help="Replications of the uncertainty analysis (default: [robustness] samples in the spec, else 500); "
        "with --sensitivity also the base sample size N of the Sobol design (N x (factors + 2) replications).",
    ),
    seed: int | None = typer.Option(
        None, "--seed", help="Random seed: the same seed gives the same samples (default: [robustness] seed, else 0)."
    ),
    replay: Path | None = typer.Option(
        None,
        "--replay",
        help="Run exactly the replications of this CSV (one row per replication, one column per factor: the "
        "option index, 0-based, of choices and weight sets, the value of numeric factors), e.g. a samples.csv "
        "written before or by another tool.",
    ),
    sensitivity: bool = typer.Option(False, "--sensitivity", help=SENSITIVITY_HELP),
    per_unit: bool = typer.Option(
        False, "--per-unit", help="With --sensitivity: also the Sobol indices of every unit's rank."
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Address of a Dask distributed scheduler (e.g. tcp://10.0.0.5:8786) to run the batches of "
        "replications on; results are identical to a local run with the same seed.",
    ),
    period: int | None = typer.Option(None, "--period", "-p", help="Year to evaluate (default: the latest)."),
    top_k: list[int] | None = typer.Option(
        None, "--top-k", help="Report P(rank <= k) for this k (repeatable; default: [robustness] top_k, else 3, 10)."
    ),
    rank_ranges: bool = typer.Option(
        False,
        "--rank-ranges",
        help="Also write rank_ranges.csv: each unit's best and worst rank of the top index over all weights "
        "of its children, with the weights achieving them (exact for two children; by MILP with proven bounds "
        "for more, up to 300 units; sampled and labelled approximate beyond).",
    ),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write rank_uncertainty.png (and sobol.png)."),
    top: int = typer.Option(15, "--top", help="How many units of the uncertainty table to print."),
) -> None:
    """Uncertainty analysis (不确定性分析): rebuild-free replications of the index under the
    spec's uncertain factors; per unit the nominal, mean and median rank and the 5-95%
    rank interval. With --sensitivity, Sobol indices (敏感性分析) per factor."""
    given = dict(locals())  # the options as given: a workbook run repeats the command into a folder
    from citynexus.data import open_dataset
    from citynexus.evaluate.robustness import Engine, read_spec, uncertainty
    from citynexus.evaluate.robustness import sensitivity as run_sensitivity
    from citynexus.evaluate.robustness.errors import RobustnessSpecError

    workbook = out if out.suffix.lower() == ".xlsx" else None
    check_out(out, folder=workbook is None, suffixes=(".xlsx",) if workbook is not None else ())
    if workbook is not None:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            _INTO_WORKBOOK.append(True)
            try:
                robust_cmd(**{**given, "out": Path(tmp), "plots": False})
            finally:
                _INTO_WORKBOOK.clear()
            _to_workbook(Path(tmp), workbook, data)
        console.print(f"wrote {workbook}")
        return
    if spec is None:
        from citynexus.data.bundled import available
        from citynexus.evaluate.spec import default_spec_path

        if data not in available():
            raise RobustnessSpecError("give --spec: an index spec TOML with [[robustness.factor]] tables")
        spec = default_spec_path(data)
    spec_obj, cfg = read_spec(spec)
    if not cfg.factors:
        raise RobustnessSpecError(
            f"{spec.name} declares no uncertain factors; add [[robustness.factor]] tables (see docs/robustness.md)"
        )
    ds = open_dataset(data)
    if getattr(ds, "synthetic", False):
        console.print("[yellow]note:[/] this dataset is SYNTHETIC (合成数据) — results are for demonstration only.")
    n = samples if samples is not None else cfg.samples
    s = seed if seed is not None else cfg.seed
    ks = list(top_k) if top_k else cfg.top_k
    engine = Engine(ds, spec_obj, cfg.factors, period)
    total = None if replay is not None else n
    common = {"engine": engine, "n": n, "seed": s, "batch_size": cfg.batch_size, "scheduler": scheduler}
    res = _with_bar("uncertainty: replications", total, uncertainty, replay=replay, top_k=ks, **common)
    files = res.to_csv(out)
    summary = res.summary
    show, _ = named(summary[["unit", "nominal_rank", "mean_rank", "median_rank", "q05", "q95"]].head(top), ds, "en")
    title = f"{ds.label(res.index_code)}: rank uncertainty over {res.ranks.shape[0]} replications"
    console.print(df_table(show, title=title, index=False, floatfmt="{:.1f}"))
    console.print(f"mean absolute rank shift against the nominal ranking: {res.mean_shift:.2f}")
    if plots:
        from citynexus.evaluate.robustness.plots import rank_uncertainty_plot

        fig = rank_uncertainty_plot(summary, title=f"{res.index_code}: rank uncertainty (5-95%)")
        fig.savefig(out / "rank_uncertainty.png", dpi=120)
        files.append(out / "rank_uncertainty.png")
    if sensitivity:
        d = len(engine.factors)
        sres = _with_bar("sensitivity: replications", n * (d + 2), run_sensitivity, per_unit=per_unit, **common)
        files += sres.to_csv(out)
        console.print(
            df_table(sres.indices.set_index("factor"), title="Sobol indices of the mean absolute rank shift (95% CI)")
        )
        if not sres.converged:
            console.print(
                "[yellow]warning:[/] some indices changed by more than 0.1 between N/2 and N; increase --samples "
                f"(see {out / 'sensitivity_convergence.csv'})"
            )
        if plots:
            from citynexus.evaluate.robustness.plots import sobol_plot

            fig = sobol_plot(sres.indices, title=f"{res.index_code}: Sobol indices of the mean rank shift")
            fig.savefig(out / "sobol.png", dpi=120)
            files.append(out / "sobol.png")
    if rank_ranges:
        from citynexus.evaluate.robustness.rankrange import rank_ranges_for

        rr = rank_ranges_for(engine.nominal)
        rr.to_csv(out / "rank_ranges.csv")
        files.append(out / "rank_ranges.csv")
        if rr.method == "sampling":
            label = " (approximate: sampled weights)"
        elif rr.approximate:
            label = f" (exact for {int(rr.table['exact'].sum())} of {len(rr.table)} units; see the bounds in the file)"
        else:
            label = " (exact)"
        table, _ = named(
            rr.table.reset_index()[["unit", "nominal_rank", "best_rank", "worst_rank"]].head(top), ds, "en"
        )
        children = ", ".join(ds.label(c) for c in rr.children)
        title = f"{ds.label(rr.code)}: best and worst rank under any weights of {children}{label}"
        console.print(df_table(table, title=title, index=False, floatfmt="{:.0f}"))
    if not _INTO_WORKBOOK:
        console.print(f"wrote {len(files)} files to {out}")


#: set while the tables are written to a temporary folder on their way into a workbook
def _with_bar(label: str, total: int | None, run, **kw):
    """``run(**kw, progress=...)`` with a progress bar ``label`` of ``total`` replications
    (``None``: unknown, e.g. a replay file)."""
    with progress() as bar:
        task = bar.add_task(label, total=total)
        return run(**kw, progress=lambda k: bar.advance(task, k))


_INTO_WORKBOOK: list[bool] = []


def _to_workbook(folder: Path, path: Path, data: str) -> None:
    """One sheet per CSV table of ``folder`` (file order), the units' English and Chinese
    names beside the ``unit`` column."""
    import pandas as pd

    from citynexus.data import open_dataset

    units = open_dataset(data).units.set_index("code")
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for f in sorted(folder.glob("*.csv")):
            df = pd.read_csv(f)
            if "unit" in df.columns:
                at = list(df.columns).index("unit") + 1
                codes = df["unit"].astype(str)
                df.insert(at, "name_zh", codes.map(units["name_zh"]) if "name_zh" in units else "")
                df.insert(at, "name", codes.map(units["name"]))
            df.to_excel(xw, sheet_name=f.stem[:31], index=False)


def register(index_app: typer.Typer) -> None:
    """Add the ``robust`` command to the ``index`` command group."""
    index_app.command("robust")(robust_cmd)
