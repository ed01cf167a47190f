"""City networks (城市网络): interlocking network model, gravity model, network structure.

>>> import pandas as pd
>>> from citynexus.network import interlocking
>>> v = pd.DataFrame({"f1": [5, 2, 0], "f2": [1, 1, 3]}, index=["A", "B", "C"])
>>> res = interlocking(v)
>>> res.gnc.to_dict()
{'A': 14.0, 'B': 14.0, 'C': 6.0}

The package is pure: files are read and written by :mod:`citynexus.data.network_io`, and
matplotlib is imported only when :func:`plot_links` draws.
"""

from citynexus.network.errors import NetworkInputError, NetworkSpecError
from citynexus.network.export import csv_texts, geojson_text, to_geojson
from citynexus.network.gravity import distance_matrix, gravity, great_circle
from citynexus.network.interlocking import as_service_matrix, connectivity, dyad_links, interlocking
from citynexus.network.plot import plot_links
from citynexus.network.result import GravityResult, InterlockingResult, NetworkResult
from citynexus.network.structure import (
    Communities,
    CorePeriphery,
    centrality,
    communities,
    core_periphery,
    density,
    structure,
    threshold_links,
    to_graph,
)

__all__ = [
    "Communities",
    "CorePeriphery",
    "GravityResult",
    "InterlockingResult",
    "NetworkInputError",
    "NetworkResult",
    "NetworkSpecError",
    "as_service_matrix",
    "centrality",
    "communities",
    "connectivity",
    "core_periphery",
    "csv_texts",
    "density",
    "distance_matrix",
    "dyad_links",
    "geojson_text",
    "gravity",
    "great_circle",
    "interlocking",
    "plot_links",
    "structure",
    "threshold_links",
    "to_geojson",
    "to_graph",
]
