"""Signed checkpoints (签名检查点): tree heads in the C2SP signed-note / tlog-checkpoint format.

A checkpoint commits to the log's size and root at a moment. Its text is a *signed note*
(https://c2sp.org/signed-note) whose body is a *tlog checkpoint*
(https://c2sp.org/tlog-checkpoint) with one extension line carrying the time::

    citynexus/ledger/6f1c0b1e4b8a4a2c9a1d3c5e7f901234      <- origin: names the log
    1042                                                    <- tree size, decimal
    Xcnaeac...RgQyg=                                        <- root hash, base64 (RFC 9162)
    time 2025-03-01T08:00:00Z                               <- extension: UTC time of signing
                                                            <- blank line
    — gba-ledger-2025 AbCdEf...==                            <- one line per signature

Each signature line is ``"— " + key name + " " + base64(key id || signature)`` where the
key id is the first 4 bytes of ``SHA-256(name || 0x0A || 0x01 || public key)`` and the
signature is Ed25519 (RFC 8032) over the body (every line up to and including the newline
before the blank line). Keys are written as in Go's ``golang.org/x/mod/sumdb/note``:

- verifier (public) key: ``name+hexid+base64(0x01 || 32-byte public key)``;
- signer (private) key: ``PRIVATE+KEY+name+hexid+base64(0x01 || 32-byte seed)``.

So any signed-note tool can check a citynexus checkpoint, and the public key is all a
verifier needs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from citynexus.ledger.errors import CheckpointError, LedgerKeyError

ALG_ED25519 = 0x01
DASH = "\u2014"  # em dash, as in signed-note
_NAME_RE = re.compile(r"^[^\s+]+$")
MAX_SIGNATURES = 100


def utc_now() -> str:
    """Current UTC time as RFC 3339 with a ``Z`` suffix, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key id of signed-note: ``SHA-256(name || "\\n" || 0x01 || key)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def _check_name(name: str) -> str:
    if not name or not _NAME_RE.match(name):
        raise LedgerKeyError(
            f"key name {name!r} is not valid: use a non-empty name without spaces or '+', e.g. 'gba-ledger-2025'"
        )
    return name


def _parse_key(text: str, kind: str, kid_of: Callable[[str, bytes], bytes]) -> tuple[str, bytes]:
    """Split and check a note key string — ``name+hexid+base64(0x01 || 32 bytes)``, with a
    ``PRIVATE+KEY+`` prefix for a signer — and return ``(name, 32 key bytes)``.
    ``kid_of(name, key)`` gives the key id the string must carry (a corrupted key fails)."""
    text = text.strip()
    if kind == "signer":
        parts = text.split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise LedgerKeyError("not a signer key (expected 'PRIVATE+KEY+name+hexid+base64key')")
        parts = parts[2:]
    else:
        parts = text.split("+", 2)
        if len(parts) != 3:
            raise LedgerKeyError(f"not a verifier key (expected 'name+hexid+base64key'): {text[:60]!r}")
    name, hexid, b64 = parts
    _check_name(name)
    try:
        raw = base64.b64decode(b64, validate=True)
        kid = bytes.fromhex(hexid)
    except (binascii.Error, ValueError) as err:
        raise LedgerKeyError(f"{kind} key {name!r} is not valid base64/hex: {err}") from err
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise LedgerKeyError(f"{kind} key {name!r} is not an Ed25519 key (expected 0x01 + 32 bytes)")
    if kid_of(name, raw[1:]) != kid:
        raise LedgerKeyError(f"{kind} key {name!r}: key id {hexid} does not match the key (corrupted?)")
    return name, raw[1:]


@dataclass(frozen=True)
class Verifier:
    """A public key that checks checkpoint signatures."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key string ``name+hexid+base64(0x01 || key)``."""
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()}"

    @classmethod
    def parse(cls, text: str) -> Verifier:
        """Read a verifier key string (as written by :func:`generate_key`)."""
        name, raw = _parse_key(text, "verifier", lambda n, k: cls(n, k).key_id)
        return cls(name, raw)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """A private Ed25519 key that signs checkpoints."""

    name: str
    seed: bytes = field(repr=False)

    @property
    def verifier(self) -> Verifier:
        pub = Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()
        return Verifier(self.name, pub)

    @property
    def skey(self) -> str:
        """The signer key string ``PRIVATE+KEY+name+hexid+base64(0x01 || seed)``."""
        kid = self.verifier.key_id.hex()
        return f"PRIVATE+KEY+{self.name}+{kid}+{base64.b64encode(bytes([ALG_ED25519]) + self.seed).decode()}"

    @classmethod
    def parse(cls, text: str) -> Signer:
        """Read a signer key string (as written by :func:`generate_key`)."""
        name, raw = _parse_key(text, "signer", lambda n, k: cls(n, k).verifier.key_id)
        return cls(name, raw)

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


