"""Datasets that ship with citynexus, loadable by name.

- ``gba``: the 11 cities of the Guangdong–Hong Kong–Macao Greater Bay Area, 2015–2024,
  24 indicators in two subsystems (industrial clusters, urban agglomeration) under one
  index. SYNTHETIC values from a seeded generator (:mod:`.generate_gba`), except the 2023
  levels of GDP, population and land area, which are anchored to published figures.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from citynexus.data.dataset import Dataset
from citynexus.errors import UnknownDatasetError

HERE = Path(__file__).parent

#: name -> (folder, one-line description)
BUNDLED = {
    "gba": (
        HERE / "gba",
        "Greater Bay Area, 11 cities, 2015-2024, 24 indicators — SYNTHETIC (2023 GDP, population, area anchored)",
    ),
}


def available() -> list[str]:
    """Names of the bundled datasets."""
    return sorted(BUNDLED)


def describe(name: str) -> str:
    return BUNDLED[name][1]


@lru_cache(maxsize=8)
def _load_cached(name: str) -> Dataset:
    from citynexus.data.io import read_csv_folder

    return read_csv_folder(BUNDLED[name][0], name=name)


def load(name: str) -> Dataset:
    """Load a bundled dataset by name (a fresh copy each call; the parse is cached)."""
    if name not in BUNDLED:
        raise UnknownDatasetError(f"no bundled dataset named '{name}'; available: {', '.join(available())}")
    ds = _load_cached(name)
    return Dataset(
        units=ds.units.copy(),
        indicators=ds.indicators.copy(),
        values=ds.values.copy(),
        name=ds.name,
        notes=list(ds.notes),
    )
