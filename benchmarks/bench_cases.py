"""SDG tagger on the labelled sets: hybrid vs encoder-only vs keywords-only, one run.

Protocol of the third round (docs/cases.md): ``seen``, ``heldout`` and ``heldout2`` are dev data (the
ontology was extended from their misses); ``heldout3`` (84 texts, written and committed before any
change of the third round) is the test set, scored once the tagger was frozen. For every set the
three methods are scored in the same run on the same texts (top-1, top-3 accuracy and recall@3, all
texts and per language), plus ``alpha`` cross-validated on ``heldout`` (8 folds) and ``alpha`` tuned on
``heldout`` + ``heldout2`` and applied to ``heldout3``. Text by text, the exact McNemar test of the hybrid
against each part (top-1 and top-3) on every set, the test set first.

``run()`` returns, for ``benchmarks/run.py``, one row per protocol and metric with the hybrid value
as ``ours`` and the encoder-only value named in the baseline column (unit ``acc``: a share of texts,
not a time, so no ratio; the note gives all three methods), the McNemar counts on the test set, and
the tagging time of the hybrid against keywords-only on the same texts.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.table import Table

from citynexus.cases.evaluation import SETS, labelled_set, with_alpha

#: labelled sets in the order they were written (:data:`citynexus.cases.evaluation.SETS`); the last is
#: the test set of the third round
FILES = tuple(SETS)
DEV = ("seen", "heldout", "heldout2")
TEST = "heldout3"
ROLE = {"seen": "dev", "heldout": "dev", "heldout2": "dev", "heldout3": "test"}


def load(name: str) -> list[dict[str, Any]]:
    """The labelled set ``name`` (``id``, ``lang``, ``text``, ``goals`` primary first)."""
    return labelled_set(name)


def table_rows(tagger=None, sets=tuple(FILES)) -> list[dict[str, Any]]:
    """Rows ``protocol, method, lang, n, top1, top3, recall3`` for every set in ``sets`` (default
    ``alpha``), the 8-fold cross-validation of ``alpha`` on ``heldout`` and, if the test set is among
    ``sets``, the test set with ``alpha`` tuned on ``heldout`` + ``heldout2``."""
    from citynexus.cases.evaluation import cross_validate, tune_alpha
    from citynexus.cases.tagger import SDGTagger

    tagger = tagger or SDGTagger()
    a = tagger.alpha
    rows: list[dict[str, Any]] = []
    for name in sets:
        for r in with_alpha(tagger, a, load(name)):
            rows.append({"protocol": f"{name} ({ROLE[name]}, alpha {a:g})", **r})
        if name == "heldout":
            cv, chosen = cross_validate(tagger, load("heldout"))
            label = "heldout (dev) 8-fold CV, alpha " + ",".join(f"{c:g}" for c in chosen)
            rows += [{"protocol": label, **r} for r in cv]
    if TEST in sets:
        best = tune_alpha(tagger, load("heldout") + load("heldout2"))
        for r in with_alpha(tagger, best, load(TEST)):
            rows.append({"protocol": f"{TEST} (test, alpha {best:g} tuned on heldout+heldout2)", **r})
    return rows


def print_table(rows) -> None:
    t = Table(title="SDG tagger, labelled sets (top-1 / top-3 accuracy, recall@3)", header_style="bold")
    for c in ("protocol", "lang", "n", "method", "top-1", "top-3", "recall@3"):
        t.add_column(c, justify="right" if c in ("n", "top-1", "top-3", "recall@3") else "left")
    for r in rows:
        t.add_row(r["protocol"], r["lang"], str(r["n"]), r["method"], f"{r['top1']:.3f}", f"{r['top3']:.3f}",
                  f"{r['recall3']:.3f}")  # fmt: skip
    Console(width=170).print(t)


def paired_rows(tagger=None, sets=(TEST, *DEV)) -> list[dict[str, Any]]:
    """Exact McNemar, hybrid against each part, text by text: ``set, metric, part, only_hybrid,
    only_part, p`` (:func:`citynexus.cases.evaluation.paired`)."""
    from citynexus.cases.evaluation import paired
    from citynexus.cases.tagger import SDGTagger

    tagger = tagger or SDGTagger()
    out = []
    for name in sets:
        for metric in ("top1", "top3"):
            for part, r in paired(tagger, load(name), metric).items():
                out.append({"set": name, "metric": metric, "part": part, "only_hybrid": r["only_first"],
                            "only_part": r["only_second"], "p": r["p"]})  # fmt: skip
    return out


def print_paired(rows) -> None:
    t = Table(title="Hybrid vs each part, text by text (exact McNemar)", header_style="bold")
    for c in ("set", "metric", "part", "hybrid alone right", "part alone right", "p"):
        t.add_column(c)
    for r in rows:
        t.add_row(f"{r['set']} ({ROLE[r['set']]})", r["metric"], r["part"], str(r["only_hybrid"]),
                  str(r["only_part"]), f"{r['p']:.4f}")  # fmt: skip
    Console(width=170).print(t)


def _timing(tagger) -> dict[str, Any]:
    texts = [it["text"] for it in load("heldout")]
    tagger.tag_many(texts[:2])  # load the encoder and the goal vectors first
    t0 = time.perf_counter()
    tagger.tag_many(texts, method="hybrid")
    hyb = time.perf_counter() - t0
    t0 = time.perf_counter()
    tagger.tag_many(texts, method="keywords")
    kw = time.perf_counter() - t0
    return {
        "benchmark": "cases-sdg-tagger",
        "case": f"tag {len(texts)} texts",
        "ours_s": hyb,
        "baseline": "keywords-only",
        "baseline_s": kw,
        "note": "hybrid includes sentence encoding; ratio < 1 is the price of the encoder",
    }


def run() -> list[dict]:
    from citynexus.cases.tagger import SDGTagger

    tagger = SDGTagger()
    rows = table_rows(tagger)
    print_table(rows)
    pairs = paired_rows(tagger)
    print_paired(pairs)
    out = []
    by = {(r["protocol"], r["lang"], r["method"]): r for r in rows}
    for (proto, lang, method), r in by.items():
        if method != "hybrid" or lang != "all":
            continue
        enc, kw = by[(proto, lang, "encoder")], by[(proto, lang, "keywords")]
        for m in ("top1", "top3", "recall3"):
            out.append(
                {
                    "benchmark": "cases-sdg-tagger",
                    "case": f"{proto}: {m}",
                    "ours_s": r[m],
                    "baseline": f"encoder-only {enc[m]:.3f}",
                    "unit": "acc",
                    "note": f"hybrid {r[m]:.3f}, encoder {enc[m]:.3f}, keywords {kw[m]:.3f} (n={r['n']})",
                }
            )
    for p in pairs:
        if p["set"] == TEST:
            out.append(
                {
                    "benchmark": "cases-sdg-tagger",
                    "case": f"{TEST} McNemar {p['metric']} hybrid vs {p['part']}",
                    "ours_s": p["only_hybrid"],
                    "baseline": f"{p['part']} alone right {p['only_part']}",
                    "unit": "texts",
                    "note": f"exact McNemar p = {p['p']:.4f}",
                }
            )
    out.append(_timing(tagger))
    return out


if __name__ == "__main__":
    _tagger = None
    print_table(table_rows(_tagger))
    print_paired(paired_rows(_tagger))
