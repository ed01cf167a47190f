"""``citynexus region``: coupling coordination, obstacle degree, disparity, convergence and
spatial autocorrelation of a dataset or of a CSV of scores."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer

from citynexus.cli._names import LANG_HELP, check_lang, header, label, named, tr, word
from citynexus.cli._options import command_group
from citynexus.cli.common import check_out, console, df_table
from citynexus.cli.region_io import (
    FIG_SUFFIXES,
    OUT_HELP,
    POOLED,
    SPEC_HELP,
    check_region_out,
    given_scores,
    open_data,
    panel_from,
    paren,
    read_scores,
    read_spec,
    scale_of,
    split,
    variable_panel,
    write_out,
)
from citynexus.region.errors import RegionInputError

app = command_group(
    rich_markup_mode="markdown",
    help="Region analytics (区域分析): coupling coordination (耦合协调度), obstacle degree (障碍度), "
    "disparity (Gini, Theil, Dagum), convergence (sigma, beta, kernel density) and spatial "
    "autocorrelation (Moran's I, LISA, Getis-Ord Gi*).\n\n"
    "DATA is a bundled dataset name (e.g. 'gba', synthetic) or a dataset path. Subsystem scores "
    "then come from the composite-index engine: the pooled panel index of the dataset's default "
    "spec (or --spec), on [0, 1] (see docs/methods.md); pass --scores CSV to use your own scores.",
)

DATA_HELP = "Bundled dataset name (e.g. 'gba') or path of a dataset (CSV folder, .xlsx, Parquet folder)."
MODELS = {
    "wang": "corrected model of Wang et al. (2021) / 王淑佳等（2021）修正模型",
    "standard": "standard model / 传统模型",
    "fan": "Fan, Ke & Cao (2024) / 范、柯、曹（2024）",
}


def _plot_names(ds) -> dict[str, str] | None:
    """Unit code -> English name for the figures (which are drawn in English), or None without a dataset."""
    return None if ds is None else {str(c): label(ds, str(c), "en") for c in ds.units["code"]}


def _scores_label(scores: Path | None) -> str:
    return f"scores of {scores.name} (as given)" if scores is not None else POOLED


@app.command("coupling")
def coupling_cmd(
    data: str = typer.Argument(None, help=DATA_HELP),
    scores: Path = typer.Option(None, "--scores", help="CSV of scores: unit[,period], one column per subsystem."),
    method: str = typer.Option("wang", help="Coupling model: wang (Wang et al. 2021, default), standard or fan."),
    subsystems: str = typer.Option(None, help="Comma-separated subsystem codes/columns (default: all)."),
    alpha: str = typer.Option(
        None, help="Comma-separated weights of the subsystems in T, summing to 1 (default equal)."
    ),
    period: int = typer.Option(None, help="Only this period (default: every period)."),
    rescale: bool = typer.Option(False, "--rescale", help="Min-max every score column onto [0.01, 0.99] first."),
    spec: Path = typer.Option(None, "--spec", help=SPEC_HELP),
    change: bool = typer.Option(False, "--change", help="Show the change of D per unit over time instead."),
    plot: Path = typer.Option(None, help="Save a figure of D over time with the grade bands (.png/.svg/.pdf)."),
    out: Path = typer.Option(None, help=OUT_HELP),
    scale: float = typer.Option(
        None,
        "--scale",
        help="Divide --scores by this first (e.g. 100 for scores on 0-100). Files written by `index build` "
        "(with a rank column) on 0-100 are divided by 100 without it, with a note.",
    ),
    units: str = typer.Option(None, "--units", help="Only these units (comma-separated codes)."),
    exclude: str = typer.Option(None, "--exclude", help="Leave out these units (comma-separated codes)."),
    lang: str = typer.Option("en", "--lang", help=LANG_HELP),
) -> None:
    """Coupling coordination degree D = sqrt(C*T) of the subsystems, its grade and the lagging
    subsystem, per unit and period."""
    from citynexus.region.coupling import coupling_change, coupling_coordination

    check_region_out(out)
    check_out(plot, suffixes=FIG_SUFFIXES, option="--plot")
    lang = check_lang(lang, RegionInputError)
    ds = None
    if scores is not None:
        if units or exclude:
            raise RegionInputError("--units and --exclude select units of a dataset; filter the --scores CSV instead")
        sc = given_scores(scores, split(subsystems), scale)
    else:
        from citynexus.services.scores import subsystem_scores

        ds = open_data(data, lang)
        if units or exclude:
            ds = ds.select(split(units), split(exclude), where="[select]")
        sc = subsystem_scores(ds, split(subsystems), spec=read_spec(spec))
    cols = split(subsystems) if scores is not None else None
    if period is not None:
        if "period" not in (sc.index.names or []):
            raise RegionInputError("--period needs scores with a period")
        sc = sc.xs(period, level="period", drop_level=False)
        if sc.empty:
            raise RegionInputError(f"no scores for period {period}")
    a = [float(x) for x in split(alpha)] if alpha else None
    res = coupling_coordination(sc, method=method, alpha=a, subsystems=cols, rescale=rescale)
    model, on = MODELS.get(method, method), _scores_label(scores)
    table = res
    extra: dict = {"method": method, "model": model, "scores": on, "coupling": res}
    if (change or plot is not None) and "period" not in (res.index.names or []):
        raise RegionInputError("--change and --plot need scores over several periods")
    if change:
        table = coupling_change(res)
        extra["change"] = table
    if plot is not None:
        from citynexus.region.plots import plot_coupling_over_time

        title = f"Coupling coordination degree D ({MODELS.get(method, method).split(' / ')[0]})"
        plot_coupling_over_time(res, title=title, names=_plot_names(ds)).savefig(plot)
        console.print(f"wrote {plot}")
    shown = (
        table
        if change
        else table[[c for c in ("C", "T", "D", "grade", "type", "grade_zh", "type_zh", "lagging") if c in table]]
    )
    shown, with_index = named(shown, ds, lang)
    title = tr(
        "regioncli_coupling_title",
        lang,
        model=tr(f"regioncli_model_{method}", lang) if method in MODELS else method,
        scores=tr("regioncli_given", lang, file=scores.name) if scores is not None else tr("regioncli_pooled", lang),
    )
    console.print(df_table(shown, title, index=with_index))
    about = {
        "coupling model": model,
        "scores": f"{scores} (as given)"
        if scores is not None
        else "pooled panel index of the dataset's spec, on [0, 1] (面板合并得分)",
        "subsystems": "; ".join(
            f"{c} ({ds.label(c, 'en')} / {ds.label(c, 'zh')})" if ds is not None else str(c)
            for c in (cols or list(sc.columns))
        ),
    }
    write_out(out, table, extra, ds=ds, about=about, columns={"model": method, "scores": on})


# ---------------------------------------------------------------------------- obstacles
@app.command("obstacles")
def obstacles_cmd(
    data: str = typer.Argument(None, help=DATA_HELP),
    matrix: Path = typer.Option(None, help="CSV of normalised values on [0,1]: unit, then one column per indicator."),
    weights: Path = typer.Option(None, help="CSV with columns indicator, weight[, pillar] (with --matrix)."),
    period: int = typer.Option(None, help="Period of the dataset (default: the latest)."),
    top: int = typer.Option(5, help="How many obstacles to list per unit."),
    pillars: bool = typer.Option(False, "--pillars", help="Show obstacle degrees aggregated to pillars."),
    spec: Path = typer.Option(None, "--spec", help=SPEC_HELP),
    out: Path = typer.Option(None, help=OUT_HELP),
    lang: str = typer.Option("en", "--lang", help=LANG_HELP),
) -> None:
    """Obstacle degree (障碍度): each indicator's share (%) of what holds a unit back,
    weight x (1 - normalised value), normalised to 100% per unit; top obstacles; pillars."""
    from citynexus.region.obstacle import obstacle_analysis

    check_region_out(out)
    lang = check_lang(lang, RegionInputError)
    if matrix is not None:
        if weights is None:
            raise RegionInputError("--matrix needs --weights (CSV: indicator, weight[, pillar])")
        X = read_scores(matrix)
        if not weights.exists():
            raise RegionInputError(f"weights file {weights} does not exist")
        wdf = pd.read_csv(weights)
        if not {"indicator", "weight"} <= set(wdf.columns):
            raise RegionInputError(f"{weights}: needs columns indicator and weight")
        w = wdf.set_index("indicator")["weight"]
        pil = wdf.set_index("indicator")["pillar"] if "pillar" in wdf.columns else None
    else:
        from citynexus.services.scores import obstacle_inputs

        ds = open_data(data, lang)
        X, w, pil = obstacle_inputs(ds, period, spec=read_spec(spec))
        n_missing = int(X.isna().sum().sum())
        if n_missing:
            console.print(tr("cli_missing_obstacles", lang, n=n_missing))
    res = obstacle_analysis(X, w, pil, k=top, missing="skip")
    main = res["pillars"] if pillars and "pillars" in res else res["top"]
    shown, with_index = named(main, None if matrix is not None else ds, lang)
    console.print(df_table(shown, tr("regioncli_obstacles_title", lang), index=with_index))
    write_out(out, main, res)


# ---------------------------------------------------------------------------- disparity
@app.command("disparity")
def disparity_cmd(
    data: str = typer.Argument(None, help=DATA_HELP),
    variable: str = typer.Option(
        ..., "--variable", "-v", help="Indicator, denominator or subsystem code (or a column of --scores)."
    ),
    scores: Path = typer.Option(None, "--scores", help="CSV with unit[,period] and the variable column."),
    group_col: str = typer.Option(
        "group",
        help="Column of the dataset's units that holds the groups (for Theil and Dagum decompositions); '' for none.",
    ),
    weight: str = typer.Option(None, help="Denominator code to weight by (e.g. population)."),
    out: Path = typer.Option(None, help=OUT_HELP),
    lang: str = typer.Option("en", "--lang", help=LANG_HELP),
) -> None:
    """Disparity per period: CV, Gini, Theil T and L, and by groups the Theil within/between
    parts and Dagum's G_w, G_nb, G_t."""
    from citynexus.region.disparity import disparity_by_period

    check_region_out(out)
    lang = check_lang(lang, RegionInputError)
    s, ds = panel_from(data, scores, variable, lang)
    groups = w = None
    if ds is not None and group_col:
        if group_col not in ds.units.columns:
            raise RegionInputError(f"units have no column '{group_col}' (columns: {list(ds.units.columns)})")
        groups = ds.units.set_index("code")[group_col]
    if weight:
        if ds is None:
            raise RegionInputError("--weight needs a dataset")
        w = variable_panel(ds, weight)
    table = disparity_by_period(s, groups, w)
    title = tr("regioncli_disparity_title", lang, variable=label(ds, variable, lang))
    shown, with_index = named(table[["n", "mean", "cv", "gini", "theil_T", "theil_L"]], ds, lang)
    pooled = paren(tr("regioncli_pooled", lang) if scale_of(ds, variable) else "")
    console.print(df_table(shown, title + pooled, index=with_index, floatfmt="{:.4g}"))
    decomp = [c for c in ("theil_T_within", "theil_T_between", "G_w", "G_nb", "G_t") if c in table.columns]
    if decomp:
        shown, with_index = named(table[decomp], ds, lang)
        title = tr("cli_decomposition", lang, column=header(group_col, ds, lang))
        console.print(df_table(shown, title, index=with_index, floatfmt="{:.4g}"))
    write_out(out, table, {"variable": variable, "scores": scale_of(ds, variable), "disparity": table})


