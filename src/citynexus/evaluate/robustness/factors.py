"""Uncertain factors (不确定性因素) of a robustness analysis and the ``[robustness]`` TOML section.

A factor is one input of the index that could reasonably have been chosen otherwise. Each
factor maps one number per replication to a change of the spec:

=================  ==========================================================  ======================
kind               what one replication draws                                  sample value
=================  ==========================================================  ======================
``choice``         one of ``options`` (each a table of spec changes)           option index (0-based)
``integer``        a whole number in ``[low, high]`` for the spec ``path``     the number
``continuous``     a real number in ``[low, high]`` for the spec ``path``      the number
``weights_noise``  one of ``sets`` noisy copies of the nominal weights at      set index (0-based)
                   ``levels``: :math:`w \\to w\\,(1 + a(2U - 1))`, U ~ U(0, 1)
``weights_sets``   one of the given alternative weight sets                    set index (0-based)
``exclude``        leave out none (0) or one of ``indicators`` (k = k-th)      0 .. len(indicators)
=================  ==========================================================  ======================

Sampling works on the unit interval: a uniform number :math:`u \\in [0, 1)` becomes
``floor(u m)`` for a factor with ``m`` options (the usual flooring of a uniform variable
for discrete factors in variance-based sensitivity analysis, Saltelli et al. 2008, *Global
Sensitivity Analysis: The Primer*, §4.8), ``low + floor(u (high - low + 1))`` for an
integer and ``low + u (high - low)`` for a continuous factor.

TOML::

    [robustness]
    samples = 500        # default N
    seed = 1
    top_k = [3, 10]      # P(rank <= k) columns of the uncertainty table

    [[robustness.factor]]
    name = "winmax"
    kind = "integer"
    path = "treat.winmax"
    low = 1
    high = 5

    [[robustness.factor]]
    name = "normalisation"
    kind = "choice"
    target = "normalise"           # option keys are relative to this spec section
    options = [{method = "minmax", range = [1, 100]}, {method = "zscore", mean = 10, sd = 2}]
    labels = ["min-max 1-100", "z-score 10/2"]

    [[robustness.factor]]
    name = "weights"
    kind = "weights_noise"
    levels = [2, 3]                # levels of the weighted items (1 = indicators)
    a = 0.25
    sets = 100
    seed = 0                       # the noisy sets depend on this seed only

    [[robustness.factor]]
    name = "pillar_weights"
    kind = "weights_sets"
    sets = [{Conn = 1, Sust = 1}, {Conn = 2, Sust = 1}]   # relative within each parent

    [[robustness.factor]]
    name = "drop_one"
    kind = "exclude"
    indicators = ["LPI", "Flights"]   # default: every indicator
"""

from __future__ import annotations

import copy
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from citynexus.evaluate.errors import IndexSpecError
from citynexus.evaluate.registry import STEP_MODULES, methods
from citynexus.evaluate.robustness.errors import RobustnessSpecError
from citynexus.evaluate.spec import IndexSpec

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

#: pipeline stages in order; a factor belongs to the earliest stage it changes
FACTOR_STAGES = ("prepare", "treat", "normalise", "structure", "weights")
_SECTION_STAGE = {
    "denominate": "prepare",
    "screen": "prepare",
    "impute": "prepare",
    "treat": "treat",
    "normalise": "normalise",
    "weights": "structure",
    "aggregate": "structure",
}
#: the methods a ``SECTION.method`` option may name, from the method registry
_SECTION_METHODS = {step: methods(step) for step in STEP_MODULES}


def _err(where: str, msg: str) -> RobustnessSpecError:
    return RobustnessSpecError(f"{where}: {msg}")


# ---------------------------------------------------------------------------- spec paths
def _stage_of_path(path: str, where: str) -> str:
    sec = path.split(".")[0]
    if sec not in _SECTION_STAGE:
        raise _err(where, f"{path!r} is not an option of a spec section ({', '.join(_SECTION_STAGE)})")
    return _SECTION_STAGE[sec]


