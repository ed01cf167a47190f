"""The self-contained HTML report: every figure and plotly's JavaScript inlined, so the file
opens from disk without network."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape

from citynexus import __version__
from citynexus.i18n import LANGS, base_lang, t, to_hant_page
from citynexus.report import figures as figs_mod
from citynexus.report.agreements import agreements_section
from citynexus.report.methods import describe
from citynexus.services.analysis import ClusterAnalysis, Note, note_text


def plotly_js() -> str:
    import plotly

    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")


def geojson_or_none(notes: list[str]) -> dict | None:
    try:
        from citynexus.data.boundaries import read_adcodes, read_boundaries
        from citynexus.region.geo import gba_geojson

        return gba_geojson(read_boundaries(), adcodes=read_adcodes())
    except Exception as err:  # boundaries are optional: coordinates suffice
        notes.append(Note("note_boundaries_unavailable", reason=" ".join(str(err).split())))
        return None


def geojson_for(dataset, notes: list[str]) -> dict | None:
    """City boundaries when every unit of ``dataset`` is a GBA city (the bundled boundaries),
    else ``None``: maps are then drawn from coordinates, or left out when there are none."""
    try:
        from citynexus.region.geo import GBA_CITIES
    except Exception:  # pragma: no cover - geo extras missing
        return None
    if not set(dataset.unit_codes) <= set(GBA_CITIES):
        return None
    return geojson_or_none(notes)


def can_map(a: ClusterAnalysis, geojson: dict | None) -> bool:
    """A map can be drawn: boundaries for every unit, or coordinates for every unit."""
    if a.has_coordinates:
        return True
    if geojson is None:
        return False
    known = {f.get("properties", {}).get("code") for f in geojson.get("features", [])}
    return set(a.dataset.unit_codes) <= known


def build_figures(a: ClusterAnalysis, lang: str = "en", geojson: dict | None = None) -> dict[str, go.Figure]:
    """Every figure of the report (also used by the dashboard). ``lang`` is ``en`` or ``zh``
    (``zh-Hant`` figures are the ``zh`` ones converted with the page). There is no map when
    the units have neither coordinates nor boundaries."""
    lang = base_lang(lang)
    names = a.names(lang)
    top = a.index_code
    summ = a.summary(lang)
    figs: dict[str, go.Figure] = {}
    tab = pd.DataFrame({"name": summ["city"], "score": summ["score"], "rank": summ["rank"]})
    if "rank_q05" in summ:
        tab["q05"], tab["q95"] = summ["rank_q05"], summ["rank_q95"]
    figs["ranking"] = figs_mod.ranking_figure(tab, lang, title=f"{a.dataset.label(top, lang)} — {a.period}")
    if a.uncertainty is not None:
        figs["uncertainty"] = figs_mod.rank_uncertainty_figure(a.uncertainty, names, lang)
    if can_map(a, geojson):
        figs["map"] = figs_mod.choropleth_figure(
            geojson,
            a.result.scores[top],
            a.dataset.units,
            title=f"{t('map', lang)}: {a.dataset.label(top, lang)} ({a.period})",
            lang=lang,
        )
    figs["radar"] = radar_with_menu(a, lang)
    coupling = a.coupling.reset_index()
    from citynexus.region import GRADES_10

    figs["coupling"] = figs_mod.timeseries_figure(
        coupling,
        "D",
        names,
        t("coupling", lang) + " D",
        lang,
        bands=GRADES_10,
        y_range=(max(0.0, coupling["D"].min() - 0.1), min(1.0, coupling["D"].max() + 0.1)),
    )
    dag = a.disparity[[c for c in ("G_w", "G_nb", "G_t") if c in a.disparity.columns]]
    if len(dag.columns):
        labels = {
            "G_w": t("report_dagum_w", lang),
            "G_nb": t("report_dagum_nb", lang),
            "G_t": t("report_dagum_t", lang),
        }
        figs["disparity"] = figs_mod.stacked_bars_figure(
            dag, t("disparity", lang) + " — " + t("report_dagum_title", lang), labels, t("report_gini", lang)
        )
    if a.lisa is not None:
        figs["lisa"] = figs_mod.lisa_map_figure(geojson, a.lisa["cluster"], a.dataset.units, lang)
    if a.network_links is not None:
        figs["network"] = figs_mod.network_figure(
            a.network_links,
            a.dataset.units,
            a.network_nodes["relative_gnc"],
            t("report_gravity", lang),
            lang,
            geojson=geojson,
        )
    return figs


def radar_table(a: ClusterAnalysis) -> pd.DataFrame:
    """What the profile radar shows: the pillar scores when there are 3 or more pillars, else
    the normalised indicators (units x axes)."""
    pillars = [c for c in a.dataset.codes("aggregate") if a.dataset.parent_of(c) == a.index_code]
    return a.result.scores[pillars] if len(pillars) >= 3 else a.result.normalised


def radar_with_menu(a: ClusterAnalysis, lang: str = "en") -> go.Figure:
    """Radar of each city's profile (pillars when there are 3 or more, else the normalised
    indicators), with a menu to switch city."""
    lang = base_lang(lang)
    table = radar_table(a)
    labels = {c: a.dataset.label(c, lang) for c in table.columns}
    names = a.names(lang)
    units = list(table.index)
    fig = go.Figure()
    theta, hover = figs_mod.radar_axes(list(table.columns), labels)
    mean = table.mean()
    fig.add_trace(
        go.Scatterpolar(
            r=[*mean.tolist(), mean.iloc[0]],
            theta=theta,
            line={"color": "#9aa5b1", "dash": "dot"},
            name=t("report_cluster_mean", lang),
            customdata=hover,
            hovertemplate="%{customdata}: %{r:.1f}<extra></extra>",
        )
    )
    for i, u in enumerate(units):
        row = table.loc[u]
        fig.add_trace(
            go.Scatterpolar(
                r=[*row.tolist(), row.iloc[0]],
                theta=theta,
                fill="toself",
                name=names[u],
                visible=(i == 0),
                line={"color": "#1f5f8b"},
                fillcolor="rgba(31,95,139,0.25)",
                customdata=hover,
                hovertemplate="%{customdata}: %{r:.1f}<extra>" + names[u] + "</extra>",
            )
        )
    buttons = []
    for i, u in enumerate(units):
        vis = [True] + [j == i for j in range(len(units))]
        buttons.append({"label": names[u], "method": "update", "args": [{"visible": vis}]})
    fig.update_layout(
        updatemenus=[{"buttons": buttons, "x": 1.0, "y": 1.15, "xanchor": "right", "direction": "down"}],
        polar=figs_mod.radar_polar(len(table.columns), float(table.max().max()) * 1.05),
        legend={"orientation": "h", "y": -0.12},
    )
    return figs_mod._layout(fig, t("report_profiles", lang), height=560)


def obstacle_table(a: ClusterAnalysis, lang: str = "en", k: int = 3) -> pd.DataFrame:
    """One row per city: its ``k`` main obstacles as "indicator (share %)" and the share of
    each subsystem in its obstacle degree."""
    lang = base_lang(lang)
    top = a.obstacles["top"]
    names = a.names(lang)
    rows = []
    for unit, g in top.groupby("unit", sort=False):
        row = {t("city", lang): names.get(unit, unit)}
        for _, r in g.sort_values("rank").head(k).iterrows():
            row[f"#{int(r['rank'])}"] = f"{a.dataset.label(r['indicator'], lang)} ({r['obstacle']:.1f}%)"
        if "pillars" in a.obstacles:
            for p, v in a.obstacles["pillars"].loc[unit].items():
                row[t("report_obstacle_share", lang).format(name=a.dataset.label(p, lang))] = round(float(v), 1)
        rows.append(row)
    return pd.DataFrame(rows)


def _fmt_cell(v, floatfmt: str) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float | np.floating):
        if v != v:
            return ""
        out = floatfmt.format(v)
        if out.startswith("-") and float(out) == 0.0:  # no "-0.0000"
            out = out[1:]
        return out
    if isinstance(v, int | np.integer):
        return str(int(v))
    return "" if v is None or v is pd.NA else str(v)


def _table_html(df: pd.DataFrame, floatfmt: str = "{:.2f}") -> str:
    """An HTML table (every cell escaped; integers as integers; no negative zero)."""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in df.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(_fmt_cell(v, floatfmt))}</td>" for v in r) + "</tr>"
        for r in df.itertuples(index=False)
    )
    return (
        f'<div class="table-wrap"><table class="data"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
    )


def summary_view(a: ClusterAnalysis, lang: str = "en") -> pd.DataFrame:
    """The summary table with named columns in ``lang`` (codes only in the code column)."""
    lang = base_lang(lang)
    summ = a.summary(lang).reset_index()
    cols = {
        "unit": t("report_code", lang),
        "rank": t("rank", lang),
        "city": t("city", lang),
        "score": t("score", lang),
        "rank_q05": t("report_rank_q05", lang),
        "rank_q95": t("report_rank_q95", lang),
        "best_rank": t("report_best_rank", lang),
        "worst_rank": t("report_worst_rank", lang),
        "D": t("report_D", lang),
        "grade": t("grade", lang),
    }
    for s in a.subsystems:
        cols[s] = a.dataset.label(s, lang)
    for c in ("rank_q05", "rank_q95", "best_rank", "worst_rank"):
        if c in summ:
            summ[c] = summ[c].round().astype("Int64")
    return summ.rename(columns=cols)


def _grade_map(a: ClusterAnalysis) -> dict[str, str]:
    c = a.coupling
    return dict(zip(c["grade"], c["grade_zh"])) if "grade_zh" in c else {}


def grade_in(a: ClusterAnalysis, grade: str, lang: str) -> str:
    """A coordination grade (English name) in ``lang`` (``grade_zh`` of the 10-level scheme)."""
    return _grade_map(a).get(grade, grade) if base_lang(lang) == "zh" else grade


def type_label(a: ClusterAnalysis, lagging: str, lang: str) -> str:
    """Relative-development type named with the subsystems' names: ``年龄结构滞后型``,
    ``Age structure lagging``, ``同步型`` / ``synchronous``."""
    lang = base_lang(lang)
    who = [c for c in str(lagging or "").split(",") if c]
    if not who:
        return "同步型" if lang == "zh" else "synchronous"
    names = "+".join(a.dataset.label(c, lang) for c in who)
    return f"{names}滞后型" if lang == "zh" else f"{names} lagging"


def change_view(a: ClusterAnalysis, lang: str = "en") -> pd.DataFrame:
    """Change of D per city with named columns and grades in ``lang``."""
    lang = base_lang(lang)
    ch = a.coupling_change.reset_index()
    names = a.names(lang)
    last = a.coupling.xs(a.period, level="period") if a.period in a.coupling.index.get_level_values("period") else None
    out = pd.DataFrame(
        {
            t("city", lang): [names.get(u, u) for u in ch["unit"]],
            t("report_first", lang): ch["first_period"].astype("Int64"),
            t("report_D_first", lang): ch["D_first"],
            t("report_last", lang): ch["last_period"].astype("Int64"),
            t("report_D_last", lang): ch["D_last"],
            t("report_D_change", lang): ch["change"],
            t("grade", lang): [grade_in(a, g, lang) for g in ch["grade_last"]],
        }
    )
    if last is not None and "lagging" in last:
        lag = last["lagging"].reindex(ch["unit"]).tolist()
        out[t("report_type", lang)] = [type_label(a, x, lang) for x in lag]
    return out


def disparity_view(a: ClusterAnalysis, lang: str = "en") -> pd.DataFrame:
    lang = base_lang(lang)
    d = a.disparity.reset_index()
    cols = {
        "period": t("period", lang),
        "n": t("report_n", lang),
        "mean": t("report_mean", lang),
        "cv": t("report_cv", lang),
        "gini": t("report_gini", lang),
        "theil_T": t("report_theil", lang),
        "theil_L": t("report_theil_L", lang),
        "theil_T_within": t("report_theil_within", lang),
        "theil_T_between": t("report_theil_between", lang),
        "G_w": t("report_dagum_w", lang),
        "G_nb": t("report_dagum_nb", lang),
        "G_t": t("report_dagum_t", lang),
    }
    d["period"] = d["period"].astype("Int64")
    if "n" in d:
        d["n"] = d["n"].astype("Int64")
    return d.rename(columns=cols)


def render_report(a: ClusterAnalysis, lang: str = "en", geojson: dict | None = None, inline_js: bool = True) -> str:
    """The report as one HTML string in ``lang`` (``en``, ``zh`` or ``zh-Hant``: the Chinese
    page converted with :func:`citynexus.i18n.to_hant`)."""
    if lang not in LANGS:
        raise ValueError(f"unknown report language {lang!r}; use one of {', '.join(LANGS)}")
    base = base_lang(lang)
    env = Environment(loader=PackageLoader("citynexus.report", "templates"), autoescape=select_autoescape())
    figs = build_figures(a, base, geojson)
    obst_html = _table_html(obstacle_table(a, base)) if "top" in a.obstacles else ""
    ds = a.dataset
    src = ds.indicators[["code", "name", "source"]]
    sources = sorted(set(s for s in src["source"] if s))
    notes = [note_text(n, base) for n in a.notes]
    if "map" not in figs:
        notes.insert(0, t("note_map_omitted", base))

    def about(prefix: str) -> list[str]:
        return [note_text(n, base) for n in a.notes if getattr(n, "key", "").startswith(prefix)]

    moran = None
    if a.moran is not None:
        method = (
            t(f"report_weights_{a.spatial_method}", base) if a.spatial_method in ("queen", "knn") else a.spatial_method
        )
        moran = t("report_moran", base).format(
            I=f"{a.moran['I']:.3f}", EI=f"{a.moran['EI']:.3f}", p=f"{a.moran['p_sim']:.3f}", method=method
        )
    template = env.get_template("report.html")
    page = template.render(
        lang=base,
        html_lang={"en": "en", "zh": "zh-CN", "zh-Hant": "zh-Hant"}[lang],
        t=lambda k: t(k, base),
        title=f"{ds.label(a.index_code, base)} — {a.period}",
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        synthetic=ds.synthetic,
        summary_html=_table_html(summary_view(a, base)),
        n_units=len(ds.units),
        figures={k: json.loads(f.to_json()) for k, f in figs.items()},
        radar_key=figs_mod.radar_key(
            list(radar_table(a).columns), {c: ds.label(c, base) for c in radar_table(a).columns}
        ),
        methods=describe(a.spec, a.coupling_method, lang=base),
        coupling_label=a.coupling_label(base),
        moran=moran,
        obstacles_html=obst_html,
        disparity_html=_table_html(disparity_view(a, base), "{:.4f}"),
        change_html=_table_html(change_view(a, base), "{:.3f}"),
        provenance={
            t("report_prov_dataset", base): ds.name,
            t("report_prov_dataset_digest", base): ds.digest(),
            t("report_prov_spec", base): getattr(a.spec, "name", ""),
            t("report_prov_spec_digest", base): a.spec.digest(),
            t("report_prov_period", base): a.period,
            t("report_prov_periods", base): f"{ds.periods[0]}–{ds.periods[-1]}",
            t("report_prov_coupling", base): a.coupling_label(base),
            t("report_prov_version", base): __version__,
        },
        sources=sources,
        notes=notes,
        spatial_notes=about("note_spatial"),
        network_notes=about("note_network"),
        agreements_html=agreements_section(base),
    )
    if lang == "zh-Hant":
        page = to_hant_page(page)
    if inline_js:  # plotly's source is inserted after conversion: it is never converted
        page = page.replace(_JS_PLACEHOLDER, "<script>" + plotly_js() + "</script>", 1)
    else:
        page = page.replace(_JS_PLACEHOLDER, '<script src="/static/vendor/plotly.min.js"></script>', 1)
    return page


_JS_PLACEHOLDER = "<!--plotly-js-->"


def report_filename(lang: str) -> str:
    """``report.html``, ``report_zh.html``, ``report_zh-Hant.html``."""
    return "report.html" if lang == "en" else f"report_{lang}.html"


def write_report(a: ClusterAnalysis, folder: str | Path, lang: str = "en", geojson: dict | None = None) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / report_filename(lang)
    path.write_text(render_report(a, lang, geojson), encoding="utf-8")
    return path


def write_tables(a: ClusterAnalysis, folder: str | Path) -> Path:
    """``results.xlsx`` (one formatted sheet per table) and the same tables as CSV."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    folder = Path(folder)
    (folder / "csv").mkdir(parents=True, exist_ok=True)
    tables = a.tables()
    xlsx = folder / "results.xlsx"
    with pd.ExcelWriter(xlsx, engine="openpyxl") as xw:
        if a.dataset.synthetic:
            pd.DataFrame(
                {
                    "note": [
                        "SYNTHETIC DATA — the bundled values come from a seeded generator and are not "
                        "real statistics. 合成数据，仅供演示。"
                    ]
                }
            ).to_excel(xw, sheet_name="README", index=False)
        for name, df in tables.items():
            sheet = name[:31]
            df.to_excel(xw, sheet_name=sheet, index=False)
            ws = xw.sheets[sheet]
            for j, col in enumerate(df.columns, start=1):
                cell = ws.cell(row=1, column=j)
                cell.font = Font(bold=True, color="FFFFFF")
                cell.fill = PatternFill("solid", fgColor="1F5F8B")
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                width = max(
                    [len(str(col))] + [len(f"{v:.3f}" if isinstance(v, float) else str(v)) for v in df[col].head(100)]
                )
                ws.column_dimensions[get_column_letter(j)].width = min(max(9, width + 2), 50)
                if pd.api.types.is_float_dtype(df[col]):
                    for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                        row[0].number_format = "0.000"
            ws.freeze_panes = "B2"
            df.to_csv(folder / "csv" / f"{name}.csv", index=False, encoding="utf-8-sig")
    return xlsx
