"""``citynexus network``: interlocking network model and gravity model of city networks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from citynexus.cli._options import command_group
from citynexus.cli.common import check_out, console, df_table, err_console

app = command_group(
    rich_markup_mode="markdown",
    help="City networks (城市网络): the interlocking network model of firms' office networks (GaWC) and "
    "gravity-model linkages from city mass and distance. Each command writes nodes.csv, links.csv, "
    "summary.json and, when cities have coordinates, links.geojson and map.png into --out.",
)

#: Above this many cities the structure measures (betweenness is O(n*m)) are skipped.
STRUCTURE_MAX_CITIES = 2000

_STRUCTURE_HELP = (
    "Link threshold for the structure measures (degree, closeness, betweenness, density, core-periphery, "
    "community), because unthresholded networks are almost complete: mean (links >= mean link value), top_k "
    "(each city's --k strongest), quantile (links >= the --q quantile), none, or off to skip them."
)
# options both commands take
_OUT = typer.Option(..., "--out", "-o", help="Folder for the outputs (created if missing; files replaced).")
_STRUCTURE = typer.Option("mean", "--structure", help=_STRUCTURE_HELP)
_QUANTILE = typer.Option(0.9, "--q", help="Quantile (0-1) for '--structure quantile'.")


def _model_options(k: int, map_links: int, show: int, all_in_geojson: bool = False) -> tuple:
    """The ``--k``, ``--map-links`` and ``--show`` options every network model command takes,
    with that model's defaults."""
    note = " (0 = all in GeoJSON)" if all_in_geojson else ""
    return (
        typer.Option(k, "--k", help="K for '--structure top_k'."),
        typer.Option(
            map_links, "--map-links", help=f"How many of the strongest links map.png and links.geojson show{note}."
        ),
        typer.Option(show, "--show", help="How many cities to print."),
    )


_K_IL, _MAP_IL, _SHOW_IL = _model_options(5, 50, 10, all_in_geojson=True)
_K_GR, _MAP_GR, _SHOW_GR = _model_options(3, 30, 15)


def _structure(result: Any, method: str, k: int, q: float) -> tuple[pd.DataFrame | None, dict[str, Any]]:
    from citynexus.network.errors import NetworkSpecError
    from citynexus.network.structure import structure

    if method == "off":
        return None, {}
    if method not in ("mean", "top_k", "quantile", "none"):
        raise NetworkSpecError(f"--structure must be mean, top_k, quantile, none or off, not {method!r}")
    n = len(result.gnc)
    if n > STRUCTURE_MAX_CITIES:
        err_console.print(
            f"[yellow]note:[/] structure measures skipped for {n:,} cities (more than {STRUCTURE_MAX_CITIES:,}); "
            "use citynexus.network.structure from Python on a subset"
        )
        return None, {}
    table, summary = structure(result, method, k=k, q=q)  # type: ignore[arg-type]
    return table, summary