def _check_method(path: str, value: Any, where: str) -> None:
    parts = path.split(".")
    if parts[-1] != "method":
        return
    options = _SECTION_METHODS.get(parts[0])
    if options is not None and value not in options:
        raise _err(where, f"unknown method {value!r} for {path}; choose one of: {', '.join(options)}")


def _refuse_first(name: str, v: np.ndarray, bad: np.ndarray, where: str, problem: str) -> np.ndarray:
    """``v`` when no entry is ``bad``; else the error naming the first bad replication."""
    if bad.any():
        i = int(np.argmax(bad))
        raise _err(where, f"factor {name!r}, replication {i + 1}: {v[i]:g} {problem}")
    return v


# ---------------------------------------------------------------------------- factors
@dataclass
class Factor(ABC):
    """Base of every factor: a ``name`` (column of samples.csv) and a ``kind``."""

    name: str
    kind: ClassVar[str] = ""

    @property
    def n_options(self) -> int | None:
        """Number of discrete options (None for a continuous factor)."""
        return None

    @property
    @abstractmethod
    def stage(self) -> str:
        """Earliest pipeline stage the factor changes (see :data:`FACTOR_STAGES`)."""

    @property
    def discrete(self) -> bool:
        return self.n_options is not None

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map uniform numbers in [0, 1] to sample values (option index or number)."""
        m = self.n_options
        u = np.asarray(u, dtype=float)
        return np.minimum(np.floor(u * m), m - 1).astype(float)

    def check(self, values: np.ndarray, where: str) -> np.ndarray:
        """Validate sample values (e.g. read from a replay file); return them as floats."""
        v = np.asarray(values, dtype=float)
        if np.isnan(v).any():
            raise _err(where, f"factor {self.name!r} has empty or non-numeric values")
        m = self.n_options
        if m is not None:
            bad = (v != np.round(v)) | (v < 0) | (v >= m)
            if bad.any():
                i = int(np.argmax(bad))
                raise _err(
                    where,
                    f"factor {self.name!r}, replication {i + 1}: {v[i]:g} is not an option index; "
                    f"use a whole number from 0 to {m - 1}",
                )
        return v

    def label(self, value: float) -> str:
        return f"{value:g}"

    def to_dict(self) -> dict[str, Any]:
        d = {"name": self.name, "kind": self.kind}
        for k, v in self.__dict__.items():
            if k != "name" and v is not None and not k.startswith("_"):
                d[k] = v
        return d


@dataclass
class ChoiceFactor(Factor):
    """One of several alternatives for a step: each option is a table of spec changes,
    keys relative to ``target`` (a section such as ``normalise``, or a dotted path such as
    ``aggregate.level.3``; empty: keys are full dotted paths)."""

    options: list[dict[str, Any]] = field(default_factory=list)
    target: str = ""
    labels: list[str] | None = None
    kind: ClassVar[str] = "choice"

    @property
    def n_options(self) -> int:
        return len(self.options)

    def changes(self, index: int) -> dict[str, Any]:
        pre = f"{self.target}." if self.target else ""
        return {pre + k: v for k, v in self.options[index].items()}

    @property
    def stage(self) -> str:
        stages = {_stage_of_path(p, f"factor {self.name!r}") for i in range(len(self.options)) for p in self.changes(i)}
        return min(stages, key=FACTOR_STAGES.index) if stages else "structure"

    def label(self, value: float) -> str:
        i = int(value)
        if self.labels:
            return self.labels[i]
        return ", ".join(f"{k}={v}" for k, v in self.options[i].items())


@dataclass
class _PathFactor(Factor):
    """A factor that sets one spec option (``path``); its stage is that option's."""

    path: str = ""

    @property
    def stage(self) -> str:
        return _stage_of_path(self.path, f"factor {self.name!r}")


@dataclass
class _WeightsFactor(Factor):
    """A factor that replaces the weights; its stage is ``weights``."""

    @property
    def stage(self) -> str:
        return "weights"


