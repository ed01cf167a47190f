"""Pinned public keys (信任的公钥): verify against keys configured outside the database.

A verifier that reads the log's public keys from the same database as the log trusts
whoever can write that database: rewrite an entry, add a key with the same *name*, sign a
checkpoint with it, and the forged value shows as "verified, signed". Certificate
Transparency clients pin each log's key out of band (RFC 9162 section 4.1, "log
parameters"); citynexus does the same with a **trust file**::

    # citynexus ledger trust file: one verifier key per line (from NAME.pub)
    gba-ledger-2025+1a2b3c4d+AcM1...=
    gba-ledger-2026+5e6f7a8b+AQx9...=

Blank lines and ``#`` comments are ignored. The file is named by the environment variable
``CITYNEXUS_LEDGER_TRUST`` (or passed explicitly); the variable may also hold the key
strings themselves, separated by whitespace or commas. A key is matched by name *and* key
id (a hash of name and key bytes), so a same-named attacker key is simply unknown.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from citynexus.ledger.checkpoint import Verifier
from citynexus.ledger.errors import LedgerKeyError
from citynexus.ledger.verify import VerifiedEntry, verify_bundle

ENV_VAR = "CITYNEXUS_LEDGER_TRUST"
NO_TRUST_HELP = (
    "no pinned ledger public key is configured: set CITYNEXUS_LEDGER_TRUST to a trust file holding the "
    "log's NAME.pub line(s) (see docs/ledger.md, 'Pinned keys')"
)


def parse_trust(text: str, source: str = "trust file") -> list[Verifier]:
    """Verifier keys from the text of a trust file (one per line, ``#`` comments)."""
    out: list[Verifier] = []
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            out.append(Verifier.parse(line))
        except LedgerKeyError as err:
            raise LedgerKeyError(f"{source}, line {n}: {err}") from err
    return out


def load_trust_file(path: str | Path) -> list[Verifier]:
    """Read a trust file; LedgerKeyError if it is missing, unreadable, malformed or empty."""
    p = Path(path).expanduser()
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise LedgerKeyError(f"cannot read the ledger trust file {p}: {err}") from err
    keys = parse_trust(text, str(p))
    if not keys:
        raise LedgerKeyError(f"the ledger trust file {p} holds no key; add the log's NAME.pub line")
    return keys


def trusted_keys(source: str | Path | None = None, env: Mapping[str, str] | None = None) -> list[Verifier] | None:
    """The pinned keys: from ``source`` (a trust file path, or key strings), else from
    ``$CITYNEXUS_LEDGER_TRUST``; None when nothing is configured."""
    if source is None:
        source = (env if env is not None else os.environ).get(ENV_VAR) or None
    if source is None:
        return None
    text = str(source).strip()
    if not text:
        return None
    p = Path(text).expanduser()
    if p.exists() or "+" not in text:
        return load_trust_file(p)
    return parse_trust("\n".join(re.split(r"[\s,]+", text)), ENV_VAR)


def verify_trusted(
    bundle: Path | str | dict[str, Any], trusted: Sequence[Verifier] | None, origin: str | None = None
) -> VerifiedEntry:
    """Verify a proof bundle against the pinned keys only. Keys recorded in a database are
    never consulted; without pinned keys this raises LedgerKeyError (it does not fall back)."""
    if not trusted:
        raise LedgerKeyError(NO_TRUST_HELP)
    return verify_bundle(bundle, list(trusted), origin=origin)


__all__ = ["ENV_VAR", "NO_TRUST_HELP", "load_trust_file", "parse_trust", "trusted_keys", "verify_trusted"]
