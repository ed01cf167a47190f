"""``IndexSpec``: every method choice of an index, readable from and writable to TOML.

A spec plus a dataset fully determines a result. The spec is a plain dataclass tree:
copy it with one parameter changed via :meth:`IndexSpec.with_` (the basis of
sensitivity analysis), or build it fluently::

    spec = (IndexSpec(name="GBA")
            .impute_with("group_mean", group="group")
            .normalise_with("minmax", range=(1, 100))
            .weights_with("entropy_minmax", level=1)
            .aggregate_with("geometric", level=3))

TOML layout (every key optional; defaults shown in docs/methods.md)::

    name = "..."
    [denominate]  enabled, scale, [denominate.indicators.CODE] by / scale
    [screen]      unit_threshold, indicator_threshold, when
    [impute]      method, group, [impute.indicators.CODE] method
    [treat]       method, winmax, skew_threshold, kurt_threshold, fallback, boxcox_lambda,
                  [treat.indicators.CODE] ...
    [normalise]   method, range, mean, sd, [normalise.indicators.CODE] method, lower, upper, target, ref
    [weights]     method, [weights.values] CODE = w, [weights.level.N] method ...,
                  [weights.parent.CODE] method, matrix (AHP), force, values
    [aggregate]   method, p, min_share, [aggregate.level.N] ..., [aggregate.parent.CODE] ...
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from citynexus.evaluate.aggregate import AGGREGATE_METHODS
from citynexus.evaluate.errors import IndexSpecError
from citynexus.evaluate.impute import IMPUTE_METHODS, PANEL_METHODS
from citynexus.evaluate.normalise import NORMALISE_METHODS
from citynexus.evaluate.registry import method, spec_options
from citynexus.evaluate.treat import FALLBACKS, TREAT_METHODS
from citynexus.evaluate.weights import WEIGHT_METHODS

SCREEN_WHEN = ("before_impute", "after_impute")
#: options of a per-indicator, per-level or per-parent entry: from the method registry
_NORMALISE_PARAMS = spec_options("normalise")
_WEIGHT_PARAMS = spec_options("weights")
_AGG_PARAMS = spec_options("aggregate")
_TREAT_PARAMS = spec_options("treat")


def _suggest(name: str, options) -> str:
    import difflib

    close = difflib.get_close_matches(str(name), list(options), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{hint}; choose one of: {', '.join(options)}"


@dataclass
class DenominateSpec:
    """Divide indicators by the denominator named in the framework metadata."""

    enabled: bool = True
    #: multiply every ratio by this factor (e.g. 10000 for "per 10k")
    scale: float = 1.0
    #: per-indicator overrides: CODE -> {"by": denominator code or "none", "scale": float}
    indicators: dict[str, dict] = field(default_factory=dict)


@dataclass
class ScreenSpec:
    """Keep units / indicators with enough data (availability = share of non-missing)."""

    unit_threshold: float = 2 / 3
    indicator_threshold: float = 2 / 3
    #: screen before imputation (default) or after it (COINr's ASEM example)
    when: str = "before_impute"


@dataclass
class ImputeSpec:
    method: str = "none"
    #: unit grouping column for group_mean / group_median (default: "group" if present)
    group: str | None = None
    indicators: dict[str, dict] = field(default_factory=dict)


@dataclass
class TreatSpec:
    method: str = "winsorise"
    winmax: int = 5
    skew_threshold: float = 2.0
    kurt_threshold: float = 3.5
    fallback: str = "log"
    boxcox_lambda: float | None = None
    indicators: dict[str, dict] = field(default_factory=dict)


@dataclass
class NormaliseSpec:
    method: str = "minmax"
    range: tuple[float, float] = (0.0, 100.0)
    mean: float = 0.0
    sd: float = 1.0
    #: per-indicator overrides and parameters (goalposts lower/upper/scale, target, ref unit)
    indicators: dict[str, dict] = field(default_factory=dict)


@dataclass
class WeightsSpec:
    #: default method for every group of siblings
    method: str = "given"
    #: explicit weights CODE -> weight (relative within the parent), overriding metadata
    values: dict[str, float] = field(default_factory=dict)
    #: per level of the weighted items: "1" -> {"method": "entropy"} (level 1 = indicators)
    level: dict[str, dict] = field(default_factory=dict)
    #: per parent aggregate: CODE -> {"method": "ahp", "matrix": [[...]], "force": false}
    parent: dict[str, dict] = field(default_factory=dict)


@dataclass
class AggregateSpec:
    method: str = "arithmetic"
    #: power of the generalised mean
    p: float = 1.0
    #: minimum share of available children; below it the aggregate is missing (0 = skip missing)
    min_share: float = 0.0
    #: per level of the aggregate being computed: "2" -> {"method": "geometric"}
    level: dict[str, dict] = field(default_factory=dict)
    parent: dict[str, dict] = field(default_factory=dict)


@dataclass
class SelectSpec:
    """Which units and periods the index is built on (``[select]``); unknown codes are refused
    with an error naming them when the spec meets the data."""

    #: unit codes to keep (None: every unit)
    units: list[str] | None = None
    #: unit codes to leave out
    exclude: list[str] = field(default_factory=list)
    #: years to keep (None: every period)
    periods: list[int] | None = None

    def is_default(self) -> bool:
        return self.units is None and not self.exclude and self.periods is None

    def apply(self, dataset, where: str = "[select]"):
        """``dataset`` restricted as the section says (the same object when it selects nothing)."""
        if self.is_default():
            return dataset
        return dataset.select(self.units, self.exclude, self.periods, where=where)


_SECTIONS = {
    "select": SelectSpec,
    "denominate": DenominateSpec,
    "screen": ScreenSpec,
    "impute": ImputeSpec,
    "treat": TreatSpec,
    "normalise": NormaliseSpec,
    "weights": WeightsSpec,
    "aggregate": AggregateSpec,
}


@dataclass
class IndexSpec:
    """All method choices of a composite index (see module docstring)."""

    name: str = "index"
    description: str = ""
    select: SelectSpec = field(default_factory=SelectSpec)
    denominate: DenominateSpec = field(default_factory=DenominateSpec)
    screen: ScreenSpec = field(default_factory=ScreenSpec)
    impute: ImputeSpec = field(default_factory=ImputeSpec)
    treat: TreatSpec = field(default_factory=TreatSpec)
    normalise: NormaliseSpec = field(default_factory=NormaliseSpec)
    weights: WeightsSpec = field(default_factory=WeightsSpec)
    aggregate: AggregateSpec = field(default_factory=AggregateSpec)

    # ------------------------------------------------------------------ dict / TOML
    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["normalise"]["range"] = list(self.normalise.range)
        if self.select.is_default():  # an unused [select] leaves the spec (and its digest) as before
            d.pop("select")
        return _drop_none(d)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "spec") -> IndexSpec:
        data = dict(data)
        # [robustness] (uncertain factors) is read by citynexus.evaluate.robustness.read_spec
        data.pop("robustness", None)
        top = {f.name for f in fields(cls)}
        unknown = [k for k in data if k not in top]
        if unknown:
            raise IndexSpecError(f"{source}: unknown section or key {unknown[0]!r}{_suggest(unknown[0], sorted(top))}")
        kw: dict[str, Any] = {}
        for key in ("name", "description"):
            if key in data:
                kw[key] = str(data[key])
        for sec, klass in _SECTIONS.items():
            raw = data.get(sec, {})
            if not isinstance(raw, dict):
                raise IndexSpecError(f"{source}: [{sec}] must be a table of options, not {raw!r}")
            allowed = {f.name for f in fields(klass)}
            bad = [k for k in raw if k not in allowed]
            if bad:
                raise IndexSpecError(f"{source}: unknown option {sec}.{bad[0]}{_suggest(bad[0], sorted(allowed))}")
            vals = dict(raw)
            if sec == "normalise" and "range" in vals:
                r = vals["range"]
                if not (isinstance(r, list | tuple) and len(r) == 2):
                    raise IndexSpecError(f"{source}: normalise.range must be two numbers [low, high], got {r!r}")
                vals["range"] = (float(r[0]), float(r[1]))
            for k in ("level",):
                if k in vals:
                    vals[k] = {str(a): dict(b) for a, b in vals[k].items()}
            kw[sec] = klass(**copy.deepcopy(vals))
        spec = cls(**kw)
        spec.validate(source=source)
        return spec

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())

    @classmethod
    def from_toml(cls, text: str, source: str = "spec") -> IndexSpec:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise IndexSpecError(f"{source}: not valid TOML: {err}") from None
        return cls.from_dict(data, source=source)

    @classmethod
    def read(cls, path: str | Path) -> IndexSpec:
        p = Path(path)
        if not p.exists():
            raise IndexSpecError(f"spec file {p} does not exist; write one (see docs/methods.md) or use a bundled spec")
        return cls.from_toml(p.read_text(encoding="utf-8"), source=p.name)

    def write(self, path: str | Path) -> Path:
        p = Path(path)
        p.write_text(self.to_toml(), encoding="utf-8")
        return p

    def digest(self) -> str:
        """SHA-256 of the canonical JSON form of the spec (key order independent)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True, default=str).encode()).hexdigest()

    def copy(self) -> IndexSpec:
        return copy.deepcopy(self)

    # ------------------------------------------------------------------ changes
    def with_(self, **changes: Any) -> IndexSpec:
        """A validated copy with options changed by dotted path, e.g.
        ``spec.with_(**{"normalise.method": "zscore", "treat.winmax": 3})`` or
        ``spec.with_(normalise__method="zscore")`` (``__`` for a dot)."""
        new = self.copy()
        for path, value in changes.items():
            new.set_option(path, value)
        new.validate()
        return new

    def set_option(self, path: str, value: Any) -> None:
        """Set one option **in place** by dotted path (``__`` also separates), without
        validation (robustness factors set combinations that are checked when computed).
        A ``range`` becomes a pair of floats; the value is copied."""
        parts = path.replace("__", ".").split(".")
        obj: Any = self
        for i, part in enumerate(parts[:-1]):
            if isinstance(obj, dict):
                obj = obj.setdefault(part, {})
            elif _is_option(obj, part):
                obj = getattr(obj, part)
            else:
                raise IndexSpecError(f"unknown spec path {'.'.join(parts[: i + 1])!r}")
        last = parts[-1]
        if isinstance(obj, dict):
            obj[last] = copy.deepcopy(value)
        elif _is_option(obj, last):
            if last == "range":
                value = (float(value[0]), float(value[1]))
            setattr(obj, last, copy.deepcopy(value))
        else:
            raise IndexSpecError(f"unknown spec option {path!r}")

    # fluent forms ------------------------------------------------------
    def denominate_with(self, enabled: bool = True, scale: float = 1.0, **indicators: dict) -> IndexSpec:
        new = self.copy()
        new.denominate = DenominateSpec(enabled, scale, {**self.denominate.indicators, **indicators})
        new.validate()
        return new

    def screen_with(
        self, unit_threshold: float = 2 / 3, indicator_threshold: float = 2 / 3, when: str = "before_impute"
    ):
        new = self.copy()
        new.screen = ScreenSpec(unit_threshold, indicator_threshold, when)
        new.validate()
        return new

    def impute_with(self, method: str, group: str | None = None) -> IndexSpec:
        new = self.copy()
        new.impute.method, new.impute.group = method, group
        new.validate()
        return new

    def treat_with(self, method: str = "winsorise", **options: Any) -> IndexSpec:
        new = self.copy()
        new.treat.method = method
        for k, v in options.items():
            if not hasattr(new.treat, k):
                raise IndexSpecError(f"unknown treat option {k!r}{_suggest(k, [f.name for f in fields(TreatSpec)])}")
            setattr(new.treat, k, v)
        new.validate()
        return new

    def normalise_with(self, method: str = "minmax", **options: Any) -> IndexSpec:
        new = self.copy()
        new.normalise.method = method
        for k, v in options.items():
            if k == "range":
                v = (float(v[0]), float(v[1]))
            if not hasattr(new.normalise, k):
                raise IndexSpecError(
                    f"unknown normalise option {k!r}{_suggest(k, [f.name for f in fields(NormaliseSpec)])}"
                )
            setattr(new.normalise, k, v)
        new.validate()
        return new

    def weights_with(self, method: str, level: int | None = None, parent: str | None = None, **params) -> IndexSpec:
        """Set the weighting method for everything, for one level of weighted items, or
        for the children of one parent (``matrix=`` for AHP, ``values=`` for given)."""
        new = self.copy()
        entry = {"method": method, **params}
        if parent is not None:
            new.weights.parent[parent] = entry
        elif level is not None:
            new.weights.level[str(level)] = entry
        else:
            new.weights.method = method
        new.validate()
        return new

    def weights_set(self, **values: float) -> IndexSpec:
        """Explicit weights by code (relative within the parent)."""
        new = self.copy()
        new.weights.values.update({k: float(v) for k, v in values.items()})
        new.validate()
        return new

    def aggregate_with(self, method: str, level: int | None = None, parent: str | None = None, **params) -> IndexSpec:
        new = self.copy()
        entry = {"method": method, **params}
        if parent is not None:
            new.aggregate.parent[parent] = entry
        elif level is not None:
            new.aggregate.level[str(level)] = entry
        else:
            new.aggregate.method = method
            for k, v in params.items():
                setattr(new.aggregate, k, v)
        new.validate()
        return new

    # ------------------------------------------------------------------ validation
    def validate(self, source: str = "spec") -> None:
        """Check method names and parameter shapes; raise :class:`IndexSpecError` with
        what to change. Checks needing the data (codes, AHP size, weights summing per
        group) run in :func:`citynexus.evaluate.build`."""
        c = _Check(source)
        for check in (
            self._check_select,
            self._check_screen_impute,
            self._check_treat,
            self._check_normalise,
            self._check_weights,
            self._check_aggregate,
            self._check_means_positive,
        ):
            check(c)

    def _check_select(self, c: _Check) -> None:
        """Checks of the [select] options (the codes are checked against the data)."""
        sel = self.select
        for k in ("units", "exclude"):
            v = getattr(sel, k)
            ok = (k == "units" and v is None) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
            c.need(
                ok,
                f'select.{k} must be a list of unit codes, e.g. ["SZ", "GZ"], got {v!r}',
            )
        p = sel.periods
        c.need(
            p is None or (isinstance(p, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in p)),
            f"select.periods must be a list of years, e.g. [2010, 2020], got {p!r}",
        )

    def _check_screen_impute(self, c: _Check) -> None:
        """Checks of the screen and impute options."""
        sc = self.screen
        for k in ("unit_threshold", "indicator_threshold"):
            v = getattr(sc, k)
            c.need(isinstance(v, int | float) and 0 <= v <= 1, f"screen.{k} must be a share between 0 and 1, got {v!r}")
        c.need(sc.when in SCREEN_WHEN, f"screen.when must be one of {SCREEN_WHEN}, got {sc.when!r}")
        c.method_ok("impute.method", self.impute.method, IMPUTE_METHODS)
        for code, o in self.impute.indicators.items():
            c.method_ok(f"impute.indicators.{code}", o.get("method"), IMPUTE_METHODS)
            c.need(
                (o.get("method") in PANEL_METHODS) == (self.impute.method in PANEL_METHODS),
                f"impute.indicators.{code}: cannot mix panel and cross-section imputation methods",
            )

    def _check_treat(self, c: _Check) -> None:
        """Checks of the outlier treatment options."""
        t = self.treat
        c.method_ok("treat.method", t.method, TREAT_METHODS)
        c.need(t.fallback in FALLBACKS, f"treat.fallback must be one of {FALLBACKS}, got {t.fallback!r}")
        c.need(
            isinstance(t.winmax, int) and t.winmax >= 0, f"treat.winmax must be a whole number >= 0, got {t.winmax!r}"
        )
        for code, o in t.indicators.items():
            bad = set(o) - _TREAT_PARAMS
            c.need(not bad, f"treat.indicators.{code}: unknown option {min(bad, default='')!r}")
            if "method" in o:
                c.method_ok(f"treat.indicators.{code}", o["method"], TREAT_METHODS)

    def _check_normalise(self, c: _Check) -> None:
        """Checks of the normalisation options."""
        n = self.normalise
        c.method_ok("normalise.method", n.method, NORMALISE_METHODS)
        c.need(n.range[0] < n.range[1], f"normalise.range must be [low, high] with low < high, got {list(n.range)}")
        c.need(n.sd > 0, f"normalise.sd must be positive, got {n.sd}")
        for code, o in n.indicators.items():
            bad = set(o) - _NORMALISE_PARAMS
            c.need(not bad, f"normalise.indicators.{code}: unknown option {min(bad, default='')!r}")
            m = o.get("method", n.method)
            c.method_ok(f"normalise.indicators.{code}", m, NORMALISE_METHODS)
            if m == "goalposts":
                c.need(
                    "lower" in o and "upper" in o and float(o["lower"]) < float(o["upper"]),
                    f"normalise.indicators.{code}: goalposts need lower < upper (in the indicator's units)",
                )
            if m == "dist2target":
                c.need("target" in o, f"normalise.indicators.{code}: dist2target needs a target value")
            if m == "dist2ref":
                c.need("ref" in o, f"normalise.indicators.{code}: dist2ref needs ref = a unit code")
        if method("normalise", n.method).required():
            c.need(
                bool(n.indicators),
                f"normalise.method = {n.method!r} needs per-indicator parameters in [normalise.indicators.CODE]",
            )

    def _check_weights(self, c: _Check) -> None:
        """Checks of the weights options."""
        w = self.weights
        c.method_ok("weights.method", w.method, WEIGHT_METHODS)
        c.need(w.method != "ahp", "weights.method = 'ahp' needs a matrix per parent: use [weights.parent.CODE]")
        for code, v in w.values.items():
            c.need(
                isinstance(v, int | float) and v >= 0,
                f"weights.values.{code} must be a non-negative number, got {v!r}",
            )
        for where, entries in (("level", w.level), ("parent", w.parent)):
            for key, o in entries.items():
                bad = set(o) - _WEIGHT_PARAMS
                c.need(not bad, f"weights.{where}.{key}: unknown option {min(bad, default='')!r}")
                c.method_ok(f"weights.{where}.{key}", o.get("method", w.method), WEIGHT_METHODS)
                if where == "level":
                    c.need(
                        str(key).isdigit() and int(key) >= 1, f"weights.level keys are levels 1, 2, ..., got {key!r}"
                    )
                if o.get("method") == "ahp":
                    c.need(where == "parent", f"weights.{where}.{key}: AHP needs one matrix per parent")
                    c.need("matrix" in o, f"weights.parent.{key}: AHP needs matrix = [[1, a12, ...], ...]")
                    from citynexus.evaluate.weights import ahp

                    try:
                        ahp(o["matrix"], force=bool(o.get("force", False)))
                    except IndexSpecError as err:
                        raise IndexSpecError(f"{c.source}: weights.parent.{key}: {err}") from None
                if o.get("method") == "given" and "values" in o:
                    vals = o["values"]
                    c.need(isinstance(vals, dict), f"weights.{where}.{key}.values must be a table CODE = weight")

    def _check_aggregate(self, c: _Check) -> None:
        """Checks of the aggregation options."""
        a = self.aggregate
        c.method_ok("aggregate.method", a.method, AGGREGATE_METHODS)
        c.need(0 <= a.min_share <= 1, f"aggregate.min_share must be between 0 and 1, got {a.min_share}")
        for where, entries in (("level", a.level), ("parent", a.parent)):
            for key, o in entries.items():
                bad = set(o) - _AGG_PARAMS
                c.need(not bad, f"aggregate.{where}.{key}: unknown option {min(bad, default='')!r}")
                c.method_ok(f"aggregate.{where}.{key}", o.get("method", a.method), AGGREGATE_METHODS)
                if where == "level":
                    c.need(
                        str(key).isdigit() and int(key) >= 2, f"aggregate.level keys are levels 2, 3, ..., got {key!r}"
                    )

    def _check_means_positive(self, c: _Check) -> None:
        """Geometric and harmonic means at level 2 need a normalisation that stays positive."""
        n = self.normalise
        # geometric/harmonic means directly on normalised indicators that can be zero or negative
        for m, where in self._aggregate_methods():
            if m not in ("geometric", "harmonic") or where != "2":
                continue
            if n.method == "minmax" and n.range[0] <= 0:
                raise IndexSpecError(
                    f"{c.source}: level 2 uses the {m} mean but normalise.range starts at {n.range[0]:g}, so the "
                    f"worst unit on every indicator scores {n.range[0]:g} and the {m} mean is undefined "
                    "-> set normalise.range = [1, 100] (or another positive range)"
                )
            if n.method in ("zscore", "borda", "percentile", "dist2max", "none"):
                raise IndexSpecError(
                    f"{c.source}: level 2 uses the {m} mean but normalise.method = {n.method!r} gives zeros or "
                    "negative values -> use method 'minmax' with range = [1, 100], or 'rank'"
                )

    def _aggregate_methods(self):
        a = self.aggregate
        if "2" not in a.level:
            yield a.method, "2"
        for k, o in a.level.items():
            yield o.get("method", a.method), str(k)

    # ------------------------------------------------------------------ lookups
    def aggregate_for(self, parent: str, level: int) -> dict:
        a = self.aggregate
        base = {"method": a.method, "p": a.p, "min_share": a.min_share}
        base.update(a.level.get(str(level), {}))
        base.update(a.parent.get(parent, {}))
        return base

    def weights_for(self, parent: str, child_level: int) -> dict:
        w = self.weights
        base: dict[str, Any] = {"method": w.method}
        base.update(w.level.get(str(child_level), {}))
        base.update(w.parent.get(parent, {}))
        return base


