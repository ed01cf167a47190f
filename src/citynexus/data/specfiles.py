"""Reading an index spec file and the tables it names (the file side of spec parsing).

The composite-index core parses specs from text and tables it is handed; this module is
where the files are opened. :func:`read_spec_file` reads the TOML text of a spec and every
CSV table that a ``[[robustness.factor]]`` entry names with ``file = "..."`` (relative to
the spec's folder), so that the factor parser receives data, never a path;
:func:`read_csv_table` reads a replay file of sample values for the same reason.
:func:`read_toml` and :func:`reject_unknown` serve the option files of the domain packages
(the hub's matching options, the centres' funding formula): one reader, each package's own
error class.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from citynexus.errors import CityNexusError


@dataclass
class SpecFile:
    """A spec file as read: its name, TOML text and the named tables (``file`` value ->
    table; a named file that does not exist is absent and listed in ``missing`` with the
    path looked at)."""

    name: str
    text: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    missing: dict[str, Path] = field(default_factory=dict)


def table_files(text: str) -> list[str]:
    """The ``file`` values of the ``[[robustness.factor]]`` entries of a spec's TOML text
    (empty when the text is not valid TOML: the parser reports that)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    factors = (data.get("robustness") or {}).get("factor", [])
    if isinstance(factors, dict):
        factors = [factors]
    if not isinstance(factors, list):
        return []
    return [f["file"] for f in factors if isinstance(f, dict) and isinstance(f.get("file"), str)]


def read_csv_table(path: str | Path) -> pd.DataFrame:
    """Read one CSV table (e.g. a replay file of sample values). Raises FileNotFoundError
    when it does not exist and ValueError when it is not a readable CSV table."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(str(p))
    try:
        return pd.read_csv(p)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ValueError(str(err)) from None


def read_spec_file(path: str | Path) -> SpecFile:
    """Read a spec file and the CSV tables its factors name. Raises FileNotFoundError
    when the spec itself does not exist."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(str(p))
    text = p.read_text(encoding="utf-8")
    out = SpecFile(p.name, text)
    for name in table_files(text):
        f = Path(name)
        if not f.is_absolute():
            f = p.parent / f
        if f.exists():
            out.tables[name] = pd.read_csv(f)
        else:
            out.missing[name] = f
    return out


def read_toml(path: str | Path, error: type[CityNexusError], what: str) -> dict[str, Any]:
    """The table of the UTF-8 TOML file ``path``; ``error("cannot read {what} {path}: ...")`` when
    the file cannot be read or is not TOML (TOML 1.0, https://toml.io/en/v1.0.0)."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise error(f"cannot read {what} {path}: {err}") from err


def reject_unknown(
    given: Any, known: set[str] | frozenset[str], error: type[CityNexusError], what: str, where: str = ""
) -> None:
    """Raise ``error("{where}unknown {what} a, b; allowed: ...")`` when ``given`` (a table's keys)
    names anything outside ``known``; a typo is an error, never an option silently left at its default."""
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise error(f"{where}unknown {what} {', '.join(unknown)}; allowed: {', '.join(sorted(known))}")
