"""JSON answers for the errors aiohttp answers itself: an unknown path (404), a method the
path does not take (405, with `Allow`), any other HTTP error a handler raises, and an
unexpected failure (500, logged with its traceback once).

`json_errors()` gives the middleware; mount it on the web application before it starts
(`app.middlewares.append(json_errors())`). Answers handlers build themselves pass through
unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from aiohttp import hdrs, web

from app.web.responses import error_body, json_answer
from schemas.errors import FieldError

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]

_KEPT_HEADERS = (hdrs.ALLOW, hdrs.WWW_AUTHENTICATE, hdrs.RETRY_AFTER)


def message_for(status: int, request: web.Request, allowed: str) -> str:
    """What an HTTP error raised outside the views means, for the caller."""
    if status == 404:
        return f"there is no {request.path}: GET /api (or /openapi.json) lists every route"
    if status == 405:
        return f"{request.method} is not allowed on {request.path}; it takes {allowed or 'no method'}"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def json_errors() -> Middleware:
    """The middleware: HTTP errors raised by aiohttp or a handler answered as `ErrorBody`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return _answer(
                exc.status, request, {k: exc.headers[k] for k in _KEPT_HEADERS if k in exc.headers}
            )
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            return _answer(500, request, {}, "the server failed on this request; it is logged")

    return middleware


def _answer(status: int, request: web.Request, headers: dict[str, str], message: str = "") -> web.Response:
    text = message or message_for(status, request, headers.get(hdrs.ALLOW, ""))
    return json_answer(error_body(status, [FieldError("$", text)]), status, headers)
