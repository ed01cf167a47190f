"""The indicator framework as plain Python structures (the tree the pipeline walks)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Framework:
    """Codes, parents, levels, children, directions, metadata weights and denominators
    of a framework. Build it with :meth:`from_dataset` or :meth:`from_frame`."""

    indicators: list[str]
    aggregates: list[str]
    parent: dict[str, str | None]
    level: dict[str, int]
    children: dict[str, list[str]]
    direction: dict[str, int]
    weight: dict[str, float]
    denominator: dict[str, str | None] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_frame(cls, ind: pd.DataFrame) -> Framework:
        """From a framework table with columns ``code, parent, level, kind, direction,
        weight`` (+ optional ``denominator``, ``name``)."""
        ind = ind[ind["kind"] != "denominator"]
        codes = list(ind["code"])
        par = {c: (p if isinstance(p, str) and p else None) for c, p in zip(codes, ind["parent"])}
        children: dict[str, list[str]] = {c: [] for c in codes}
        for c in codes:
            if par[c]:
                children[par[c]].append(c)
        den = {}
        if "denominator" in ind.columns:
            den = {c: (d if isinstance(d, str) and d else None) for c, d in zip(codes, ind["denominator"])}
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
        )

    @classmethod
    def from_dataset(cls, ds) -> Framework:
        return cls.from_frame(ds.indicators)

    @property
    def roots(self) -> list[str]:
        return [c for c in self.indicators + self.aggregates if self.parent[c] is None and self.children.get(c)] or [
            c for c in self.aggregates if self.parent[c] is None
        ]

    @property
    def top(self) -> str:
        """The top index: the root with the highest level (first one on ties)."""
        roots = self.roots
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

    def descendants(self, code: str) -> list[str]:
        """Level-1 indicators below ``code`` in framework order."""
        out: list[str] = []
        stack = list(reversed(self.children.get(code, [])))
        while stack:
            c = stack.pop()
            if c in self.indicators:
                out.append(c)
            stack.extend(reversed(self.children.get(c, [])))
        return out
