"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme) and content digests."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

from citynexus.ledger.errors import EntryError


def canonical_json(obj: Any) -> bytes:
    """RFC 8785 bytes of ``obj``: object members sorted by UTF-16 code units, no
    whitespace, numbers in the shortest ECMAScript form. EntryError when ``obj`` is not
    representable (NaN, infinities, integers beyond 2**53, non-string keys...)."""
    try:
        return rfc8785.dumps(obj)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as err:
        raise EntryError(
            f"cannot write this value as canonical JSON (RFC 8785): {err}; use strings, finite numbers "
            "(integers up to 2**53), booleans, null, lists and objects with string keys"
        ) from err


def digest(obj: Any) -> str:
    """``"sha256:" + hex(SHA-256(canonical_json(obj)))`` — a digest that does not depend on
    key order, whitespace or number formatting of the JSON text."""
    return "sha256:" + hashlib.sha256(canonical_json(obj)).hexdigest()
