"""Chinese names of the bundled data's units of measurement and sources, for the city-vs-city
comparison page (a dataset's own units and sources are shown as written in its metadata).

The names are in the catalog ``i18n/catalog/compare.toml`` beside the page's labels: a unit
under the key ``compare_unitname_<unit>``, a source under ``compare_sourcename_<source>``; the
English text of such an entry is the unit or source itself."""

from __future__ import annotations

from citynexus.i18n import keys, table

UNIT_PREFIX = "compare_unitname_"
SOURCE_PREFIX = "compare_sourcename_"


def chinese_names(prefix: str) -> dict[str, str]:
    """English text -> Chinese text of the catalog entries whose key starts with ``prefix``."""
    return {key.removeprefix(prefix): table()[key][1] for key in keys(prefix)}


#: Chinese names of the units of measurement used by the bundled data.
UNITS_ZH: dict[str, str] = chinese_names(UNIT_PREFIX)
#: Chinese wording of the bundled data's sources.
SOURCES_ZH: dict[str, str] = chinese_names(SOURCE_PREFIX)
