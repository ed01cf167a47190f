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

from __future__ import annotations

from citynexus._lazy import lazy_exports

# Names are imported on first use, so that importing one module of the package (e.g. its
# errors, as the CLI does at start-up) does not load the whole numerical stack.
_EXPORTS = {
    "Band": "citynexus.region.coupling",
    "BetaResult": "citynexus.region.convergence",
    "BoundaryError": "citynexus.region.errors",
    "DagumResult": "citynexus.region.disparity",
    "GRADES_10": "citynexus.region.coupling",
    "METHODS": "citynexus.region.coupling",
    "RegionInputError": "citynexus.region.errors",
    "RegionSpecError": "citynexus.region.errors",
    "SigmaResult": "citynexus.region.convergence",
    "TheilResult": "citynexus.region.disparity",
    "bands_from_edges": "citynexus.region.coupling",
    "beta_convergence": "citynexus.region.convergence",
    "contiguity_weights": "citynexus.region.spatial",
    "coupling_change": "citynexus.region.coupling",
    "coupling_coordination": "citynexus.region.coupling",
    "coupling_degree": "citynexus.region.coupling",
    "cv": "citynexus.region.disparity",
    "dagum_gini": "citynexus.region.disparity",
    "disparity_by_period": "citynexus.region.disparity",
    "distance_band_weights": "citynexus.region.spatial",
    "getis_ord": "citynexus.region.spatial",
    "gini": "citynexus.region.disparity",
    "grade": "citynexus.region.coupling",
    "implied_speed": "citynexus.region.convergence",
    "kernel_density": "citynexus.region.convergence",
    "knn_weights": "citynexus.region.spatial",
    "local_moran": "citynexus.region.spatial",
    "moran": "citynexus.region.spatial",
    "obstacle_analysis": "citynexus.region.obstacle",
    "obstacle_degree": "citynexus.region.obstacle",
    "pillar_obstacles": "citynexus.region.obstacle",
    "sigma_convergence": "citynexus.region.convergence",
    "spatial_weights": "citynexus.region.spatial",
    "theil": "citynexus.region.disparity",
    "theil_decomposition": "citynexus.region.disparity",
    "top_obstacles": "citynexus.region.obstacle",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, globals(), _EXPORTS)