@dataclass
class IntegerFactor(_PathFactor):
    """A whole-number option (``path``, e.g. ``treat.winmax``) drawn from ``low..high``."""

    low: int = 0
    high: int = 0
    kind: ClassVar[str] = "integer"

    @property
    def n_options(self) -> int:
        return int(self.high - self.low + 1)

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        return self.low + super().from_unit(u)

    def check(self, values: np.ndarray, where: str) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        bad = np.isnan(v) | (v != np.round(v)) | (v < self.low) | (v > self.high)
        return _refuse_first(self.name, v, bad, where, f"is not a whole number from {self.low} to {self.high}")


@dataclass
class ContinuousFactor(_PathFactor):
    """A real-valued option (``path``) drawn uniformly from ``[low, high]``."""

    low: float = 0.0
    high: float = 1.0
    kind: ClassVar[str] = "continuous"

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        return self.low + np.asarray(u, dtype=float) * (self.high - self.low)

    def check(self, values: np.ndarray, where: str) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        bad = np.isnan(v) | (v < self.low) | (v > self.high)
        return _refuse_first(self.name, v, bad, where, f"is outside [{self.low:g}, {self.high:g}]")


@dataclass
class WeightsNoiseFactor(_WeightsFactor):
    """``sets`` noisy copies of the nominal weights of the items at ``levels`` (levels of the
    weighted items: 1 = indicators, 2 = the first aggregates, ...):
    :math:`w'_j = w_j (1 + a (2U_j - 1))`, :math:`U_j \\sim U(0, 1)` i.i.d., then rescaled to
    sum to 1 within each parent. The sets depend on ``seed`` only, so a replay file that
    names set indices reproduces them. Reference: COINr ``get_noisy_weights``."""

    levels: list[int] = field(default_factory=list)
    a: float = 0.25
    sets: int = 100
    seed: int = 0
    kind: ClassVar[str] = "weights_noise"

    @property
    def n_options(self) -> int:
        return int(self.sets)

    def tables(self, fw, nominal_weights: pd.DataFrame) -> dict[str, np.ndarray]:
        """``parent -> (sets, k)`` weights over ``fw.children[parent]`` (framework order)."""
        parents = [p for p in fw.aggregation_order() if any(fw.level[c] in self.levels for c in fw.children.get(p, []))]
        if not parents:
            raise _err(
                f"factor {self.name!r}",
                f"no weighted items at levels {self.levels}; the framework has levels {sorted(set(fw.level.values()))}",
            )
        nom = {(r.parent, r.code): float(r.weight) for r in nominal_weights.itertuples()}
        rng = np.random.default_rng(int(self.seed))
        out: dict[str, np.ndarray] = {}
        for p in parents:
            kids = fw.children[p]
            w = np.array([nom.get((p, c), np.nan) for c in kids])
            if np.isnan(w).all():
                w = np.array([fw.weight.get(c, 1.0) for c in kids], dtype=float)
            w = np.where(np.isnan(w), np.nanmean(w), w)
            u = rng.random((self.n_options, len(kids)))
            noisy = w * (1.0 + self.a * (2.0 * u - 1.0))
            out[p] = noisy / noisy.sum(axis=1, keepdims=True)
        return out


