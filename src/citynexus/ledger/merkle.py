"""RFC 9162 Merkle tree hashing and proofs (默克尔树哈希与证明), as small pure functions.

Hashing (RFC 9162 §2.1.1, identical to RFC 6962 §2.1), with SHA-256:

- leaf hash ``HASH(0x00 || d)``;
- interior node ``HASH(0x01 || left || right)``;
- ``MTH({}) = HASH()`` (the empty tree), ``MTH({d0}) = leaf hash``, and for ``n > 1``
  ``MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))`` with ``k`` the largest power of
  two strictly smaller than ``n``.

Proofs are lists of 32-byte hashes in the RFC's order (RFC 9162 §2.1.3 inclusion path,
§2.1.4 consistency proof): the node nearest the leaf first. Verification follows the
bit-wise algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2 and the exact rules of the reference
verifier ``github.com/transparency-dev/merkle/proof`` (proof length must be exactly the
expected one, leaf hashes must be 32 bytes, a consistency proof from the empty tree is
meaningless). Every verifier raises :class:`~citynexus.ledger.errors.ProofError`; none
returns ``False``.

Besides the list-based functions, the module offers *plans* (which perfect subtrees a
proof needs, as ``(level, index)`` node ids) so that a stored tree can answer a proof with
``O(log n)`` reads: node ``(level, i)`` covers leaves ``[i * 2**level, (i + 1) * 2**level)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

from citynexus.ledger.errors import ProofError

HASH_SIZE = 32
#: Root of the empty tree: SHA-256 of the empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()
_MAX_SIZE = 1 << 64

NodeId = tuple[int, int]


# ---------------------------------------------------------------------------- hashing


def leaf_hash(data: bytes) -> bytes:
    """Hash of one log entry: ``SHA-256(0x00 || data)`` (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b"\x00" + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash of an interior node: ``SHA-256(0x01 || left || right)`` (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b"\x01" + bytes(left) + bytes(right)).digest()


def _root_of_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes, level by level (an odd last node is promoted, which
    yields exactly the left-balanced tree of RFC 9162)."""
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    sha = hashlib.sha256
    while len(level) > 1:
        nxt = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def root_hash(entries: Sequence[bytes]) -> bytes:
    """Merkle tree hash ``MTH(D[n])`` of raw entries (RFC 9162 §2.1.1).

    ``entries`` are the leaf *data* (not their hashes); the empty tree's root is
    ``SHA-256("")``. Runs in ``O(n)`` hashes and ``O(n)`` memory.
    """
    sha = hashlib.sha256
    return _root_of_hashes([sha(b"\x00" + bytes(d)).digest() for d in entries])


def tree_levels(leaf_hashes: Sequence[bytes]) -> list[list[bytes]]:
    """Every perfect subtree hash of a tree: ``levels[l][i]`` is node ``(l, i)``, covering
    leaves ``[i * 2**l, (i + 1) * 2**l)``. Level 0 is the list of leaf hashes."""
    levels = [list(leaf_hashes)]
    sha = hashlib.sha256
    while len(levels[-1]) > 1:
        prev = levels[-1]
        levels.append([sha(b"\x01" + prev[i] + prev[i + 1]).digest() for i in range(0, len(prev) - 1, 2)])
    return levels


# ---------------------------------------------------------------------------- plans


def _largest_pow2_below(n: int) -> int:
    """Largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_ranges(start: int, end: int) -> list[NodeId]:
    """Split ``[start, end)`` into maximal aligned perfect subtrees, left to right, as
    ``(level, index)`` node ids. For the ranges that occur in RFC 9162 proofs (``start`` a
    multiple of the smallest power of two >= ``end - start``), the range's MTH is the
    right fold of these nodes (:func:`fold`)."""
    if start < 0 or end < start:
        raise ValueError(f"invalid range [{start}, {end})")
    out: list[NodeId] = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while (1 << level) > end - start:
            level -= 1
        out.append((level, start >> level))
        start += 1 << level
    return out


def fold(hashes: Sequence[bytes]) -> bytes:
    """Right fold of perfect subtree hashes: ``node(h0, node(h1, ... node(h_{k-2}, h_{k-1})))``
    — the MTH of the range they cover (see :func:`perfect_ranges`)."""
    if not hashes:
        return EMPTY_ROOT
    h = hashes[-1]
    for x in reversed(hashes[:-1]):
        h = node_hash(x, h)
    return h


def _check_size(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProofError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 0 or value >= _MAX_SIZE:
        raise ProofError(f"{name} = {value} is out of range (0 <= {name} < 2**64)")
    return value


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges ``[a, b)`` whose MTHs form the inclusion proof ``PATH(index, D[size])``
    (RFC 9162 §2.1.3.1), in proof order (nearest the leaf first)."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not inside a tree of size {size} (need 0 <= index < size)")
    out: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _largest_pow2_below(hi - lo)
        if index < lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
    out.reverse()
    return out


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs form the consistency proof ``PROOF(size1, D[size2])``
    (RFC 9162 §2.1.4.1 ``SUBPROOF``), in proof order. Empty when ``size1 == size2``."""
    if not 0 < size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to size {size2} (need 0 < size1 <= size2)")
    out: list[tuple[int, int]] = []
    lo, hi, m, complete = 0, size2, size1, True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                out.append((lo, hi))
            break
        k = _largest_pow2_below(n)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
            m -= k
            complete = False
    out.reverse()
    return out


def plan(ranges: Iterable[tuple[int, int]]) -> list[list[NodeId]]:
    """For each range, the perfect nodes to fold (see :func:`perfect_ranges`)."""
    return [perfect_ranges(a, b) for a, b in ranges]


def proof_from_nodes(steps: Sequence[Sequence[NodeId]], nodes: Mapping[NodeId, bytes]) -> list[bytes]:
    """Assemble a proof from a plan and a mapping of node id -> hash."""
    return [fold([nodes[n] for n in step]) for step in steps]


def _proof_in_memory(
    entries: Sequence[bytes], size: int | None, name: str, ranges: Callable[[int], list[tuple[int, int]]]
) -> list[bytes]:
    """The proof of the leaf ranges ``ranges(size)`` over the tree of the first ``size`` raw
    entries (default: all; ``name`` names the size in the error), folded from the tree's levels."""
    size = len(entries) if size is None else size
    if size > len(entries):
        raise ProofError(f"{name} {size} is larger than the {len(entries)} entries given")
    steps = plan(ranges(size))
    levels = tree_levels([leaf_hash(d) for d in entries[:size]])
    return proof_from_nodes(steps, {n: levels[n[0]][n[1]] for step in steps for n in step})


def inclusion_proof(entries: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """Inclusion proof (audit path) of entry ``index`` in the tree of the first ``size``
    entries (default: all), RFC 9162 §2.1.3.1. ``entries`` are raw leaf data."""
    return _proof_in_memory(entries, size, "size", lambda n: inclusion_ranges(index, n))


def consistency_proof(entries: Sequence[bytes], size1: int, size2: int | None = None) -> list[bytes]:
    """Consistency proof between the trees of the first ``size1`` and ``size2`` entries
    (default: all), RFC 9162 §2.1.4.1. ``entries`` are raw leaf data."""
    return _proof_in_memory(entries, size2, "size2", lambda n: consistency_ranges(size1, n))


# ---------------------------------------------------------------------------- verification


def _as_hash(name: str, value: object, exact: bool = True) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ProofError(f"{name} must be bytes, got {type(value).__name__}")
    b = bytes(value)
    if exact and len(b) != HASH_SIZE:
        raise ProofError(f"{name} has {len(b)} bytes; a SHA-256 hash has {HASH_SIZE}")
    return b


def _as_proof(proof: object) -> list[bytes]:
    if proof is None:
        return []
    if isinstance(proof, bytes | bytearray | str) or not isinstance(proof, Sequence):
        raise ProofError(f"a proof must be a list of 32-byte hashes, got {type(proof).__name__}")
    return [_as_hash(f"proof[{i}]", p) for i, p in enumerate(proof)]


def _popcount(x: int) -> int:
    return bin(x).count("1")


def _trailing_zeros(x: int) -> int:
    return (x & -x).bit_length() - 1


def _decomp_incl_proof(index: int, size: int) -> tuple[int, int]:
    """Lengths of the inner and border parts of an inclusion proof (paths to ``index`` and
    ``size - 1`` diverge at height ``inner``)."""
    inner = (index ^ (size - 1)).bit_length()
    border = _popcount(index >> inner)
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        seed = node_hash(seed, h) if (index >> i) & 1 == 0 else node_hash(h, seed)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        if (index >> i) & 1:
            seed = node_hash(h, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for h in proof:
        seed = node_hash(h, seed)
    return seed


def _match(calculated: bytes, expected: bytes, what: str) -> None:
    if calculated != expected:
        raise ProofError(f"{what}: calculated root {calculated.hex()} does not match the expected {expected.hex()}")


def root_from_inclusion_proof(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root implied by an inclusion proof (RFC 9162 §2.1.3.2); raises ProofError when
    the proof cannot be one for ``index`` in a tree of ``size`` (wrong length, bad sizes)."""
    index = _check_size("index", index)
    size = _check_size("size", size)
    if index >= size:
        raise ProofError(f"index {index} is beyond the tree size {size}")
    lh = _as_hash("leaf hash", leaf_hash)
    items = _as_proof(proof)
    inner, border = _decomp_incl_proof(index, size)
    if len(items) != inner + border:
        raise ProofError(
            f"inclusion proof for index {index} in a tree of size {size} must have {inner + border} hashes, "
            f"got {len(items)}"
        )
    res = _chain_inner(lh, items[:inner], index)
    return _chain_border_right(res, items[inner:])


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that the leaf with hash ``leaf_hash`` sits at ``index`` of the tree of ``size``
    entries whose root is ``root`` (RFC 9162 §2.1.3.2). Returns None; raises ProofError on
    any failure (bad sizes, malformed hashes, wrong proof length, root mismatch)."""
    calc = root_from_inclusion_proof(leaf_hash, index, size, proof)
    _match(calc, _as_hash("root", root, exact=False), f"inclusion of index {index} in size {size}")


def _subtree_valid(start: int, end: int) -> None:
    """``[start, end)`` must be a node of some tree: ``start`` a multiple of the smallest
    power of two >= ``end - start`` (empty subtrees are allowed)."""
    if start > end:
        raise ProofError(f"subtree start {start} is after its end {end}")
    if start == 0 or start == end:
        return
    length = end - start
    if length > 1 << 63:
        raise ProofError(f"subtree [{start}, {end}) is too large unless it starts at 0")
    ceil = 1 << (length - 1).bit_length()
    if start & (ceil - 1):
        raise ProofError(f"subtree [{start}, {end}) is not a tree node: start must be a multiple of {ceil}")


def _root_from_subtree_consistency(start: int, end: int, size: int, proof: list[bytes], sub_root: bytes) -> bytes:
    if end == size:
        level = ((end - 1) ^ start).bit_length()
        want = _popcount(start >> level)
        if len(proof) != want:
            raise ProofError(
                f"consistency proof for [{start}, {end}) in size {size} needs {want} hashes, got {len(proof)}"
            )
        return _chain_border_right(sub_root, proof)
    fork_level, border = _decomp_incl_proof(end - 1, size)
    shift = _trailing_zeros(end - start)
    inner = fork_level - shift
    seed, p_start = (sub_root, 0) if end - start == 1 << shift else (proof[0], 1)
    if len(proof) != p_start + inner + border:
        raise ProofError(
            f"consistency proof for [{start}, {end}) in size {size} needs {p_start + inner + border} hashes, "
            f"got {len(proof)}"
        )
    proof = proof[p_start:]
    mask = (end - 1) >> shift
    if p_start == 1:
        h = ((end - 1) ^ start).bit_length()
        sub_inner = min(h, fork_level) - shift
        sub_border = max(0, border - _popcount((end - 1) >> h))
        hash1 = _chain_inner_right(seed, proof[:sub_inner], mask)
        hash1 = _chain_border_right(hash1, proof[inner : inner + sub_border])
        _match(hash1, sub_root, f"consistency proof against the old root (size {end})")
    hash2 = _chain_inner(seed, proof[:inner], mask)
    return _chain_border_right(hash2, proof[inner:])


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Check that the tree of ``size2`` entries with root ``root2`` extends the tree of
    ``size1`` entries with root ``root1`` (append-only), RFC 9162 §2.1.4.2. Requires
    ``0 < size1 <= size2``; equal sizes need an empty proof and equal roots. Returns None;
    raises ProofError on any failure."""
    size1 = _check_size("size1", size1)
    size2 = _check_size("size2", size2)
    items = _as_proof(proof)
    r1 = _as_hash("root1", root1, exact=False)
    r2 = _as_hash("root2", root2, exact=False)
    if size2 < size1:
        raise ProofError(f"size2 ({size2}) is smaller than size1 ({size1}): a log never shrinks")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree (size1 = 0) is meaningless")
    if size1 == size2:
        if items:
            raise ProofError("size1 equals size2, so the consistency proof must be empty")
        _match(r1, r2, f"consistency of equal sizes {size1}")
        return
    if not items:
        raise ProofError(f"empty consistency proof from size {size1} to {size2}")
    calc = _root_from_subtree_consistency(0, size1, size2, items, r1)
    _match(calc, r2, f"consistency from size {size1} to {size2}")


def verify_subtree_inclusion(
    leaf_hash: bytes, index: int, start: int, end: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Inclusion of leaf ``index`` in the subtree ``[start, end)`` with hash ``root``
    (Merkle Tree Certificates draft, draft-ietf-plants-merkle-tree-certs §4.3); the proof is
    the ordinary inclusion proof of ``index - start`` in a tree of ``end - start`` leaves."""
    start = _check_size("start", start)
    end = _check_size("end", end)
    index = _check_size("index", index)
    _subtree_valid(start, end)
    if not start <= index < end:
        raise ProofError(f"index {index} is outside the subtree [{start}, {end})")
    calc = root_from_inclusion_proof(leaf_hash, index - start, end - start, proof)
    _match(calc, _as_hash("root", root, exact=False), f"inclusion of index {index} in subtree [{start}, {end})")


def verify_subtree_consistency(
    start: int, end: int, size: int, proof: Sequence[bytes], subtree_root: bytes, root: bytes
) -> None:
    """Check that the subtree ``[start, end)`` with hash ``subtree_root`` is part of the
    tree of ``size`` entries with root ``root`` (draft-ietf-plants-merkle-tree-certs §4.4;
    with ``start = 0`` this is RFC 9162 consistency). An empty subtree needs an empty proof
    and the empty-tree hash."""
    start = _check_size("start", start)
    end = _check_size("end", end)
    size = _check_size("size", size)
    items = _as_proof(proof)
    sub = _as_hash("subtree root", subtree_root, exact=False)
    r = _as_hash("root", root, exact=False)
    _subtree_valid(start, end)
    if size < end:
        raise ProofError(f"tree size {size} is smaller than the subtree end {end}")
    if start == end:
        if items:
            raise ProofError("an empty subtree needs an empty proof")
        _match(sub, EMPTY_ROOT, "empty subtree")
        return
    if start == 0 and end == size:
        if items:
            raise ProofError("the subtree is the whole tree, so the proof must be empty")
        _match(sub, r, "subtree equal to the whole tree")
        return
    if not items:
        raise ProofError(f"empty consistency proof for subtree [{start}, {end}) in size {size}")
    calc = _root_from_subtree_consistency(start, end, size, items, sub)
    _match(calc, r, f"consistency of subtree [{start}, {end}) with size {size}")


# ---------------------------------------------------------------------------- compact range


class CompactRange:
    """The right border of a growing tree: the perfect subtree hashes of
    :func:`perfect_ranges` ``(0, size)`` — enough to append leaves and compute the root
    without the rest of the tree (``O(log n)`` memory)."""

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()):
        if len(hashes) != _popcount(size):
            raise ValueError(f"a compact range of size {size} holds {_popcount(size)} hashes, got {len(hashes)}")
        self.size = size
        self.hashes = list(hashes)

    @staticmethod
    def node_ids(size: int) -> list[NodeId]:
        """Ids of the nodes a compact range of ``size`` holds."""
        return perfect_ranges(0, size)

    def append(self, lh: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return every node created ``(level, index, hash)``, the leaf
        first."""
        idx = self.size
        created = [(0, idx, lh)]
        h, level = lh, 0
        while idx & 1:
            h = node_hash(self.hashes.pop(), h)
            level += 1
            idx >>= 1
            created.append((level, idx, h))
        self.hashes.append(h)
        self.size += 1
        return created

    def root(self) -> bytes:
        """The Merkle tree hash of the leaves appended so far."""
        return fold(self.hashes)
