"""``citynexus ledger``: the verifiable ledger — append, sign, prove, verify, audit, trace."""

from __future__ import annotations

import base64
import getpass
import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from citynexus.cli._options import DB_HELP, DbOpt, command_group
from citynexus.cli.common import console, err_console

app = command_group(
    help="Verifiable ledger (可验证账本): an append-only RFC 9162 Merkle log of reported records and "
    "published results, with Ed25519-signed checkpoints, proofs anyone can check without the database, "
    "tamper audit and traceability of items (batches, containers, consignments, data sets, reports).\n\n"
    "Typical flow: ledger init -> ledger keygen NAME -> ledger append FILE -> ledger checkpoint --key NAME.key "
    "-> ledger prove --index N --out proof.json -> ledger verify proof.json --pubkey NAME.pub",
    database=True,
)

PUBKEY_HELP = "Public key file NAME.pub (or a key string 'name+id+key') of the log; repeat for several keys."


def _ledger(db: str | None):
    from citynexus.ledger import Ledger

    return Ledger(db)


def _json_out(obj: Any, out: Path | None) -> None:
    text = json.dumps(obj, indent=2, ensure_ascii=False)
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.write_text(text + "\n", encoding="utf-8")
        err_console.print(f"wrote {out}")


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _read_records(file: str, entry_type: str | None) -> list[dict]:
    from citynexus.ledger.errors import EntryError

    if file == "-":
        text, name = sys.stdin.read(), "stdin"
    else:
        p = Path(file)
        if not p.exists():
            raise EntryError(f"file {p} not found")
        text, name = p.read_text(encoding="utf-8-sig"), str(p)
    from citynexus.data.limits import InputLimitError, JSONSyntaxError, loads

    items: list[Any]
    try:  # bounded depth and size, duplicate keys refused (never a RecursionError)
        if name.endswith(".jsonl"):
            items = [
                loads(line, source=f"{name}, line {i}") for i, line in enumerate(text.splitlines(), 1) if line.strip()
            ]
        else:
            obj = loads(text, source=name)
            items = obj if isinstance(obj, list) else [obj]
    except JSONSyntaxError as err:
        raise EntryError(f"{err}; give an object, a list of objects, or .jsonl") from err
    except InputLimitError as err:
        raise EntryError(f"{err} (nothing was appended)") from err
    if entry_type:
        return [{"type": entry_type, "payload": it} for it in items]
    return items


@app.command("init")
def init(
    origin: str = typer.Option(
        None, "--origin", help="Name of this log in its checkpoints (default: citynexus/ledger/<random id>)."
    ),
    db: DbOpt = None,
) -> None:
    """Create an empty ledger in the database (once)."""
    from citynexus.ledger import Ledger

    led = Ledger.init(db, origin=origin)
    console.print(f"ledger created: origin [bold]{led.origin}[/], size 0")
    console.print("next: [bold]citynexus ledger keygen NAME[/] to create a signing key")


@app.command("status")
def status(db: DbOpt = None) -> None:
    """Show the log's origin, size, root and latest checkpoint."""
    led = _ledger(db)
    h = led.head()
    cp = led.latest_checkpoint()
    console.print(f"origin     {h.origin}\nsize       {h.size}\nroot       {_b64(h.root)}")
    if cp:
        console.print(f"checkpoint size {cp.size} at {cp.time}, signed by {', '.join(cp.key_names())}")
    else:
        console.print("checkpoint none yet (run [bold]citynexus ledger checkpoint --key NAME.key[/])")


@app.command("append")
def append(
    file: str = typer.Argument(
        ...,
        help='JSON file: one record {"type", "payload", ["submitter"]}, a list of them (appended in one '
        "transaction), or .jsonl with one record per line; '-' reads stdin.",
    ),
    entry_type: str = typer.Option(
        None, "--type", "-t", help="Treat every object in FILE as the payload of an entry of this type."
    ),
    submitter: str = typer.Option(
        None, "--submitter", "-s", help="Who reports the records (default: the current user name)."
    ),
    db: DbOpt = None,
) -> None:
    """Append records to the log, all in one transaction (all or none)."""
    records = _read_records(file, entry_type)
    entries = _ledger(db).append_many(records, submitter=submitter or getpass.getuser())
    if entries:
        console.print(
            f"appended {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}: "
            f"index {entries[0].index}..{entries[-1].index}"
        )
    else:
        console.print("nothing to append (empty file)")