# ---------------------------------------------------------------------------- convergence
@app.command("convergence")
def convergence_cmd(
    data: str = typer.Argument(None, help=DATA_HELP),
    variable: str = typer.Option(..., "--variable", "-v", help="Indicator, denominator or subsystem code."),
    scores: Path = typer.Option(None, "--scores", help="CSV with unit, period and the variable column."),
    measure: str = typer.Option("cv", help="Dispersion for sigma convergence: cv, sd or sd_log."),
    kde: Path = typer.Option(None, help="Save the kernel-density evolution figure here (.png/.svg/.pdf)."),
    out: Path = typer.Option(None, help=OUT_HELP),
    lang: str = typer.Option("en", "--lang", help=LANG_HELP),
) -> None:
    """Sigma convergence (dispersion trend), absolute beta convergence (cross-section) and
    conditional beta convergence (panel with unit fixed effects): beta, standard error,
    implied speed and half-life."""
    from citynexus.region.convergence import beta_convergence, kernel_density, sigma_convergence

    check_region_out(out)
    check_out(kde, suffixes=FIG_SUFFIXES, option="--kde")
    lang = check_lang(lang, RegionInputError)
    s, ds = panel_from(data, scores, variable, lang)
    scale = scale_of(ds, variable)
    sig = sigma_convergence(s, measure=measure)
    absb = beta_convergence(s, method="cross-section")
    cond = beta_convergence(s, method="panel-fe")
    beta = pd.DataFrame({"absolute": absb.summary(), "conditional (unit FE)": cond.summary()})
    title = tr("regioncli_sigma_title", lang, variable=label(ds, variable, lang))
    shown, with_index = named(sig.table, ds, lang)
    console.print(df_table(shown, title + paren(tr("regioncli_pooled", lang) if scale else ""), index=with_index))
    verdict = tr("cli_converging" if sig.converging else "cli_not_converging", lang)
    trend = {"slope": sig.slope, "se": sig.se, "p": sig.pvalue, "verdict": verdict}
    console.print(tr("cli_sigma_trend", lang, measure=header(measure, ds, lang), **trend))
    beta = beta.map(lambda v: f"{v:.4g}" if isinstance(v, float) else word(v, lang))
    beta.index = [header(str(i), ds, lang) for i in beta.index]
    beta.columns = [header(str(c), ds, lang) for c in beta.columns]
    console.print(df_table(beta, tr("cli_beta_title", lang)))
    if kde is not None:
        from citynexus.region.plots import plot_kernel_density

        name = label(ds, variable, "en")
        plot_kernel_density(kernel_density(s), title=f"Kernel density of {name}", xlabel=name).savefig(kde)
        console.print(f"wrote {kde}")
    write_out(
        out,
        sig.table,
        {
            "variable": variable,
            "scores": scale,
            "sigma": sig.table,
            "sigma_trend": sig.summary(),
            "beta_absolute": absb.summary(),
            "beta_conditional": cond.summary(),
        },
    )


