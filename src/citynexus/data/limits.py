"""Input safety (输入安全限制): bounded JSON parsing and bounded reading of zip / xlsx files.

Hostile input must fail with a clear :class:`InputLimitError` before it can exhaust memory,
the stack or the disk. Three guards, each with documented, configurable limits:

- **JSON** (:func:`loads`): the text is at most ``json_max_bytes``; its nesting depth is
  measured *before* parsing, without recursion, so 20,000 nested ``[`` give an error naming
  the depth instead of a ``RecursionError``; an object with the same key twice is refused
  (RFC 8259 section 4 leaves duplicate names undefined, and parsers disagree on which value
  wins — the classic way to make two verifiers see two different documents).
  :func:`check_depth` measures an already parsed value iteratively.
- **zip** (:func:`read_zip_members`): entry count and the *unpacked* size are counted while
  decompressing, in chunks, never trusting the sizes the archive declares; reading stops
  as soon as a limit is passed, so a 1 MB archive that unpacks to 1 GiB costs at most one
  chunk beyond the limit in memory.
- **xlsx** (:func:`check_xlsx`): a workbook is a zip; it is streamed through the same
  counters (without keeping anything) before openpyxl opens it.

Limits (defaults; each can be changed by an environment variable or per call):

==========================  =========  ===============================
limit                       default    environment variable
==========================  =========  ===============================
JSON text size              20 MiB     ``CITYNEXUS_JSON_MAX_BYTES``
JSON nesting depth          64         ``CITYNEXUS_JSON_MAX_DEPTH``
zip / xlsx entries          1000       ``CITYNEXUS_ZIP_MAX_ENTRIES``
zip / xlsx unpacked bytes   256 MiB    ``CITYNEXUS_ZIP_MAX_UNPACKED``
==========================  =========  ===============================

Reference: OWASP ASVS 4.0.3 V12.1 (file upload: size and decompression limits) and V5
(input validation); Python ``zipfile`` docs, "Decompression pitfalls".
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from citynexus.errors import CityNexusError

CHUNK = 1 << 20  # bytes decompressed per read

ENV = {
    "json_max_bytes": "CITYNEXUS_JSON_MAX_BYTES",
    "json_max_depth": "CITYNEXUS_JSON_MAX_DEPTH",
    "zip_max_entries": "CITYNEXUS_ZIP_MAX_ENTRIES",
    "zip_max_unpacked": "CITYNEXUS_ZIP_MAX_UNPACKED",
}


class InputLimitError(CityNexusError):
    """An input is larger, deeper or more ambiguous than the platform accepts."""


@dataclass(frozen=True)
class Limits:
    """The limits applied to untrusted input (see the module docstring for defaults)."""

    json_max_bytes: int = 20 * 2**20
    json_max_depth: int = 64
    zip_max_entries: int = 1000
    zip_max_unpacked: int = 256 * 2**20

    @classmethod
    def from_env(cls, **overrides: int | None) -> Limits:
        """Defaults, replaced by the environment variables that are set, then by the
        ``overrides`` that are not None."""
        lim = cls()
        for field, var in ENV.items():
            raw = os.environ.get(var)
            if raw:
                try:
                    value = int(raw)
                except ValueError as err:
                    raise InputLimitError(
                        f"{var}={raw!r} is not an integer; set it to a number of bytes/levels"
                    ) from err
                if value <= 0:
                    raise InputLimitError(f"{var}={raw!r} must be positive")
                lim = replace(lim, **{field: value})
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(lim, **given) if given else lim


def limits(**overrides: int | None) -> Limits:
    """The limits in force: defaults < environment < ``overrides``."""
    return Limits.from_env(**overrides)


def _where(source: str) -> str:
    return f"{source}: " if source else ""


# ----------------------------------------------------------------------------- JSON

_QUOTE, _OPEN1, _OPEN2, _CLOSE1, _CLOSE2 = (ord(c) for c in '"[{]}')
_DEPTH_CHUNK = 4 * 2**20


def text_depth(text: str | bytes) -> int:
    """The maximum nesting depth of arrays/objects in a JSON text, computed without
    parsing or recursion (``[]`` has depth 1, ``[[1]]`` depth 2, a scalar 0).

    Escapes are removed first (``\\\\`` pairs, then ``\\"``), so every remaining ``"``
    delimits a string; a bracket counts when an even number of quotes precede it; the depth
    is the maximum running count of opening minus closing brackets. Vectorised with numpy,
    in chunks, so memory stays bounded. Malformed text gives some number; the parser
    reports the syntax error afterwards."""
    import numpy as np

    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    if b"[" not in raw and b"{" not in raw:
        return 0
    raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    depth = deepest = 0
    parity = 0
    for start in range(0, len(raw), _DEPTH_CHUNK):
        arr = np.frombuffer(raw, dtype=np.uint8, count=min(_DEPTH_CHUNK, len(raw) - start), offset=start)
        quotes = np.cumsum(arr == _QUOTE, dtype=np.int64) + parity
        parity = int(quotes[-1]) % 2
        opening = (arr == _OPEN1) | (arr == _OPEN2)
        closing = (arr == _CLOSE1) | (arr == _CLOSE2)
        pos = np.flatnonzero((opening | closing) & (quotes % 2 == 0))
        if not len(pos):
            continue
        run = np.cumsum(np.where(opening[pos], 1, -1)) + depth
        deepest = max(deepest, int(run.max()))
        depth = int(run[-1])
    return deepest


def check_depth(obj: Any, max_depth: int | None = None, source: str = "") -> int:
    """Depth of a parsed JSON value (lists/dicts), measured iteratively; InputLimitError
    when it exceeds ``max_depth`` (default: the configured JSON depth limit). Returns it."""
    limit = max_depth if max_depth is not None else limits().json_max_depth
    deepest = 0
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Iterable[Any] = value.values()
        elif isinstance(value, (list, tuple)):
            children = value
        else:
            continue
        depth += 1
        if depth > limit:
            raise InputLimitError(
                f"{_where(source)}the value is nested more than {limit} levels deep (lists/objects inside each "
                f"other); flatten it (limit: CITYNEXUS_JSON_MAX_DEPTH)"
            )
        deepest = max(deepest, depth)
        stack.extend((c, depth) for c in children)
    return deepest


def _no_duplicates(source: str):
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)  # built in C; a key seen twice makes it shorter than the pairs
        if len(out) == len(pairs):
            return out
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise InputLimitError(
                    f"{_where(source)}duplicate key {k!r} in a JSON object; each key may appear only once "
                    "(parsers disagree on which value wins, so the document is ambiguous)"
                )
            seen.add(k)
        return out  # pragma: no cover - unreachable

    return hook


def loads(
    text: str | bytes,
    source: str = "",
    max_depth: int | None = None,
    max_bytes: int | None = None,
) -> Any:
    """Parse JSON text safely: at most ``max_bytes`` long and ``max_depth`` levels deep
    (checked before parsing), no duplicate object keys, no ``NaN``/``Infinity``.

    ``source`` names where the text came from (file, line) in error messages. Raises
    :class:`InputLimitError` for a limit or duplicate key and :class:`JSONSyntaxError`
    (a ValueError as well) for invalid JSON."""
    lim = limits(json_max_depth=max_depth, json_max_bytes=max_bytes)
    size = len(text.encode("utf-8", "surrogatepass")) if isinstance(text, str) else len(text)
    if size > lim.json_max_bytes:
        raise InputLimitError(
            f"{_where(source)}JSON text of {size} bytes is larger than the limit of {lim.json_max_bytes} bytes "
            "(CITYNEXUS_JSON_MAX_BYTES); split it"
        )
    depth = text_depth(text)
    if depth > lim.json_max_depth:
        raise InputLimitError(
            f"{_where(source)}JSON nested {depth} levels deep; the limit is {lim.json_max_depth} "
            "(CITYNEXUS_JSON_MAX_DEPTH); flatten the document"
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise JSONSyntaxError(f"{_where(source)}not UTF-8 text ({err.reason} at byte {err.start})") from err

    def bad_constant(name: str) -> Any:
        raise JSONSyntaxError(f"{_where(source)}{name} is not JSON; use null or a finite number")

    try:
        return json.loads(text, object_pairs_hook=_no_duplicates(source), parse_constant=bad_constant)
    except json.JSONDecodeError as err:
        raise JSONSyntaxError(
            f"{_where(source)}invalid JSON: {err.msg} at line {err.lineno} column {err.colno}", err
        ) from err
    except RecursionError as err:  # pragma: no cover - the depth check runs first
        raise InputLimitError(f"{_where(source)}JSON nested too deeply") from err


class JSONSyntaxError(CityNexusError, ValueError):
    """The text is not valid JSON; ``decode_error`` holds the parser's error when there is one."""

    def __init__(self, message: str, decode_error: json.JSONDecodeError | None = None):
        super().__init__(message)
        self.decode_error = decode_error


# ----------------------------------------------------------------------------- zip / xlsx


def _open_zip(source: str | Path | bytes | IO[bytes], name: str) -> zipfile.ZipFile:
    fh: Any = BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    try:
        return zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as err:
        raise InputLimitError(f"{name} is not a valid zip archive ({err}); send a valid .zip/.xlsx") from err


def _stream(
    zf: zipfile.ZipFile, lim: Limits, name: str, wanted: set[str] | None = None
) -> Iterator[tuple[zipfile.ZipInfo, Iterator[bytes]]]:
    infos = zf.infolist()
    if len(infos) > lim.zip_max_entries:
        raise InputLimitError(
            f"{name} holds {len(infos)} entries; the limit is {lim.zip_max_entries} (CITYNEXUS_ZIP_MAX_ENTRIES)"
        )
    total = 0

    def chunks(info: zipfile.ZipInfo) -> Iterator[bytes]:
        nonlocal total
        try:
            with zf.open(info) as member:
                while True:
                    block = member.read(CHUNK)
                    if not block:
                        return
                    total += len(block)
                    if total > lim.zip_max_unpacked:
                        raise InputLimitError(
                            f"{name}: '{info.filename}' unpacks to more than {lim.zip_max_unpacked} bytes in total "
                            f"(the archive declares {info.file_size} for it); the limit is CITYNEXUS_ZIP_MAX_UNPACKED"
                        )
                    yield block
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as e:
            raise InputLimitError(f"{name}: entry '{info.filename}' cannot be read ({e})") from e

    for info in infos:
        if info.is_dir():
            continue
        if wanted is not None and info.filename not in wanted:
            continue
        yield info, chunks(info)


def read_zip_members(
    source: str | Path | bytes | IO[bytes],
    select: Any = None,
    name: str = "archive",
    max_entries: int | None = None,
    max_unpacked: int | None = None,
) -> dict[str, bytes]:
    """Unpack the members of a zip archive whose name ``select(filename)`` returns True
    (all when ``select`` is None), counting entries and unpacked bytes while reading.

    The unpacked total over the selected members may not exceed ``max_unpacked`` and the
    archive may not hold more than ``max_entries`` entries (defaults: configured limits).
    Raises :class:`InputLimitError` naming the archive, the member and the limit."""
    lim = limits(zip_max_entries=max_entries, zip_max_unpacked=max_unpacked)
    out: dict[str, bytes] = {}
    with _open_zip(source, name) as zf:
        for info, chunks in _stream(zf, lim, name):
            if select is not None and not select(info.filename):
                continue
            buf = bytearray()
            for block in chunks:
                buf += block
            out[info.filename] = bytes(buf)
    return out


def extract_zip_members(
    source: str | Path | bytes | IO[bytes],
    dest: Path,
    select: Any,
    name: str = "archive",
    max_entries: int | None = None,
    max_unpacked: int | None = None,
) -> list[Path]:
    """Like :func:`read_zip_members` but writes each selected member to
    ``dest / select(filename)`` (``select`` returns the target file name, or None to skip),
    streaming chunk by chunk, so memory stays ``O(CHUNK)``. A refused archive leaves no
    partial file behind."""
    lim = limits(zip_max_entries=max_entries, zip_max_unpacked=max_unpacked)
    written: list[Path] = []
    try:
        with _open_zip(source, name) as zf:
            for info, chunks in _stream(zf, lim, name):
                target = select(info.filename)
                if not target:
                    continue
                path = dest / Path(target).name
                written.append(path)
                with open(path, "wb") as fh:
                    for block in chunks:
                        fh.write(block)
    except BaseException:
        for p in written:
            p.unlink(missing_ok=True)
        raise
    return written


def check_zip(
    source: str | Path | bytes | IO[bytes],
    name: str = "archive",
    max_entries: int | None = None,
    max_unpacked: int | None = None,
) -> int:
    """Decompress every member of a zip without keeping anything, enforcing the entry
    count and unpacked-size limits; returns the unpacked total in bytes."""
    lim = limits(zip_max_entries=max_entries, zip_max_unpacked=max_unpacked)
    total = 0
    with _open_zip(source, name) as zf:
        for _info, chunks in _stream(zf, lim, name):
            for block in chunks:
                total += len(block)
    return total


def check_xlsx(path: str | Path, max_entries: int | None = None, max_unpacked: int | None = None) -> int:
    """Check an .xlsx workbook (a zip of XML parts) against the zip limits before a
    spreadsheet library opens it; returns its unpacked size."""
    p = Path(path)
    return check_zip(p, name=p.name, max_entries=max_entries, max_unpacked=max_unpacked)


__all__ = [
    "InputLimitError",
    "JSONSyntaxError",
    "Limits",
    "check_depth",
    "check_xlsx",
    "check_zip",
    "extract_zip_members",
    "limits",
    "loads",
    "read_zip_members",
    "text_depth",
]
