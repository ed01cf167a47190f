"""Small datasets for the evaluation tests (not a test module)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from citynexus.data import Dataset


def tiny() -> Dataset:
    """4 units, 3 indicators (i2 negative, weight 3), pillars P (i1, i2) and Q (i3), index T."""
    units = pd.DataFrame(
        {"code": list("ABCD"), "name": ["Alpha", "Beta", "Gamma", "Delta"], "group": ["g1", "g1", "g2", "g2"]}
    )
    ind = pd.DataFrame(
        {
            "code": ["T", "P", "Q", "i1", "i2", "i3", "pop"],
            "name": ["Index", "Pillar P", "Pillar Q", "one", "two", "three", "population"],
            "parent": ["", "T", "T", "P", "P", "Q", ""],
            "level": ["3", "2", "2", "1", "1", "1", ""],
            "kind": ["aggregate", "aggregate", "aggregate", "indicator", "indicator", "indicator", "denominator"],
            "direction": ["", "", "", "1", "-1", "1", ""],
            "weight": [1, 1, 1, 1, 3, 1, 1],
        }
    )
    vals = pd.DataFrame(
        {
            "unit": list("ABCD") * 3 + list("ACD") + list("ABCD"),
            "period": [2020] * 19,
            "indicator": ["i1"] * 4 + ["i2"] * 4 + ["pop"] * 4 + ["i3"] * 3 + ["i1"] * 4,
            "value": [1, 2, 3, 5, 10, 20, 30, 40, 1, 2, 4, 5, 4, 6, 8, 1, 1, 1, 1],
        }
    )
    vals.loc[15:, "period"] = 2019
    return Dataset.from_frames(units, ind, vals, name="tiny")


def asem(folder: Path) -> Dataset:
    """COINr's ASEM example (iData / iMeta layout) converted to a citynexus Dataset."""
    idata = pd.read_csv(folder / "ASEM_iData.csv")
    imeta = pd.read_csv(folder / "ASEM_iMeta.csv")
    units = pd.DataFrame(
        {
            "code": idata["uCode"],
            "name": idata["uName"],
            "group": idata["EurAsia_group"],
            "gdp_group": idata["GDP_group"],
            "gdppc_group": idata["GDPpc_group"],
            "pop_group": idata["Pop_group"],
        }
    )
    meta = imeta[imeta["Type"].isin(["Indicator", "Aggregate", "Denominator"])]

    def txt(s: pd.Series) -> pd.Series:
        return s.astype("Int64").astype(str).replace("<NA>", "")

    ind = pd.DataFrame(
        {
            "code": meta["iCode"],
            "name": meta["iName"],
            "parent": meta["Parent"].fillna(""),
            "level": txt(meta["Level"]),
            "kind": meta["Type"].str.lower(),
            "direction": txt(meta["Direction"]),
            "weight": meta["Weight"].fillna(1),
            "unit": meta["Unit"].fillna(""),
            "denominator": meta["Denominator"].fillna(""),
        }
    )
    codes = [c for c in meta["iCode"] if c in idata.columns]
    vals = (
        idata.melt(id_vars=["uCode", "Time"], value_vars=codes, var_name="indicator", value_name="value")
        .dropna()
        .rename(columns={"uCode": "unit", "Time": "period"})
    )
    return Dataset.from_frames(units, ind, vals, name="asem")


#: COINr build_example_coin(): Denominate -> Impute(i_mean_grp, EurAsia_group) ->
#: Screen(dat_thresh = 0.9, byNA) -> Treat(winmax = 5) -> Normalise(minmax 0-100) -> Aggregate(a_amean)
COINR_SPEC = """
name = "ASEM Sustainable Connectivity (COINr reference pipeline)"
[denominate]
enabled = true
[impute]
method = "group_mean"
group = "group"
[screen]
unit_threshold = 0.9
indicator_threshold = 0.0
when = "after_impute"
[treat]
method = "winsorise"
winmax = 5
skew_threshold = 2.0
kurt_threshold = 3.5
fallback = "log"
[normalise]
method = "minmax"
range = [0, 100]
[weights]
method = "given"
[aggregate]
method = "arithmetic"
"""