@app.command("event")
def event(
    item: str = typer.Argument(..., help="Item id (e.g. a batch number, container number, data set name)."),
    kind_of_event: str = typer.Argument(
        ..., metavar="EVENT", help="created | inspected | shipped | transferred | received"
    ),
    kind: str = typer.Option(
        None, "--kind", help="Item kind for 'created': product_batch, container, consignment, dataset, report."
    ),
    mode: str = typer.Option(None, "--mode", help="Transport mode for 'shipped': sea, rail, road, air."),
    from_mode: str = typer.Option(None, "--from-mode", help="For 'transferred': the mode the item leaves."),
    to_mode: str = typer.Option(None, "--to-mode", help="For 'transferred': the mode the item continues by."),
    location: str = typer.Option(None, "--location", help="Where the event happened (e.g. 'Nansha port')."),
    party: str = typer.Option(None, "--party", help="Who handled the item at this event."),
    at: str = typer.Option(None, "--at", help="When the event happened, as reported (ISO 8601)."),
    note: str = typer.Option(None, "--note", help="Free text."),
    submitter: str = typer.Option(None, "--submitter", "-s", help="Who reports the event (default: user name)."),
    db: DbOpt = None,
) -> None:
    """Record a traceability event of an item (checked against its history)."""
    from citynexus.ledger.trace import record_event

    e = record_event(
        _ledger(db),
        item,
        kind_of_event,
        submitter or getpass.getuser(),
        kind=kind,
        mode=mode,
        from_mode=from_mode,
        to_mode=to_mode,
        location=location,
        party=party,
        at=at,
        note=note,
    )
    console.print(f"recorded {kind_of_event} of {item!r} as entry {e.index}")


@app.command("keygen")
def keygen(
    name: str = typer.Argument(..., help="Key name, no spaces or '+' (e.g. gba-ledger-2025)."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder to write NAME.key and NAME.pub into."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing key files of that name."),
    rotate_from: Path = typer.Option(
        None,
        "--rotate-from",
        help="Private key currently signing this log: record a key rotation (signed by both keys) in the log "
        "and sign a checkpoint with both, so verifiers who trust the old key can move to the new one.",
    ),
    db: str = typer.Option(None, "--db", help=DB_HELP + " Used only with --rotate-from."),
) -> None:
    """Generate an Ed25519 signing key: NAME.key (private, keep it secret) and NAME.pub (public,
    give it to verifiers)."""
    from citynexus.ledger.checkpoint import generate_key, read_signer, write_key_files

    old = read_signer(rotate_from) if rotate_from else None
    signer = generate_key(name)
    priv, pub = write_key_files(signer, directory, force=force)
    console.print(f"private key {priv} (mode 600, keep secret)\npublic key  {pub}: {signer.verifier.vkey}")
    if old is not None:
        entry, cp = _ledger(db).rotate_key(old, signer, submitter=getpass.getuser())
        console.print(
            f"rotation recorded as entry {entry.index}; checkpoint of size {cp.size} signed by {old.name} and {name}"
        )