@dataclass
class WeightSetsFactor(_WeightsFactor):
    """A table of alternative weight sets; each set maps codes to weights (relative within
    the parent: every child of a parent named in a set must be given)."""

    sets: list[dict[str, float]] = field(default_factory=list)
    labels: list[str] | None = None
    kind: ClassVar[str] = "weights_sets"

    @property
    def n_options(self) -> int:
        return len(self.sets)

    def label(self, value: float) -> str:
        return self.labels[int(value)] if self.labels else f"set {int(value)}"

    def tables(self, fw, nominal_weights: pd.DataFrame | None = None) -> dict[str, np.ndarray]:
        where = f"factor {self.name!r}"
        parents: list[str] = []
        for i, s in enumerate(self.sets):
            for code, v in s.items():
                if code not in fw.parent or not fw.parent.get(code):
                    raise _err(where, f"set {i}: {code!r} is not an indicator or aggregate with a parent")
                if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                    raise _err(where, f"set {i}: weight of {code} must be a non-negative number, got {v!r}")
                if fw.parent[code] not in parents:
                    parents.append(fw.parent[code])
        out: dict[str, np.ndarray] = {}
        for p in parents:
            kids = fw.children[p]
            rows = []
            for i, s in enumerate(self.sets):
                given = [c for c in kids if c in s]
                if len(given) != len(kids):
                    missing = [c for c in kids if c not in s]
                    raise _err(
                        where,
                        f"set {i} gives weights for {', '.join(given) or 'none'} but not for "
                        f"{', '.join(missing)} (children of {p}); give every child of {p} in every set",
                    )
                w = np.array([float(s[c]) for c in kids])
                if w.sum() <= 0:
                    raise _err(where, f"set {i}: the weights of the children of {p} sum to 0")
                rows.append(w / w.sum())
            out[p] = np.array(rows)
        return out


@dataclass
class ExcludeFactor(Factor):
    """Leave out no indicator (option 0) or one of ``indicators`` (option k leaves out the
    k-th); default candidates: every indicator of the framework."""

    indicators: list[str] | None = None
    kind: ClassVar[str] = "exclude"

    @property
    def n_options(self) -> int:
        if self.indicators is None:
            raise RobustnessSpecError(f"factor {self.name!r}: the candidate indicators are not resolved yet")
        return len(self.indicators) + 1

    @property
    def stage(self) -> str:
        return "prepare"

    def excluded(self, value: float) -> str | None:
        i = int(value)
        return None if i == 0 else self.indicators[i - 1]  # type: ignore[index]

    def label(self, value: float) -> str:
        return self.excluded(value) or "none"


def _choice(name: str, d: dict[str, Any], where: str, tables: Mapping[str, pd.DataFrame]) -> Factor:
    opts = d.get("options")
    if not isinstance(opts, list) or len(opts) < 2 or not all(isinstance(o, dict) and o for o in opts):
        raise _err(where, "a choice needs options = [{...}, {...}]: at least two tables of spec changes")
    labels = d.get("labels")
    if labels is not None and (not isinstance(labels, list) or len(labels) != len(opts)):
        raise _err(where, f"labels must be a list of {len(opts)} names, one per option")
    f = ChoiceFactor(name, options=[dict(o) for o in opts], target=str(d.get("target", "")), labels=labels)
    probe = IndexSpec()
    for i in range(len(opts)):
        for path, value in f.changes(i).items():
            _stage_of_path(path, where)
            _check_method(path, value, where)
            try:
                probe.copy().set_option(path, value)
            except IndexSpecError as err:
                raise _err(where, f"option {i}: {err}") from None
    f.stage  # noqa: B018  (checks every path)
    return f


def _ranged(kind: str, name: str, d: dict[str, Any], where: str) -> Factor:
    path = d.get("path")
    if not isinstance(path, str) or not path:
        raise _err(where, f'a {kind} factor needs path = "section.option", e.g. "treat.winmax"')
    _stage_of_path(path, where)
    try:
        IndexSpec().set_option(path, 1)
    except IndexSpecError as err:
        raise _err(where, str(err)) from None
    if "low" not in d or "high" not in d:
        raise _err(where, f"a {kind} factor needs low and high")
    lo, hi = d["low"], d["high"]
    if kind == "integer":
        if not (isinstance(lo, int) and isinstance(hi, int)) or lo > hi:
            raise _err(where, f"low and high must be whole numbers with low <= high, got {lo!r}, {hi!r}")
        return IntegerFactor(name, path=path, low=lo, high=hi)
    if not (isinstance(lo, int | float) and isinstance(hi, int | float)) or not lo < hi:
        raise _err(where, f"low and high must be numbers with low < high, got {lo!r}, {hi!r}")
    return ContinuousFactor(name, path=path, low=float(lo), high=float(hi))


