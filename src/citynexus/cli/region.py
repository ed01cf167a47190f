"""``citynexus region``: coupling coordination, obstacle degree, disparity, convergence and
spatial autocorrelation of a dataset or of a CSV of scores."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from citynexus.cli.common import check_out, console, df_table
from citynexus.region.errors import RegionInputError

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Region analytics (区域分析): coupling coordination (耦合协调度), obstacle degree (障碍度), "
    "disparity (Gini, Theil, Dagum), convergence (sigma, beta, kernel density) and spatial "
    "autocorrelation (Moran's I, LISA, Getis-Ord Gi*).\n\n"
    "DATA is a bundled dataset name (e.g. 'gba', synthetic) or a dataset path. Subsystem scores "
    "then come from the composite-index engine: the pooled panel index of the dataset's default "
    "spec (or --spec), on [0, 1] (see docs/methods.md); pass --scores CSV to use your own scores.",
    no_args_is_help=True,
)

DATA_HELP = "Bundled dataset name (e.g. 'gba') or path of a dataset (CSV folder, .xlsx, Parquet folder)."
OUT_HELP = (
    "Write the result to this file: .csv (main table), .json (all tables) or .xlsx (one sheet per table, "
    "English and Chinese names beside the unit codes)."
)
OUT_SUFFIXES = (".csv", ".json", ".xlsx")
FIG_SUFFIXES = (".png", ".svg", ".pdf")


def _check_out(out: Path | None) -> None:
    """Refuse a wrong --out before any work starts."""
    if out is not None and out.suffix.lower() not in OUT_SUFFIXES:
        raise RegionInputError(f"--out must end in .xlsx, .csv or .json, got {out.name}")
    if out is not None and out.is_dir():
        raise RegionInputError(f"--out {out} is a folder; give a file name ending in .xlsx, .csv or .json")
    check_out(out, suffixes=OUT_SUFFIXES)


# ---------------------------------------------------------------------------- helpers
LANG_HELP = "Language of the printed tables: en, zh or zh-Hant (unit names, grades, types, titles)."


def _lang(lang: str) -> str:
    if lang not in ("en", "zh", "zh-Hant"):
        raise RegionInputError(f"--lang must be en, zh or zh-Hant, not {lang!r}")
    return lang


def _tr(key: str, lang: str, **kw) -> str:
    from citynexus.i18n import t

    return t(f"regioncli_{key}", lang).format(**kw)


def _label(ds, code: str, lang: str) -> str:
    """A code's name in ``lang`` (the code itself without a dataset)."""
    if ds is None:
        return code
    from citynexus.i18n import to_hant

    name = ds.label(code, "zh" if lang.startswith("zh") else "en")
    return to_hant(name) if lang == "zh-Hant" else name


def _named(df: pd.DataFrame, ds, lang: str) -> tuple[pd.DataFrame, bool]:
    """The table to print: the units' names in ``lang`` beside their codes, grades and types
    in ``lang``; returns (table, whether to print its index)."""
    from citynexus.i18n import to_hant

    flat = df.reset_index() if df.index.nlevels > 1 or df.index.name == "unit" else df.copy()
    index = flat is df
    zh = lang.startswith("zh")
    conv = to_hant if lang == "zh-Hant" else (lambda x: x)
    if zh:
        for en, cn in (("grade", "grade_zh"), ("type", "type_zh")):
            if en in flat.columns and cn in df.reset_index().columns:
                flat[en] = [conv(str(v)) for v in df.reset_index()[cn]]
    if ds is not None and "lagging" in df.reset_index().columns and "type" in flat.columns:
        # relative-development types named with the subsystems' names, not their codes
        def typed(lag) -> str:
            who = [c for c in str(lag if isinstance(lag, str) else "").split(",") if c]
            if not who:
                return _tr("synchronous", lang)
            return _tr("lagging", lang, names="+".join(_label(ds, c, lang) for c in who))

        flat["type"] = [typed(x) for x in df.reset_index()["lagging"]]
    if ds is not None and "indicator" in flat.columns:
        flat["indicator"] = [_label(ds, str(c), lang) for c in flat["indicator"]]
    if ds is not None and "unit" in flat.columns:
        names = ds.units.set_index("code")["name_zh" if zh else "name"]
        at = list(flat.columns).index("unit") + 1
        flat.insert(at, "name", [conv(str(names.get(u, u))) if names.get(u, "") else u for u in flat["unit"]])
    if zh:
        flat = flat.rename(columns={k: _tr(k, lang) for k in ("unit", "name", "grade", "type", "period")})
    return flat, index


