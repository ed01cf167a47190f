"""The cluster analysis behind ``citynexus demo``, the report and the dashboard.

:func:`analyse` runs, on one dataset and index spec: the index for the latest period, the
pooled panel index (scores comparable over time), coupling coordination of the
subsystems over all periods, disparity between groups of cities, spatial autocorrelation,
a gravity network and obstacle degrees; robustness results are added by the caller when
wanted. Everything returned is pandas objects; nothing is printed or written here.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from citynexus.data import Dataset
from citynexus.evaluate import IndexResult, IndexSpec, build
from citynexus.evaluate.panel import build_panel

Step = Callable[[str], None]


class Note(str):
    """A note of the analysis: the English text (the ``str`` value) plus an i18n key and its
    parameters, so that each language's report states it in that language
    (``t(key, lang).format(**params)``)."""

    key: str
    params: dict

    def __new__(cls, key: str, **params) -> Note:
        from citynexus.i18n import t

        obj = super().__new__(cls, t(key, "en").format(**params))
        obj.key = key
        obj.params = params
        return obj

    def text(self, lang: str) -> str:
        """The note in ``lang``."""
        from citynexus.i18n import t

        return t(self.key, lang).format(**self.params)


def note_text(note: str, lang: str) -> str:
    """A note in ``lang`` (plain strings are English-only notes from callers)."""
    return note.text(lang) if isinstance(note, Note) else str(note)


@dataclass
class ClusterAnalysis:
    """Every table of the cluster analysis (see :func:`analyse`)."""

    dataset: Dataset
    spec: IndexSpec
    result: IndexResult
    period: int
    subsystems: list[str]
    panel_scores: pd.DataFrame
    coupling: pd.DataFrame
    coupling_change: pd.DataFrame
    disparity: pd.DataFrame
    moran: pd.Series | None
    lisa: pd.DataFrame | None
    spatial_method: str | None
    network_links: pd.DataFrame | None
    network_nodes: pd.DataFrame | None
    obstacles: dict[str, pd.DataFrame]
    uncertainty: pd.DataFrame | None = None
    rank_bounds: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    coupling_method: str = "wang"

    def coupling_label(self, lang: str = "en") -> str:
        """Which coupling model and which scores: named in every output."""
        from citynexus.i18n import t

        return t(f"report_coupling_model_{self.coupling_method}", lang)

    @property
    def index_code(self) -> str:
        return self.result.index_code

    @property
    def has_coordinates(self) -> bool:
        """Every unit has a latitude and a longitude."""
        u = self.dataset.units
        return bool(len(u)) and not u[["lat", "lon"]].isna().any().any()

    def names(self, lang: str = "en") -> dict[str, str]:
        col = "name_zh" if lang.startswith("zh") else "name"
        u = self.dataset.units
        return {c: (n or e) for c, n, e in zip(u["code"], u[col], u["name"])}

    def summary(self, lang: str = "en") -> pd.DataFrame:
        """Rank, city, score, rank range (when robustness ran), coupling grade (latest
        period)."""
        r = self.result
        top = self.index_code
        df = pd.DataFrame(
            {
                "rank": r.ranks[top].astype("Int64"),
                "city": pd.Series(self.names(lang)),
                "score": r.scores[top],
            }
        )
        for s in self.subsystems:
            df[s] = r.scores[s]
        if self.uncertainty is not None:
            u = self.uncertainty.set_index("unit")
            df["rank_q05"] = u["q05"]
            df["rank_q95"] = u["q95"]
        if self.rank_bounds is not None:
            b = self.rank_bounds.set_index("unit")
            df["best_rank"] = b["best"]
            df["worst_rank"] = b["worst"]
        last = (
            self.coupling.xs(self.period, level="period")
            if self.period in self.coupling.index.get_level_values("period")
            else None
        )
        if last is not None:
            df["D"] = last["D"]
            df["grade"] = last["grade_zh" if lang.startswith("zh") else "grade"]
        df.index.name = "unit"
        return df.sort_values("rank")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables exported to Excel/CSV, by sheet name."""
        out = {
            "summary": self.summary().reset_index(),
            "scores": self.result.scores_table().reset_index()
            if hasattr(self.result, "scores_table")
            else self.result.scores.reset_index(),
            "weights": self.result.weights,
            "panel_scores": self.panel_scores,
            "coupling": self.coupling.reset_index(),
            "coupling_change": self.coupling_change.reset_index(),
            "disparity": self.disparity.reset_index(),
        }
        if self.lisa is not None:
            out["lisa"] = self.lisa.reset_index()
        if self.moran is not None:
            out["moran"] = self.moran.to_frame("value").reset_index(names="statistic")
        if self.network_links is not None:
            out["network_links"] = self.network_links
            out["network_nodes"] = self.network_nodes.reset_index()
        for k, v in self.obstacles.items():
            out[f"obstacles_{k}"] = v.reset_index()
        if self.uncertainty is not None:
            out["uncertainty"] = self.uncertainty
        if self.rank_bounds is not None:
            out["rank_bounds"] = self.rank_bounds
        return out