def generate_key(name: str) -> Signer:
    """A new random Ed25519 signing key called ``name`` (RFC 8032)."""
    _check_name(name)
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    return Signer(name, seed)


def write_key_files(signer: Signer, directory: Path, force: bool = False) -> tuple[Path, Path]:
    """Write ``NAME.key`` (private, mode 0600) and ``NAME.pub`` (public) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    priv, pub = directory / f"{signer.name}.key", directory / f"{signer.name}.pub"
    for p in (priv, pub):
        if p.exists() and not force:
            raise LedgerKeyError(f"{p} already exists; choose another key name or pass --force to overwrite")
    fd = os.open(priv, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(signer.skey + "\n")
    pub.write_text(signer.verifier.vkey + "\n")
    return priv, pub


def read_signer(path: Path | str) -> Signer:
    """Read a private key file written by :func:`write_key_files`."""
    p = Path(path)
    if not p.exists():
        raise LedgerKeyError(f"signing key file {p} not found; create one with 'citynexus ledger keygen NAME'")
    return Signer.parse(p.read_text())


def read_verifiers(paths_or_keys: Iterable[Path | str]) -> list[Verifier]:
    """Public keys from files (``NAME.pub``) or literal key strings."""
    out: list[Verifier] = []
    for item in paths_or_keys:
        s = str(item)
        p = Path(s)
        if "+" in s and not p.exists():
            out.append(Verifier.parse(s))
            continue
        if not p.exists():
            raise LedgerKeyError(f"public key file {p} not found (pass a NAME.pub file or a key string)")
        for line in p.read_text().splitlines():
            if line.strip():
                out.append(Verifier.parse(line))
    return out


# ------------------------------------------------------------------------------ checkpoint


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: ``origin`` (the log's name), ``size``, ``root`` and ``time``, plus the
    signed note text it came from (``note``, empty for an unsigned head)."""

    origin: str
    size: int
    root: bytes
    time: str
    note: str = ""

    def body(self) -> str:
        """The tlog-checkpoint body that gets signed."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\ntime {self.time}\n"

    def signatures(self) -> list[tuple[str, bytes, bytes]]:
        """``(key name, key id, signature)`` of every signature line of the note."""
        return _parse_note(self.note)[1]

    def key_names(self) -> list[str]:
        return [n for n, _, _ in self.signatures()]


def sign_note(text: str, signers: Sequence[Signer]) -> str:
    """A signed note: ``text`` (must end with a newline), a blank line, and one signature
    line per signer (https://c2sp.org/signed-note)."""
    if not text.endswith("\n") or "\n\n" in text:
        raise CheckpointError("note text must end with a newline and contain no blank line")
    if not signers:
        raise LedgerKeyError("signing a note needs at least one key")
    lines = []
    for s in signers:
        sig = s.sign(text.encode())
        lines.append(f"{DASH} {s.name} {base64.b64encode(s.verifier.key_id + sig).decode()}\n")
    return text + "\n" + "".join(lines)


def open_note(note: str, verifiers: Sequence[Verifier]) -> str:
    """Check a signed note and return its text. At least one signature must come from one
    of ``verifiers`` and verify; a signature by a known key that does not verify is an error
    (the note was altered); signatures by unknown keys are ignored, as in signed-note."""
    if not verifiers:
        raise LedgerKeyError("verifying a note needs at least one public key (NAME.pub)")
    body, sigs = _parse_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    good = 0
    for name, kid, sig in sigs:
        v = known.get((name, kid))
        if v is None:
            continue
        if not v.verify(body.encode(), sig):
            raise CheckpointError(f"the signature of key {name!r} does not verify: the note was altered")
        good += 1
    if not good:
        names = ", ".join(sorted({n for n, _, _ in sigs}))
        raise CheckpointError(
            f"no signature by a trusted key (signed by: {names}; trusted: {', '.join(v.name for v in verifiers)})"
        )
    return body


def sign_checkpoint(
    origin: str, size: int, root: bytes, signers: Sequence[Signer], time: str | None = None
) -> Checkpoint:
    """Sign the tree head ``(origin, size, root, time)`` with one or more keys."""
    if not signers:
        raise LedgerKeyError("signing a checkpoint needs at least one key")
    if "\n" in origin or not origin.strip():
        raise CheckpointError(f"origin {origin!r} must be one non-empty line")
    if len(root) != 32:
        raise CheckpointError(f"a root hash has 32 bytes, got {len(root)}")
    cp = Checkpoint(origin, int(size), bytes(root), time or utc_now())
    return Checkpoint(cp.origin, cp.size, cp.root, cp.time, sign_note(cp.body(), signers))


def _parse_note(text: str) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    if not text.endswith("\n"):
        raise CheckpointError("a signed note must end with a newline")
    cut = text.rfind("\n\n")
    if cut < 0:
        raise CheckpointError("a signed note needs a blank line between its text and its signatures")
    body, sigblock = text[: cut + 1], text[cut + 2 :]
    sigs = []
    for i, line in enumerate(sigblock.splitlines()):
        if not line.startswith(DASH + " "):
            raise CheckpointError(f"signature line {i + 1} must start with '— ' (em dash and space): {line[:40]!r}")
        parts = line[2:].split(" ")
        if len(parts) != 2:
            raise CheckpointError(f"signature line {i + 1} must be '— NAME BASE64': {line[:60]!r}")
        name, b64 = parts
        try:
            raw = base64.b64decode(b64, validate=True)
        except binascii.Error as err:
            raise CheckpointError(f"signature line {i + 1} is not valid base64") from err
        if len(raw) < 5:
            raise CheckpointError(f"signature line {i + 1} is too short")
        sigs.append((name, raw[:4], raw[4:]))
    if not sigs:
        raise CheckpointError("the note has no signature lines")
    if len(sigs) > MAX_SIGNATURES:
        raise CheckpointError(f"the note has more than {MAX_SIGNATURES} signatures")
    return body, sigs


def parse_checkpoint(text: str) -> Checkpoint:
    """Read a signed checkpoint (without checking its signatures; see
    :func:`verify_checkpoint`)."""
    if not isinstance(text, str):
        raise CheckpointError("a checkpoint is text")
    body, _ = _parse_note(text)
    lines = body.split("\n")[:-1]
    if len(lines) < 3:
        raise CheckpointError("a checkpoint body has at least three lines: origin, size, root")
    origin, size_s, root_s, *ext = lines
    if not origin:
        raise CheckpointError("the checkpoint's origin line is empty")
    if not size_s.isdigit() or (len(size_s) > 1 and size_s[0] == "0"):
        raise CheckpointError(f"the checkpoint's size line {size_s!r} is not a decimal number")
    try:
        root = base64.b64decode(root_s, validate=True)
    except binascii.Error as err:
        raise CheckpointError(f"the checkpoint's root line {root_s!r} is not base64") from err
    if len(root) != 32:
        raise CheckpointError(f"the checkpoint's root has {len(root)} bytes, expected 32")
    time = ""
    for line in ext:
        if not line:
            raise CheckpointError("empty extension line in the checkpoint body")
        if line.startswith("time "):
            time = line[5:]
    return Checkpoint(origin, int(size_s), root, time, text)


def verify_checkpoint(text: str, verifiers: Sequence[Verifier], origin: str | None = None) -> Checkpoint:
    """Parse a signed checkpoint and check that at least one signature comes from one of
    ``verifiers`` and is valid. A signature by a known key that does not verify is an
    error (the note was altered); signatures by unknown keys are ignored, as in signed-note.
    ``origin``, when given, must match. Returns the checkpoint; raises CheckpointError."""
    cp = parse_checkpoint(text)
    if origin is not None and cp.origin != origin:
        raise CheckpointError(f"checkpoint is for log {cp.origin!r}, expected {origin!r}")
    open_note(text, verifiers)
    return cp
