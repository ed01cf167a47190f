"""Region analytics (区域分析): coupling coordination, obstacle degree, disparity,
convergence and spatial autocorrelation over plain pandas objects.

>>> import pandas as pd
>>> from citynexus.region import coupling_coordination
>>> r = coupling_coordination(pd.DataFrame({"IND": [0.6], "URB": [0.4]}, index=["GZ"]))
>>> round(float(r.at["GZ", "D"]), 4)
0.6043

Boundaries (:mod:`citynexus.region.geo`) and figures (:mod:`citynexus.region.plots`) are
imported on demand.
"""

from citynexus.region.convergence import (
    BetaResult,
    SigmaResult,
    beta_convergence,
    implied_speed,
    kernel_density,
    sigma_convergence,
)
from citynexus.region.coupling import (
    GRADES_10,
    METHODS,
    Band,
    bands_from_edges,
    coupling_change,
    coupling_coordination,
    coupling_degree,
    grade,
)
from citynexus.region.disparity import (
    DagumResult,
    TheilResult,
    cv,
    dagum_gini,
    disparity_by_period,
    gini,
    theil,
    theil_decomposition,
)
from citynexus.region.errors import BoundaryError, RegionInputError, RegionSpecError
from citynexus.region.obstacle import obstacle_analysis, obstacle_degree, pillar_obstacles, top_obstacles
from citynexus.region.spatial import (
    contiguity_weights,
    distance_band_weights,
    getis_ord,
    knn_weights,
    local_moran,
    moran,
    spatial_weights,
)

__all__ = [
    "GRADES_10",
    "METHODS",
    "Band",
    "BetaResult",
    "BoundaryError",
    "DagumResult",
    "RegionInputError",
    "RegionSpecError",
    "SigmaResult",
    "TheilResult",
    "bands_from_edges",
    "beta_convergence",
    "contiguity_weights",
    "coupling_change",
    "coupling_coordination",
    "coupling_degree",
    "cv",
    "dagum_gini",
    "disparity_by_period",
    "distance_band_weights",
    "getis_ord",
    "gini",
    "grade",
    "implied_speed",
    "kernel_density",
    "knn_weights",
    "local_moran",
    "moran",
    "obstacle_analysis",
    "obstacle_degree",
    "pillar_obstacles",
    "sigma_convergence",
    "spatial_weights",
    "theil",
    "theil_decomposition",
    "top_obstacles",
]
