"""Shared pieces of the CLI: consoles, error printing, tables, progress bars."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from citynexus.errors import CityNexusError, DatasetValidationError

console = Console()
err_console = Console(stderr=True)

#: How many problems `print_error` lists before summarising the rest.
MAX_PROBLEMS_SHOWN = 200


def print_error(err: BaseException | str) -> None:
    """Print an error for a person: a table of every problem for dataset validation
    errors, one red line otherwise."""
    if isinstance(err, DatasetValidationError):
        n = len(err.problems)
        err_console.print(f"[bold red]error:[/] {n} problem{'s' if n != 1 else ''} found in {err.source or 'dataset'}")
        t = Table(show_lines=False, header_style="bold")
        for c in ("file", "row", "column", "problem", "fix"):
            t.add_column(c, overflow="fold")
        for p in err.problems[:MAX_PROBLEMS_SHOWN]:
            loc = p.location
            t.add_row(loc.file or "", "" if loc.row is None else str(loc.row), loc.column or "", p.problem, p.fix)
        err_console.print(t)
        if n > MAX_PROBLEMS_SHOWN:
            err_console.print(f"... and {n - MAX_PROBLEMS_SHOWN} more")
        return
    from rich.markup import escape

    text = " ".join(str(err).split())  # one line: no wrapping, no embedded newlines
    err_console.print(f"[bold red]error:[/] {escape(text)}", highlight=False, soft_wrap=True)


class OutputPathError(CityNexusError):
    """An output path that cannot be written, refused before any work starts."""


def check_out(out: Path | None, *, folder: bool = False, suffixes: tuple[str, ...] = (), option: str = "--out") -> None:
    """Refuse ``out`` before the work starts: a folder that is an existing file (or a file
    that is an existing folder), a file name without one of ``suffixes``, or a place whose
    nearest existing parent is a file or not writable."""
    if out is None:
        return
    if folder and out.exists() and not out.is_dir():
        raise OutputPathError(f"{option} {out} is a file; give a folder (it is created if missing)")
    if not folder and out.is_dir():
        raise OutputPathError(f"{option} {out} is a folder; give a file name" + _ending(suffixes))
    if not folder and suffixes and out.suffix.lower() not in suffixes:
        raise OutputPathError(f"{option} must end in {', '.join(suffixes)}, got {out.name}")
    up = out.parent if not folder or not out.exists() else out
    while not up.exists() and up != up.parent:
        up = up.parent
    if up.exists() and not up.is_dir():
        raise OutputPathError(f"{option} {out}: {up} is a file, not a folder")
    if up.exists() and not os.access(up, os.W_OK):
        raise OutputPathError(f"{option} {out}: {up} is not writable")


def _ending(suffixes: tuple[str, ...]) -> str:
    return f" ending in {', '.join(suffixes)}" if suffixes else ""


def df_table(df: pd.DataFrame, title: str | None = None, index: bool = True, floatfmt: str = "{:.3f}") -> Table:
    """A rich Table from a DataFrame (numbers right-aligned, floats formatted)."""
    t = Table(title=title, header_style="bold", title_justify="left")
    cols: list[str] = ([str(df.index.name or "")] if index else []) + [str(c) for c in df.columns]
    numeric = ([False] if index else []) + [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    for c, num in zip(cols, numeric):
        t.add_column(c, justify="right" if num else "left")
    for idx, row in df.iterrows():
        cells: list[str] = [str(idx)] if index else []
        for v in row:
            if isinstance(v, float):
                cells.append("" if v != v else floatfmt.format(v))
            else:
                cells.append(str(v))
        t.add_row(*cells)
    return t


def progress(transient: bool = False) -> Progress:
    """A progress bar in the project's style (description, bar, n/N, elapsed, remaining)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=transient,
    )


def track(items: Iterable, description: str, total: int | None = None):
    """Iterate with a progress bar on stderr."""
    with progress() as p:
        yield from p.track(items, description=description, total=total)
