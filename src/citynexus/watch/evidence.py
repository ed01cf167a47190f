"""The common shape of a detector's result object (see ``DESIGN.md``: a detector result carries its
evidence — positions, magnitudes, the series it saw, the settings used)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

__all__ = ["Evidence"]


class Evidence:
    """Mixin of the result dataclasses of ``citynexus.watch``: each keeps its evidence in its fields
    (with ``settings``, a ``note`` saying why nothing was found, and ``extra``) and serialises to a
    JSON-ready dict with :meth:`to_dict`."""

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain Python data (nested dataclasses included)."""
        return asdict(self)  # type: ignore[call-overload]
