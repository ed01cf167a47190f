"""SDG tagger on the labelled sets: hybrid vs encoder-only vs keywords-only, one run.

Prints the table of :func:`citynexus.cases.evaluation.full_table` (top-1, top-3 accuracy and
recall@3 per protocol, method and language) and returns, for ``benchmarks/run.py``, one row per
protocol and metric with the hybrid value as ``ours`` and the encoder-only value named in the
baseline column (unit ``acc``: a share of texts, not a time, so no ratio; the note gives all
three methods), plus
the tagging time of the hybrid against keywords-only on the same texts.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.table import Table


def table_rows():
    from citynexus.cases.evaluation import full_table
    from citynexus.cases.tagger import SDGTagger

    return full_table(SDGTagger())


def print_table(rows) -> None:
    t = Table(title="SDG tagger, labelled sets (top-1 / top-3 accuracy, recall@3)", header_style="bold")
    for c in ("protocol", "lang", "n", "method", "top-1", "top-3", "recall@3"):
        t.add_column(c, justify="right" if c in ("n", "top-1", "top-3", "recall@3") else "left")
    for r in rows:
        t.add_row(r["protocol"], r["lang"], str(r["n"]), r["method"], f"{r['top1']:.3f}", f"{r['top3']:.3f}",
                  f"{r['recall3']:.3f}")  # fmt: skip
    Console(width=160).print(t)


def print_paired() -> None:
    """Text-by-text comparison (exact McNemar) of the hybrid with each part on the held-out sets."""
    from citynexus.cases.evaluation import labelled_set, paired
    from citynexus.cases.tagger import SDGTagger

    tagger = SDGTagger()
    for name in ("heldout", "heldout2"):
        for metric in ("top1", "top3"):
            for part, r in paired(tagger, labelled_set(name), metric).items():
                print(f"{name} {metric}: hybrid alone right {r['only_first']}, {part} alone right "
                      f"{r['only_second']}, exact McNemar p = {r['p']:.4f}")  # fmt: skip


def run() -> list[dict]:
    from citynexus.cases.evaluation import labelled_set
    from citynexus.cases.tagger import SDGTagger

    rows = table_rows()
    print_table(rows)
    print_paired()
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
    tagger = SDGTagger()
    texts = [it["text"] for it in labelled_set("heldout")]
    tagger.tag_many(texts[:2])  # load the encoder and the goal vectors first
    t0 = time.perf_counter()
    tagger.tag_many(texts, method="hybrid")
    hyb = time.perf_counter() - t0
    t0 = time.perf_counter()
    tagger.tag_many(texts, method="keywords")
    kw = time.perf_counter() - t0
    out.append(
        {
            "benchmark": "cases-sdg-tagger",
            "case": f"tag {len(texts)} texts",
            "ours_s": hyb,
            "baseline": "keywords-only",
            "baseline_s": kw,
            "note": "hybrid includes sentence encoding; ratio < 1 is the price of the encoder",
        }
    )
    return out


if __name__ == "__main__":
    print_table(table_rows())
