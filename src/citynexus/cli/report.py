"""``citynexus report`` (the full report for any dataset) and ``citynexus demo`` (the same on
the bundled, synthetic GBA dataset): progress, a summary table and a report folder."""

from __future__ import annotations

import time
from pathlib import Path

from rich.panel import Panel

from citynexus.cli.common import console, df_table, progress
from citynexus.errors import CityNexusError

STEPS = [
    "load and validate data",
    "index",
    "panel index",
    "coupling coordination",
    "disparity",
    "spatial autocorrelation",
    "network",
    "obstacles",
    "uncertainty analysis",
    "report",
]

#: Languages of the report (``zh-Hant``: Traditional Chinese for Hong Kong and Macao).
REPORT_LANGS = ("en", "zh", "zh-Hant")


class ReportUsageError(CityNexusError):
    """A wrong ``citynexus report`` call (language, output folder)."""


def parse_langs(value: str | None) -> list[str]:
    """``None`` -> every language; ``"en,zh"`` -> ``["en", "zh"]``; anything else is refused
    with the list of languages."""
    if value is None or value.strip() == "":
        return list(REPORT_LANGS)
    langs = [v.strip() for v in value.split(",") if v.strip()]
    for v in langs:
        if v not in REPORT_LANGS:
            raise ReportUsageError(f"--lang {v!r} is not a report language; use en, zh or zh-Hant (or a list: en,zh)")
    return langs


def check_out(out: Path) -> None:
    """Refuse an output folder that is an existing file, before any work starts."""
    if out.exists() and not out.is_dir():
        raise ReportUsageError(f"--out {out} is a file; give a folder for the report (it is created if missing)")


def run_report(
    data: str,
    out: Path,
    langs: list[str],
    spec_path: Path | None = None,
    print_lang: str = "en",
    samples: int | None = None,
) -> list[Path]:
    """Analyse ``data`` with ``spec_path`` (default: the dataset's spec) and write the report
    folder: ``report.html`` / ``report_zh.html`` / ``report_zh-Hant.html`` (those in
    ``langs``), ``results.xlsx`` and ``csv/``. Returns the written paths."""
    from citynexus.data import open_dataset
    from citynexus.evaluate.robustness import read_spec
    from citynexus.evaluate.spec import default_spec_path, spec_for_dataset
    from citynexus.report.html import geojson_for, write_report, write_tables
    from citynexus.services.analysis import analyse

    check_out(out)
    t0 = time.perf_counter()
    with progress() as p:
        task = p.add_task("citynexus report", total=len(STEPS))

        def step(name: str) -> None:
            p.update(task, description=name)
            p.advance(task)

        p.update(task, description=STEPS[0])
        ds = open_dataset(data)
        factors: list = []
        n, seed = 500, 1
        if spec_path is not None:
            spec, robust = read_spec(spec_path)
            factors, n, seed = robust.factors, robust.samples or 500, robust.seed or 1
        else:
            try:
                spec, robust = read_spec(default_spec_path(ds.name))
                factors, n, seed = robust.factors, robust.samples or 500, robust.seed or 1
            except CityNexusError:
                spec = spec_for_dataset(ds)
        a = analyse(ds, spec, step=step, factors=factors, samples=samples or n, seed=seed)
        p.update(task, description="report")
        gj = geojson_for(ds, a.notes)
        paths = [write_report(a, out, lang, gj) for lang in langs]
        paths.append(write_tables(a, out))
        p.advance(task, 2)

    if ds.synthetic:
        console.print(
            Panel(
                "[bold yellow]SYNTHETIC DATA[/] — the bundled GBA values come from a seeded generator "
                "and are not real statistics. 合成数据，仅供演示。",
                border_style="yellow",
            )
        )
    _print_summary(a, ds, print_lang)
    console.print(f"done in {time.perf_counter() - t0:.1f} s")
    return paths


def _print_summary(a, ds, lang: str) -> None:
    from rich.markup import escape

    from citynexus.services.analysis import note_text

    summ = a.summary(lang).drop(columns=a.subsystems).reset_index(drop=True)
    legend = []
    if "rank_q05" in summ:
        q05, q95 = summ.pop("rank_q05"), summ.pop("rank_q95")
        summ.insert(3, "5–95%", [f"{lo:.0f}–{hi:.0f}" for lo, hi in zip(q05, q95)])
        legend.append(
            f"5–95%: rank interval over {a.uncertainty['n'].iloc[0]} replications of the uncertain "
            "choices (weights, normalisation, outlier treatment, imputation)"
        )
    if "best_rank" in summ:
        best, worst = summ.pop("best_rank"), summ.pop("worst_rank")
        summ.insert(3 if "5–95%" not in summ else 4, "any weights", [f"{b}–{w}" for b, w in zip(best, worst)])
        subs = ", ".join(ds.label(s, lang) for s in a.subsystems)
        legend.append(f"any weights: best–worst rank under any weights of {subs} (exact)")
    summ = summ.rename(columns={"D": "coupling", "grade": "grade (D)"})
    console.print(df_table(summ, title=f"{ds.label(a.index_code, lang)}, {a.period}", index=False, floatfmt="{:.2f}"))
    for line in legend:
        console.print(f"[dim]{line}[/]")
    console.print(f"[dim]coupling: {a.coupling_label('en')}[/]")
    if a.moran is not None:
        console.print(
            f"Moran's I = {a.moran['I']:.3f} (permutation p = {a.moran['p_sim']:.3f}); "
            f"Gini {a.period}: {a.disparity.loc[a.period, 'gini']:.3f}"
        )
    for n in a.notes:
        console.print(f"[yellow]note:[/] {escape(note_text(n, 'en'))}", highlight=False)
