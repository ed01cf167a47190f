"""The self-contained HTML report: every figure and plotly's JavaScript inlined, so the file
opens from disk without network."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape

from citynexus import __version__
from citynexus.i18n import t
from citynexus.report import figures as figs_mod
from citynexus.report.methods import describe
from citynexus.services.analysis import ClusterAnalysis


def plotly_js() -> str:
    import plotly

    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")


def geojson_or_none(notes: list[str]) -> dict | None:
    try:
        from citynexus.data.boundaries import read_adcodes, read_boundaries
        from citynexus.region.geo import gba_geojson

        return gba_geojson(read_boundaries(), adcodes=read_adcodes())
    except Exception as err:  # boundaries are optional: coordinates suffice
        notes.append(f"city boundaries unavailable ({err}); maps drawn from coordinates")
        return None


def build_figures(a: ClusterAnalysis, lang: str = "en", geojson: dict | None = None) -> dict[str, go.Figure]:
    """Every figure of the report (also used by the dashboard)."""
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
            "G_w": "within groups (组内)",
            "G_nb": "between groups, net (组间净差)",
            "G_t": "transvariation (超变密度)",
        }
        figs["disparity"] = figs_mod.stacked_bars_figure(dag, t("disparity", lang) + " — Dagum Gini", labels, "Gini")
    if a.lisa is not None:
        figs["lisa"] = figs_mod.lisa_map_figure(geojson, a.lisa["cluster"], a.dataset.units, lang)
    if a.network_links is not None:
        figs["network"] = figs_mod.network_figure(
            a.network_links,
            a.dataset.units,
            a.network_nodes["relative_gnc"],
            "Gravity network (引力模型)" if lang == "en" else "引力模型城市网络",
            lang,
        )
    return figs


def radar_with_menu(a: ClusterAnalysis, lang: str = "en") -> go.Figure:
    """Radar of each city's profile (pillars when there are 3 or more, else the normalised
    indicators), with a menu to switch city."""
    res = a.result
    pillars = [c for c in a.dataset.codes("aggregate") if a.dataset.parent_of(c) == a.index_code]
    if len(pillars) >= 3:
        table = res.scores[pillars]
    else:
        table = res.normalised
    labels = {c: a.dataset.label(c, lang) for c in table.columns}
    names = a.names(lang)
    units = list(table.index)
    fig = go.Figure()
    theta = [labels[c] for c in table.columns] + [labels[table.columns[0]]]
    mean = table.mean()
    fig.add_trace(
        go.Scatterpolar(
            r=[*mean.tolist(), mean.iloc[0]],
            theta=theta,
            line={"color": "#9aa5b1", "dash": "dot"},
            name="cluster mean" if lang == "en" else "城市群均值",
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
            )
        )
    buttons = []
    for i, u in enumerate(units):
        vis = [True] + [j == i for j in range(len(units))]
        buttons.append({"label": names[u], "method": "update", "args": [{"visible": vis}]})
    fig.update_layout(
        updatemenus=[{"buttons": buttons, "x": 0.0, "y": 1.15, "xanchor": "left", "direction": "down"}],
        polar={
            "radialaxis": {"visible": True, "range": [0, float(table.max().max()) * 1.05]},
            "angularaxis": {"tickfont": {"size": 9}},
        },
        legend={"orientation": "h", "y": -0.12},
    )
    return figs_mod._layout(fig, "Profiles (城市画像)" if lang == "en" else "城市画像", height=560)


def obstacle_table(a: ClusterAnalysis, lang: str = "en", k: int = 3) -> pd.DataFrame:
    """One row per city: its ``k`` main obstacles as "indicator (share %)" and the share of
    each subsystem in its obstacle degree."""
    top = a.obstacles["top"]
    names = a.names(lang)
    rows = []
    for unit, g in top.groupby("unit", sort=False):
        row = {t("city", lang): names.get(unit, unit)}
        for _, r in g.sort_values("rank").head(k).iterrows():
            row[f"#{int(r['rank'])}"] = f"{a.dataset.label(r['indicator'], lang)} ({r['obstacle']:.1f}%)"
        if "pillars" in a.obstacles:
            for p, v in a.obstacles["pillars"].loc[unit].items():
                row[a.dataset.label(p, lang) + " %"] = round(float(v), 1)
        rows.append(row)
    return pd.DataFrame(rows)


def _table_html(df: pd.DataFrame, floatfmt: str = "{:.2f}") -> str:
    def fmt(v):
        if isinstance(v, float):
            return "" if v != v else floatfmt.format(v)
        return "" if v is None or (v is pd.NA) else str(v)

    head = "".join(f"<th>{c}</th>" for c in df.columns)
    rows = "".join("<tr>" + "".join(f"<td>{fmt(v)}</td>" for v in r) + "</tr>" for r in df.itertuples(index=False))
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def render_report(a: ClusterAnalysis, lang: str = "en", geojson: dict | None = None, inline_js: bool = True) -> str:
    """The report as one HTML string."""
    env = Environment(loader=PackageLoader("citynexus.report", "templates"), autoescape=select_autoescape())
    figs = build_figures(a, lang, geojson)
    summ = a.summary(lang).reset_index()
    cols = {"unit": "code", "rank": t("rank", lang), "city": t("city", lang), "score": t("score", lang)}
    summ_view = summ.rename(columns=cols)
    obst_html = _table_html(obstacle_table(a, lang)) if "top" in a.obstacles else ""
    ds = a.dataset
    src = ds.indicators[["code", "name", "source"]]
    sources = sorted(set(s for s in src["source"] if s))
    template = env.get_template("report.html")
    return template.render(
        lang=lang,
        t=lambda k: t(k, lang),
        title=f"{ds.label(a.index_code, lang)} — {a.period}",
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        synthetic=ds.synthetic,
        summary_html=_table_html(summ_view),
        figures={k: json.loads(f.to_json()) for k, f in figs.items()},
        methods=describe(a.spec),
        moran=a.moran,
        spatial_method=a.spatial_method,
        obstacles_html=obst_html,
        disparity_html=_table_html(a.disparity.reset_index().round(4), "{:.4f}"),
        change_html=_table_html(a.coupling_change.reset_index(), "{:.3f}"),
        provenance={
            "dataset": ds.name,
            "dataset digest (SHA-256)": ds.digest(),
            "spec": getattr(a.spec, "name", ""),
            "spec digest (SHA-256)": a.spec.digest(),
            "period": a.period,
            "periods": f"{ds.periods[0]}–{ds.periods[-1]}",
            "citynexus": __version__,
        },
        sources=sources,
        notes=a.notes,
        plotly_js=plotly_js() if inline_js else None,
    )


def write_report(a: ClusterAnalysis, folder: str | Path, lang: str = "en", geojson: dict | None = None) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = "report.html" if lang == "en" else f"report_{lang}.html"
    path = folder / name
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