@app.command("checkpoint")
def checkpoint(
    key: list[Path] = typer.Option(..., "--key", "-k", help="Private key file NAME.key; repeat to co-sign."),
    out: Path = typer.Option(None, "--out", "-o", help="Also write the signed checkpoint text to this file."),
    state: Path = typer.Option(
        None,
        "--state",
        help="File keeping the last checkpoint signed per log, outside the database (default: the first key's "
        "path + '.checkpoints.json'). The new head must extend it, so a database whose checkpoints were deleted "
        "cannot make the key sign a fork.",
    ),
    db: DbOpt = None,
) -> None:
    """Sign the current tree head (size, root, time) and store the checkpoint; prints it.
    Refuses to sign a head that does not extend the last checkpoint signed by these keys — in
    the database, in the --state file, or signed by a pinned key of $CITYNEXUS_LEDGER_TRUST:
    that would sign a fork. The head of the service's audit trail is appended first, so the
    checkpoint covers every audited write."""
    from citynexus.ledger.checkpoint import read_signer
    from citynexus.ledger.trust import trusted_keys

    led = _ledger(db)
    state = state or key[0].with_name(key[0].name + ".checkpoints.json")
    kept = _read_state(state)
    origin = led.origin
    known = [kept[origin]] if isinstance(kept.get(origin), str) else []
    signers = [read_signer(k) for k in key]
    from citynexus.services.audit import anchor

    anchored = anchor(led.engine, led)  # the audit trail's head goes under this checkpoint
    if anchored:
        err_console.print(f"anchored the audit trail up to event {anchored['event']}")
    cp = led.checkpoint(signers, trusted=trusted_keys() or (), known=known)
    kept[origin] = cp.note
    tmp = state.with_name(state.name + ".tmp")
    tmp.write_text(json.dumps(kept, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(state)
    sys.stdout.write(cp.note)
    if out:
        out.write_text(cp.note, encoding="utf-8")
        err_console.print(f"wrote {out}")


def _read_state(path: Path) -> dict[str, Any]:
    """``{origin: last signed checkpoint note}`` from a --state file ({} when there is none)."""
    from citynexus.data.limits import InputLimitError, JSONSyntaxError, loads
    from citynexus.ledger.errors import LedgerError

    if not path.exists():
        return {}
    try:
        obj = loads(path.read_bytes(), source=str(path))
    except (JSONSyntaxError, InputLimitError) as err:
        raise LedgerError(f"the checkpoint state file {path} is damaged ({err}); restore it or pass --state") from err
    if not isinstance(obj, dict):
        raise LedgerError(f"the checkpoint state file {path} must hold a JSON object {{origin: checkpoint}}")
    return obj


SIZE_HELP = (
    "Tree size to prove against (default: the newest checkpoint covering the entry). Without a checkpoint of "
    "that size the proof is unsigned."
)
INCONSISTENT_HELP = (
    "Write the bundle even when signed checkpoints disagree with the stored log (a warning is printed and "
    "recorded in the bundle). Without it, proving such a log is refused."
)


@app.command("prove")
def prove(
    index: int = typer.Option(None, "--index", "-i", help="Entry index to prove (inclusion proof)."),
    size: int = typer.Option(None, "--size", help=SIZE_HELP),
    from_size: int = typer.Option(
        None,
        "--from-size",
        help="Instead of an entry: prove that the checkpoint of this size is extended by the newest checkpoint "
        "(or the one of --size) — a consistency proof.",
    ),
    out: Path = typer.Option(None, "--out", "-o", help="Write the proof bundle (JSON) here instead of stdout."),
    allow_inconsistent: bool = typer.Option(False, "--allow-inconsistent", help=INCONSISTENT_HELP),
    db: DbOpt = None,
) -> None:
    """Write a self-contained proof bundle: entry + inclusion proof + signed checkpoint (or a
    consistency proof between two checkpoints). Check it with 'ledger verify'."""
    from citynexus.ledger.errors import LedgerError
    from citynexus.ledger.verify import consistency_bundle

    led = _ledger(db)
    if (index is None) == (from_size is None):
        raise LedgerError("give either --index N (inclusion) or --from-size M (consistency)")
    problems = led.checkpoint_problems()
    if problems:
        if not allow_inconsistent:
            from citynexus.ledger.errors import ForkError

            raise ForkError(
                f"refusing to prove: {len(problems)} signed checkpoint(s) disagree with the stored log — "
                f"{problems[0]}; run 'citynexus ledger audit' (or pass --allow-inconsistent to write it with a warning)"
            )
        for p in problems:
            err_console.print(f"[bold yellow]warning:[/] {p}", highlight=False)
    if index is not None:
        _json_out(led.prove(index, size, allow_inconsistent=allow_inconsistent), out)
        return
    cps = led.checkpoints()
    old = next((c for c in reversed(cps) if c.size == from_size), None)
    new = next((c for c in reversed(cps) if size is None or c.size == size), None)
    if old is None or new is None:
        raise LedgerError(
            f"no checkpoint of size {from_size if old is None else size}; sizes available: "
            f"{sorted({c.size for c in cps})}"
        )
    proof = led.consistency_proof(old.size, new.size) if old.size else []
    bundle = consistency_bundle(old, new, proof)
    if problems:
        bundle["warnings"] = problems
    _json_out(bundle, out)


@app.command("verify")
def verify(
    file: Path = typer.Argument(
        ...,
        help="A proof bundle from 'ledger prove', a consistency bundle, a result receipt, or a checkpoint text file.",
    ),
    pubkey: list[str] = typer.Option(
        None, "--pubkey", "-p", help=PUBKEY_HELP + " Default: the pinned keys of $CITYNEXUS_LEDGER_TRUST."
    ),
) -> None:
    """Verify offline — no database: signature of the checkpoint, then the Merkle proof."""
    from citynexus.ledger.checkpoint import read_verifiers, verify_checkpoint
    from citynexus.ledger.errors import LedgerError, LedgerKeyError
    from citynexus.ledger.trust import trusted_keys
    from citynexus.ledger.verify import detect_bundle, verify_bundle, verify_consistency_bundle

    keys = read_verifiers(pubkey) if pubkey else trusted_keys()
    if not keys:
        raise LedgerKeyError("pass the log's public key (--pubkey NAME.pub) or pin it in $CITYNEXUS_LEDGER_TRUST")
    if not file.exists():
        raise LedgerError(f"file {file} not found")
    from citynexus.data.limits import JSONSyntaxError, loads

    raw = file.read_bytes()
    try:
        obj = loads(raw, source=str(file))  # duplicate keys, excessive depth or size: refused
    except JSONSyntaxError:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise LedgerError(f"{file} is neither a JSON proof bundle nor a checkpoint text (not UTF-8)") from err
        cp = verify_checkpoint(text, keys)
        console.print(f"[green]OK[/] checkpoint of {cp.origin}: size {cp.size}, root {_b64(cp.root)}, time {cp.time}")
        return
    if not isinstance(obj, dict):
        raise LedgerError(f"{file} is not a proof bundle")
    kind = detect_bundle(obj)
    if kind == "consistency":
        old, new = verify_consistency_bundle(obj, keys)
        console.print(f"[green]OK[/] the log of size {new.size} extends the log of size {old.size} ({old.origin})")
        return
    if kind == "receipt":
        obj = {**obj, "format": "citynexus-ledger-proof/1"}
    v = verify_bundle(obj, keys)
    console.print(
        f"[green]OK[/] entry {v.index} ({v.entry['type']}, submitted by {v.entry['submitter']} at {v.entry['time']}) "
        f"is in the log {v.checkpoint.origin if v.checkpoint else ''} of size {v.tree_size}, signed at "
        f"{v.checkpoint.time if v.checkpoint else '?'}"
    )


@app.command("audit")
def audit(
    pubkey: list[str] = typer.Option(
        None,
        "--pubkey",
        "-p",
        help=PUBKEY_HELP
        + " Default: the pinned keys of $CITYNEXUS_LEDGER_TRUST, else the keys recorded in the database (weaker).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    db: DbOpt = None,
) -> None:
    """Recompute the whole tree from the stored entries; report the first tampered entry, broken
    hash-tree nodes, checkpoints that no longer match and inconsistent successive checkpoints.
    Exit status 1 when anything is found."""
    from citynexus.cli.common import progress
    from citynexus.ledger.audit import audit as run_audit
    from citynexus.ledger.checkpoint import read_verifiers
    from citynexus.ledger.errors import TamperError

    led = _ledger(db)
    from citynexus.ledger.trust import trusted_keys

    keys = read_verifiers(pubkey) if pubkey else trusted_keys()  # pinned keys, else (weaker) the database's
    with progress(transient=True) as p:
        task = p.add_task("auditing", total=max(led.size, 1))
        rep = run_audit(led, keys, progress=lambda done, total: p.update(task, completed=done))
    if as_json:
        _json_out(
            {
                "ok": rep.ok,
                "size": rep.size,
                "root": _b64(rep.root),
                "entries_checked": rep.entries_checked,
                "nodes_checked": rep.nodes_checked,
                "checkpoints_checked": rep.checkpoints_checked,
                "keys_from": rep.keys_from,
                "first_tampered_entry": rep.first_tampered_entry,
                "problems": [{"kind": x.kind, "entry": x.entry, "message": x.message} for x in rep.problems],
            },
            None,
        )
    else:
        console.print(
            f"checked {rep.entries_checked} entries, {rep.nodes_checked} tree nodes, {rep.checkpoints_checked} "
            f"checkpoints (keys: {rep.keys_from})"
        )
        if rep.ok:
            console.print(f"[green]OK[/] the log of size {rep.size} is intact; root {_b64(rep.root)}")
        else:
            t = Table(header_style="bold", title="problems found")
            for c in ("kind", "entry", "problem"):
                t.add_column(c, overflow="fold")
            for x in rep.problems:
                t.add_row(x.kind, "" if x.entry is None else str(x.entry), x.message)
            console.print(t)
    if not rep.ok:
        first = rep.first_tampered_entry
        raise TamperError(
            f"audit found {len(rep.problems) + rep.dropped} problem(s)"
            + (f"; first tampered entry: {first}" if first is not None else "")
        )


@app.command("trace")
def trace(
    item: str = typer.Argument(..., help="Item id whose chain of events to show."),
    as_json: bool = typer.Option(
        False, "--json", help="Print JSON: the chain with one standalone proof bundle per event."
    ),
    out: Path = typer.Option(None, "--out", "-o", help="Write the JSON to this file."),
    db: DbOpt = None,
) -> None:
    """Show an item's event chain, each event with a verified inclusion proof."""
    from citynexus.ledger.trace import EVENTS, ITEM_KINDS, MODES
    from citynexus.ledger.trace import trace as run_trace

    tr = run_trace(_ledger(db), item)
    if as_json or out:
        _json_out(
            {
                "item": tr.item,
                "kind": tr.kind,
                "in_transit": tr.in_transit,
                "mode": tr.mode,
                "tree_size": tr.tree_size,
                "root": _b64(tr.root),
                "signed": tr.signed,
                "events": tr.bundles(),
            },
            out,
        )
        return
    kind = f"{tr.kind} ({ITEM_KINDS.get(tr.kind or '', '')})"
    t = Table(title=f"{item}: {kind}", header_style="bold", title_justify="left")
    for c in ("entry", "event", "details", "submitter", "logged at", "proof"):
        t.add_column(c, overflow="fold")
    for ev in tr.events:
        p = ev.entry.payload
        details = ", ".join(
            f"{k}={MODES.get(v, v) if 'mode' in k else v}" for k, v in p.items() if k not in ("item", "event", "kind")
        )
        t.add_row(
            str(ev.entry.index),
            f"{p['event']} {EVENTS[p['event']]}",
            details,
            ev.entry.submitter,
            ev.entry.time,
            f"[green]✓[/] {len(ev.proof)} hashes",
        )
    console.print(t)
    state = f"in transit by {tr.mode}" if tr.in_transit else "not in transit"
    sig = "signed checkpoint" if tr.signed else "[yellow]current unsigned head[/] (run ledger checkpoint)"
    console.print(f"{state}; proofs against size {tr.tree_size} ({sig})")


@app.command("publish")
def publish(
    result: Path = typer.Argument(..., help="Result file (JSON), e.g. the result.json of 'citynexus index build'."),
    key: list[Path] = typer.Option(
        None, "--key", "-k", help="Private key: also sign a checkpoint and write a receipt for offline checks."
    ),
    receipt: Path = typer.Option(
        None, "--receipt", help="Where to write the receipt (default: RESULT.receipt.json; needs --key)."
    ),
    submitter: str = typer.Option(None, "--submitter", "-s", help="Who publishes (default: the user name)."),
    db: DbOpt = None,
) -> None:
    """Record the digests (inputs, spec, outputs) of a result file in the log."""
    from citynexus.ledger.checkpoint import read_signer
    from citynexus.ledger.publish import publish_result

    signers = [read_signer(k) for k in key] if key else None
    rpath = (receipt or result.with_name(result.name + ".receipt.json")) if signers else None
    pub = publish_result(
        result, _ledger(db), submitter=submitter or getpass.getuser(), signer=signers, receipt_path=rpath
    )
    console.print(f"published {result.name} as entry {pub.entry.index}: {pub.entry.payload['result_digest']}")
    if pub.receipt_path:
        console.print(
            f"receipt {pub.receipt_path} (check with: citynexus ledger verify-result {result} "
            f"--receipt {pub.receipt_path} --pubkey NAME.pub)"
        )


@app.command("verify-result")
def verify_result(
    result: Path = typer.Argument(..., help="Result file (JSON) to check."),
    receipt: Path = typer.Option(
        None, "--receipt", help="Receipt from publishing: verify offline (then --pubkey is required)."
    ),
    pubkey: list[str] = typer.Option(
        None,
        "--pubkey",
        "-p",
        help=PUBKEY_HELP
        + " Default: the pinned keys of $CITYNEXUS_LEDGER_TRUST, else (without a receipt) the keys in the database.",
    ),
    db: str = typer.Option(None, "--db", help=DB_HELP + " Used when no --receipt is given."),
) -> None:
    """Prove that a result file is exactly the one published (its canonical digest is in the
    log, under a signed checkpoint)."""
    from citynexus.ledger.checkpoint import read_verifiers
    from citynexus.ledger.errors import LedgerKeyError
    from citynexus.ledger.publish import verify_result as run
    from citynexus.ledger.trust import trusted_keys

    keys = read_verifiers(pubkey) if pubkey else trusted_keys()  # pinned keys, else (weaker) the database's
    if receipt is not None:
        if not keys:
            raise LedgerKeyError("offline verification needs the log's public key: pass --pubkey NAME.pub")
        v = run(result, receipt=receipt, verifiers=keys)
    else:
        v = run(result, ledger=_ledger(db), verifiers=keys)
    p = v.entry["payload"]
    console.print(
        f"[green]OK[/] {result.name} is the result published as entry {v.index} at {v.entry['time']} by "
        f"{v.entry['submitter']} (digest {p['result_digest']}); proved against the checkpoint of size "
        f"{v.tree_size} signed at {v.checkpoint.time if v.checkpoint else '?'}"
    )


@app.command("show")
def show(
    index: int = typer.Option(None, "--index", "-i", help="Show this entry in full (JSON)."),
    last: int = typer.Option(20, "--last", "-n", help="Otherwise list the newest N entries."),
    entry_type: str = typer.Option(None, "--type", "-t", help="Only entries of this type."),
    db: DbOpt = None,
) -> None:
    """Show entries of the log."""
    led = _ledger(db)
    if index is not None:
        e = led.entry(index)
        _json_out({"index": e.index, **e.as_json(), "leaf_hash": _b64(e.leaf_hash)}, None)
        return
    t = Table(header_style="bold")
    for c in ("index", "type", "submitter", "time", "payload"):
        t.add_column(c, overflow="fold")
    for e in led.find(entry_type, limit=last):
        text = json.dumps(e.payload, ensure_ascii=False)
        t.add_row(str(e.index), e.type, e.submitter, e.time, text[:80] + ("…" if len(text) > 80 else ""))
    console.print(t)