def _subsystems(result: IndexResult, dataset: Dataset) -> list[str]:
    top = result.index_code
    return dataset.children(top)


def analyse(
    dataset: Dataset,
    spec: IndexSpec,
    period: int | None = None,
    group_column: str = "group",
    coupling_method: str = "wang",
    step: Step | None = None,
    factors: list | None = None,
    samples: int = 500,
    seed: int = 1,
) -> ClusterAnalysis:
    """Run the cluster analysis (see the module docstring).

    - Coupling coordination uses the pooled panel scores of the top index's children
      (the subsystems), divided by the upper end of the normalisation range so that they lie
      on [0, 1] (min-max 0–100 -> /100).
    - Disparity: per period, of the pooled top-index score, with ``group_column`` (e.g.
      core vs other cities) for the Theil and Dagum decompositions; population-weighted
      Gini/Theil when the dataset has a ``population`` denominator.
    - Spatial: Moran's I and LISA of the latest top-index score with Queen contiguity from
      boundaries (k-nearest neighbours when boundaries are unavailable).
    - Network: classic gravity model with GDP as mass and population as size when present.
    - Obstacle degree of each unit in the latest period.
    - The best and worst rank of each unit under any weights of the top index's children
      (exact rank ranges); with robustness ``factors`` (from ``[[robustness.factor]]`` of a
      spec) also the uncertainty analysis of the latest index (``samples`` replications,
      ``seed``).
    - Whatever is left out (spatial statistics without coordinates, the network without GDP)
      is named in ``notes`` (:class:`Note`, in every language).
    """
    from citynexus.region import coupling_change, coupling_coordination, disparity_by_period, obstacle_analysis

    say = step or (lambda _msg: None)
    notes: list[str] = []
    period = period or dataset.periods[-1]

    say("index")
    result = build(dataset, spec, period=period)
    subsystems = _subsystems(result, dataset)
    top = result.index_code
    _build_notes(result, notes)

    say("panel index")
    _pooled, panel_scores = build_panel(dataset, spec)

    say("coupling coordination")
    hi = _upper(spec)
    sub = panel_scores.set_index(["unit", "period"])[subsystems] / hi
    coupling = coupling_coordination(sub.clip(0, 1), method=coupling_method)
    change = coupling_change(coupling)

    say("disparity")
    score_panel = panel_scores.set_index(["unit", "period"])[top]
    groups = dataset.units.set_index("code")[group_column] if group_column in dataset.units.columns else None
    weights = None
    if "population" in dataset.codes("denominator"):
        weights = dataset.panel(["population"])["population"]
        weights = weights.reindex(score_panel.index)
    disparity = disparity_by_period(score_panel, groups=groups, weights=weights)

    say("spatial autocorrelation")
    moran_s, lisa, method = _spatial(dataset, result.scores[top], notes)

    say("network")
    links, nodes = _network(dataset, period, notes)

    say("obstacles")
    obstacles = _obstacles(result, dataset, hi, obstacle_analysis, notes)

    unc = bounds = None
    if factors:
        from citynexus.evaluate.robustness import uncertainty

        say("uncertainty analysis")
        unc = uncertainty(dataset, spec, factors, n=samples, seed=seed, period=period).summary
    else:
        notes.append(Note("note_no_factors"))
    from citynexus.evaluate.robustness import RobustnessError, rank_ranges_for

    try:
        t = rank_ranges_for(result).table
        bounds = pd.DataFrame(
            {"unit": t["unit"], "best": t["best_rank"], "worst": t["worst_rank"], "exact": t["exact"]}
        )
    except RobustnessError as err:
        notes.append(Note("note_rank_ranges_skipped", reason=str(err)))

    return ClusterAnalysis(
        dataset=dataset,
        spec=spec,
        result=result,
        period=period,
        subsystems=subsystems,
        panel_scores=panel_scores,
        coupling=coupling,
        coupling_change=change,
        disparity=disparity,
        moran=moran_s,
        lisa=lisa,
        spatial_method=method,
        network_links=links,
        network_nodes=nodes,
        obstacles=obstacles,
        notes=notes,
        uncertainty=unc,
        rank_bounds=bounds,
        coupling_method=coupling_method,
    )


