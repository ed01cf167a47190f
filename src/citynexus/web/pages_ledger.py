"""Dashboard page of the verifiable ledger (可信账本): log status, recent entries, inclusion
proof of entry N, trace of an item, and a check that a result file is the one published."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from citynexus.web.errtext import error_pair
from citynexus.web.pages import label_texts, lang_of, render

router = APIRouter(include_in_schema=False)

NAV_ITEMS = [{"key": "ledger", "href": "/ledger", "label": "nav_ledger"}]

LABEL_KEYS = ("loading", "led_verified", "led_not_verified", "led_entry", "led_published_at", "led_digest")


def _short(s: str, n: int = 16) -> str:
    return s if len(s) <= n else s[:n] + "…"


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request) -> HTMLResponse:
    from citynexus.errors import CityNexusError
    from citynexus.services import ledger as api

    lang = lang_of(request)
    texts = label_texts(LABEL_KEYS, lang)
    led = api.ledger_of(request.app.state.engine)
    if led is None:
        return render(request, "ledger.html", "ledger", "nav_ledger", initialised=False, labels=texts)
    st = api.status(led)
    entries = [
        {
            "index": e.index,
            "type": e.type,
            "submitter": e.submitter,
            "time": e.time,
            "leaf": _short(api.b64(e.leaf_hash)),
            "payload": _short(json.dumps(e.payload, ensure_ascii=False, sort_keys=True), 40),
            "payload_full": _short(json.dumps(e.payload, ensure_ascii=False, sort_keys=True), 2000),
        }
        for e in led.find(limit=20)
    ]
    q = request.query_params
    proof, proof_error, proof_arg = None, None, q.get("proof", "").strip()
    if proof_arg:
        try:
            if not proof_arg.isdigit():
                raise CityNexusError(f"entry number '{proof_arg}' is not a whole number >= 0")
            proof = api.proof_of(led, int(proof_arg))
            proof["entry_text"] = json.dumps(proof["entry"], ensure_ascii=False, indent=2, sort_keys=True)
        except CityNexusError as err:
            proof_error = error_pair(err, lang, "fetched_err_404")  # mostly: no such entry
    item = q.get("item", "").strip()
    tr, trace_error = None, None
    if item:
        try:
            tr = api.trace_json(led, item)
        except CityNexusError as err:
            trace_error = error_pair(err, lang, "fetched_err_404")  # mostly: no such item
    return render(
        request,
        "ledger.html",
        "ledger",
        "nav_ledger",
        initialised=True,
        labels=texts,
        st=st,
        entries=entries,
        proof=proof,
        proof_arg=proof_arg,
        proof_error=proof_error,
        item=item,
        tr=tr,
        trace_error=trace_error,
    )
