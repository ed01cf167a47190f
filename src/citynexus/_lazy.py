"""Lazy package exports: names imported from their modules on first use.

A package whose ``__init__`` would otherwise import its whole numerical stack (so that
importing one module of it, e.g. its errors, stays cheap) declares ``name -> module``
and takes ``__getattr__``/``__dir__`` from :func:`lazy_exports` (PEP 562 module
attributes)::

    __getattr__, __dir__, __all__ = lazy_exports(__name__, globals(), {"build": "pkg.pipeline"})
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


def lazy_exports(
    package: str, namespace: dict[str, Any], exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``(__getattr__, __dir__, __all__)`` for ``package``: a name of ``exports`` is
    imported from its module when first asked for and then kept in ``namespace`` (the
    package's globals), so later lookups are plain attribute access."""
    exports = dict(exports)

    def __getattr__(name: str) -> Any:  # noqa: N807 (the PEP 562 hook)
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__, sorted(exports)
