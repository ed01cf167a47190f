"""Traceability: event chains with rules, and one verified inclusion proof per event."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from citynexus.ledger import Ledger, ProofError, TraceError, generate_key, merkle, verify_bundle
from citynexus.ledger.trace import event_payload, record_event, record_events, trace


@pytest.fixture
def led(db_url):
    return Ledger.init(db_url, origin="trace.test/log")


def _journey(led, item="CN-GZ-0001"):
    return record_events(
        led,
        [
            event_payload(item, "created", kind="container", location="Dongguan factory"),
            event_payload(item, "inspected", location="Dongguan customs", note="sealed"),
            event_payload(item, "shipped", mode="road", location="Dongguan"),
            event_payload(item, "transferred", from_mode="road", to_mode="sea", location="Nansha port"),
            event_payload(item, "transferred", from_mode="sea", to_mode="rail", location="Qinzhou"),
            event_payload(item, "received", location="Chongqing", party="consignee"),
        ],
        submitter="port-operator",
    )


def test_full_journey_with_proofs(led):
    led.append_many([{"type": "kpi", "payload": i} for i in range(9)], submitter="other")  # unrelated entries
    entries = _journey(led)
    record_event(led, "BATCH-7", "created", "factory", kind="product_batch")
    tr = trace(led, "CN-GZ-0001")
    assert tr.kind == "container" and not tr.in_transit and tr.mode is None
    assert [e.entry.payload["event"] for e in tr.events] == [
        "created",
        "inspected",
        "shipped",
        "transferred",
        "transferred",
        "received",
    ]
    assert [e.entry.index for e in tr.events] == [e.index for e in entries]
    assert not tr.signed and tr.tree_size == led.size
    for ev in tr.events:  # independent re-verification
        merkle.verify_inclusion(ev.entry.leaf_hash, ev.entry.index, tr.tree_size, ev.proof, tr.root)


def test_trace_against_signed_checkpoint_gives_standalone_bundles(led):
    _journey(led)
    key = generate_key("port-key")
    led.checkpoint(key)
    record_event(led, "OTHER", "created", "x", kind="dataset")  # after the checkpoint
    tr = trace(led, "CN-GZ-0001")
    assert tr.signed and tr.tree_size == 6
    for b in tr.bundles():
        v = verify_bundle(b, [key.verifier])
        assert v.entry["payload"]["item"] == "CN-GZ-0001"


def test_in_transit_state(led):
    record_event(led, "B1", "created", "f", kind="product_batch")
    record_event(led, "B1", "shipped", "f", mode="air")
    tr = trace(led, "B1")
    assert tr.in_transit and tr.mode == "air"


@pytest.mark.parametrize(
    "events, message",
    [
        ([("inspected", {})], "first event must be 'created'"),
        ([("created", {"kind": "spaceship"})], "needs kind"),
        ([("created", {"kind": "container"}), ("created", {"kind": "container"})], "already created"),
        ([("created", {"kind": "container"}), ("shipped", {})], "needs mode"),
        ([("created", {"kind": "container"}), ("shipped", {"mode": "teleport"})], "needs mode"),
        ([("created", {"kind": "container"}), ("received", {})], "not in transit"),
        ([("created", {"kind": "container"}), ("transferred", {"from_mode": "sea", "to_mode": "rail"})], "not in"),
        (
            [("created", {"kind": "container"}), ("shipped", {"mode": "sea"}), ("shipped", {"mode": "sea"})],
            "already in transit",
        ),
        (
            [
                ("created", {"kind": "container"}),
                ("shipped", {"mode": "sea"}),
                ("transferred", {"from_mode": "road", "to_mode": "rail"}),
            ],
            "travels by sea",
        ),
        (
            [
                ("created", {"kind": "container"}),
                ("shipped", {"mode": "sea"}),
                ("transferred", {"from_mode": "sea", "to_mode": "sea"}),
            ],
            "two different",
        ),
        ([("created", {"kind": "container"}), ("inspected", {"mode": "sea"})], "only 'shipped'"),
        ([("created", {"kind": "container"}), ("teleported", {})], "unknown event"),
        ([("created", {"kind": "container", "colour": "red"})], "unknown field"),
        ([("created", {"kind": "container", "location": 5})], "must be a string"),
    ],
)
def test_impossible_chains_are_refused_atomically(led, events, message):
    before = led.size
    with pytest.raises(TraceError, match=message):
        record_events(led, [event_payload("X1", ev, **kw) for ev, kw in events], submitter="s")
    assert led.size == before  # nothing of the batch was stored


def test_rules_apply_across_batches(led):
    record_event(led, "X2", "created", "s", kind="report")
    with pytest.raises(TraceError, match="already created"):
        record_event(led, "X2", "created", "s", kind="report")
    record_event(led, "X2", "shipped", "s", mode="rail")
    with pytest.raises(TraceError, match="already in transit"):
        record_event(led, "X2", "shipped", "s", mode="road")


def test_bad_item_ids_and_unknown_items(led):
    for bad in ["", " padded ", 5, "x" * 201]:
        with pytest.raises(TraceError):
            record_events(led, [{"item": bad, "event": "created", "kind": "report"}], submitter="s")
    with pytest.raises(TraceError, match="no events"):
        trace(led, "never-seen")


def test_trace_refuses_a_tampered_event(led):
    _journey(led)
    idx = trace(led, "CN-GZ-0001").events[2].entry.index
    with led.engine.begin() as c:
        data = c.execute(sa.text("SELECT data FROM ledger_entry WHERE idx = :i"), {"i": idx}).scalar_one()
        c.execute(
            sa.text("UPDATE ledger_entry SET data = :d WHERE idx = :i"),
            {"d": bytes(data).replace(b'"location":"Dongguan"', b'"location":"Shenzhen"'), "i": idx},
        )
    with pytest.raises(ProofError):
        trace(led, "CN-GZ-0001")
