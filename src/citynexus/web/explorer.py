"""Slider values of the index explorer: a shared link reopens with exactly its weights."""

from __future__ import annotations

import math
from collections.abc import Mapping


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) and v >= 0 else None


def slider_values(codes: list[str], defaults: Mapping[str, float], query: Mapping[str, str]) -> tuple[list[dict], bool]:
    """``[{"code", "value", "default", "share", "weight"}]`` for the sliders (range 0-100) and
    whether every value is a whole number (sliders then step by 1).

    - ``default``: the dataset's weights as whole percentages (what Reset shows);
    - ``share``: the dataset's weights as exact percentages (what Reset sends);
    - ``weight``: what an untouched slider sends: the link's value, else ``share`` — so a
      slider the user has not moved never turns its exact weight into a rounded percentage;
    - ``value``: the link's ``w.CODE`` exactly as given (``w.IND=99&w.URB=8`` -> 99 and 8),
      the default for a code the link leaves out or gives as a non-number or negative; when a
      given value exceeds 100, all values are scaled by the same factor so that the largest is
      100 (the ranking depends only on the ratios).
    """
    total = sum(defaults.get(c, 1.0) for c in codes) or 1.0
    share = {c: 100 * defaults.get(c, 1.0) / total for c in codes}
    default = {c: float(round(share[c])) for c in codes}
    given = {c: _number(query.get(f"w.{c}")) for c in codes}
    shared = any(v is not None for v in given.values())
    value = {c: (given[c] if given[c] is not None else default[c]) if shared else default[c] for c in codes}
    weight = {c: given[c] if shared and given[c] is not None else share[c] for c in codes}
    top = max(value.values(), default=0.0)
    if top > 100:
        value = {c: v * 100 / top for c, v in value.items()}
        weight = {c: v * 100 / top for c, v in weight.items()}
    exact = all(float(v).is_integer() for v in value.values())
    fmt = (lambda v: int(v)) if exact else (lambda v: v)
    rows = [
        {"code": c, "value": fmt(value[c]), "default": int(default[c]), "share": share[c], "weight": weight[c]}
        for c in codes
    ]
    return rows, exact


def group_given(codes: list[str], query: Mapping[str, str]) -> bool:
    """Whether a link gives a usable weight for at least one of ``codes`` (the group's
    sliders then start from the link and are sent with every re-ranking)."""
    return any(_number(query.get(f"w.{c}")) is not None for c in codes)
