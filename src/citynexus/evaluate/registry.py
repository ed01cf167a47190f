"""The method registry: every method of every step, registered once with its parameters.

A step (``impute``, ``treat``, ``normalise``, ``weights``, ``aggregate``) has a set of
named methods; each is a :class:`Method` with typed :class:`Param` entries and their
defaults. Everything that needs the list of methods or their options reads it from here:
the ``*_METHODS`` tuples of the step modules, the option checks of
:meth:`citynexus.evaluate.IndexSpec.validate`, the method checks of robustness factors,
and the methods table of ``docs/methods.md`` (:func:`methods_table`; a test compares it
with the page).

The registry is filled by the step modules when they are imported (decorator
:func:`register`, or :func:`add` for methods that are options of a shared function);
:func:`methods` imports them first, so a lookup never sees a half-filled registry. The
shape follows scikit-learn's one-API-many-estimators idea: a method is a name, a callable
and its parameters.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

#: steps with methods, in pipeline order, and the module that registers each
STEP_MODULES: dict[str, str] = {
    "impute": "citynexus.evaluate.impute",
    "treat": "citynexus.evaluate.treat",
    "normalise": "citynexus.evaluate.normalise",
    "weights": "citynexus.evaluate.weights",
    "aggregate": "citynexus.evaluate.aggregate",
}


@dataclass(frozen=True)
class Param:
    """One parameter of a method: its spec key, type, default (``None``: required when
    ``required``, else "not set") and a one-line meaning."""

    name: str
    type: type | tuple[type, ...]
    default: Any = None
    doc: str = ""
    required: bool = False

    def describe(self) -> str:
        if self.required:
            return f"`{self.name}` (required)"
        if self.default is None:
            return f"`{self.name}`"
        d = self.default
        if isinstance(d, bool):
            text = str(d).lower()
        elif isinstance(d, tuple):
            text = "[" + ", ".join(f"{v:g}" for v in d) + "]"
        elif isinstance(d, float):
            text = f"{d:g}"
        else:
            text = f'"{d}"' if isinstance(d, str) else str(d)
        return f"`{self.name} = {text}`"


@dataclass(frozen=True)
class Method:
    """A registered method: ``step``, ``name``, the callable, its parameters, a one-line
    summary and a family (``mean``/``mcda`` for aggregations, ``panel``/``cross-section``
    for imputations, ``""`` otherwise)."""

    step: str
    name: str
    func: Callable[..., Any] | None
    params: tuple[Param, ...] = ()
    summary: str = ""
    family: str = ""
    reference: str = ""

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def defaults(self) -> dict[str, Any]:
        """Parameters with a default value (``name -> default``)."""
        return {p.name: p.default for p in self.params if p.default is not None}

    def required(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.required)


@dataclass
class _Registry:
    steps: dict[str, dict[str, Method]] = field(default_factory=dict)
    #: options every method of a step accepts besides its own (e.g. ``method`` itself)
    common: dict[str, tuple[Param, ...]] = field(default_factory=dict)


_REG = _Registry()


def add(
    step: str,
    name: str,
    func: Callable[..., Any] | None = None,
    params: tuple[Param, ...] = (),
    summary: str = "",
    family: str = "",
    reference: str = "",
) -> Method:
    """Register one method; a name registered twice in a step is a programming error."""
    table = _REG.steps.setdefault(step, {})
    if name in table:
        raise RuntimeError(f"method {name!r} of step {step!r} is registered twice")
    m = Method(step, name, func, tuple(params), summary, family, reference)
    table[name] = m
    return m


def register(
    step: str,
    name: str | None = None,
    params: tuple[Param, ...] = (),
    summary: str = "",
    family: str = "",
    reference: str = "",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator form of :func:`add` (the function's name is the method name by default)."""

    def deco(func: Callable[..., Any]) -> Callable[..., Any]:
        add(step, name or func.__name__, func, params, summary, family, reference)
        return func

    return deco


def common_options(step: str, params: tuple[Param, ...]) -> None:
    """Declare options that every method of ``step`` accepts in the spec."""
    _REG.common[step] = tuple(params)


def _load(step: str) -> dict[str, Method]:
    module = STEP_MODULES.get(step)
    if module is None:
        raise KeyError(f"no step named {step!r}; steps with methods: {', '.join(STEP_MODULES)}")
    if step not in _REG.steps:
        importlib.import_module(module)
    return _REG.steps[step]


def methods(step: str, family: str | None = None) -> tuple[str, ...]:
    """Names of the methods of ``step`` in registration order (optionally one family)."""
    return tuple(n for n, m in _load(step).items() if family is None or m.family == family)


def method(step: str, name: str) -> Method:
    """The :class:`Method` ``name`` of ``step``; ``KeyError`` naming the options (and the
    closest one) otherwise."""
    table = _load(step)
    try:
        return table[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), list(table), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise KeyError(f"unknown {step} method {name!r}{hint}; choose one of: {', '.join(table)}") from None


def spec_options(step: str) -> frozenset[str]:
    """Every option a ``[step...]`` entry of the spec may carry: ``method``, the step's
    common options and the parameters of all its methods."""
    table = _load(step)
    names = {"method"} | {p.name for p in _REG.common.get(step, ())}
    for m in table.values():
        names.update(m.param_names)
    return frozenset(names)


def methods_table() -> str:
    """The methods table of ``docs/methods.md`` (Markdown), generated from the registry."""
    lines = ["| step | method | parameters (spec keys and defaults) | what it does |", "|---|---|---|---|"]
    for step in STEP_MODULES:
        for m in _load(step).values():
            ps = ", ".join(p.describe() for p in m.params) or "—"
            fam = f" ({m.family})" if m.family else ""
            lines.append(f"| {step}{fam} | `{m.name}` | {ps} | {m.summary} |")
        common = _REG.common.get(step, ())
        if common:
            shared = ", ".join(p.describe() for p in common)
            lines.append(f"| {step} | *every method* | {shared} | options shared by the step's methods |")
    return "\n".join(lines) + "\n"