def _dataset(data: str | None):
    if data is None:
        raise RegionInputError("give a dataset (DATA argument) or a CSV of scores (--scores)")
    from citynexus.data import open_dataset

    ds = open_dataset(data)
    if ds.synthetic:
        console.print("[yellow]note:[/] this dataset is SYNTHETIC (合成数据) — results are for demonstration only.")
    return ds


def _read_scores(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise RegionInputError(f"scores file {path} does not exist")
    try:
        df = pd.read_csv(path)
    except Exception as e:  # parser errors
        raise RegionInputError(f"cannot read {path} as CSV: {e}") from e
    if "unit" not in df.columns:
        raise RegionInputError(f"{path}: needs a 'unit' column (and optionally 'period') plus one column per score")
    df["unit"] = df["unit"].astype(str)
    if "period" in df.columns:
        df["period"] = df["period"].astype(int)
        return df.set_index(["unit", "period"])
    return df.set_index("unit")


def _split(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def _jsonable(obj):
    if isinstance(obj, pd.DataFrame):
        df = obj.reset_index() if not isinstance(obj.index, pd.RangeIndex) else obj
        return json.loads(df.to_json(orient="records", force_ascii=False))
    if isinstance(obj, pd.Series):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _with_names(df: pd.DataFrame, ds) -> pd.DataFrame:
    """``df`` with the units' English and Chinese names right after the ``unit`` column."""
    flat = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df.copy()
    if ds is None or "unit" not in flat.columns:
        return flat
    u = ds.units.set_index("code")
    at = list(flat.columns).index("unit") + 1
    flat.insert(at, "name_zh", flat["unit"].map(u["name_zh"]))
    flat.insert(at, "name", flat["unit"].map(u["name"]))
    if "lagging" in flat.columns and {"type", "type_zh"} <= set(flat.columns):
        # relative-development types named with the subsystems' names, not their codes

        def named(lag, lang: str) -> str:
            who = [c for c in str(lag if isinstance(lag, str) else "").split(",") if c]
            if not who:
                return "同步型" if lang == "zh" else "synchronous"
            joined = "+".join(ds.label(c, lang) for c in who)
            return f"{joined}滞后型" if lang == "zh" else f"{joined} lagging"

        flat["type"] = [named(x, "en") for x in flat["lagging"]]
        flat["type_zh"] = [named(x, "zh") for x in flat["lagging"]]
    return flat


def _write_xlsx(out: Path, main: pd.DataFrame, everything: dict, ds, about: dict[str, str]) -> None:
    """One sheet per table of ``everything`` (the main table first), unit names beside codes,
    and an ``about`` sheet (what was computed, on which scores)."""
    tables = {k: v for k, v in everything.items() if isinstance(v, pd.DataFrame)}
    if not tables:
        tables = {"result": main}
    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        for name, df in tables.items():
            _with_names(df, ds).to_excel(xw, sheet_name=str(name)[:31], index=False)
        rows = [{"item": k, "value": v} for k, v in about.items()]
        if ds is not None and ds.synthetic:
            rows.insert(0, {"item": "data", "value": "SYNTHETIC DATA (合成数据) — for demonstration only"})
        pd.DataFrame(rows).to_excel(xw, sheet_name="about", index=False)


def _write(
    out: Path | None,
    main: pd.DataFrame,
    everything: dict,
    ds=None,
    about: dict | None = None,
    columns: dict | None = None,
) -> None:
    """Write ``out``; ``columns`` are constant columns added to a CSV (e.g. the coupling
    model), which has no other place to say them."""
    if out is None:
        return
    _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".json":
        out.write_text(json.dumps(_jsonable(everything), ensure_ascii=False, indent=2), encoding="utf-8")
    elif out.suffix.lower() == ".csv":
        main.assign(**(columns or {})).to_csv(out, encoding="utf-8")
    else:
        _write_xlsx(out, main, everything, ds, about or {})
    console.print(f"wrote {out}")


SPEC_HELP = "Index spec (TOML) for the subsystem scores (default: the dataset's bundled spec, else min-max 0-100)."


def _spec(path: Path | None):
    if path is None:
        return None
    from citynexus.evaluate import IndexSpec

    return IndexSpec.read(path)


def _variable_panel(ds, variable: str) -> pd.Series:
    """(unit, period) Series of an indicator, denominator or subsystem score."""
    from citynexus.services.scores import subsystem_scores

    codes = set(ds.codes("indicator")) | set(ds.codes("denominator"))
    if variable in codes:
        return ds.panel([variable])[variable].dropna()
    if variable in set(ds.codes("aggregate")):
        return subsystem_scores(ds, [variable])[variable].dropna()
    raise RegionInputError(
        f"unknown variable '{variable}': use an indicator, denominator or aggregate code of the dataset "
        f"(e.g. {', '.join((ds.codes('aggregate') + ds.codes('denominator'))[:6])})"
    )


def _scale_of(ds, variable: str) -> str:
    """Which scores ``variable`` is: the pooled panel scores when it is a subsystem score of the
    index engine (every year on one scale), else '' (raw indicator values or given scores)."""
    return POOLED if ds is not None and variable in set(ds.codes("aggregate")) else ""


def _paren(text: str) -> str:
    return f" ({text})" if text else ""


def _panel_from(data: str | None, scores: Path | None, variable: str) -> tuple[pd.Series, object]:
    if scores is not None:
        df = _read_scores(scores)
        if variable not in df.columns:
            raise RegionInputError(f"{scores}: no column '{variable}' (columns: {list(df.columns)})")
        s = df[variable].astype(float).dropna()
        if s.index.nlevels == 1:
            s.index = pd.MultiIndex.from_arrays([s.index, np.zeros(len(s), dtype=int)], names=["unit", "period"])
        return s, None
    ds = _dataset(data)
    return _variable_panel(ds, variable), ds


# ---------------------------------------------------------------------------- coupling
def _given_scores(path: Path, cols: list[str] | None, scale: float | None = None) -> pd.DataFrame:
    """Scores of a CSV for the coupling model, on [0, 1]: the named columns (default: every
    numeric column but ``rank``). ``index build``'s files (``scores.csv``, ``panel_scores.csv``:
    they have a ``rank`` column) on 0-100 are divided by 100, with a note saying so; any other
    file is divided by ``scale`` when given (``--scale 100``), else used as it is."""
    sc = _read_scores(path)
    from_build = "rank" in sc.columns
    if cols is None:
        cols = [c for c in sc.columns if c != "rank" and pd.api.types.is_numeric_dtype(sc[c])]
    missing = [c for c in cols if c not in sc.columns]
    if missing:
        raise RegionInputError(f"{path.name}: no column '{missing[0]}' (columns: {', '.join(map(str, sc.columns))})")
    sc = sc[cols].apply(pd.to_numeric, errors="coerce")
    lo, hi = float(sc.min().min()), float(sc.max().max())
    if scale is not None:
        if not scale > 0:
            raise RegionInputError(f"--scale must be a positive number, got {scale:g}")
        console.print(f"[yellow]note:[/] the scores of {path.name} are divided by {scale:g} (--scale)")
        return sc / scale
    if from_build and hi > 1 and lo >= 0 and hi <= 100:
        console.print(
            f"[yellow]note:[/] the scores of {path.name} lie on 0-100 (max {hi:.4g}), as `index build` writes "
            "them: divided by 100 to put them on [0, 1] for the coupling model"
        )
        sc = sc / 100.0
    return sc


#: each coupling model's name as the outputs state it (see docs/methods.md, Part II section 1)
MODELS = {
    "wang": "corrected model of Wang et al. (2021) / 王淑佳等（2021）修正模型",
    "standard": "standard model / 传统模型",
    "fan": "Fan, Ke & Cao (2024) / 范、柯、曹（2024）",
}
POOLED = "pooled panel scores, all years on one scale / 面板合并得分"


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

    _check_out(out)
    check_out(plot, suffixes=FIG_SUFFIXES, option="--plot")
    lang = _lang(lang)
    ds = None
    if scores is not None:
        if units or exclude:
            raise RegionInputError("--units and --exclude select units of a dataset; filter the --scores CSV instead")
        sc = _given_scores(scores, _split(subsystems), scale)
    else:
        from citynexus.services.scores import subsystem_scores

        ds = _dataset(data)
        if units or exclude:
            ds = ds.select(_split(units), _split(exclude), where="[select]")
        sc = subsystem_scores(ds, _split(subsystems), spec=_spec(spec))
    cols = _split(subsystems) if scores is not None else None
    if period is not None:
        if "period" not in (sc.index.names or []):
            raise RegionInputError("--period needs scores with a period")
        sc = sc.xs(period, level="period", drop_level=False)
        if sc.empty:
            raise RegionInputError(f"no scores for period {period}")
    a = [float(x) for x in _split(alpha)] if alpha else None
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
        plot_coupling_over_time(res, title=title).savefig(plot)
        console.print(f"wrote {plot}")
    shown = (
        table
        if change
        else table[[c for c in ("C", "T", "D", "grade", "type", "grade_zh", "type_zh", "lagging") if c in table]]
    )
    named, with_index = _named(shown, ds, lang)
    named = named.drop(columns=[c for c in ("grade_zh", "type_zh", "lagging") if c in named.columns])
    title = _tr(
        "coupling_title",
        lang,
        model=_tr(f"model_{method}", lang) if method in MODELS else method,
        scores=_tr("given", lang, file=scores.name) if scores is not None else _tr("pooled", lang),
    )
    console.print(df_table(named, title, index=with_index))
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
    _write(out, table, extra, ds=ds, about=about, columns={"model": method, "scores": on})


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

    _check_out(out)
    if matrix is not None:
        if weights is None:
            raise RegionInputError("--matrix needs --weights (CSV: indicator, weight[, pillar])")
        X = _read_scores(matrix)
        if not weights.exists():
            raise RegionInputError(f"weights file {weights} does not exist")
        wdf = pd.read_csv(weights)
        if not {"indicator", "weight"} <= set(wdf.columns):
            raise RegionInputError(f"{weights}: needs columns indicator and weight")
        w = wdf.set_index("indicator")["weight"]
        pil = wdf.set_index("indicator")["pillar"] if "pillar" in wdf.columns else None
    else:
        from citynexus.services.scores import obstacle_inputs

        ds = _dataset(data)
        X, w, pil = obstacle_inputs(ds, period, spec=_spec(spec))
        n_missing = int(X.isna().sum().sum())
        if n_missing:
            console.print(
                f"[yellow]note:[/] {n_missing} missing indicator value(s) are left out of their unit's obstacle shares"
            )
    res = obstacle_analysis(X, w, pil, k=top, missing="skip")
    main = res["pillars"] if pillars and "pillars" in res else res["top"]
    shown, with_index = _named(main, None if matrix is not None else ds, _lang(lang))
    console.print(df_table(shown, _tr("obstacles_title", lang), index=with_index))
    _write(out, main, res)


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

    _check_out(out)
    s, ds = _panel_from(data, scores, variable)
    groups = w = None
    if ds is not None and group_col:
        if group_col not in ds.units.columns:
            raise RegionInputError(f"units have no column '{group_col}' (columns: {list(ds.units.columns)})")
        groups = ds.units.set_index("code")[group_col]
    if weight:
        if ds is None:
            raise RegionInputError("--weight needs a dataset")
        w = _variable_panel(ds, weight)
    table = disparity_by_period(s, groups, w)
    console.print(
        df_table(
            table[["n", "mean", "cv", "gini", "theil_T", "theil_L"]],
            _tr("disparity_title", _lang(lang), variable=_label(ds, variable, lang))
            + _paren(_tr("pooled", lang) if _scale_of(ds, variable) else ""),
            floatfmt="{:.4g}",
        )
    )
    decomp = [c for c in ("theil_T_within", "theil_T_between", "G_w", "G_nb", "G_t") if c in table.columns]
    if decomp:
        console.print(df_table(table[decomp], f"decomposition by '{group_col}'", floatfmt="{:.4g}"))
    _write(out, table, {"variable": variable, "scores": _scale_of(ds, variable), "disparity": table})


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

    _check_out(out)
    check_out(kde, suffixes=FIG_SUFFIXES, option="--kde")
    s, ds = _panel_from(data, scores, variable)
    scale = _scale_of(ds, variable)
    sig = sigma_convergence(s, measure=measure)
    absb = beta_convergence(s, method="cross-section")
    cond = beta_convergence(s, method="panel-fe")
    beta = pd.DataFrame({"absolute": absb.summary(), "conditional (unit FE)": cond.summary()})
    title = _tr("sigma_title", _lang(lang), variable=_label(ds, variable, lang)) + _paren(
        _tr("pooled", lang) if scale else ""
    )
    console.print(df_table(sig.table, title))
    console.print(
        f"trend of {measure}: slope {sig.slope:.4g} (se {sig.se:.3g}, p {sig.pvalue:.3g}) -> "
        f"{'converging' if sig.converging else 'no significant sigma convergence'}"
    )
    console.print(df_table(beta.map(lambda v: f"{v:.4g}" if isinstance(v, float) else str(v)), "beta convergence"))
    if kde is not None:
        from citynexus.region.plots import plot_kernel_density

        plot_kernel_density(kernel_density(s), title=f"Kernel density of {variable}", xlabel=variable).savefig(kde)
        console.print(f"wrote {kde}")
    _write(
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

    _check_out(out)
    check_out(plot, suffixes=FIG_SUFFIXES, option="--plot")
    check_out(geojson, option="--geojson")
    ds = _dataset(data)
    s = _variable_panel(ds, variable)
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
    console.print(
        f"weights: {used}; Moran's I = {g['I']:.4f} (E[I] = {g['EI']:.4f}, z = {g['z_norm']:.3f}, "
        f"p_norm = {g['p_norm']:.3g}" + (f", p_sim = {g['p_sim']:.3g})" if "p_sim" in g else ")")
    )
    shown, with_index = _named(table[["value", "Is", "quadrant", "p_sim", "cluster", "z", "spot"]], ds, _lang(lang))
    title = _tr("lisa_title", lang, variable=_label(ds, variable, lang), period=p) + _paren(
        _tr("pooled", lang) if _scale_of(ds, variable) else ""
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

            plot_lisa_map(lisa, gj, title=f"LISA clusters of {variable}, {p}").savefig(plot)
            console.print(f"wrote {plot}")
    _write(
        out,
        table,
        {
            "variable": variable,
            "scores": _scale_of(ds, variable),
            "period": p,
            "weights": used,
            "moran": g,
            "local": table,
        },
    )
