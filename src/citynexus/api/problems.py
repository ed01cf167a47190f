"""The HTTP answer to a rejected import: 422 with every problem (line, field, what, how to fix).

Every import error of the domain packages derives from
:class:`citynexus.errors.ImportRejectedError` (``problems``, ``source``, ``summary()``), so one
function shapes the body for the hub, the centres and the case library alike, and one
:class:`Rejections` runs a service call and answers its rejection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from citynexus.errors import ImportRejectedError


def problems_response(err: ImportRejectedError, error: str) -> JSONResponse:
    """``{"error": error, "message": "<head>N problem(s)[ in source]", "problems": [...]}``, status
    422 (RFC 9110 §15.5.21, Unprocessable Content); each problem as its dataclass fields."""
    body = {"error": error, "message": err.summary(), "problems": [asdict(p) for p in err.problems]}
    return JSONResponse(body, status_code=422)


def error_response(err: Exception, status: int) -> JSONResponse:
    """``{"error": "<its class>", "message": "<its text>"}`` with ``status`` (404 for a record
    that is not there, 409 for a move the record's state does not allow)."""
    return JSONResponse({"error": type(err).__name__, "message": str(err)}, status_code=status)


def answer(statuses: dict[type[Exception], int], fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, or the :func:`error_response` of an error it raised that is one of
    ``statuses`` (the first class it is an instance of gives the status); other errors go on to
    the app's handlers."""
    try:
        return fn(*args, **kwargs)
    except tuple(statuses) as err:
        return error_response(err, next(code for kind, code in statuses.items() if isinstance(err, kind)))


@dataclass(frozen=True)
class Rejections:
    """The "call the service, answer a rejected import with 422" tail of a router.

    ``Rejections(HubImportError, "HubImportError")(fn, *args)`` returns ``fn(*args)``, or
    :func:`problems_response` of the ``kind`` error it raised, labelled ``error``; any other
    error goes on to the app's handlers. :meth:`in_thread` does the same in the thread pool.
    """

    kind: type[ImportRejectedError]
    error: str

    def __call__(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except self.kind as err:
            return problems_response(err, self.error)

    async def in_thread(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """:meth:`__call__` in the thread pool (for a service that reads files or runs long)."""
        return await run_in_threadpool(self, fn, *args, **kwargs)

    async def created(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """:meth:`in_thread`, answering a success with 201 Created (RFC 9110 §15.3.2)."""
        out = await self.in_thread(fn, *args, **kwargs)
        return out if isinstance(out, JSONResponse) else JSONResponse(out, status_code=201)
