"""Render the figures used in docs/ from the bundled data: ``python docs/figures.py``."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from citynexus.data import load  # noqa: E402

OUT = Path(__file__).parent / "img"


def framework_tree(name: str = "gba") -> Path:
    """The indicator framework of a bundled dataset as a left-to-right tree."""
    ds = load(name)
    leaves = [c for c, _ in ds.walk() if not ds.children(c)]
    y: dict[str, float] = {c: -i for i, c in enumerate(leaves)}
    depth: dict[str, int] = {}
    order = list(ds.walk())
    for code, d in order:
        depth[code] = d
    for code, _ in reversed(order):
        kids = ds.children(code)
        if kids:
            y[code] = sum(y[k] for k in kids) / len(kids)
    ind = ds.indicators.set_index("code")
    fig, ax = plt.subplots(figsize=(11, 0.32 * len(leaves) + 1))
    xs = {0: 0.0, 1: 1.55, 2: 2.8}
    start = {0: 1.45, 1: 1.0}  # edges leave a parent after its label
    for code, d in order:
        p = ind.at[code, "parent"]
        if p:
            ax.plot([xs[depth[p]] + start[depth[p]], xs[d] - 0.03], [y[p], y[code]], color="#9aa5b1", lw=0.8)
    for code, d in order:
        direction = int(ind.at[code, "direction"])
        mark = {1: " (+)", -1: " (−)"}.get(direction, "")
        color = {0: "#1f3a5f", 1: "#2f6f8f"}.get(d, "#333333")
        weight = "bold" if d < 2 else "normal"
        ax.text(xs[d], y[code], f"{code}  {ds.label(code)}{mark}", va="center", ha="left", fontsize=8.5,
                color=color, fontweight=weight)
    ax.set_xlim(-0.05, 4.7)
    ax.set_ylim(min(y.values()) - 1, 1)
    ax.axis("off")
    ax.set_title(f"Indicator framework of the bundled '{name}' dataset (synthetic values); (−) = lower is better",
                 fontsize=10, loc="left")
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}-framework.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(framework_tree())