# ---------------------------------------------------------------------------- spatial
@app.command("spatial")
def spatial_cmd(
    data: str = typer.Argument(None, help=DATA_HELP),
    variable: str = typer.Option(..., "--variable", "-v", help="Indicator, denominator or subsystem code."),
    period: int = typer.Option(None, help="Period (default: the latest)."),
    weights: str = typer.Option("queen", help="Spatial weights: queen (city boundaries), rook, knn or distance."),
    k: int = typer.Option(4, help="Neighbours for knn weights (also the fallback when boundaries are missing)."),
    threshold_km: float = typer.Option(None, help="Distance band in km for distance weights."),
    permutations: int = typer.Option(999, help="Permutations for pseudo p-values."),
    seed: int = typer.Option(12345, help="Random seed of the permutations (same seed, same p-values)."),
    geojson: Path = typer.Option(None, help="Also write the GBA city boundaries (WGS 84, simplified) here."),
    plot: Path = typer.Option(None, help="Save a LISA cluster map here (.png/.svg/.pdf)."),
    out: Path = typer.Option(None, help=OUT_HELP),
    lang: str = typer.Option("en", "--lang", help=LANG_HELP),
) -> None:
    """Global Moran's I, local Moran (LISA: HH/LH/LL/HL) and Getis-Ord Gi* hot and cold spots
    of one variable in one period (PySAL esda)."""
    from citynexus.data.boundaries import available_boundaries
    from citynexus.region.spatial import getis_ord, local_moran, moran, spatial_weights

    check_region_out(out)
    check_out(plot, suffixes=FIG_SUFFIXES, option="--plot")
    check_out(geojson, option="--geojson")
    lang = check_lang(lang, RegionInputError)
    ds = open_data(data, lang)
    s = variable_panel(ds, variable)
    p = period if period is not None else int(s.index.get_level_values("period").max())
    if p not in set(s.index.get_level_values("period")):
        raise RegionInputError(f"no values of {variable} in period {p}")
    y = s.xs(p, level="period")
    units = ds.units[ds.units["code"].isin(y.index)]
    codes = [str(c) for c in units["code"]]
    polygons = available_boundaries(codes) if weights in ("queen", "rook") else None
    w, used = spatial_weights(units, weights, k=k, threshold_km=threshold_km, boundaries=polygons)
    g = moran(y, w, permutations=permutations, seed=seed)
    lisa = local_moran(y, w, permutations=permutations, seed=seed)
    gi = getis_ord(y, w, permutations=permutations, seed=seed)
    table = lisa.join(gi[["G", "z", "spot"]])
    stats = f"{g['I']:.4f} (E[I] = {g['EI']:.4f}, z = {g['z_norm']:.3f}, p_norm = {g['p_norm']:.3g}" + (
        f", p_sim = {g['p_sim']:.3g})" if "p_sim" in g else ")"
    )
    console.print(tr("cli_moran_line", lang, weights=used, stats=stats))
    shown, with_index = named(table[["value", "Is", "quadrant", "p_sim", "cluster", "z", "spot"]], ds, lang)
    title = tr("regioncli_lisa_title", lang, variable=label(ds, variable, lang), period=p) + paren(
        tr("regioncli_pooled", lang) if scale_of(ds, variable) else ""
    )
    console.print(df_table(shown, title, index=with_index))
    if geojson is not None or plot is not None:
        from citynexus.data.boundaries import read_adcodes, read_boundaries
        from citynexus.region.geo import gba_geojson

        gj = gba_geojson(read_boundaries(codes), adcodes=read_adcodes(codes))
        if geojson is not None:
            geojson.write_text(json.dumps(gj, ensure_ascii=False), encoding="utf-8")
            console.print(f"wrote {geojson}")
        if plot is not None:
            from citynexus.region.plots import plot_lisa_map

            title = f"LISA clusters of {label(ds, variable, 'en')}, {p}"
            plot_lisa_map(lisa, gj, title=title, names=_plot_names(ds)).savefig(plot)
            console.print(f"wrote {plot}")
    write_out(
        out,
        table,
        {
            "variable": variable,
            "scores": scale_of(ds, variable),
            "period": p,
            "weights": used,
            "moran": g,
            "local": table,
        },
    )
