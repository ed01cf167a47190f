"""The :class:`Dataset`: units, an indicator framework and panel values.

Shapes (see docs/data-format.md):

- ``units``: one row per unit; columns ``code, name, name_zh, lat, lon`` and any number of
  grouping columns (e.g. ``group``, ``province``).
- ``indicators``: the framework tree; columns ``code, name, name_zh, parent, level, kind,
  direction, weight, unit, denominator, source``. ``kind`` is ``indicator`` (level 1,
  direction +1/-1), ``aggregate`` (level >= 2) or ``denominator`` (outside the tree).
- ``values``: long table ``unit, period, indicator, value`` without missing values; a cell
  that is absent is missing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from citynexus.data.framework import Framework

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

UNIT_CORE = ["code", "name", "name_zh", "lat", "lon"]
INDICATOR_COLUMNS = [
    "code",
    "name",
    "name_zh",
    "parent",
    "level",
    "kind",
    "direction",
    "weight",
    "unit",
    "denominator",
    "source",
]
VALUE_COLUMNS = ["unit", "period", "indicator", "value"]
KINDS = ("indicator", "aggregate", "denominator")


def _opt(where: str, opt: str) -> str:
    """``--units / [select] units`` for ``where="[select]"``, else ``where.opt``."""
    return f"--{opt} / [select] {opt}" if where == "[select]" else f"{where}.{opt}"


@dataclass
class Dataset:
    """A validated panel of units x indicators x periods with its indicator framework.

    Build one with :func:`citynexus.data.read` / :func:`citynexus.data.load`, or directly
    from three DataFrames via :meth:`from_frames` (which validates them).
    """

    units: pd.DataFrame
    indicators: pd.DataFrame
    values: pd.DataFrame
    name: str = ""
    notes: list[str] = field(default_factory=list)
    #: the framework tree, built once from ``indicators`` (when the dataset is validated)
    framework: Framework = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.framework is None:
            self.framework = Framework.from_frame(self.indicators)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frames(
        cls,
        units: pd.DataFrame,
        indicators: pd.DataFrame,
        values: pd.DataFrame,
        name: str = "",
    ) -> Dataset:
        """Validate three DataFrames (values long or wide) and build a Dataset.

        Raises :class:`citynexus.errors.DatasetValidationError` listing every problem.
        """
        from citynexus.data.validate import build_dataset

        as_text = [df.astype(object).where(df.notna(), "").astype(str) for df in (units, indicators, values)]
        return build_dataset(
            {"units": as_text[0], "indicators": as_text[1], "values": as_text[2]},
            {"units": "units", "indicators": "indicators", "values": "values"},
            name=name,
        )

    def select(
        self,
        units: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        periods: Iterable[int] | None = None,
        where: str = "select",
    ) -> Dataset:
        """The dataset restricted to ``units`` (default: all) minus ``exclude``, and to
        ``periods`` (default: all). An unknown unit code or period is refused with an error
        naming it (and the closest code); ``where`` names the option in that message."""
        from citynexus.data.checks import did_you_mean
        from citynexus.errors import SpecError

        known = [str(c) for c in self.units["code"]]
        sel = None if units is None else [str(u) for u in units]
        drop = [str(u) for u in (exclude or [])]
        for opt, codes in (("units", sel or []), ("exclude", drop)):
            for c in codes:
                if c not in known:
                    raise SpecError(f"{_opt(where, opt)}: unknown unit code '{c}'{did_you_mean(c, known)}")
        keep = [c for c in (sel if sel is not None else known) if c not in set(drop)]
        if not keep:
            raise SpecError(f"{_opt(where, 'units')}: no units left after the selection and exclusions")
        pers = None
        if periods is not None:
            pers = []
            for p in periods:
                try:
                    p = int(p)
                except (TypeError, ValueError):
                    raise SpecError(f"{_opt(where, 'periods')}: {p!r} is not a year") from None
                if p not in self.periods:
                    raise SpecError(
                        f"{_opt(where, 'periods')}: {p} has no data; "
                        f"periods present: {', '.join(map(str, self.periods))}"
                    )
                pers.append(p)
        if sel is None and not drop and pers is None:
            return self
        u = self.units[self.units["code"].astype(str).isin(keep)].reset_index(drop=True)
        v = self.values[self.values["unit"].astype(str).isin(keep)]
        if pers is not None:
            v = v[v["period"].isin(pers)]
        return Dataset(
            units=u,
            indicators=self.indicators,
            values=v.reset_index(drop=True),
            name=self.name,
            notes=list(self.notes),
            framework=self.framework,
        )

    # ------------------------------------------------------------------ framework
    @property
    def groups(self) -> list[str]:
        """Names of the grouping columns of ``units`` (every column beyond the core five)."""
        return [c for c in self.units.columns if c not in UNIT_CORE]

    @property
    def periods(self) -> list[int]:
        """Sorted list of the periods that have at least one value."""
        return sorted(int(p) for p in self.values["period"].unique())

    @property
    def unit_codes(self) -> list[str]:
        return list(self.units["code"])

    def codes(self, kind: str = "indicator") -> list[str]:
        """Codes of the given kind (``indicator``, ``aggregate``, ``denominator``) in
        framework order."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        ind = self.indicators
        return list(ind.loc[ind["kind"] == kind, "code"])

    @property
    def levels(self) -> list[int]:
        """Framework levels present, ascending (1 = indicators)."""
        ind = self.indicators[self.indicators["kind"] != "denominator"]
        return sorted(int(x) for x in ind["level"].unique())

    def children(self, code: str) -> list[str]:
        """Direct children of an aggregate, in framework order (see
        :mod:`citynexus.data.framework` for the tree's semantics)."""
        return list(self.framework.children.get(code, []))

    def parent_of(self, code: str) -> str | None:
        """Parent of ``code`` (None at a root and for denominators; KeyError if unknown)."""
        fw = self.framework
        if code in fw.parent:
            return fw.parent[code]
        if code in fw.denominators:
            return None
        raise KeyError(code)

    def descendants(self, code: str, kind: str = "indicator") -> list[str]:
        """All descendants of ``code`` of the given kind, depth first in framework order."""
        return self.framework.descendants(code, kind)

    def roots(self) -> list[str]:
        """Codes at the top of the framework (no parent, not denominators), in framework
        order: the top aggregates, or every indicator of a flat framework."""
        return self.framework.roots

    def walk(self) -> Iterator[tuple[str, int]]:
        """Yield ``(code, depth)`` for the framework tree, depth first from the roots."""
        return self.framework.walk()

    def label(self, code: str, lang: str = "en") -> str:
        """Display name of a unit or indicator code in ``en`` or ``zh`` (falls back to
        English, then to the code)."""
        for df in (self.indicators, self.units):
            hit = df.loc[df["code"] == code]
            if len(hit):
                row = hit.iloc[0]
                if lang == "zh" and row.get("name_zh"):
                    return str(row["name_zh"])
                return str(row["name"] or code)
        return code

    # ------------------------------------------------------------------ tables
    def table(
        self,
        period: int | None = None,
        codes: Iterable[str] | None = None,
        include_denominators: bool = False,
    ) -> pd.DataFrame:
        """Units x indicators matrix for one period.

        ``period=None`` takes the latest period. Rows follow ``units`` order, columns the
        framework order; missing values are NaN. By default the columns are the
        indicators (kind ``indicator``); ``include_denominators`` adds the denominators,
        ``codes`` picks an explicit list.
        """
        if period is None:
            period = self.periods[-1]
        if period not in self.periods:
            raise KeyError(f"period {period} has no values; periods present: {self.periods}")
        if codes is None:
            codes = self.codes("indicator") + (self.codes("denominator") if include_denominators else [])
        codes = list(codes)
        v = self.values[self.values["period"] == period]
        wide = v.pivot(index="unit", columns="indicator", values="value")
        out = wide.reindex(index=self.unit_codes, columns=codes).astype(float)
        out.index.name = "unit"
        out.columns.name = "indicator"
        return out

    def panel(self, codes: Iterable[str] | None = None) -> pd.DataFrame:
        """Wide panel: rows indexed by (unit, period) for every unit and period, one column
        per indicator (and denominator); NaN where missing."""
        if codes is None:
            codes = self.codes("indicator") + self.codes("denominator")
        wide = self.values.pivot_table(index=["unit", "period"], columns="indicator", values="value", aggfunc="first")
        idx = pd.MultiIndex.from_product([self.unit_codes, self.periods], names=["unit", "period"])
        out = wide.reindex(index=idx, columns=list(codes)).astype(float)
        out.columns.name = "indicator"
        return out

    def coverage(self, period: int | None = None) -> pd.DataFrame:
        """Data availability per unit and indicator.

        With ``period`` given: 1.0 where a value exists, 0.0 where not. Without: the share
        of all periods for which the unit has a value of that indicator.
        """
        codes = self.codes("indicator") + self.codes("denominator")
        if period is not None:
            return self.table(period, codes=codes).notna().astype(float)
        return self.panel(codes).notna().groupby(level="unit", sort=False).mean().reindex(self.unit_codes)

    # ------------------------------------------------------------------ identity
    def digest(self) -> str:
        """SHA-256 of the content: units and framework as CSV text, values as sorted arrays
        (order-independent). Two datasets with the same content have the same digest."""
        h = hashlib.sha256()
        h.update(self.units.to_csv(index=False).encode())
        h.update(self.indicators.to_csv(index=False).encode())
        v = self.values
        u_codes, u_names = pd.factorize(v["unit"], sort=True)
        i_codes, i_names = pd.factorize(v["indicator"], sort=True)
        period = v["period"].to_numpy(dtype="<i8")
        order = np.lexsort((i_codes, period, u_codes))
        h.update("\x1f".join(map(str, u_names)).encode())
        h.update("\x1f".join(map(str, i_names)).encode())
        for arr in (u_codes[order].astype("<i8"), period[order], i_codes[order].astype("<i8")):
            h.update(arr.tobytes())
        h.update(v["value"].to_numpy(dtype="<f8")[order].tobytes())
        return h.hexdigest()

    def equals(self, other: Dataset) -> bool:
        """True when units, framework and values are the same (value order ignored)."""
        return self.digest() == other.digest()

    @property
    def synthetic(self) -> bool:
        """True when any indicator's ``source`` says the data are synthetic."""
        return bool(self.indicators["source"].str.contains("synthetic", case=False).any())

    def __repr__(self) -> str:
        p = self.periods
        span = f"{p[0]}-{p[-1]}" if p else "none"
        return (
            f"Dataset({self.name!r}: {len(self.units)} units, {len(self.codes('indicator'))} indicators, "
            f"{len(self.codes('aggregate'))} aggregates, periods {span}, {len(self.values)} values)"
        )


def summary_counts(ds: Dataset) -> dict[str, object]:
    """Plain numbers describing a dataset (used by ``citynexus data check``)."""
    ind = ds.indicators
    per_level = {int(level): int(n) for level, n in ind[ind["kind"] != "denominator"].groupby("level").size().items()}
    cov = ds.coverage()
    return {
        "units": len(ds.units),
        "groups": ds.groups,
        "indicators": len(ds.codes("indicator")),
        "aggregates": len(ds.codes("aggregate")),
        "denominators": len(ds.codes("denominator")),
        "per_level": per_level,
        "periods": ds.periods,
        "values": len(ds.values),
        "coverage": float(np.nanmean(cov.to_numpy())) if cov.size else float("nan"),
    }