@dataclass(frozen=True)
class _Check:
    """The two checks of :meth:`IndexSpec.validate`, naming the spec's ``source``."""

    source: str

    def need(self, cond: bool, msg: str) -> None:
        if not cond:
            raise IndexSpecError(f"{self.source}: {msg}")

    def method_ok(self, where: str, m: Any, options) -> None:
        self.need(isinstance(m, str) and m in options, f"unknown method {m!r} in {where}{_suggest(m, options)}")


def _is_option(obj: Any, name: str) -> bool:
    """True when ``name`` is a data attribute of a spec section (not a method, not private)."""
    return not name.startswith("_") and hasattr(obj, name) and not callable(getattr(obj, name))


def _drop_none(d):
    if isinstance(d, dict):
        return {k: _drop_none(v) for k, v in d.items() if v is not None and not (isinstance(v, dict) and not v)}
    if isinstance(d, list | tuple):
        return [_drop_none(v) for v in d]
    return d


def default_spec_path(name: str = "gba") -> Path:
    """Path of a bundled spec file by name (``gba``)."""
    p = Path(__file__).parent / "specs" / f"{name}.toml"
    if not p.is_file():
        raise IndexSpecError(f"no bundled spec named {name!r}")
    return p


def spec_for_dataset(dataset) -> IndexSpec:
    """The default spec of a dataset: its bundled spec when one has the dataset's name
    (``gba``), else the generic default (min-max 0-100, framework weights, arithmetic means)."""
    if (Path(__file__).parent / "specs" / f"{dataset.name}.toml").is_file():
        return default_spec(dataset.name)
    return IndexSpec(name=f"{dataset.name} index")


def default_spec(name: str = "gba") -> IndexSpec:
    """A bundled spec by name (``gba``)."""
    p = default_spec_path(name)
    return IndexSpec.from_toml(p.read_text(encoding="utf-8"), source=p.name)