def _write_outputs(
    result: Any, out: Path, extra: pd.DataFrame | None, summary: dict[str, Any], map_links: int, label: str | None
) -> list[Path]:
    from citynexus.data.network_io import write_text_atomic, write_texts
    from citynexus.network.export import csv_texts, geojson_text

    out.mkdir(parents=True, exist_ok=True)
    paths = list(write_texts(out, csv_texts(result, extra_nodes=extra)).values())
    meta = {k: v for k, v in result.meta.items()}
    info = {"model": result.model, "directed": result.directed, "total": result.total, **meta, "structure": summary}
    (out / "summary.json").write_text(json.dumps(info, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    paths.append(out / "summary.json")
    if result.coordinates() is not None:
        paths.append(write_text_atomic(out / "links.geojson", geojson_text(result, top=map_links or None)))
        fig = result.plot(top=map_links or 50, label_column=label)
        fig.savefig(out / "map.png", dpi=120)
        paths.append(out / "map.png")
    return paths


def _report(result: Any, paths: list[Path], show: int, summary: dict[str, Any]) -> None:
    nodes = result.nodes().set_index("city").head(show)
    cols = [c for c in ("name", "relative_gnc", "gnc", "proportional") if c in nodes.columns]
    console.print(df_table(nodes[cols], title=f"{result.model}: top {len(nodes)} cities by relative connectivity"))
    console.print(
        f"links kept: {len(result.links):,} ({result.meta.get('links', 'all pairs')}); total = {result.total:,.6g}"
    )
    if summary:
        console.print(
            f"structure ({summary['threshold']} threshold): {summary['links_kept']:,} of {summary['links_total']:,} "
            f"links, density {summary['density']:.3f} (unthresholded {summary['density_full']:.3f})"
            + (f", core of {len(summary['core'])} cities" if "core" in summary else "")
            + (
                f", {summary['communities']} communities (Q = {summary['modularity']:.3f})"
                if "modularity" in summary
                else ""
            )
        )
    for p in paths:
        console.print(f"wrote {p}")


@app.command("interlocking")
def interlocking_cmd(
    file: Path = typer.Argument(
        ...,
        help="CSV of service values: one row per city and one column per firm (first column = city name, optional "
        "lat/lon columns), or a long table with columns city, firm, value. UTF-8 or GBK.",
    ),
    out: Path = _OUT,
    coords: Path | None = typer.Option(
        None, "--coords", help="CSV of city coordinates (city, lat, lon) when FILE has no lat/lon columns."
    ),
    top_k: int | None = typer.Option(None, "--top-k", help="List in links.csv only each city's K strongest links."),
    min_link: float | None = typer.Option(
        None, "--min-link", help="List in links.csv only links with r >= this value."
    ),
    structure_method: str = _STRUCTURE,
    k: int = _K_IL,
    q: float = _QUANTILE,
    map_links: int = _MAP_IL,
    show: int = _SHOW_IL,
) -> None:
    """Interlocking network model (Taylor 2001): city-dyad connectivity r_ab = sum_j v_aj v_bj, global network
    connectivity GNC_a = sum_b r_ab and relative GNC = 100 GNC / max GNC."""
    from citynexus.data.network_io import read_coordinates, read_service_values
    from citynexus.network import interlocking
    from citynexus.network.errors import NetworkSpecError

    check_out(out, folder=True)

    sv = read_service_values(file)
    xy = read_coordinates(coords) if coords is not None else sv.coords
    if top_k is not None and min_link is not None:
        raise NetworkSpecError("give --top-k or --min-link, not both")
    result = interlocking(sv.values, coords=xy, top_k=top_k, threshold=min_link)
    table, summary = _structure(result, structure_method, k, q)
    paths = _write_outputs(result, out, table, summary, map_links, None)
    _report(result, paths, show, summary)


@app.command("gravity")
def gravity_cmd(
    data: str = typer.Option(..., "--data", help="Bundled dataset name (e.g. 'gba') or path to a dataset."),
    mass: str = typer.Option(..., "--mass", help="Code of the mass variable (e.g. gdp, or an indicator code)."),
    pop: str | None = typer.Option(
        None, "--pop", help="Code of the population variable; city size is then sqrt(mass * population)."
    ),
    quality: str | None = typer.Option(
        None, "--quality", help="Modified model only: code of a separate quality score Q (default sqrt(M P))."
    ),
    period: int | None = typer.Option(None, "--period", help="Year to use (default: the latest)."),
    model: str = typer.Option(
        "classic",
        "--model",
        help="classic (undirected, R = sqrt(MP)_i sqrt(MP)_j / D^b) or modified (directed, "
        "F = M_i/(M_i+M_j) Q_i Q_j / D^b).",
    ),
    beta: float | None = typer.Option(None, "--beta", help="Distance exponent b (default 2 classic, 1 modified)."),
    distance: Path | None = typer.Option(
        None,
        "--distance",
        help="CSV city x city distance matrix (first column and header = unit codes), e.g. "
        "travel time; default: great-circle km from the units' lat/lon.",
    ),
    out: Path = _OUT,
    structure_method: str = _STRUCTURE,
    k: int = _K_GR,
    q: float = _QUANTILE,
    map_links: int = _MAP_GR,
    show: int = _SHOW_GR,
) -> None:
    """Gravity model of city linkage from a dataset's variables and great-circle (or supplied) distances; writes
    the membership degree matrix F_ij / sum_j F_ij as membership.csv."""
    from citynexus.data import open_dataset
    from citynexus.network import gravity
    from citynexus.network.errors import NetworkInputError

    check_out(out, folder=True)

    ds = open_dataset(data)
    known = ds.codes("indicator") + ds.codes("denominator") + ds.codes("aggregate")
    wanted = [c for c in (mass, pop, quality) if c]
    for c in wanted:
        if c not in known:
            raise NetworkInputError(
                f"'{c}' is not a code of dataset {ds.name!r}; denominators: {', '.join(ds.codes('denominator'))}; "
                f"indicators: {', '.join(ds.codes('indicator')[:12])}..."
            )
    if period is not None and period not in ds.periods:
        raise NetworkInputError(f"period {period} has no values in {ds.name!r}; periods: {ds.periods}")
    tab = ds.table(period, codes=wanted)
    units = ds.units.set_index("code")
    dist = None
    if distance is not None:
        if not distance.exists():
            raise NetworkInputError(f"distance file {distance} does not exist")
        dist = pd.read_csv(distance, index_col=0, encoding="utf-8-sig")
        dist.index = dist.index.astype(str)
        dist.columns = dist.columns.astype(str)
    names = units[[c for c in ("name", "name_zh") if c in units.columns]]
    result = gravity(
        tab[mass],
        population=tab[pop] if pop else None,
        quality=tab[quality] if quality else None,
        coords=units[["lat", "lon"]] if dist is None or units[["lat", "lon"]].notna().all().all() else None,
        distance=dist,
        model=model,  # type: ignore[arg-type]
        beta=beta,
        node_data=names,
    )
    result.meta.update({"dataset": ds.name, "period": period or ds.periods[-1], "mass": mass, "population": pop})
    if ds.synthetic:
        result.meta["note"] = "synthetic data (values come from a seeded generator)"
        err_console.print("[yellow]note:[/] dataset values are SYNTHETIC (合成数据)")
    table, summary = _structure(result, structure_method, k, q)
    paths = _write_outputs(result, out, table, summary, map_links, "name" if "name" in names else None)
    result.membership.to_csv(out / "membership.csv", float_format="%.10g", encoding="utf-8-sig")
    paths.append(out / "membership.csv")
    _report(result, paths, show, summary)