def _weights_noise(name: str, d: dict[str, Any], where: str, tables: Mapping[str, pd.DataFrame]) -> Factor:
    levels = d.get("levels")
    if isinstance(levels, int):
        levels = [levels]
    if not isinstance(levels, list) or not levels or not all(isinstance(v, int) and v >= 1 for v in levels):
        raise _err(where, "levels must list the levels of the weighted items to perturb, e.g. [2, 3]")
    a = d.get("a", 0.25)
    if not isinstance(a, int | float) or not 0 <= a < 1:
        raise _err(where, f"a (noise amplitude) must be in [0, 1), got {a!r}")
    sets = d.get("sets", 100)
    if not isinstance(sets, int) or sets < 1:
        raise _err(where, f"sets (number of noisy weight sets) must be a whole number >= 1, got {sets!r}")
    seed = d.get("seed", 0)
    if not isinstance(seed, int):
        raise _err(where, f"seed must be a whole number, got {seed!r}")
    return WeightsNoiseFactor(name, levels=list(levels), a=float(a), sets=sets, seed=seed)


def weight_sets_from_table(table: pd.DataFrame) -> tuple[list[dict[str, float]], list[str] | None]:
    """Weight sets from a table with one row per set and one column per code (empty cells
    left out); an optional ``set`` column names the sets."""
    table = table.copy()
    labels = [str(v) for v in table.pop("set")] if "set" in table.columns else None
    sets = [{c: float(v) for c, v in row.items() if pd.notna(v)} for row in table.to_dict("records")]
    return sets, labels


def _weight_sets(name: str, d: dict[str, Any], where: str, tables: Mapping[str, pd.DataFrame]) -> Factor:
    if ("sets" in d) == ("file" in d):
        raise _err(where, 'give the weight sets either inline (sets = [{CODE = w, ...}, ...]) or as file = "x.csv"')
    if "file" in d:
        if d["file"] not in tables:
            raise _err(
                where,
                f"weight sets file {d['file']} does not exist (a relative name is read next to the spec file)",
            )
        sets, labels = weight_sets_from_table(tables[d["file"]])
    else:
        sets = d["sets"]
        labels = d.get("labels")
        if not isinstance(sets, list) or not all(isinstance(s, dict) and s for s in sets):
            raise _err(where, "sets must be a list of tables CODE = weight")
    if len(sets) < 1:
        raise _err(where, "give at least one weight set")
    if labels is not None and len(labels) != len(sets):
        raise _err(where, f"labels must be a list of {len(sets)} names, one per set")
    return WeightSetsFactor(name, sets=[dict(s) for s in sets], labels=labels)


def _exclude(name: str, d: dict[str, Any], where: str, tables: Mapping[str, pd.DataFrame]) -> Factor:
    inds = d.get("indicators")
    if inds is not None and (not isinstance(inds, list) or not inds or not all(isinstance(c, str) for c in inds)):
        raise _err(where, "indicators must be a list of indicator codes (or left out: every indicator)")
    return ExcludeFactor(name, indicators=list(inds) if inds else None)


@dataclass(frozen=True)
class _Kind:
    """A factor kind: its class, the options its TOML table may have and its parser."""

    cls: type[Factor]
    options: frozenset[str]
    parse: Callable[[str, dict[str, Any], str, Mapping[str, pd.DataFrame]], Factor]


#: every factor kind, registered once (the order is the order of FACTOR_KINDS)
KINDS: dict[str, _Kind] = {
    "choice": _Kind(ChoiceFactor, frozenset({"options", "target", "labels"}), _choice),
    "integer": _Kind(IntegerFactor, frozenset({"path", "low", "high"}), lambda n, d, w, t: _ranged("integer", n, d, w)),
    "continuous": _Kind(
        ContinuousFactor, frozenset({"path", "low", "high"}), lambda n, d, w, t: _ranged("continuous", n, d, w)
    ),
    "weights_noise": _Kind(WeightsNoiseFactor, frozenset({"levels", "a", "sets", "seed"}), _weights_noise),
    "weights_sets": _Kind(WeightSetsFactor, frozenset({"sets", "file", "labels"}), _weight_sets),
    "exclude": _Kind(ExcludeFactor, frozenset({"indicators"}), _exclude),
}
FACTOR_KINDS = tuple(KINDS)


