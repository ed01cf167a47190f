"""The HTTP answer to a rejected import: 422 with every problem (line, field, what, how to fix).

Every import error of the domain packages derives from
:class:`citynexus.errors.ImportRejectedError` (``problems``, ``source``, ``summary()``), so one
function shapes the body for the hub, the centres and the case library alike.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi.responses import JSONResponse

from citynexus.errors import ImportRejectedError


def problems_response(err: ImportRejectedError, error: str) -> JSONResponse:
    """``{"error": error, "message": "<head>N problem(s)[ in source]", "problems": [...]}``, status
    422 (RFC 9110 §15.5.21, Unprocessable Content); each problem as its dataclass fields."""
    body = {"error": error, "message": err.summary(), "problems": [asdict(p) for p in err.problems]}
    return JSONResponse(body, status_code=422)
