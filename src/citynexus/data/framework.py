"""The indicator framework as one tree: codes, parents, levels, children and metadata.

Built once from the framework table when a dataset is validated (and held by the
:class:`~citynexus.data.dataset.Dataset` as ``dataset.framework``); the dataset's tree
queries (``children``, ``roots``, ``descendants``, ``walk``), the validator's cycle check,
the composite-index pipeline and robustness analysis all read this one object.

Semantics (one for every caller):

- the tree holds the indicators and aggregates; denominators stand outside it (listed in
  :attr:`Framework.denominators`, without parent or children);
- ``children[c]``: the direct children of ``c`` in framework (table) order;
- ``roots``: the codes without a parent, in framework order. In a validated framework with
  aggregates these are the top aggregates (every indicator then has a parent); in a flat
  framework (indicators only) every indicator is a root;
- ``top``: the root aggregate with the highest level (the first on ties), ``""`` when the
  framework has no aggregates;
- ``descendants(c, kind)``: the codes of that kind below ``c``, depth first in framework order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    import pandas as pd


def _text(v: object) -> str | None:
    return v if isinstance(v, str) and v else None


@dataclass
class Framework:
    """Codes, parents, levels, children, directions, metadata weights and denominators of
    a framework. Build it with :meth:`from_frame` (or take ``dataset.framework``)."""

    indicators: list[str]
    aggregates: list[str]
    parent: dict[str, str | None]
    level: dict[str, int]
    children: dict[str, list[str]]
    direction: dict[str, int]
    weight: dict[str, float]
    denominator: dict[str, str | None] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    #: codes of kind ``denominator`` (outside the tree)
    denominators: list[str] = field(default_factory=list)
    #: kind of every tree code (``indicator`` or ``aggregate``)
    kind: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_frame(cls, ind: pd.DataFrame) -> Framework:
        """From a framework table with columns ``code, parent, level, kind, direction,
        weight`` (+ optional ``denominator``, ``name``). A parent that is not a code of
        the tree is kept in ``parent`` but gets no ``children`` entry of its own."""
        dens = list(ind.loc[ind["kind"] == "denominator", "code"])
        ind = ind[ind["kind"] != "denominator"]
        codes = list(ind["code"])
        par = {c: _text(p) for c, p in zip(codes, ind["parent"])}
        children: dict[str, list[str]] = {c: [] for c in codes}
        for c in codes:
            p = par[c]
            if p and p in children:
                children[p].append(c)
        den = {}
        if "denominator" in ind.columns:
            den = {c: _text(d) for c, d in zip(codes, ind["denominator"])}
        return cls(
            indicators=list(ind.loc[ind["kind"] == "indicator", "code"]),
            aggregates=list(ind.loc[ind["kind"] == "aggregate", "code"]),
            parent=par,
            level={c: int(v) for c, v in zip(codes, ind["level"])},
            children=children,
            direction={c: int(d) for c, d in zip(codes, ind["direction"])},
            weight={c: float(w) for c, w in zip(codes, ind["weight"])},
            denominator=den,
            names=dict(zip(codes, ind["name"])) if "name" in ind.columns else {},
            denominators=dens,
            kind=dict(zip(codes, ind["kind"])),
        )

    @classmethod
    def from_dataset(cls, ds) -> Framework:
        """The tree a dataset holds (built when it was validated)."""
        return ds.framework

    # ------------------------------------------------------------------ queries
    @property
    def codes(self) -> list[str]:
        """Every code of the tree in framework order."""
        return list(self.parent)

    @property
    def roots(self) -> list[str]:
        """Codes without a parent, in framework order (see the module docstring)."""
        return [c for c, p in self.parent.items() if p is None]

    @property
    def top(self) -> str:
        """The top index: the root aggregate with the highest level (first one on ties)."""
        roots = [c for c in self.roots if self.kind.get(c) == "aggregate"]
        return max(roots, key=lambda c: self.level[c]) if roots else ""

    def aggregation_order(self) -> list[str]:
        """Aggregates sorted by level (children before parents), framework order within a level."""
        return sorted(self.aggregates, key=lambda c: self.level[c])

    def path(self, code: str) -> list[str]:
        """Codes from ``code`` up to its root (inclusive)."""
        out = [code]
        while self.parent.get(out[-1]):
            out.append(self.parent[out[-1]])
        return out

    def descendants(self, code: str, kind: str = "indicator") -> list[str]:
        """Codes of ``kind`` below ``code``, depth first in framework order (default: the
        level-1 indicators)."""
        out: list[str] = []
        stack = list(reversed(self.children.get(code, [])))
        while stack:
            c = stack.pop()
            if self.kind.get(c) == kind:
                out.append(c)
            stack.extend(reversed(self.children.get(c, [])))
        return out

    def walk(self) -> Iterator[tuple[str, int]]:
        """Yield ``(code, depth)`` depth first from the roots."""

        def rec(code: str, depth: int) -> Iterator[tuple[str, int]]:
            yield code, depth
            for c in self.children.get(code, []):
                yield from rec(c, depth + 1)

        for r in self.roots:
            yield from rec(r, 0)

    def cycles(self) -> list[list[str]]:
        """Every cycle of the parent links, each once, as ``[a, b, ..., a]`` starting at the
        first code met again while following parents from the codes in framework order."""
        return find_cycles(self.parent)


def find_cycles(parent: Mapping[str, str | None]) -> list[list[str]]:
    """Cycles of a child -> parent mapping (see :meth:`Framework.cycles`); a cycle is
    reported once (keyed by its smallest code)."""
    reported: set[str] = set()
    out: list[list[str]] = []
    for start in parent:
        path = [start]
        cur = start
        while parent.get(cur):
            cur = parent[cur]  # type: ignore[assignment]
            if cur in path:
                cycle = [*path[path.index(cur) :], cur]
                key = min(cycle)
                if key not in reported:
                    reported.add(key)
                    out.append(cycle)
                break
            path.append(cur)
    return out
