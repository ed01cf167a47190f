"""Generator of the bundled ``gba`` dataset (Greater Bay Area, 11 cities, 2015–2024).

The values are SYNTHETIC, except the 2023 levels of GDP, resident population and land
area, which are anchored to published figures (rounded; sources below). Everything else
— every other year of those three series and every indicator — comes from this seeded
generator, so the dataset can be rebuilt byte for byte::

    python -m citynexus.data.bundled.generate_gba     # rewrites data/bundled/gba/*.csv

How values are made: each city has two latent levels in [0, 1], one for industrial
strength and one for urban development (hand-set to a plausible order, not estimated).
For an indicator with range [lo, hi] on the latent ``s`` the 2023 value is
``lo + (hi - lo) * clip(s + e, 0.02, 0.98)`` with ``e ~ N(0, 0.08)`` (``1 - s`` for
indicators where lower is better); other years follow a per-indicator trend with 3 %
multiplicative noise. GDP per capita and population density are computed from the
GDP, population and area series. A few cells are missing on purpose (Hong Kong and
Macao do not certify "high-tech enterprises"; about 2 % of other cells at random), so
imputation has something to do.

Sources of the 2023 anchors (check the originals before quoting them):
- Guangdong cities: Guangdong Statistical Yearbook 2024 (广东统计年鉴2024), GDP by city and
  year-end resident population; land areas from the same yearbook.
- Hong Kong: Census and Statistics Department, GDP 2023 (HK$ 2,990 billion, converted to
  yuan at 0.906) and mid-2023 population; land area from the Lands Department.
- Macao: Statistics and Census Service (DSEC), GDP 2023 (MOP 379 billion, converted at
  0.879) and year-end population; land area from DSCC.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from citynexus.data.dataset import INDICATOR_COLUMNS


def _indicator_parameters(path: Path) -> list[tuple]:
    """The generator's parameter table: text columns as read, direction and decimals as int, lo, hi
    and trend as float (empty for an indicator derived from other series: None)."""

    def num(v: str) -> float | None:
        return float(v) if v else None

    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        (r["code"], r["name"], r["name_zh"], r["subsystem"], int(r["direction"]), r["unit"], num(r["lo"]),
         num(r["hi"]), num(r["trend"]), int(r["decimals"]))
        for r in rows
    ]  # fmt: skip


SEED = 20231
YEARS = list(range(2015, 2025))
OUT = Path(__file__).parent / "gba"
SYNTHETIC = f"synthetic (citynexus generate_gba, seed {SEED})"
ANCHOR = (
    "2023 anchored to Guangdong Statistical Yearbook 2024 / HK C&SD / Macao DSEC (rounded); "
    f"other years synthetic (seed {SEED})"
)

# code, name, name_zh, lat, lon, group, jurisdiction, gdp 2023 (100 million yuan),
# population 2023 (10k persons), land area (km2), latent industry, latent urban
CITIES = [
    ("GZ", "Guangzhou", "广州", 23.1291, 113.2644, "core", "Guangdong", 30355.73, 1882.70, 7434.40, 0.80, 0.85),
    ("SZ", "Shenzhen", "深圳", 22.5431, 114.0579, "core", "Guangdong", 34606.40, 1779.01, 1997.47, 0.95, 0.80),
    ("ZH", "Zhuhai", "珠海", 22.2710, 113.5767, "other", "Guangdong", 4233.22, 249.41, 1736.45, 0.55, 0.65),
    ("FS", "Foshan", "佛山", 23.0218, 113.1219, "other", "Guangdong", 13276.14, 961.54, 3797.72, 0.65, 0.55),
    ("HZ", "Huizhou", "惠州", 23.1115, 114.4152, "other", "Guangdong", 5639.68, 607.34, 11347.39, 0.45, 0.35),
    ("DG", "Dongguan", "东莞", 23.0205, 113.7518, "other", "Guangdong", 11438.13, 1048.54, 2460.10, 0.65, 0.50),
    ("ZS", "Zhongshan", "中山", 22.5176, 113.3926, "other", "Guangdong", 3850.65, 445.52, 1783.67, 0.40, 0.45),
    ("JM", "Jiangmen", "江门", 22.5787, 113.0819, "other", "Guangdong", 4022.25, 482.22, 9505.42, 0.30, 0.30),
    ("ZQ", "Zhaoqing", "肇庆", 23.0472, 112.4651, "other", "Guangdong", 2920.58, 413.20, 14891.23, 0.20, 0.20),
    ("HK", "Hong Kong", "香港", 22.3193, 114.1694, "core", "Hong Kong SAR", 27089.0, 750.31, 1114.57, 0.60, 0.95),
    ("MO", "Macao", "澳门", 22.1987, 113.5439, "core", "Macao SAR", 3331.0, 68.37, 33.30, 0.25, 0.75),
]

#: The indicators (one row each in ``generator_indicators.csv``): code, name, name_zh,
#: subsystem, direction, unit, lo, hi, annual trend, decimals. For the totals in SCALED_BY
#: (counts, FDI) lo/hi bound the intensity (per 10k residents, per million residents, per
#: 100 billion yuan of GDP); the total is intensity x size.
INDICATORS = _indicator_parameters(Path(__file__).parent / "generator_indicators.csv")

SCALED_BY = {"hightech_firms": ("population", 1.0), "listed_firms": ("population", 0.01), "fdi": ("gdp", 0.001)}

# Real GDP growth pattern by year (synthetic, shaped after the region's path: a 2020 dip,
# Macao's collapse and recovery). Used to walk GDP away from its 2023 anchor.
GROWTH = {
    "default": {
        2016: 0.08,
        2017: 0.08,
        2018: 0.07,
        2019: 0.065,
        2020: 0.02,
        2021: 0.08,
        2022: 0.02,
        2023: 0.048,
        2024: 0.045,
    },
    "HK": {
        2016: 0.022,
        2017: 0.038,
        2018: 0.028,
        2019: -0.017,
        2020: -0.065,
        2021: 0.064,
        2022: -0.037,
        2023: 0.033,
        2024: 0.025,
    },
    "MO": {
        2016: -0.007,
        2017: 0.1,
        2018: 0.065,
        2019: -0.025,
        2020: -0.54,
        2021: 0.19,
        2022: -0.26,
        2023: 0.80,
        2024: 0.088,
    },
}


def _series_from_2023(anchor: float, growth: dict[int, float]) -> dict[int, float]:
    out = {2023: anchor}
    for y in range(2022, YEARS[0] - 1, -1):
        out[y] = out[y + 1] / (1 + growth[y + 1])
    for y in range(2024, YEARS[-1] + 1):
        out[y] = out[y - 1] * (1 + growth[y])
    return out


def generate() -> dict[str, pd.DataFrame]:
    """Build the three tables (units, indicators, values) of the ``gba`` dataset."""
    rng = np.random.default_rng(SEED)
    units = pd.DataFrame(
        [(c[0], c[1], c[2], c[3], c[4], c[5], c[6]) for c in CITIES],
        columns=["code", "name", "name_zh", "lat", "lon", "group", "jurisdiction"],
    )
    rows = [
        (
            "GBA",
            "GBA coordinated development index",
            "粤港澳大湾区协调发展指数",
            "",
            3,
            "aggregate",
            "",
            1,
            "score",
            "",
            "",
        ),
        ("IND", "Industrial clusters", "产业集群", "GBA", 2, "aggregate", "", 1, "score", "", ""),
        ("URB", "Urban agglomeration", "城市群", "GBA", 2, "aggregate", "", 1, "score", "", ""),
    ]
    for code, name, name_zh, sub, direction, unit, *_ in INDICATORS:
        src = SYNTHETIC
        if code in ("pop_density", "gdp_per_capita"):
            src = f"derived from gdp, population and area; {SYNTHETIC} except the 2023 anchors"
        rows.append((code, name, name_zh, sub, 1, "indicator", direction, 1, unit, "", src))
    rows += [
        ("gdp", "Gross domestic product", "地区生产总值", "", "", "denominator", "", 1, "100 million yuan", "", ANCHOR),
        ("population", "Resident population", "常住人口", "", "", "denominator", "", 1, "10k persons", "", ANCHOR),
        ("area", "Land area", "土地面积", "", "", "denominator", "", 1, "km2", "", ANCHOR),
    ]
    indicators = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)

    records: list[tuple[str, int, str, float]] = []
    for code, _, _, _, _, _, _, gdp23, pop23, area, lat_ind, lat_urb in CITIES:
        growth = GROWTH.get(code, GROWTH["default"])
        gdp = _series_from_2023(gdp23, growth)
        pop_growth = {y: (0.004 if code in ("HK", "MO") else 0.018) + rng.normal(0, 0.004) for y in YEARS[1:]}
        pop = _series_from_2023(pop23, pop_growth)
        for y in YEARS:
            if y != 2023:
                gdp[y] *= 1 + rng.normal(0, 0.01)
        for y in YEARS:
            records.append((code, y, "gdp", round(gdp[y], 2)))
            records.append((code, y, "population", round(pop[y], 2)))
            records.append((code, y, "area", area))
        for ind_code, _, _, sub, direction, _, lo, hi, trend, dec in INDICATORS:
            if lo is None:
                for y in YEARS:
                    if ind_code == "pop_density":
                        v = round(pop[y] * 1e4 / area, dec)
                    else:
                        v = round(gdp[y] * 1e8 / (pop[y] * 1e4), dec)
                    records.append((code, y, ind_code, v))
                continue
            s = lat_ind if sub == "IND" else lat_urb
            s = float(np.clip(s + rng.normal(0, 0.08), 0.02, 0.98))
            if direction < 0:
                s = 1 - s
            base = lo + (hi - lo) * s
            for y in YEARS:
                if ind_code == "ind_invest_growth":
                    v = base + rng.normal(0, 4.0)
                elif ind_code == "urbanisation" and code in ("HK", "MO"):
                    v = 100.0
                else:
                    v = base * (1 + trend) ** (y - 2023) * (1 + rng.normal(0, 0.03))
                    if ind_code in ("urbanisation", "transit_share"):
                        v = min(v, 99.9)
                if ind_code in SCALED_BY:
                    size, factor = SCALED_BY[ind_code]
                    v *= (pop[y] if size == "population" else gdp[y]) * factor
                if ind_code == "metro_km" and code == "MO" and y < 2020:
                    v = 0.0  # Macao's light rail opened in December 2019
                if ind_code == "hightech_firms" and code in ("HK", "MO"):
                    continue  # no such certification: missing, not zero
                if rng.random() < 0.02 and y != 2023:
                    continue  # randomly missing cell
                records.append((code, y, ind_code, round(float(v), dec)))
    values = pd.DataFrame(records, columns=["unit", "period", "indicator", "value"])
    return {"units": units, "indicators": indicators, "values": values}


def write(out: Path = OUT) -> None:
    """Write the three CSV files (UTF-8) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for name, df in generate().items():
        df.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")


if __name__ == "__main__":  # pragma: no cover
    write()
    print(f"wrote {OUT}")
