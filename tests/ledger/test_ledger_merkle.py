"""RFC 9162 hashing and proofs against the transparency-dev/merkle vectors, plus properties."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citynexus.errors import CityNexusError
from citynexus.ledger import merkle
from citynexus.ledger.errors import ProofError

VECTOR_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "merkle-vectors" / "testdata"
VECTOR_FILES = sorted(VECTOR_DIR.rglob("*.json")) if VECTOR_DIR.exists() else []

# Reference tree of transparency-dev/merkle testonly/constants.go (REFERENCE.md).
REF_LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                         "606162636465666768696a6b6c6d6e6f"]]  # fmt: skip
REF_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def _b(x: str | None) -> bytes:
    return base64.b64decode(x) if x else b""


def _run_vector(path: Path) -> None:
    """Call the matching verifier for one vector file (raises ProofError on rejection)."""
    d = json.loads(path.read_text())
    kind = path.relative_to(VECTOR_DIR).parts[0]
    proof = [_b(p) for p in (d["proof"] or [])]
    if kind == "inclusion":
        merkle.verify_inclusion(_b(d["leafHash"]), d["leafIdx"], d["treeSize"], proof, _b(d["root"]))
    elif kind == "consistency":
        merkle.verify_consistency(d["size1"], d["size2"], proof, _b(d["root1"]), _b(d["root2"]))
    elif kind == "subtreeinclusion":
        merkle.verify_subtree_inclusion(_b(d["leafHash"]), d["leafIdx"], d["start"], d["end"], proof, _b(d["root"]))
    elif kind == "subtreeconsistency":
        merkle.verify_subtree_consistency(d["start"], d["end"], d["size"], proof, _b(d["root1"]), _b(d["root2"]))
    else:  # pragma: no cover - unknown folder
        raise AssertionError(f"unknown vector folder {kind}")


# ------------------------------------------------------------------------- hashing


def test_hashing_vectors_from_rfc6962_test_go():
    assert merkle.root_hash([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert merkle.leaf_hash(b"L123456").hex() == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    assert (
        merkle.node_hash(b"N123", b"N456").hex() == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )
    a, b = merkle.leaf_hash(b"Hello"), merkle.leaf_hash(b"World")
    assert a != b
    assert merkle.node_hash(a, b) != merkle.leaf_hash(a + b)  # domain separation
    assert merkle.node_hash(a, b) != merkle.node_hash(b, a)


@pytest.mark.parametrize("n", range(9))
def test_reference_tree_roots(n):
    assert merkle.root_hash(REF_LEAVES[:n]).hex() == REF_ROOTS[n]


def test_reference_subtree_levels():
    levels = merkle.tree_levels([merkle.leaf_hash(x) for x in REF_LEAVES])
    assert levels[1][1].hex() == "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
    assert levels[2][1].hex() == "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
    assert levels[3][0].hex() == REF_ROOTS[8]


def _mth(entries: list[bytes]) -> bytes:
    """Independent, literal transcription of RFC 9162 §2.1.1 (recursive)."""
    n = len(entries)
    if n == 0:
        return merkle.EMPTY_ROOT
    if n == 1:
        return merkle.leaf_hash(entries[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return merkle.node_hash(_mth(entries[:k]), _mth(entries[k:]))


@given(st.lists(st.binary(max_size=8), max_size=70))
@settings(max_examples=60, deadline=None)
def test_root_hash_equals_recursive_definition(entries):
    assert merkle.root_hash(entries) == _mth(entries)


# ------------------------------------------------------------------------- vectors


def test_vectors_present(shared_data):
    assert len(VECTOR_FILES) >= 500, "expected the 518 transparency-dev vector files"


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: str(p.relative_to(VECTOR_DIR)))
def test_vector(path, shared_data):
    want_err = json.loads(path.read_text())["wantErr"]
    if want_err:
        with pytest.raises(ProofError):
            _run_vector(path)
    else:
        _run_vector(path)  # returns None, raises nothing


def test_vectors_cover_good_and_bad(shared_data):
    flags = [json.loads(p.read_text())["wantErr"] for p in VECTOR_FILES]
    assert sum(flags) == 482 and flags.count(False) == 36


def _happy(kind: str) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((VECTOR_DIR / kind).glob("[0-9]/happy-path.json"))]


def test_generated_inclusion_proofs_equal_vectors(shared_data):
    cases = _happy("inclusion")
    assert cases
    for d in cases:
        assert d["treeSize"] <= len(REF_LEAVES)
        proof = merkle.inclusion_proof(REF_LEAVES, d["leafIdx"], d["treeSize"])
        assert [base64.b64encode(p).decode() for p in proof] == (d["proof"] or [])
        assert merkle.leaf_hash(REF_LEAVES[d["leafIdx"]]) == _b(d["leafHash"])


def test_generated_consistency_proofs_equal_vectors(shared_data):
    cases = _happy("consistency")
    assert cases
    for d in cases:
        proof = merkle.consistency_proof(REF_LEAVES, d["size1"], d["size2"]) if d["size1"] != d["size2"] else []
        assert [base64.b64encode(p).decode() for p in proof] == (d["proof"] or [])


def test_rfc_example_proofs():
    """RFC 9162 §2.1.5 examples (tree of 7 leaves d0..d6)."""
    d = [b"d%d" % i for i in range(7)]
    h = [merkle.leaf_hash(x) for x in d]
    k = merkle.node_hash(h[2], h[3])
    i = merkle.node_hash(h[4], h[5])
    j = h[6]
    g = merkle.node_hash(h[0], h[1])
    m = merkle.node_hash(g, k)
    n = merkle.node_hash(i, j)
    assert merkle.inclusion_proof(d, 0) == [h[1], k, n]  # a: [b, h, l]
    assert merkle.inclusion_proof(d, 3) == [h[2], g, n]  # d: [c, g, l]
    assert merkle.inclusion_proof(d, 4) == [h[5], j, m]  # e: [f, j, k]
    assert merkle.inclusion_proof(d, 6) == [i, m]  # j: [i, k]
    assert merkle.consistency_proof(d, 3, 7) == [h[2], h[3], g, n]  # [c, d, g, l]
    assert merkle.consistency_proof(d, 4, 7) == [n]  # [l]
    assert merkle.consistency_proof(d, 6, 7) == [i, j, m]  # [i, j, k]


# ------------------------------------------------------------------------- errors


def test_proof_error_is_citynexus_error():
    assert issubclass(ProofError, CityNexusError)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"index": -1},
        {"index": 4},
        {"size": 0},
        {"index": True},
        {"index": 1.0},
        {"proof": "abc"},
        {"proof": [b"short"]},
        {"proof": ["not bytes" * 4]},
        {"leaf": b"x" * 31},
        {"leaf": "text"},
        {"size": 2**64},
    ],
)
def test_verify_inclusion_rejects_bad_input(kwargs):
    entries = [b"a", b"b", b"c", b"d"]
    args = {
        "leaf": merkle.leaf_hash(b"a"),
        "index": 0,
        "size": 4,
        "proof": merkle.inclusion_proof(entries, 0),
        "root": merkle.root_hash(entries),
    }
    args.update(kwargs)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(args["leaf"], args["index"], args["size"], args["proof"], args["root"])


def test_verify_returns_none_on_success():
    e = [b"x", b"y", b"z"]
    assert (
        merkle.verify_inclusion(merkle.leaf_hash(b"z"), 2, 3, merkle.inclusion_proof(e, 2), merkle.root_hash(e)) is None
    )
    assert (
        merkle.verify_consistency(1, 3, merkle.consistency_proof(e, 1, 3), merkle.root_hash(e[:1]), merkle.root_hash(e))
        is None
    )


def test_proof_generation_rejects_bad_sizes():
    e = [b"a", b"b"]
    with pytest.raises(ProofError):
        merkle.inclusion_proof(e, 2)
    with pytest.raises(ProofError):
        merkle.inclusion_proof(e, 0, 3)
    with pytest.raises(ProofError):
        merkle.consistency_proof(e, 0, 2)
    with pytest.raises(ProofError):
        merkle.consistency_proof(e, 2, 1)


def test_consistency_from_empty_tree_is_refused():
    with pytest.raises(ProofError, match="empty tree"):
        merkle.verify_consistency(0, 0, [], merkle.EMPTY_ROOT, merkle.EMPTY_ROOT)


# ------------------------------------------------------------------------- properties


def _distinct(raw: list[bytes]) -> list[bytes]:
    return [i.to_bytes(4, "big") + x for i, x in enumerate(raw)]


def _flip(b: bytes, bit: int) -> bytes:
    arr = bytearray(b)
    arr[bit // 8 % len(arr)] ^= 1 << (bit % 8)
    return bytes(arr)


tree = st.lists(st.binary(max_size=6), min_size=1, max_size=80).map(_distinct)


@given(tree, st.data())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_inclusion_property(entries, data):
    n = data.draw(st.integers(1, len(entries)), label="size")
    i = data.draw(st.integers(0, n - 1), label="index")
    roots = [merkle.root_hash(entries[:k]) for k in range(len(entries) + 1)]
    lh = merkle.leaf_hash(entries[i])
    proof = merkle.inclusion_proof(entries, i, n)
    merkle.verify_inclusion(lh, i, n, proof, roots[n])
    # any flipped bit in any proof hash, the leaf hash or the root
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1), label="which hash")
        bit = data.draw(st.integers(0, 255), label="bit")
        bad = list(proof)
        bad[k] = _flip(bad[k], bit)
        with pytest.raises(ProofError):
            merkle.verify_inclusion(lh, i, n, bad, roots[n])
    bit = data.draw(st.integers(0, 255), label="bit2")
    with pytest.raises(ProofError):
        merkle.verify_inclusion(_flip(lh, bit), i, n, proof, roots[n])
    with pytest.raises(ProofError):
        merkle.verify_inclusion(lh, i, n, proof, _flip(roots[n], bit))
    # a changed index or size (checked against that tree's true root) fails
    i2 = data.draw(st.integers(0, n - 1), label="other index")
    if i2 != i:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(lh, i2, n, proof, roots[n])
    n2 = data.draw(st.integers(i + 1, len(entries)), label="other size")
    if n2 != n:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(lh, i, n2, proof, roots[n2])


@given(tree, st.data())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_consistency_property(entries, data):
    if len(entries) < 2:
        return
    n2 = data.draw(st.integers(2, len(entries)), label="size2")
    n1 = data.draw(st.integers(1, n2 - 1), label="size1")
    roots = [merkle.root_hash(entries[:k]) for k in range(len(entries) + 1)]
    proof = merkle.consistency_proof(entries, n1, n2)
    merkle.verify_consistency(n1, n2, proof, roots[n1], roots[n2])
    k = data.draw(st.integers(0, len(proof) - 1), label="which hash")
    bit = data.draw(st.integers(0, 255), label="bit")
    bad = list(proof)
    bad[k] = _flip(bad[k], bit)
    with pytest.raises(ProofError):
        merkle.verify_consistency(n1, n2, bad, roots[n1], roots[n2])
    with pytest.raises(ProofError):
        merkle.verify_consistency(n1, n2, proof, _flip(roots[n1], bit), roots[n2])
    with pytest.raises(ProofError):
        merkle.verify_consistency(n1, n2, proof, roots[n1], _flip(roots[n2], bit))
    m1 = data.draw(st.integers(1, len(entries)), label="other size1")
    m2 = data.draw(st.integers(m1, len(entries)), label="other size2")
    if (m1, m2) != (n1, n2):
        with pytest.raises(ProofError):
            merkle.verify_consistency(m1, m2, proof, roots[m1], roots[m2])


@given(st.integers(0, 5000), st.integers(0, 5000))
@settings(max_examples=100, deadline=None)
def test_perfect_ranges_tile_the_range(a, length):
    a = a - a % (1 << (length.bit_length()))  # aligned like the ranges of RFC proofs
    b = a + length
    pos = a
    for level, idx in merkle.perfect_ranges(a, b):
        assert idx << level == pos
        pos += 1 << level
    assert pos == b


@given(st.lists(st.binary(max_size=4), max_size=100))
@settings(max_examples=50, deadline=None)
def test_compact_range_matches_root_and_creates_every_node(entries):
    cr = merkle.CompactRange()
    created = {}
    for x in entries:
        for level, idx, h in cr.append(merkle.leaf_hash(x)):
            created[(level, idx)] = h
    assert cr.root() == merkle.root_hash(entries)
    levels = merkle.tree_levels([merkle.leaf_hash(x) for x in entries]) if entries else [[]]
    want = {(lv, i): h for lv, row in enumerate(levels) for i, h in enumerate(row)}
    assert created == want
    assert len(created) == 2 * len(entries) - bin(len(entries)).count("1")


def test_compact_range_rejects_wrong_hash_count():
    with pytest.raises(ValueError):
        merkle.CompactRange(3, [merkle.EMPTY_ROOT])