def factor_from_dict(
    d: dict[str, Any], where: str = "factor", tables: Mapping[str, pd.DataFrame] | None = None
) -> Factor:
    """One factor from a ``[[robustness.factor]]`` table (see the module docstring).
    ``tables``: the tables named by ``file = "..."`` (read by the caller; see
    :func:`citynexus.data.specfiles.read_spec_file`)."""
    d = dict(d)
    name = d.pop("name", None)
    kind = d.pop("kind", None)
    if not isinstance(name, str) or not name:
        raise _err(where, 'every factor needs name = "..." (it becomes a column of samples.csv)')
    where = f"factor {name!r}"
    k = KINDS.get(kind) if isinstance(kind, str) else None
    if k is None:
        raise _err(where, f"kind = {kind!r} is not known; choose one of: {', '.join(FACTOR_KINDS)}")
    bad = sorted(set(d) - k.options)
    if bad:
        raise _err(where, f"unknown option {bad[0]!r} for kind {kind!r}; allowed: {', '.join(sorted(k.options))}")
    return k.parse(name, d, where, tables or {})


def resolve_factors(factors: list[Factor], indicators: list[str]) -> list[Factor]:
    """Check factor references against the framework's indicators and fill in defaults
    (the candidates of an ``exclude`` factor). Returns new factor objects."""
    out = []
    for f in factors:
        f = copy.deepcopy(f)
        if isinstance(f, ExcludeFactor):
            if f.indicators is None:
                f.indicators = list(indicators)
            unknown = [c for c in f.indicators if c not in indicators]
            if unknown:
                raise _err(f"factor {f.name!r}", f"{unknown[0]!r} is not an indicator of the dataset")
        out.append(f)
    return out


def apply_factors(spec: IndexSpec, factors: list[Factor], values) -> tuple[IndexSpec, list[str]]:
    """A copy of ``spec`` with the non-weight factors set to ``values`` (one per factor;
    weight factors are ignored here) and the list of indicators to leave out."""
    new = spec.copy()
    excluded: list[str] = []
    for f, v in zip(factors, values):
        if isinstance(f, ChoiceFactor):
            for path, value in f.changes(int(v)).items():
                new.set_option(path, value)
        elif isinstance(f, IntegerFactor):
            new.set_option(f.path, int(v))
        elif isinstance(f, ContinuousFactor):
            new.set_option(f.path, float(v))
        elif isinstance(f, ExcludeFactor):
            c = f.excluded(v)
            if c is not None and c not in excluded:
                excluded.append(c)
    return new, excluded


def fit_weights_to_present(spec: IndexSpec, fw, present: set[str]) -> IndexSpec:
    """Explicit weights (``weights.values`` and ``values`` tables of ``weights.level`` /
    ``weights.parent``) that name a child left out of the run (excluded or screened out)
    are rescaled over the remaining siblings, so they still sum to 1. A no-op (same
    object) when nothing named is absent."""
    tables = [spec.weights.values]
    tables += [o["values"] for o in spec.weights.level.values() if isinstance(o.get("values"), dict)]
    tables += [o["values"] for o in spec.weights.parent.values() if isinstance(o.get("values"), dict)]
    if not any(c not in present for t in tables for c in t):
        return spec
    new = spec.copy()
    tables = [new.weights.values]
    tables += [o["values"] for o in new.weights.level.values() if isinstance(o.get("values"), dict)]
    tables += [o["values"] for o in new.weights.parent.values() if isinstance(o.get("values"), dict)]
    for t in tables:
        gone = [c for c in t if c not in present]
        parents = {fw.parent.get(c) for c in gone}
        for c in gone:
            del t[c]
        for p in parents:
            sib = [c for c in fw.children.get(p, []) if c in t]
            s = sum(float(t[c]) for c in sib)
            if s > 0:
                for c in sib:
                    t[c] = float(t[c]) / s
    return new
