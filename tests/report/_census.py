"""A small dataset of the user's own kind, built from the real census table in
``shared/data/china-census-2010-2020`` (Lei Dong et al., MIT): the 21 prefecture-level cities
of Guangdong, 2010 and 2020, three pillars of demographic indicators. Coordinates are not in
the census file; the variant "with coordinates" adds the cities' centres (rounded public
coordinates of the city seats)."""

from __future__ import annotations

import csv
from pathlib import Path

#: code -> (English name, latitude, longitude) of Guangdong's prefecture-level cities
GUANGDONG = {
    "440100": ("Guangzhou", 23.13, 113.26),
    "440200": ("Shaoguan", 24.81, 113.60),
    "440300": ("Shenzhen", 22.54, 114.06),
    "440400": ("Zhuhai", 22.27, 113.58),
    "440500": ("Shantou", 23.35, 116.68),
    "440600": ("Foshan", 23.02, 113.12),
    "440700": ("Jiangmen", 22.58, 113.08),
    "440800": ("Zhanjiang", 21.27, 110.36),
    "440900": ("Maoming", 21.66, 110.93),
    "441200": ("Zhaoqing", 23.05, 112.47),
    "441300": ("Huizhou", 23.11, 114.42),
    "441400": ("Meizhou", 24.29, 116.12),
    "441500": ("Shanwei", 22.79, 115.37),
    "441600": ("Heyuan", 23.74, 114.70),
    "441700": ("Yangjiang", 21.86, 111.98),
    "441800": ("Qingyuan", 23.68, 113.06),
    "441900": ("Dongguan", 23.02, 113.75),
    "442000": ("Zhongshan", 22.52, 113.39),
    "445100": ("Chaozhou", 23.66, 116.62),
    "445200": ("Jieyang", 23.55, 116.37),
    "445300": ("Yunfu", 22.92, 112.04),
}
GBA9 = {"440100", "440300", "440400", "440600", "440700", "441200", "441300", "441900", "442000"}

INDICATORS = [
    # code, name, name_zh, parent, level, kind, direction, unit
    ("CEN", "Guangdong census development index", "广东人口发展指数", "", 3, "aggregate", "", "score"),
    ("AGE", "Age structure", "年龄结构", "CEN", 2, "aggregate", "", "score"),
    ("URBN", "Urbanisation", "城镇化", "CEN", 2, "aggregate", "", "score"),
    ("HOME", "Households", "家庭结构", "CEN", 2, "aggregate", "", "score"),
    ("working_age", "Population aged 15-59", "15-59岁人口占比", "AGE", 1, "indicator", 1, "%"),
    ("elderly", "Population aged 65 and over", "65岁及以上人口占比", "AGE", 1, "indicator", -1, "%"),
    ("children", "Population aged 0-14", "0-14岁人口占比", "AGE", 1, "indicator", 1, "%"),
    ("urban_share", "Urban population share", "城镇人口占比", "URBN", 1, "indicator", 1, "%"),
    ("population_m", "Resident population", "常住人口", "URBN", 1, "indicator", 1, "million persons"),
    ("household_size", "Average household size", "平均家庭户规模", "HOME", 1, "indicator", 1, "persons"),
    ("sex_ratio", "Sex ratio", "性别比", "HOME", 1, "indicator", -1, "males per 100 females"),
]
SOURCE = "7th/6th national census via leiii/census (Dong, Du & Liu 2022), MIT"


def build_census_dataset(shared_data: Path, out: Path, coordinates: bool = False, gba_only: bool = False) -> Path:
    """Write units.csv, indicators.csv and values.csv of the Guangdong census dataset into
    ``out`` and return it."""
    src = shared_data / "china-census-2010-2020" / "census_city_2010-2020_v1_nogeom.csv"
    with src.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["city_code"] in GUANGDONG]
    if gba_only:
        rows = [r for r in rows if r["city_code"] in GBA9]
    out.mkdir(parents=True, exist_ok=True)
    with (out / "units.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "name_zh", "lat", "lon", "group"])
        for r in rows:
            name, lat, lon = GUANGDONG[r["city_code"]]
            group = "gba" if r["city_code"] in GBA9 else "other"
            w.writerow([r["city_code"], name, r["city"], lat if coordinates else "", lon if coordinates else "", group])
    with (out / "indicators.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "name_zh", "parent", "level", "kind", "direction", "weight", "unit", "source"])
        for code, name, zh, parent, level, kind, direction, unit in INDICATORS:
            w.writerow([code, name, zh, parent, level, kind, direction, 1, unit, SOURCE if kind == "indicator" else ""])
    with (out / "values.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["unit", "period", "indicator", "value"])
        for r in rows:
            for y in ("2010", "2020"):
                pop = float(r[f"popu_{y}"])
                vals = {
                    "working_age": r[f"age_15_59_{y}"],
                    "elderly": r[f"age_65_{y}"],
                    "children": r[f"age_0_14_{y}"],
                    "urban_share": f"{100 * float(r[f'popu_urban_{y}']) / pop:.4f}",
                    "population_m": f"{pop / 1e6:.6f}",
                    "household_size": r[f"household_{y}"],
                    "sex_ratio": r[f"male_female_{y}"],
                }
                for k, v in vals.items():
                    if v != "":
                        w.writerow([r["city_code"], y, k, v])
    return out
