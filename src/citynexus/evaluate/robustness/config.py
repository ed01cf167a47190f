"""The ``[robustness]`` section of a spec: number of samples, seed, top-k, and the
``[[robustness.factor]]`` tables (parsed by :func:`citynexus.evaluate.robustness.factors.factor_from_dict`)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citynexus.evaluate.robustness.errors import RobustnessSpecError
from citynexus.evaluate.robustness.factors import Factor, _err, factor_from_dict
from citynexus.evaluate.spec import IndexSpec


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
    data: dict[str, Any] | None, source: str = "spec", base_dir: Path | None = None
) -> RobustnessConfig:
    """Parse a ``[robustness]`` table (with its ``[[robustness.factor]]`` array)."""
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
    factors = [factor_from_dict(f, f"{source}: factor {i + 1}", base_dir) for i, f in enumerate(raw)]
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


def read_spec(source: str | Path, text: str | None = None) -> tuple[IndexSpec, RobustnessConfig]:
    """Read an index spec TOML that may carry a ``[robustness]`` section: returns the
    :class:`IndexSpec` (without that section) and the :class:`RobustnessConfig`.

    ``source`` is a path; or pass the TOML ``text`` (then ``source`` only names it)."""
    base_dir = None
    if text is None:
        p = Path(source)
        if not p.exists():
            raise RobustnessSpecError(f"spec file {p} does not exist")
        text = p.read_text(encoding="utf-8")
        base_dir = p.parent
        source = p.name
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise RobustnessSpecError(f"{source}: not valid TOML: {err}") from None
    rob = data.pop("robustness", None)
    spec = IndexSpec.from_dict(data, source=str(source))
    return spec, parse_robustness(rob, str(source), base_dir)


# ---------------------------------------------------------------------------- applying
