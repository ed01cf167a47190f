"""The indicator framework the pipeline walks: the one tree of :mod:`citynexus.data.framework`."""

from citynexus.data.framework import Framework

__all__ = ["Framework"]
