"""The ``[robustness]`` section of a spec: number of samples, seed, top-k, and the
``[[robustness.factor]]`` tables (parsed by :func:`citynexus.evaluate.robustness.factors.factor_from_dict`)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citynexus.data.specfiles import read_spec_file
from citynexus.evaluate.robustness.errors import RobustnessSpecError
from citynexus.evaluate.robustness.factors import Factor, _err, factor_from_dict
from citynexus.evaluate.spec import IndexSpec

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd


@dataclass
class RobustnessConfig:
    """The ``[robustness]`` section: factors and defaults of a run."""

    factors: list[Factor] = field(default_factory=list)
    samples: int = 500
    seed: int = 0
    top_k: list[int] = field(default_factory=lambda: [3, 10])
    batch_size: int = 2048

    def to_dict(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "seed": self.seed,
            "top_k": list(self.top_k),
            "batch_size": self.batch_size,
            "factor": [f.to_dict() for f in self.factors],
        }


def parse_robustness(
    data: dict[str, Any] | None, source: str = "spec", tables: Mapping[str, pd.DataFrame] | None = None
) -> RobustnessConfig:
    """Parse a ``[robustness]`` table (with its ``[[robustness.factor]]`` array).
    ``tables``: the tables named by ``file = "..."`` entries, already read (see
    :func:`citynexus.data.specfiles.read_spec_file`)."""
    data = dict(data or {})
    where = f"{source}: [robustness]"
    allowed = {"samples", "seed", "top_k", "batch_size", "factor"}
    bad = sorted(set(data) - allowed)
    if bad:
        raise _err(where, f"unknown option {bad[0]!r}; allowed: {', '.join(sorted(allowed))}")
    raw = data.get("factor", [])
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise _err(where, "factors are written as [[robustness.factor]] tables")
    factors = [factor_from_dict(f, f"{source}: factor {i + 1}", tables) for i, f in enumerate(raw)]
    names = [f.name for f in factors]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise _err(where, f"factor name {dup[0]!r} is used twice; names must be unique")
    cfg = RobustnessConfig(factors=factors)
    for key in ("samples", "seed", "batch_size"):
        if key in data:
            v = data[key]
            if not isinstance(v, int) or v < (0 if key == "seed" else 1):
                raise _err(where, f"{key} must be a whole number{' >= 1' if key != 'seed' else ''}, got {v!r}")
            setattr(cfg, key, v)
    if "top_k" in data:
        tk = data["top_k"]
        tk = [tk] if isinstance(tk, int) else tk
        if not isinstance(tk, list) or not all(isinstance(k, int) and k >= 1 for k in tk):
            raise _err(where, f"top_k must be a whole number >= 1 or a list of them, got {data['top_k']!r}")
        cfg.top_k = list(tk)
    return cfg


def read_spec(
    source: str | Path, text: str | None = None, tables: Mapping[str, pd.DataFrame] | None = None
) -> tuple[IndexSpec, RobustnessConfig]:
    """Parse an index spec TOML that may carry a ``[robustness]`` section: returns the
    :class:`IndexSpec` (without that section) and the :class:`RobustnessConfig`.

    Pass the TOML ``text`` (``source`` then only names it) and the ``tables`` its factors
    name; or a path as ``source`` alone, and the file and its tables are read by
    :func:`citynexus.data.specfiles.read_spec_file`."""
    if text is None:
        try:
            sf = read_spec_file(source)
        except FileNotFoundError:
            raise RobustnessSpecError(f"spec file {Path(source)} does not exist") from None
        text, source = sf.text, sf.name
        tables = {**sf.tables, **(tables or {})}
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise RobustnessSpecError(f"{source}: not valid TOML: {err}") from None
    rob = data.pop("robustness", None)
    spec = IndexSpec.from_dict(data, source=str(source))
    return spec, parse_robustness(rob, str(source), tables)


# ---------------------------------------------------------------------------- applying
