"""City-vs-city comparison: two units' scores on every pillar and indicator of the index,
each indicator with its unit, source and direction, and the differences."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from citynexus.data import Dataset
from citynexus.errors import CityNexusError
from citynexus.evaluate import IndexResult

#: A difference of at least this many points (on the 0-100 scale of the scores) is highlighted.
NOTABLE = 10.0


@dataclass
class Row:
    code: str
    level: int
    kind: str  # "index", "pillar" or "indicator"
    parent: str
    unit: str
    source: str
    direction: int
    raw_a: float | None
    raw_b: float | None
    score_a: float | None
    score_b: float | None
    rank_a: int | None
    rank_b: int | None

    @property
    def diff(self) -> float | None:
        if self.score_a is None or self.score_b is None:
            return None
        d = self.score_a - self.score_b
        return 0.0 if abs(d) < 5e-5 else d  # never "-0.0"

    @property
    def notable(self) -> bool:
        return self.diff is not None and abs(self.diff) >= NOTABLE


def _num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(f) else f


def _rank(s, u) -> int | None:
    r = s.rank(ascending=False, method="min")
    return None if u not in r.index or np.isnan(r[u]) else int(r[u])


def compare(ds: Dataset, res: IndexResult, a: str, b: str) -> list[Row]:
    """One row per node of the index tree, top first, then each pillar followed by its
    indicators: the two units' raw values (in the indicator's unit), scores (0-100: the
    aggregates' scores, the indicators' normalised values) and ranks among all units."""
    for u in (a, b):
        if u not in ds.unit_codes:
            raise CityNexusError(f"no unit '{u}' in dataset {ds.name}; units: {', '.join(ds.unit_codes)}")
    meta = ds.indicators.set_index("code")
    raw = res.stages["raw"]
    norm = res.normalised
    top = res.index_code
    wt = res.weights
    kids = {p: wt.loc[wt["parent"] == p, "code"].tolist() for p in dict.fromkeys(wt["parent"])}

    def row(code: str, kind: str, parent: str) -> Row:
        m = meta.loc[code]
        if code in res.scores.columns:
            s = res.scores[code]
            ra = rb = None
        else:
            s = norm[code]
            col = raw[code] if code in raw.columns else None
            ra = None if col is None else _num(col.get(a))
            rb = None if col is None else _num(col.get(b))
        return Row(
            code=code,
            level=int(m["level"]),
            kind=kind,
            parent=parent,
            unit=str(m.get("unit", "") or "") if kind == "indicator" else "",
            source=str(m.get("source", "") or "") if kind == "indicator" else "",
            direction=int(m.get("direction", 0) or 0) if kind == "indicator" else 0,
            raw_a=ra,
            raw_b=rb,
            score_a=_num(s.get(a)),
            score_b=_num(s.get(b)),
            rank_a=_rank(s, a),
            rank_b=_rank(s, b),
        )

    rows = [row(top, "index", "")]

    def walk(p: str) -> None:
        for c in kids.get(p, []):
            rows.append(row(c, "pillar" if c in kids else "indicator", p))
            walk(c)

    walk(top)
    return rows
