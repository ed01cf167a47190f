"""The pieces every router shares: the parameter types of ``api.deps`` and the answer helpers of
``api.problems`` (a rejected import -> 422, a missing record -> 404, a refused move -> 409)."""

from __future__ import annotations

import asyncio
import json

import pytest

from citynexus.api.problems import Rejections, answer, error_response
from citynexus.cases.errors import CaseImportError, CaseProblem
from citynexus.errors import ConflictError, NotFoundError
from citynexus.hub.errors import HubImportError, ImportProblem


def _run(coro):
    """Run a coroutine to its end on a fresh event loop in its own thread (whatever loop a test
    before this one left in the main thread)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _rejected():
    raise HubImportError([ImportProblem(2, "city", "unknown city 'XX'", "use a unit code")], "a.jsonl")


def test_rejections_answer_their_own_kind_with_422_and_every_problem():
    r = Rejections(HubImportError, "HubImportError")(_rejected)
    body = json.loads(r.body)
    assert r.status_code == 422
    assert body["error"] == "HubImportError"
    assert body["message"] == "import rejected, nothing stored: 1 problem in a.jsonl"
    assert [(p["line"], p["field"]) for p in body["problems"]] == [(2, "city")]


def test_rejections_pass_a_success_through_and_other_errors_on():
    cases = Rejections(CaseImportError, "CaseImportError")
    assert cases(lambda a, b=0: {"n": a + b}, 2, b=3) == {"n": 5}
    with pytest.raises(HubImportError):  # not the case library's: the app's handlers answer it
        cases(_rejected)
    with pytest.raises(ValueError):
        cases(int, "x")


def test_rejections_in_the_thread_pool_and_created_answer_201():
    rej = Rejections(CaseImportError, "CaseImportError")

    def bad():
        raise CaseImportError([CaseProblem(4, "goal", "not 1-17")])

    created = _run(rej.created(lambda: {"id": "c1"}))
    assert created.status_code == 201 and json.loads(created.body) == {"id": "c1"}
    refused = _run(rej.created(bad))  # a rejection stays 422, never 201
    assert refused.status_code == 422 and json.loads(refused.body)["problems"][0]["line"] == 4
    assert _run(rej.in_thread(sorted, [3, 1, 2])) == [1, 2, 3]


class _Gone(NotFoundError):
    pass


def test_answer_maps_the_first_class_an_error_is_an_instance_of():
    statuses = {_Gone: 410, NotFoundError: 404, ConflictError: 409}

    def fail(err):
        raise err

    gone = answer(statuses, fail, _Gone("no need 'N9'"))
    assert gone.status_code == 410  # the subclass listed first wins over its base
    assert json.loads(gone.body) == {"error": "_Gone", "message": "no need 'N9'"}
    assert answer(statuses, fail, ConflictError("alert 3 is resolved")).status_code == 409
    assert answer(statuses, dict, a=1) == {"a": 1}
    with pytest.raises(KeyError):  # not listed: on to the app's handlers (a 500 would be a defect)
        answer(statuses, fail, KeyError("x"))
    with pytest.raises(NotFoundError):
        answer({}, fail, NotFoundError("nothing listed, nothing caught"))


def test_error_response_names_the_class_and_keeps_the_message():
    r = error_response(ValueError("period '20x' is not a year"), 400)
    assert r.status_code == 400
    assert json.loads(r.body) == {"error": "ValueError", "message": "period '20x' is not a year"}


def test_a_write_without_a_key_is_refused_before_the_service_runs(client):
    # Writer (db, principal, client address) needs a valid key: 401 for none, for a wrong one too
    for method, url in (
        ("post", "/api/v1/hub/demo"),
        ("post", "/api/v1/centres/records/R1/accept"),
        ("post", "/api/v1/watch/alerts/1/ack"),
        ("delete", "/api/v1/hub/offers/O1"),
    ):
        r = client.request(method.upper(), url)
        assert r.status_code == 401, (url, r.text)
        assert r.headers["WWW-Authenticate"] == "ApiKey"
    r = client.post("/api/v1/agree/run", headers={"X-API-Key": "cnx_not-a-key"})
    assert r.status_code == 401


def test_the_shared_parameter_types_keep_their_checks_in_the_schema(client):
    schema = client.get("/openapi.json").json()
    ops = schema["paths"]
    # PathId: at most 64 characters, Owner: the platform's owner query, Reader/Caller: the key headers
    params = {p["name"]: p for p in ops["/api/v1/agree/agreements/{agreement_id}"]["get"]["parameters"]}
    assert params["agreement_id"]["schema"]["maxLength"] == 64
    assert {"x-api-key", "authorization"} <= set(params)
    owner = {p["name"]: p for p in ops["/api/v1/talent/import"]["post"]["parameters"]}["owner"]
    assert owner["in"] == "query" and owner["description"] == "Owner of new records (platform keys only)"
    ack = {p["name"]: p for p in ops["/api/v1/watch/alerts/{alert_id}/ack"]["post"]["parameters"]}
    assert ack["alert_id"]["schema"]["minimum"] == 1 and ack["alert_id"]["schema"]["maximum"] == 2**31 - 1
    assert ops["/api/v1/watch/alerts/{alert_id}/ack"]["post"]["operationId"].startswith("acknowledge_")
    assert ops["/api/v1/watch/alerts/{alert_id}/resolve"]["post"]["summary"].startswith("Resolve an alert")
    assert "request" not in {p["name"] for op in ops.values() for o in op.values() for p in o.get("parameters", [])}


def test_a_too_long_path_id_is_refused_with_422(client):
    r = client.get("/api/v1/agree/agreements/" + "A" * 65)
    assert r.status_code == 422
    assert "agreement_id" in r.json()["message"]
