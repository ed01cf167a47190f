"""Datasets: units, an indicator framework and panel values; readers, writers, bundled data.

>>> from citynexus.data import load
>>> ds = load("gba")
>>> ds.table(2023).shape
(11, 24)
"""

from citynexus.data.bundled import available, load
from citynexus.data.dataset import Dataset
from citynexus.data.io import open_dataset, read, write

__all__ = ["Dataset", "available", "load", "open_dataset", "read", "write"]
