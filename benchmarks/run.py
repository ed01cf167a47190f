"""Run every benchmark (``benchmarks/bench_*.py``), print one table, write JSON.

Each module defines ``run() -> list[dict]``; a row holds ``benchmark``, ``case``,
``ours_s`` (seconds), ``baseline`` (what we compare against), ``baseline_s``, and
optionally ``unit`` and ``note``. The ratio is baseline_s / ours_s, measured in the same
run: these machines are noisy, so absolute times mean little and ratios mean more.

Usage: ``python benchmarks/run.py [NAME ...]`` (names filter modules, e.g. ``ledger``).
"""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # the benchmarks' shared helpers (_timing)


def main(argv: list[str]) -> int:
    console = Console(width=None if sys.stdout.isatty() else 200)
    mods = sorted(HERE.glob("bench_*.py"))
    if argv:
        mods = [m for m in mods if any(a in m.stem for a in argv)]
    rows: list[dict] = []
    for path in mods:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = mod
        spec.loader.exec_module(mod)
        console.print(f"[bold]running {path.stem}[/]")
        t0 = time.perf_counter()
        for r in mod.run():
            r.setdefault("module", path.stem)
            if r.get("baseline_s") and r.get("ours_s"):
                r["ratio"] = r["baseline_s"] / r["ours_s"]
            rows.append(r)
        console.print(f"  done in {time.perf_counter() - t0:.1f} s")
    t = Table(title="citynexus benchmarks (ratio = baseline time / our time, same run)", header_style="bold")
    for c in ("benchmark", "case", "ours", "baseline", "baseline time", "ratio", "note"):
        t.add_column(c, justify="right" if c in ("ours", "baseline time", "ratio") else "left", overflow="fold")

    def fmt(x: float | None, unit: str = "s") -> str:
        if x is None:
            return ""
        return f"{x * 1000:.2f} ms" if unit == "s" and x < 1 else f"{x:.3g} {unit}"

    for r in rows:
        unit = r.get("unit", "s")
        t.add_row(
            r["benchmark"],
            str(r.get("case", "")),
            fmt(r.get("ours_s"), unit),
            str(r.get("baseline", "")),
            fmt(r.get("baseline_s"), unit),
            f"{r['ratio']:.1f}x" if "ratio" in r else "",
            str(r.get("note", "")),
        )
    console.print(t)
    out = HERE / "results.json"
    out.write_text(
        json.dumps(
            {"machine": platform.platform(), "python": platform.python_version(), "results": rows},
            indent=2,
            ensure_ascii=False,
            default=str,
        )
    )
    console.print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
