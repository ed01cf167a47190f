"""What a risk forecast of a term needs: the comparisons of its rule and the series they compare.

A risk early-warning module forecasts a term that is not yet due by forecasting the quantity its
rule compares with a fixed number. This module reads that off a compiled rule, without
evaluating anything at risk itself (the forecast belongs to :mod:`citynexus.watch.trajectory`,
combined with these series by :mod:`citynexus.services.agree`):

* a rule that is one comparison ``EXPR OP number`` (or ``number OP EXPR``, turned round), or a
  conjunction ``A && B && ...`` of such comparisons, can be forecast: a conjunction is breached
  when any of its clauses is, so the largest breach probability of its clauses is a lower bound
  of the rule's (the value shown);
* ``EXPR`` may use the bare values of metrics (``rd_spend / revenue``), giving one number per
  reported period, or be a single ``cum.NAME`` (a cumulative target over ``NAME``'s reports);
* ``||``, ``!``, ``c ? a : b``, ``==``/``!=`` and clauses with ``prev.`` or with metrics on both
  sides are not forecast (:func:`comparisons` leaves such clauses out; a rule of nothing else
  gives an empty list).

:func:`clause_series` gives the series of one comparison for a party: the value of ``EXPR`` in
each period of the term's frequency from the agreement's start to the last reported period
(``None`` where a metric is missing or a denominator is zero), in the period labels of
:mod:`citynexus.agree.periods`.

Reference: Common Expression Language specification, https://github.com/google/cel-spec.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from citynexus.agree.model import Agreement, Term
from citynexus.agree.periods import Period, containing
from citynexus.agree.rules import CompiledRule, Node, Var, _np_eval, _walk

#: comparison turned round when the number is on the left: ``5 < x`` is ``x > 5``
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass(frozen=True)
class Comparison:
    """One forecastable clause ``expr OP threshold`` of a rule; ``cumulative`` when ``expr`` is
    ``cum.NAME`` (then :attr:`metric` is ``NAME``)."""

    expr: Node
    op: str
    threshold: float
    cumulative: bool = False

    @property
    def text(self) -> str:
        """The clause as written (number on the right)."""
        return f"{self.expr.src} {self.op} {self.threshold:g}"

    @property
    def metric(self) -> str:
        return self.expr.value.metric if self.cumulative else self.expr.src


def _conjuncts(node: Node) -> list[Node] | None:
    if node.op == "and":
        a, b = _conjuncts(node.args[0]), _conjuncts(node.args[1])
        return None if a is None or b is None else a + b
    if node.op in ("or", "not", "cond"):
        return None
    return [node]


def _comparison(node: Node) -> Comparison | None:
    if node.op not in _FLIP:
        return None
    left, right = node.args
    op = node.op
    if left.op == "num" and right.op != "num":
        left, right, op = right, left, _FLIP[op]
    if right.op != "num" or left.type != "num":
        return None
    scopes = {n.value.scope for n in _walk(left) if n.op == "var"}
    if not scopes:
        return None
    if scopes == {""}:
        return Comparison(left, op, float(right.value))
    if left.op == "var" and left.value.scope == "cum":
        return Comparison(left, op, float(right.value), cumulative=True)
    return None


def comparisons(rule: CompiledRule) -> list[Comparison]:
    """The clauses of ``rule`` that can be forecast (see the module docstring); empty if none."""
    parts = _conjuncts(rule.tree)
    if parts is None:
        return []
    return [c for n in parts if (c := _comparison(n)) is not None]


def _kind_of(term: Term, rows: pd.DataFrame) -> str | None:
    """The frequency a term's series is built in: its own, or for a ``once`` term the finest
    frequency its metrics are reported in."""
    if term.every != "once":
        return term.every
    for kind in ("month", "quarter", "year"):
        if (rows["kind"] == kind).any():
            return kind
    return None


def clause_series(
    agreement: Agreement, term: Term, comparison: Comparison, reports: pd.DataFrame
) -> tuple[list[str], list[float | None]]:
    """Period labels and values of ``comparison``'s expression for ``term``'s party, from the
    agreement's start to the party's last reported period of the metrics it uses (see the module
    docstring). ``reports`` are validated report rows (``agreement, party, metric, kind, index,
    value``); empty lists when nothing is reported."""
    if comparison.cumulative:
        metrics = [comparison.expr.value.metric]
        variables: Sequence[Var] = [Var("", metrics[0])]
        node = Node("var", "num", metrics[0], value=variables[0])
    else:
        variables = list(dict.fromkeys(n.value for n in _walk(comparison.expr) if n.op == "var"))
        metrics = [v.metric for v in variables]
        node = comparison.expr
    sel = reports[
        (reports["agreement"] == agreement.id) & (reports["party"] == term.party) & reports["metric"].isin(metrics)
    ]
    kind = _kind_of(term, sel) if len(sel) else None
    if kind is None:
        return [], []
    sel = sel[sel["kind"] == kind]
    if sel.empty:
        return [], []
    first = containing(kind, agreement.start).index
    last = int(sel["index"].max())
    if last < first:
        return [], []
    idx = np.arange(first, last + 1)
    table = sel.pivot_table(index="index", columns="metric", values="value", aggfunc="last")
    arrays = {v: table[v.metric].reindex(idx).to_numpy(float) if v.metric in table else np.full(idx.size, np.nan)
              for v in variables}  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.asarray(_np_eval(node, arrays), dtype=float)
    labels = [Period(kind, int(i)).label for i in idx]
    return labels, [float(x) if np.isfinite(x) else None for x in out]
