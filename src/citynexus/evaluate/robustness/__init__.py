"""Robustness of a composite index (稳健性分析): uncertainty and sensitivity analysis, rank ranges.

Flow (as SALib: problem -> sample -> evaluate -> analyse)::

    from citynexus.evaluate.robustness import read_spec, Engine, uncertainty, sensitivity, rank_ranges_for

    spec, cfg = read_spec("asem-robust.toml")          # IndexSpec + [robustness] factors
    engine = Engine(dataset, spec, cfg.factors)          # prepared once
    u = uncertainty(engine=engine, n=500, seed=1)        # ranks of 500 replications
    u.summary                                            # nominal, mean, median, q05, q95, P(top k)
    s = sensitivity(engine=engine, n=256)                # Sobol S1 / ST with bootstrap intervals
    rr = rank_ranges_for(engine.nominal)                 # best / worst rank under any weights

Replications are computed by the vectorised :class:`Engine` (each upstream variant once,
weights as matrix products, one sort per batch); :func:`naive_evaluate` rebuilds the index
per replication and is the reference it is tested against. See docs/robustness.md.
"""

from citynexus.evaluate.robustness.config import RobustnessConfig, parse_robustness, read_spec
from citynexus.evaluate.robustness.distributed import run_batches
from citynexus.evaluate.robustness.errors import RobustnessError, RobustnessSpecError
from citynexus.evaluate.robustness.factors import (
    ChoiceFactor,
    ContinuousFactor,
    ExcludeFactor,
    Factor,
    IntegerFactor,
    WeightSetsFactor,
    WeightsNoiseFactor,
    factor_from_dict,
)
from citynexus.evaluate.robustness.oracle import naive_evaluate
from citynexus.evaluate.robustness.rankrange import RankRanges, rank_ranges, rank_ranges_for
from citynexus.evaluate.robustness.sample import random_sample, read_samples, saltelli_sample, samples_frame
from citynexus.evaluate.robustness.sensitivity import SensitivityResult, sensitivity, sobol_indices
from citynexus.evaluate.robustness.uncertainty import UncertaintyResult, rank_shift, summarise, uncertainty
from citynexus.evaluate.robustness.vectorised import Engine, rank_batch

__all__ = [
    "ChoiceFactor",
    "ContinuousFactor",
    "Engine",
    "ExcludeFactor",
    "Factor",
    "IntegerFactor",
    "RankRanges",
    "RobustnessConfig",
    "RobustnessError",
    "RobustnessSpecError",
    "SensitivityResult",
    "UncertaintyResult",
    "WeightSetsFactor",
    "WeightsNoiseFactor",
    "factor_from_dict",
    "naive_evaluate",
    "parse_robustness",
    "random_sample",
    "rank_batch",
    "rank_ranges",
    "rank_ranges_for",
    "rank_shift",
    "read_samples",
    "read_spec",
    "run_batches",
    "saltelli_sample",
    "samples_frame",
    "sensitivity",
    "sobol_indices",
    "summarise",
    "uncertainty",
]
