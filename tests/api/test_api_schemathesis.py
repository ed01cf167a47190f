"""Property-based API test: schemathesis generates requests from the OpenAPI schema for every
endpoint (bounded examples, in process) and checks that none gives a server error and that
every status returned is one the schema documents."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error, status_code_conformance  # noqa: E402

from citynexus.api import create_app  # noqa: E402
from citynexus.services.keys import create_key  # noqa: E402
from citynexus.store import get_engine  # noqa: E402

_state: dict = {}


def _app():
    if "app" not in _state:
        import tempfile

        db = tempfile.mkdtemp(prefix="cnx-schemathesis-") + "/api.db"
        _state["app"] = create_app(db)
        _state["key"] = create_key(get_engine(db), "schemathesis", role="editor")
        # the first routing loads the sentence encoder and builds the centres' matcher (10-15 s),
        # longer than the client's read timeout: done once here, as a long-running server would
        from citynexus.services.centres import warm

        warm(db)
    return _state["app"]


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_error_and_only_documented_statuses(case):
    case.headers = {**(case.headers or {}), "X-API-Key": _state["key"]}
    case.call_and_validate(checks=[not_a_server_error, status_code_conformance])
