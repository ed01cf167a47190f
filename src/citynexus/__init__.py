"""citynexus: evaluate, connect and coordinate city clusters."""

from importlib.metadata import PackageNotFoundError, version

from citynexus.errors import CityNexusError

try:
    __version__ = version("citynexus")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["CityNexusError", "__version__"]