def _build_notes(result: IndexResult, notes: list[str]) -> None:
    """Name what the build left out or skipped: screened-out units and indicators, missing
    values the aggregation skipped (with the other weights rescaled)."""
    cells = [r for r in result.log if r.get("step") == "aggregate" and "unit" in r and "parent" in r]
    if cells:
        named = [f"{r['unit']} {r.get('indicator') or r.get('aggregate')}" for r in cells]
        notes.append(Note("note_cells_skipped", n=len(cells), cells=_few(named)))
    for r in result.log:
        if r.get("step") != "screen":
            continue
        det = r.get("details", {})
        if det.get("units"):
            notes.append(Note("note_screened_units", n=len(det["units"]), units=_few(list(det["units"]))))
        if det.get("indicators"):
            ind = list(det["indicators"])
            notes.append(Note("note_screened_indicators", n=len(ind), indicators=_few(ind)))


def _upper(spec: IndexSpec) -> float:
    """Upper end of the normalised scale (100 for the default min-max 0-100)."""
    norm = spec.normalise
    rng = getattr(norm, "range", None) or (norm.get("range") if isinstance(norm, dict) else None)
    if rng:
        return float(rng[1])
    return 100.0


def _spatial(dataset: Dataset, values: pd.Series, notes: list[str]):
    """Moran's I and LISA where every unit has coordinates or a known boundary; else a note
    saying why the spatial statistics are left out."""
    from citynexus.data.boundaries import available_boundaries
    from citynexus.region import local_moran, moran, spatial_weights

    units = dataset.units
    missing = units.loc[units["lat"].isna() | units["lon"].isna(), "code"].tolist()
    if missing:
        from citynexus.data.boundaries import boundaries_available

        if not boundaries_available(list(units["code"])):
            notes.append(Note("note_spatial_no_coordinates", n=len(missing), units=_few(missing)))
            return None, None, None
    if len(units) < 4:
        notes.append(Note("note_spatial_too_few", n=len(units)))
        return None, None, None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            w, method = spatial_weights(units, "queen", boundaries=available_boundaries(list(units["code"])))
        if caught:
            notes.append(Note("note_spatial_knn"))
        v = values.dropna()
        m = moran(v, w, permutations=999, seed=12345)
        lisa = local_moran(v, w, permutations=999, seed=12345)
        return m, lisa, method
    except Exception as err:  # spatial statistics are optional in the report
        notes.append(Note("note_spatial_skipped", reason=" ".join(str(err).split())))
        return None, None, None


def _few(codes: list[str], k: int = 5) -> str:
    """``a, b, c, d, e and 16 more``."""
    head = ", ".join(map(str, codes[:k]))
    return head + (f" (+{len(codes) - k})" if len(codes) > k else "")


def _network(dataset: Dataset, period: int, notes: list[str]):
    from citynexus.network import gravity

    dens = dataset.codes("denominator")
    if "gdp" not in dens or dataset.units[["lat", "lon"]].isna().any().any():
        notes.append(Note("note_network_skipped"))
        return None, None
    t = dataset.table(period, codes=[c for c in ("gdp", "population") if c in dens])
    coords = dataset.units.set_index("code")[["lat", "lon"]]
    res = gravity(t["gdp"], population=t.get("population", None), coords=coords)
    nodes = pd.DataFrame({"gnc": res.gnc, "relative_gnc": res.relative_gnc})
    nodes.index.name = "unit"
    return res.links, nodes


def _obstacles(result: IndexResult, dataset: Dataset, hi: float, fn, notes: list[str]) -> dict[str, pd.DataFrame]:
    top = result.index_code
    norm = result.normalised / hi
    eff = result.weights.set_index("code")["effective"] if "effective" in result.weights.columns else None
    if eff is None:
        return {}
    eff = eff.reindex(norm.columns).fillna(0.0)
    pillars = {c: dataset.parent_of(c) for c in norm.columns}
    try:
        return fn(norm.clip(0, 1), eff, pillars=pillars, k=5, missing="skip")
    except Exception as err:
        notes.append(Note("note_obstacles_skipped", reason=" ".join(str(err).split())))
        return {}
    finally:
        del top
