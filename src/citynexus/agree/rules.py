"""KPI rules: CEL expressions over a party's reported metrics, compiled once per term.

A rule is parsed by the CEL implementation ``cel-python`` (:mod:`celpy`, which exposes its
lark parse tree); nothing here parses text. The tree is then checked and translated into a
small typed expression (:class:`Node`) that is evaluated two ways:

* :meth:`CompiledRule.evaluate_arrays` — numpy operations over whole arrays (every period of
  every party at once), the production path;
* :meth:`CompiledRule.evaluate_cel` — the CEL library's own evaluator on one activation, the
  reference the arrays are tested against.

What a KPI rule may use (the subset of CEL that makes sense over numbers): number and
boolean literals; metric names ``NAME`` (the value for the period), ``prev.NAME`` (the previous
period) and ``cum.NAME`` (the sum from the agreement's start through the period); ``+ - * /``,
unary ``-``; ``< <= > >= == !=``; ``&& || !``; ``c ? a : b``; parentheses. The rule must be
boolean. Numbers are doubles: an integer literal such as ``5`` is the double ``5.0`` (CEL itself
does not compare ``int`` with ``double`` arithmetic, so literals are rewritten before the CEL
program is built). A division whose denominator is ``0`` makes the result ``no_data`` (a ratio
over nothing cannot be judged); cel-python would return ``+inf`` there, IEEE 754 ``nan`` for 0/0.

Reference: Common Expression Language specification, https://github.com/google/cel-spec
(language definition, operators and their precedence).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from citynexus.agree.errors import RuleError

SCOPES = ("", "prev", "cum")
#: the longest rule accepted (a KPI condition is a line or two)
MAX_RULE_CHARS = 1000

#: comparison operator -> (numpy function, negated operator for explanations)
_CMP = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_NP = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


_KIND_NAMES = {
    "ident_arg": "the function call",
    "dot_ident_arg": "the function call",
    "member_dot_arg": "the method call",
    "member_index": "the index",
    "member_object": "the message literal",
    "list_lit": "the list",
    "map_lit": "the map",
    "dot_ident": "the qualified name",
}


@dataclass(frozen=True)
class Var:
    """A metric reference: ``scope`` is ``""`` (bare), ``"prev"`` or ``"cum"``."""

    scope: str
    metric: str

    @property
    def name(self) -> str:
        return f"{self.scope}.{self.metric}" if self.scope else self.metric


@dataclass(frozen=True)
class Node:
    """A typed node: ``op`` is ``num``, ``bool``, ``var``, ``neg``, ``not``, ``and``, ``or``,
    ``cond`` or a binary operator; ``type`` is ``num`` or ``bool``; ``src`` the rule text it came from."""

    op: str
    type: str
    src: str
    args: tuple[Node, ...] = ()
    value: Any = None


@cache
def _environment():
    import celpy

    return celpy.Environment()


def _err(msg: str, rule: str, meta_or_tok: Any, fix: str) -> RuleError:
    line = getattr(meta_or_tok, "line", None)
    column = getattr(meta_or_tok, "column", None)
    return RuleError(msg, rule, line, column, fix)


class _Translator:
    def __init__(self, text: str):
        self.text = text

    def src(self, tree: Any) -> str:
        meta = tree.meta
        return self.text[meta.start_pos : meta.end_pos].strip()

    def node(self, tree: Any) -> Node:
        from lark import Token

        if isinstance(tree, Token):  # pragma: no cover - the grammar wraps tokens in rules
            raise _err(f"unexpected {tree.value!r}", self.text, tree, "write a numeric comparison")
        kind = tree.data
        ch = tree.children
        handler = getattr(self, f"t_{kind}", None)
        if handler is None:
            what = _KIND_NAMES.get(kind, kind.replace("_", " "))
            raise _err(
                f"{what} {self.src(tree)!r} is not allowed in a KPI rule",
                self.text,
                tree.meta,
                "use only numbers, metric names (NAME, prev.NAME, cum.NAME), + - * /, comparisons, && || ! and ?:",
            )
        return handler(tree, ch)

    # --- structure -------------------------------------------------------------------
    def t_expr(self, tree, ch):
        if len(ch) == 1:
            return self.node(ch[0])
        c, a, b = (self.node(x) for x in ch)
        self.want(c, "bool", ch[0], "the condition of ?: must be true/false")
        if a.type != b.type:
            raise _err(
                "both branches of ?: must have the same type",
                self.text,
                tree.meta,
                "make both numbers or both conditions",
            )
        return Node("cond", a.type, self.src(tree), (c, a, b))

    def _logic(self, tree, ch, op):
        if len(ch) == 1:
            return self.node(ch[0])
        a, b = self.node(ch[0]), self.node(ch[1])
        self.want(a, "bool", ch[0], f"both sides of {op} must be conditions")
        self.want(b, "bool", ch[1], f"both sides of {op} must be conditions")
        return Node("or" if op == "||" else "and", "bool", self.src(tree), (a, b))

    def t_conditionalor(self, tree, ch):
        return self._logic(tree, ch, "||")

    def t_conditionaland(self, tree, ch):
        return self._logic(tree, ch, "&&")

    def _binary(self, tree, ch, ops):
        if len(ch) == 1:
            return self.node(ch[0])
        opnode, right = ch
        op = ops.get(opnode.data)
        if op is None:
            sym = {"multiplication_mod": "%", "relation_in": "in"}.get(opnode.data, opnode.data)
            meta = opnode.meta
            raise RuleError(
                f"operator '{sym}' is not allowed in a KPI rule",
                self.text,
                meta.end_line,
                max(1, meta.end_column - len(sym)),
                "use + - * / and < <= > >= == !=",
            )
        a, b = self.node(opnode.children[0]), self.node(right)
        if op in ("==", "!="):
            if a.type != b.type:
                raise _err(f"'{op}' compares a number with a condition", self.text, tree.meta, "compare like with like")
            return Node(op, "bool", self.src(tree), (a, b))
        self.want(a, "num", opnode.children[0], f"'{op}' needs numbers on both sides")
        self.want(b, "num", right, f"'{op}' needs numbers on both sides")
        return Node(op, "bool" if op in _CMP else "num", self.src(tree), (a, b))

    def t_relation(self, tree, ch):
        return self._binary(
            tree,
            ch,
            {
                "relation_lt": "<",
                "relation_le": "<=",
                "relation_gt": ">",
                "relation_ge": ">=",
                "relation_eq": "==",
                "relation_ne": "!=",
            },
        )

    def t_addition(self, tree, ch):
        return self._binary(tree, ch, {"addition_add": "+", "addition_sub": "-"})

    def t_multiplication(self, tree, ch):
        return self._binary(tree, ch, {"multiplication_mul": "*", "multiplication_div": "/"})

    def t_unary(self, tree, ch):
        if len(ch) == 1:
            return self.node(ch[0])
        inner = self.node(ch[1])
        if ch[0].data == "unary_not":
            self.want(inner, "bool", ch[1], "'!' negates a condition")
            return Node("not", "bool", self.src(tree), (inner,))
        self.want(inner, "num", ch[1], "unary '-' negates a number")
        return Node("neg", "num", self.src(tree), (inner,))

    def t_member(self, tree, ch):
        return self.node(ch[0])

    def t_primary(self, tree, ch):
        return self.node(ch[0])

    def t_paren_expr(self, tree, ch):
        return self.node(ch[0])

    def t_member_dot(self, tree, ch):
        base, ident = ch
        scope = None
        if base.data == "member" and base.children[0].data == "primary":
            prim = base.children[0].children[0]
            if prim.data == "ident":
                scope = str(prim.children[0])
        if scope not in ("prev", "cum"):
            raise _err(
                f"{self.src(tree)!r} is not a metric reference",
                self.text,
                tree.meta,
                "write NAME, prev.NAME or cum.NAME",
            )
        return Node("var", "num", self.src(tree), value=Var(scope, str(ident)))

    def t_ident(self, tree, ch):
        name = str(ch[0])
        if name in ("prev", "cum"):
            raise _err(
                f"'{name}' alone is not a metric",
                self.text,
                ch[0],
                f"write {name}.NAME (a metric of the previous/cumulative period)",
            )
        return Node("var", "num", name, value=Var("", name))

    def t_literal(self, tree, ch):
        tok = ch[0]
        if tok.type in ("INT_LIT", "FLOAT_LIT"):
            v = float(int(tok.value, 0)) if tok.type == "INT_LIT" else float(tok.value)
            return Node("num", "num", tok.value, value=v)
        if tok.type == "BOOL_LIT":
            return Node("bool", "bool", tok.value, value=tok.value == "true")
        raise _err(f"literal {tok.value!r} is not a number", self.text, tok, "use numbers such as 5 or 0.05")

    def want(self, node: Node, typ: str, tree: Any, fix: str) -> None:
        if node.type != typ:
            what = "a number" if typ == "num" else "a condition (true/false)"
            raise _err(f"{node.src!r} is not {what}", self.text, getattr(tree, "meta", tree), fix)


def _walk(node: Node):
    yield node
    for a in node.args:
        yield from _walk(a)


@dataclass
class CompiledRule:
    """A rule compiled once: the typed tree, the metric references it needs, the divisions
    whose denominators must not be zero, and (built on first use) the CEL program."""

    text: str
    tree: Node
    vars: tuple[Var, ...]
    denominators: tuple[Node, ...]
    _program: Any = field(default=None, repr=False)
    _denominator_programs: Any = field(default=None, repr=False)

    @property
    def needs(self) -> tuple[Var, ...]:
        """The bare and ``prev.`` references: if one is missing, the status is ``no_data``."""
        return tuple(v for v in self.vars if v.scope != "cum")

    # --- vectorised ---------------------------------------------------------------
    def evaluate_arrays(self, values: dict[Var, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Evaluate over arrays: ``values[var]`` is a float array (same length for every var).
        Returns ``(truth, zero_div)``: boolean arrays; ``zero_div`` marks rows where a
        denominator is zero. Rows with a missing needed value must be masked by the caller."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            truth = np.asarray(_np_eval(self.tree, values), dtype=bool)
            zero = np.zeros(truth.shape, dtype=bool)
            for d in self.denominators:
                zero |= np.asarray(_np_eval(d, values)) == 0.0
        n = len(next(iter(values.values()))) if values else 1
        if truth.shape == ():
            truth = np.full(n, bool(truth))
            zero = np.full(n, bool(zero))
        return truth, zero

    def evaluate_scalar(self, values: dict[Var, float]) -> tuple[Any, dict[str, Any]]:
        """Evaluate on one row (numpy scalar path); returns the truth value and the value of
        every sub-expression by its source text (for explanations)."""
        seen: dict[str, Any] = {}
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            v = _np_eval(self.tree, {k: np.float64(x) for k, x in values.items()}, seen)
        return bool(v), seen

    # --- reference: the CEL library -------------------------------------------------
    def _programs(self):
        if self._program is None:
            env = _environment()
            self._program = env.program(_as_doubles(env.compile(self.text)))
            self._denominator_programs = [env.program(_as_doubles(env.compile(d.src))) for d in self.denominators]
        return self._program, self._denominator_programs

    def evaluate_cel(self, values: dict[Var, float]) -> tuple[bool, bool]:
        """Evaluate one row with cel-python: ``(truth, zero_div)``. ``values`` holds every
        var of :attr:`vars` (finite floats)."""
        from celpy import celtypes

        prog, dens = self._programs()
        act: dict[str, Any] = {}
        prev: dict[Any, Any] = {}
        cum: dict[Any, Any] = {}
        for var, x in values.items():
            d = celtypes.DoubleType(x)
            if var.scope == "":
                act[var.metric] = d
            else:
                (prev if var.scope == "prev" else cum)[celtypes.StringType(var.metric)] = d
        act["prev"] = celtypes.MapType(prev)
        act["cum"] = celtypes.MapType(cum)
        zero = any(float(p.evaluate(act)) == 0.0 for p in dens)
        out = prog.evaluate(act)
        if not isinstance(out, celtypes.BoolType):  # pragma: no cover - the type check refuses this
            raise RuleError(f"evaluated to {out!r}, not true/false", self.text)
        return bool(out), zero


def _as_doubles(tree):
    """Rewrite integer literals of a celpy tree as double literals (numbers are doubles)."""
    from lark import Token

    for sub in tree.iter_subtrees():
        if sub.data == "literal":
            tok = sub.children[0]
            if isinstance(tok, Token) and tok.type == "INT_LIT":
                sub.children[0] = Token("FLOAT_LIT", repr(float(int(tok.value, 0))))
    return tree


def _np_eval(node: Node, values: dict[Var, Any], seen: dict[str, Any] | None = None):
    op = node.op
    if op == "num":
        out: Any = np.float64(node.value)
    elif op == "bool":
        out = np.bool_(node.value)
    elif op == "var":
        out = values[node.value]
    elif op == "neg":
        out = np.negative(_np_eval(node.args[0], values, seen))
    elif op == "not":
        out = np.logical_not(_np_eval(node.args[0], values, seen))
    elif op == "and":
        out = np.logical_and(_np_eval(node.args[0], values, seen), _np_eval(node.args[1], values, seen))
    elif op == "or":
        out = np.logical_or(_np_eval(node.args[0], values, seen), _np_eval(node.args[1], values, seen))
    elif op == "cond":
        c, a, b = (_np_eval(x, values, seen) for x in node.args)
        out = np.where(c, a, b)
    else:
        out = _NP[op](_np_eval(node.args[0], values, seen), _np_eval(node.args[1], values, seen))
    if seen is not None:
        seen[node.src] = out.item() if hasattr(out, "item") else out
    return out


_cache: dict[str, CompiledRule] = {}


def compile_rule(text: str) -> CompiledRule:
    """Compile a CEL rule once (cached by its text).

    Raises :class:`RuleError` with the line and column of the problem: a syntax error found by
    the CEL parser, a construct outside the KPI subset, or a non-boolean rule."""
    if not isinstance(text, str) or not text.strip():
        raise RuleError("the rule is empty", str(text), fix="write a CEL condition such as 'output >= 1000'")
    hit = _cache.get(text)
    if hit is not None:
        return hit
    if len(text) > MAX_RULE_CHARS:
        raise RuleError(
            f"the rule is {len(text)} characters long (at most {MAX_RULE_CHARS})",
            text[:60] + "…",
            1,
            MAX_RULE_CHARS + 1,
            "split it into several terms",
        )
    from celpy.celparser import CELParseError

    try:
        tree = _environment().compile(text)
        node = _Translator(text).node(tree)
    except CELParseError as err:
        first = str(err.args[0]).splitlines()
        near = first[0].strip() if first else text
        raise RuleError(
            f"CEL syntax error near {near!r}", text, err.line, err.column, "check operators and parentheses"
        ) from None
    except RecursionError:
        raise RuleError(
            "the rule is nested too deeply", text[:60] + "…", 1, 1, "use fewer parentheses or split it into terms"
        ) from None
    if node.type != "bool":
        raise RuleError(
            f"the rule {text!r} is a number, not a condition", text, 1, 1, "compare it, e.g. 'output >= 1000'"
        )
    seen: dict[Var, None] = {}
    dens: list[Node] = []
    for n in _walk(node):
        if n.op == "var":
            seen.setdefault(n.value, None)
        elif n.op == "/":
            dens.append(n.args[1])
    rule = CompiledRule(text, node, tuple(seen), tuple(dens))
    _cache[text] = rule
    return rule


def clauses(node: Node) -> list[Node]:
    """The top-level comparisons of a rule (flattening ``&&`` / ``||``), for explanations."""
    if node.op in ("and", "or"):
        return clauses(node.args[0]) + clauses(node.args[1])
    return [node]


def fmt(x: Any) -> str:
    """A number as people read it: up to 4 significant decimals, no trailing zeros."""
    if isinstance(x, bool | np.bool_):
        return "true" if x else "false"
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.6g}" if abs(x) >= 1 else f"{x:.4g}"
