"""Reading the record files of the importers (hub, service centres, case library): UTF-8 text
and JSON Lines, one JSON object per line (https://jsonlines.org).

Each importer turns what these functions report into its own problem type (line, field,
problem, fix), so the same file fault reads the same in every area; the readers here raise
nothing of their own but the error the caller builds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from citynexus.data.limits import InputLimitError, JSONSyntaxError, loads

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

NOT_UTF8 = ("not UTF-8 text", "save the file as UTF-8")


def read_utf8(
    path: Path,
    fail: Callable[[str, str], Exception],
    unreadable: tuple[str, str] = ("cannot read {path}: {reason}", ""),
    not_utf8: tuple[str, str] = NOT_UTF8,
) -> str:
    """The text of the file at ``path``, decoded as UTF-8 (a byte-order mark is dropped).

    When the file cannot be read, raises ``fail(problem, fix)`` with ``unreadable`` filled in
    (``{path}``, ``{reason}`` = the operating system's words); when it is not UTF-8, with
    ``not_utf8``. The caller's error is chained to the original one."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        problem, fix = unreadable
        raise fail(problem.format(path=path, reason=err.strerror), fix) from err
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise fail(*not_utf8) from err


@dataclass(frozen=True)
class BadLine:
    """A line of a JSON Lines file that holds no usable JSON: what is wrong and how to fix it."""

    problem: str
    fix: str


def json_lines(text: str) -> list[tuple[int, Any]]:
    """``(line number, value)`` for every non-blank line of ``text`` (1-based), in order; a line
    that is not JSON gives a :class:`BadLine` as its value (``"invalid JSON: {msg} at column {c}"``,
    fix ``"one JSON object per line"``).

    Every line is parsed with :func:`citynexus.data.limits.loads` (depth limit, no duplicate
    keys, no NaN or Infinity), so every importer refuses what the network-facing parser
    refuses; a line over a limit gives that limit's message, fix
    ``"one flat JSON object per line, keys once"``."""
    out: list[tuple[int, Any]] = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append((i, loads(line, source=f"line {i}")))
        except (json.JSONDecodeError, JSONSyntaxError) as err:
            dec = err if isinstance(err, json.JSONDecodeError) else err.decode_error
            msg = f"invalid JSON: {dec.msg} at column {dec.colno}" if dec else str(err)
            out.append((i, BadLine(msg, "one JSON object per line")))
        except InputLimitError as err:
            out.append((i, BadLine(str(err), "one flat JSON object per line, keys once")))
    return out
