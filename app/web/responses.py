"""What every REST request goes through: the error body, the server's options and middleware,
the bearer token, and reading the body.

Errors are `{"errors": [{"path": "$.run.runId", "message": "..."}]}` (README, REST) for
every status a request can get, unknown routes and wrong methods included
(`rest_middleware`). On the OpenLineage paths under Egeria's prefix the body also carries
the fields Egeria's Java clients read from a `VoidResponse` (`relatedHTTPCode`,
`exceptionClassName`, `exceptionErrorMessage`) and the status stays OpenLineage's; Egeria's
own calls (validate-connector) answer as Egeria does, HTTP 200 with the FFDC fields
(`egeria_answer`).

The web server runs with `application_options()`: the middleware, and the connection
options of `server_options()` - idle connections close after `KEEPALIVE_TIMEOUT_S`, and
aiohttp leaves bodies compressed, so that `read_body` decompresses them itself: a body
that is not the gzip it claims is a 400 with one WARNING line, a `Content-Encoding` other
than gzip or deflate (br, zstd, ...) a 415, and nothing is decoded past the size limit.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import zlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

import orjson
from aiohttp import web
from aiohttp.http_exceptions import ContentEncodingError
from aiohttp.web_protocol import RequestPayloadError

from schemas.egeria_rest import exception_for, ffdc_answer
from schemas.errors import FieldError, summary

log = logging.getLogger(__name__)

ACCEPTED_ENCODINGS = frozenset({"", "identity", "gzip", "deflate"})
_CHUNK = 64 * 1024
_COMPRESSED_SLACK = 64 * 1024
"""Compressed bytes read beyond the limit before a body is refused: incompressible data grows
by well under that when compressed, so only a body whose content is larger than the limit
gets there."""

KEEPALIVE_TIMEOUT_S = 75.0
"""An idle connection (no request yet, or none since the last answer) is closed after this
long; it also ends a request whose headers never finish."""
BODY_READ_TIMEOUT_S = 60.0
"""A request body must arrive whole within this long (408 otherwise)."""
LINGERING_TIME_S = 10.0
"""After an early answer (413, 415), the rest of the body is read and dropped for at most this
long, so the client can read the answer before the connection closes."""

_RAW_PAYLOAD: ContextVar[bool] = ContextVar("lineage_raw_payload", default=False)
"""True while `rest_middleware` handles a request: aiohttp runs with `auto_decompress=False`
(it comes with the middleware in `application_options()`), so `read_body` decompresses."""


class RequestError(Exception):
    """A request the view refuses: its HTTP status and every problem found."""

    def __init__(
        self, status: int, errors: Sequence[FieldError], headers: dict[str, str] | None = None
    ) -> None:
        self.status = status
        self.errors = list(errors)
        self.headers = headers or {}
        super().__init__(summary(self.errors))


def error_body(status: int, errors: Sequence[FieldError], *, egeria: bool = False) -> dict[str, Any]:
    """The README's error body; on Egeria's paths with a `VoidResponse`'s fields, whose message
    names the first error and how many more there are (each error is listed once, in `errors`)."""
    body: dict[str, Any] = {"errors": [e.as_dict() for e in errors]}
    if egeria:
        body.update(
            {
                "class": "VoidResponse",
                "relatedHTTPCode": status,
                "exceptionClassName": exception_for(status),
                "exceptionErrorMessage": summary(errors, shown=1),
            }
        )
    return body


def egeria_answer(response_class: str, action_description: str, error: RequestError) -> dict[str, Any]:
    """A refused call on an Egeria service path, as Egeria answers one: HTTP 200 with the FFDC
    fields of `response_class` (the failure's status in `relatedHTTPCode`), plus `errors`."""
    first_path = error.errors[0].path if error.errors else "$"
    body = ffdc_answer(
        response_class,
        error.status,
        summary(error.errors, shown=1),
        action_description=action_description,
        parameter_name=None if first_path.startswith("$") else first_path,
    )
    body["errors"] = [e.as_dict() for e in error.errors]
    return body


def json_answer(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    """What `web.json_response` answers (`application/json; charset=utf-8`), serialised by
    orjson (about half the cost, paid on every request). Text that is
    not Unicode (a lone surrogate from a header or a path) is written as U+FFFD."""
    try:
        data = orjson.dumps(body)
    except TypeError:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8", "replace")
    return web.Response(
        body=data, status=status, headers=headers, content_type="application/json", charset="utf-8"
    )


def error_response(error: RequestError, *, egeria: bool = False) -> web.Response:
    return json_answer(error_body(error.status, error.errors, egeria=egeria), error.status, error.headers)


# --------------------------------------------------------------------------- the server


def server_options() -> dict[str, Any]:
    """Keyword arguments of aiohttp's request handler (`web.Application(handler_args=...)`,
    or `web.AppRunner(app, **server_options())`)."""
    return {
        "keepalive_timeout": KEEPALIVE_TIMEOUT_S,
        "lingering_time": LINGERING_TIME_S,
        "auto_decompress": False,
    }


def application_options() -> dict[str, Any]:
    """Keyword arguments of the `web.Application` serving the REST views (on Faust, its
    `web_application_options` setting): `rest_middleware` and `server_options()`, which
    `read_body` relies on together."""
    return {"middlewares": [rest_middleware], "handler_args": server_options()}


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def rest_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every answer the views do not make themselves, as the README's JSON error body: 404
    for an unknown route, 405 (with `Allow`) for a wrong method, and for an error no view
    expected a 500 with one ERROR line (its traceback), never aiohttp's plain text."""
    marked = _RAW_PAYLOAD.set(True)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {
            k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after", "www-authenticate")
        }
        return json_answer(
            error_body(exc.status, [FieldError("$", _route_message(request, exc))]), exc.status, headers
        )
    except (asyncio.CancelledError, ConnectionError):
        raise
    except Exception:
        log.exception("REST %s %s failed", request.method, request.rel_url.path)
        return json_answer(
            error_body(
                500, [FieldError("$", "the server could not answer this request (logged); try again")]
            ),
            500,
        )
    finally:
        _RAW_PAYLOAD.reset(marked)


def _route_message(request: web.Request, exc: web.HTTPException) -> str:
    if exc.status == 404:
        return f"there is no {request.path!r} here: GET /api (or /openapi.json) lists every route"
    if exc.status == 405:
        return (
            f"{request.method} is not a method of {request.path!r}; use {exc.headers.get('Allow', 'another')}"
        )
    return exc.reason


# --------------------------------------------------------------------------- the request


def require_token(request: web.Request, token: str | None) -> None:
    """When a token is configured, the request must carry `Authorization: Bearer <token>`.

    The header is compared as the bytes sent (aiohttp decodes headers as UTF-8 and keeps any
    other byte as a surrogate escape), so a header that is not UTF-8 is a wrong token.
    """
    if not token:
        return
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise RequestError(
            401,
            [FieldError("$", "this server needs `Authorization: Bearer <token>` (LINEAGE_API_TOKEN)")],
            {"WWW-Authenticate": 'Bearer realm="lineage-integrator"'},
        )
    if not hmac.compare_digest(value.strip().encode("utf-8", "surrogateescape"), token.encode()):
        raise RequestError(
            401,
            [FieldError("$", "the bearer token is not the right one")],
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )


async def read_body(request: web.Request, limit: int) -> bytes:
    """The request body, decompressed, refused with 413 as soon as it passes `limit` bytes
    (so a gzip bomb never gets past `limit` in memory), with 408 when it does not arrive
    within BODY_READ_TIMEOUT_S. A client that goes away mid-body is one INFO line."""
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ACCEPTED_ENCODINGS:
        raise RequestError(
            415,
            [
                FieldError(
                    "$", f"Content-Encoding {encoding!r} is not supported: send the JSON as is, or gzip it"
                )
            ],
        )
    too_large = RequestError(413, [FieldError("$", f"the body is larger than the limit of {limit} bytes")])
    if encoding in ("", "identity") and request.content_length is not None and request.content_length > limit:
        raise too_large
    decoder = (
        _Decompressor(encoding, limit) if _RAW_PAYLOAD.get() and encoding not in ("", "identity") else None
    )
    chunks: list[bytes] = []
    total = 0
    try:
        async with asyncio.timeout(BODY_READ_TIMEOUT_S):
            async for chunk in request.content.iter_chunked(_CHUNK):
                data = decoder.feed(chunk, limit - total) if decoder is not None else chunk
                total += len(data)
                if total > limit:
                    raise too_large
                chunks.append(data)
        if decoder is not None:
            decoder.finish()
    except _TooLarge:
        raise too_large from None
    except TimeoutError:
        log.info("REST %s: the body did not arrive within %.0fs; refused", request.path, BODY_READ_TIMEOUT_S)
        raise RequestError(
            408, [FieldError("$", f"the body did not arrive within {BODY_READ_TIMEOUT_S:.0f} seconds")]
        ) from None
    except _BadCompression as exc:
        log.warning("REST %s: refused a body that is not valid %s data (%s)", request.path, encoding, exc)
        raise RequestError(400, [FieldError("$", f"the body is not valid {encoding} data: {exc}")]) from None
    except (ContentEncodingError, RequestPayloadError) as exc:
        detail = f"the body is not valid {encoding} data" if encoding not in ("", "identity") else str(exc)
        log.warning("REST %s: refused a body that could not be read: %s", request.path, detail)
        raise RequestError(400, [FieldError("$", f"the body could not be read: {detail}")]) from None
    except ConnectionError:
        log.info("REST %s: the client closed the connection after %d bytes of the body", request.path, total)
        raise RequestError(
            400, [FieldError("$", "the connection closed before the whole body arrived")]
        ) from None
    return b"".join(chunks)


class _BadCompression(ValueError):
    """The body is not the compressed data its Content-Encoding says."""


class _TooLarge(Exception):
    """The compressed body alone is past the limit (and the slack compression may add)."""


class _Decompressor:
    """gzip or deflate (zlib format, or raw deflate as some clients send it, as aiohttp reads
    it), decompressed no further than the room left under the limit."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding = encoding
        self._limit = limit
        self._zlib: Any = None
        self._read = 0

    def feed(self, chunk: bytes, room: int) -> bytes:
        """The data of `chunk`, at most `room + 1` bytes of it (one more than fits says "too large")."""
        self._read += len(chunk)
        if self._read > self._limit + _COMPRESSED_SLACK:
            raise _TooLarge
        if self._zlib is None:
            self._zlib = zlib.decompressobj(self._wbits(chunk))
        try:
            data: bytes = self._zlib.decompress(chunk, room + 1)
        except zlib.error as exc:
            raise _BadCompression(str(exc)) from None
        if self._zlib.eof and self._zlib.unused_data.strip():
            raise _BadCompression(f"data after the end of the {self.encoding} stream")
        return data

    def finish(self) -> None:
        if self._zlib is None or not self._zlib.eof:
            raise _BadCompression(f"the {self.encoding} data ends before its end")

    def _wbits(self, first: bytes) -> int:
        if self.encoding == "gzip":
            return 16 + zlib.MAX_WBITS
        if first[0] & 0x0F == 8:  # a zlib header: compression method 8 (deflate)
            return zlib.MAX_WBITS
        return -zlib.MAX_WBITS
