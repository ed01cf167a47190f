"""What every request passes before a router sees it: a body size limit, a JSON shape check,
security headers, and the rate limit on failed key checks.

- **Body limit** (:data:`MAX_BODY`): a declared ``Content-Length`` above it is refused with
  413 before a byte of the body is read; a body without one is read up to the limit and then
  refused.
- **JSON bodies** are checked before FastAPI parses them: nesting deeper than
  :data:`MAX_JSON_DEPTH` and duplicate object keys are refused with 400 (Python's parser
  would recurse until it fails, and silently keep the last of two equal keys).
- **Security headers** on every response: a Content-Security-Policy that loads scripts,
  styles and images from this server only, ``X-Frame-Options: DENY``,
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``.
- **Failed key checks** are counted per client address and per key prefix in a moving window
  (the ``limits`` package, which slowapi is built on); past :data:`AUTH_FAILURES` the address
  or key gets 429 with ``Retry-After`` until the window has passed.
"""

from __future__ import annotations

import asyncio
import json

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from citynexus.errors import CityNexusError

MAX_BODY = 60 * 1024 * 1024
MAX_JSON_DEPTH = 64
#: a buffered body is handed on in pieces of this size
REPLAY_CHUNK = 256 * 1024
AUTH_FAILURES = RateLimitItemPerMinute(20)

CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class TooManyFailures(CityNexusError):
    """Too many failed key checks from one address or for one key (HTTP 429)."""

    retry_after = 60


class AuthLimiter:
    """Counts failed key checks per client address and per key prefix."""

    def __init__(self, rate=AUTH_FAILURES):
        self.rate = rate
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def check(self, address: str | None, key: str | None) -> None:
        """Raise :class:`TooManyFailures` while the address or key is over the limit."""
        for ident in self._idents(address, key):
            if not self.limiter.test(self.rate, *ident):
                raise TooManyFailures(
                    "too many failed API-key checks from this address or for this key: wait a minute and retry"
                )

    def failed(self, address: str | None, key: str | None) -> None:
        for ident in self._idents(address, key):
            self.limiter.hit(self.rate, *ident)

    @staticmethod
    def _idents(address: str | None, key: str | None) -> list[tuple[str, str]]:
        out = [("addr", address or "?")]
        parts = (key or "").split("_")
        if len(parts) >= 3 and parts[0] == "cnx":
            out.append(("key", parts[1][:16]))
        return out


def json_problem(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """What is wrong with a JSON request body — nested deeper than ``max_depth`` (measured on
    the text, before any recursive parser sees it) or a key twice in one object — or None.
    Syntax errors are left to FastAPI, which says where they are."""
    from citynexus.data.limits import InputLimitError, loads

    try:
        loads(body, "the JSON body", max_depth=max_depth, max_bytes=MAX_BODY)
    except InputLimitError as err:
        return str(err)
    except ValueError:
        return None
    return None


def _reply(status: int, error: str, message: str, extra: list | None = None):
    body = json.dumps({"error": error, "message": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}, body


class GuardMiddleware:
    """ASGI middleware: body limit, JSON check, security headers (see the module docstring)."""

    def __init__(self, app, max_body: int = MAX_BODY):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            return await self._refuse(send_with_headers, 413, "the request body is larger than allowed")
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE") and not declared:
            return await self.app(scope, receive, send_with_headers)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return await self._refuse(send_with_headers, 413, "the request body is larger than allowed")
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        if headers.get(b"content-type", b"").split(b";")[0].strip().lower() == b"application/json" and body:
            problem = json_problem(body)
            if problem:
                return await self._refuse(send_with_headers, 400, problem)
        pieces = [body[i : i + REPLAY_CHUNK] for i in range(0, len(body), REPLAY_CHUNK)] or [b""]

        async def replay():
            # the body again, in pieces with a pause between them: a parser of a 50 MiB upload
            # (multipart) then works a piece at a time and lets other requests run in between
            if pieces:
                piece = pieces.pop(0)
                await asyncio.sleep(0)
                return {"type": "http.request", "body": piece, "more_body": bool(pieces)}
            return await receive()

        return await self.app(scope, replay, send_with_headers)

    async def _refuse(self, send, status: int, message: str) -> None:
        start, body = _reply(
            status, "RequestRefused", f"{message} (limit {self.max_body // 2**20} MiB)" if status == 413 else message
        )
        await send(start)
        await send({"type": "http.response.body", "body": body})
