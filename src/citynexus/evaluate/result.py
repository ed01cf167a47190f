"""``IndexResult``: everything a build produced, with exports to JSON, CSV and Excel."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from citynexus.evaluate import analysis

if TYPE_CHECKING:
    from citynexus.evaluate.framework import Framework

#: stage tables in pipeline order (only those present are exported)
STAGE_ORDER = ("raw", "denominated", "screened", "imputed", "treated", "normalised", "aggregated")


def _clean(obj: Any) -> Any:
    """JSON-safe copy: NaN/inf -> None, numpy scalars -> Python, tuples -> lists."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_clean(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _records(df: pd.DataFrame, index: str | None = None) -> list[dict]:
    d = df.reset_index() if index else df
    if index and d.columns[0] != index:
        d = d.rename(columns={d.columns[0]: index})
    return _clean(d.astype(object).where(d.notna(), None).to_dict("records"))


@dataclass
class IndexResult:
    """The result of :func:`citynexus.evaluate.build` (see DESIGN.md)."""

    spec: Any
    period: int
    framework: Framework
    stages: dict[str, pd.DataFrame]
    scores: pd.DataFrame
    ranks: pd.DataFrame
    weights: pd.DataFrame
    log: list[dict]
    treatment: pd.DataFrame = field(default_factory=pd.DataFrame)
    treated_points: pd.DataFrame = field(default_factory=pd.DataFrame)
    imputed: pd.DataFrame = field(default_factory=pd.DataFrame)
    units: pd.DataFrame = field(default_factory=pd.DataFrame)
    provenance: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ views
    @property
    def index_code(self) -> str:
        """Code of the top index."""
        return self.framework.top

    @property
    def normalised(self) -> pd.DataFrame:
        return self.stages["normalised"]

    def score(self, code: str | None = None) -> pd.Series:
        return self.scores[code or self.index_code]

    def ranking(self, code: str | None = None, lang: str = "en") -> pd.DataFrame:
        """Units sorted by rank on ``code`` (default: the top index) with names."""
        code = code or self.index_code
        df = pd.DataFrame({"score": self.scores[code], "rank": self.ranks[code]})
        col = "name_zh" if lang == "zh" and "name_zh" in self.units.columns else "name"
        if col in self.units.columns:
            df.insert(0, "name", self.units[col].reindex(df.index))
        df.index.name = "unit"
        return df.sort_values(["rank", "score"], ascending=[True, False], na_position="last")

    def scores_table(self) -> pd.DataFrame:
        """One row per unit, one column per aggregate (top level first) and ``rank``
        (of the top index) — the layout of ``scores.csv``."""
        df = self.scores.copy()
        df["rank"] = self.ranks[self.index_code]
        df.index.name = "unit"
        return df

    # ------------------------------------------------------------------ analysis
    def stats(self) -> pd.DataFrame:
        """Per-indicator statistics and flags (see :func:`analysis.indicator_stats`)."""
        raw = self.stages.get("denominated", self.stages["raw"])
        treated = self.stages.get("treated")
        cols = [c for c in raw.columns if treated is None or c in treated.columns]
        return analysis.indicator_stats(raw[cols], treated, framework=self.framework)

    def correlations(self) -> pd.DataFrame:
        return analysis.correlations_with_parents(self.stages["aggregated"], self.framework)

    def cronbach(self) -> pd.DataFrame:
        return analysis.alpha_by_group(self.stages["aggregated"], self.framework)

    def negative_correlations(self, threshold: float = -0.4) -> pd.DataFrame:
        return analysis.negative_correlations(self.stages["aggregated"], self.framework, threshold)

    def explain(self, unit: str, code: str | None = None, n: int = 5) -> analysis.Explanation:
        """Each indicator's contribution to ``unit``'s score (see :func:`analysis.explain`)."""
        if unit not in self.normalised.index:
            raise KeyError(
                f"unit {unit!r} is not in this result (units: {', '.join(map(str, self.normalised.index[:20]))})"
            )
        return analysis.explain(unit, self.normalised, self.scores, self.weights, self.framework, code, n)

    def compare(self, other: IndexResult, code: str | None = None, names: tuple[str, str] = ("a", "b")) -> pd.DataFrame:
        """Rank and score shifts from this result (a) to ``other`` (b)."""
        code = code or self.index_code
        return analysis.compare(self.scores[code], other.scores[code], names)

    # ------------------------------------------------------------------ exports
    def to_dict(self, include_stages: bool = True) -> dict:
        """Everything as plain JSON-ready data; ``include_stages=False`` leaves out the
        stage tables (large for big datasets)."""
        fw = self.framework
        return _clean(
            {
                "index": self.index_code,
                "period": self.period,
                "provenance": self.provenance,
                "spec": self.spec.to_dict(),
                "framework": [
                    {"code": c, "parent": fw.parent.get(c), "level": fw.level[c], "direction": fw.direction.get(c)}
                    for c in fw.indicators + fw.aggregates
                ],
                "scores": _records(self.scores_table(), "unit"),
                "ranks": _records(self.ranks, "unit"),
                "weights": _records(self.weights),
                "treatment": _records(self.treatment) if len(self.treatment) else [],
                "imputed": _records(self.imputed) if len(self.imputed) else [],
                "log": self.log,
                "stages": {k: _records(v, "unit") for k, v in self.stages.items()} if include_stages else {},
            }
        )

    def to_json(self, path: str | Path | None = None, indent: int | None = 1, include_stages: bool = True) -> str:
        """The whole result as JSON (NaN as null); written to ``path`` when given."""
        text = json.dumps(self.to_dict(include_stages), ensure_ascii=False, indent=indent, default=str)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def log_json(self) -> str:
        return json.dumps(_clean({"provenance": self.provenance, "log": self.log}), ensure_ascii=False, indent=1)

    def to_csv(self, folder: str | Path) -> list[Path]:
        """Write ``scores.csv``, ``stages/<stage>.csv``, ``weights.csv``,
        ``treatment.csv``, ``log.json`` and ``result.json`` into ``folder``. CSV files
        are UTF-8 with BOM so that Excel shows Chinese text correctly."""
        out = Path(folder)
        (out / "stages").mkdir(parents=True, exist_ok=True)
        files = []

        def w(df: pd.DataFrame, p: Path, index: bool = True) -> None:
            df.to_csv(p, index=index, encoding="utf-8-sig")
            files.append(p)

        w(self.scores_table(), out / "scores.csv")
        for name in STAGE_ORDER:
            if name in self.stages:
                df = self.stages[name].copy()
                df.index.name = "unit"
                w(df, out / "stages" / f"{name}.csv")
        w(self.weights, out / "weights.csv", index=False)
        if len(self.treatment):
            t = self.treatment.copy()
            for c in ("winsorised_high", "winsorised_low"):
                if c in t.columns:
                    t[c] = t[c].map(lambda v: ";".join(v) if isinstance(v, list) else v)
            w(t, out / "treatment.csv", index=False)
        (out / "log.json").write_text(self.log_json(), encoding="utf-8")
        files.append(out / "log.json")
        self.to_json(out / "result.json")
        files.append(out / "result.json")
        return files

    def to_excel(self, path: str | Path) -> Path:
        """One workbook: sheets ``scores``, ``ranking``, one per stage, ``weights``,
        ``treatment``, ``log``, ``provenance``."""
        p = Path(path)
        with pd.ExcelWriter(p, engine="openpyxl") as xw:
            self.scores_table().to_excel(xw, sheet_name="scores")
            self.ranking().to_excel(xw, sheet_name="ranking")
            for name in STAGE_ORDER:
                if name in self.stages:
                    self.stages[name].to_excel(xw, sheet_name=name)
            self.weights.to_excel(xw, sheet_name="weights", index=False)
            if len(self.treatment):
                t = self.treatment.copy()
                for c in ("winsorised_high", "winsorised_low"):
                    t[c] = t[c].map(lambda v: ";".join(v) if isinstance(v, list) else v)
                t.to_excel(xw, sheet_name="treatment", index=False)
            pd.DataFrame(
                [{"step": r["step"], "level": r["level"], "message": r["message"]} for r in self.log],
                columns=["step", "level", "message"],
            ).to_excel(xw, sheet_name="log", index=False)
            pd.DataFrame(list(self.provenance.items()), columns=["key", "value"]).to_excel(
                xw, sheet_name="provenance", index=False
            )
        return p

    def __repr__(self) -> str:
        n_units, n_ind = self.normalised.shape
        return (
            f"IndexResult({self.index_code!r}, period {self.period}: {n_units} units, {n_ind} indicators, "
            f"{self.scores.shape[1]} aggregates)"
        )
