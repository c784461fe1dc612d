"""Request checks shared by the REST views, against a real aiohttp server: size limits on the
decompressed body (gzip bombs included), content encodings, the bearer token."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from typing import Any

import orjson
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from app.web.responses import RequestError, error_body, error_response, json_answer, read_body, require_token
from schemas.errors import FieldError

LIMIT = 1024


async def _post(
    data: bytes, headers: dict[str, str] | None = None, token: str | None = None
) -> tuple[int, Any]:
    async def view(request: web.Request) -> web.Response:
        try:
            require_token(request, token)
            body = await read_body(request, LIMIT)
        except RequestError as error:
            return error_response(error)
        return web.json_response({"length": len(body), "head": body[:20].decode(errors="replace")})

    app = web.Application()
    app.router.add_post("/", view)
    async with (
        TestServer(app, host="127.0.0.1") as server,
        ClientSession() as session,
        session.post(server.make_url("/"), data=data, headers=headers or {}) as response,
    ):
        return response.status, await response.json()


def post(data: bytes, headers: dict[str, str] | None = None, token: str | None = None) -> tuple[int, Any]:
    return asyncio.run(_post(data, headers, token))


def test_plain_and_gzip_and_deflate_bodies_arrive_decompressed() -> None:
    body = b'{"a": 1}'
    assert post(body) == (200, {"length": 8, "head": '{"a": 1}'})
    assert post(gzip.compress(body), {"Content-Encoding": "gzip"})[1]["head"] == '{"a": 1}'
    assert post(zlib.compress(body), {"Content-Encoding": "deflate"})[1]["head"] == '{"a": 1}'


def test_limit_applies_to_the_decompressed_body() -> None:
    assert post(b"x" * LIMIT)[0] == 200
    status, answer = post(b"x" * (LIMIT + 1))
    assert status == 413
    assert answer["errors"][0]["path"] == "$"
    bomb = gzip.compress(b" " * (50 * 1024 * 1024))
    assert len(bomb) < 100_000
    assert post(bomb, {"Content-Encoding": "gzip"})[0] == 413


def test_unknown_or_broken_encodings() -> None:
    status, answer = post(b"{}", {"Content-Encoding": "compress"})
    assert status == 415
    assert "compress" in answer["errors"][0]["message"]
    assert post(b"this is not gzip", {"Content-Encoding": "gzip"})[0] == 400


def test_bearer_token() -> None:
    assert post(b"{}", token="t")[0] == 401
    assert post(b"{}", {"Authorization": "Basic dTpw"}, token="t")[0] == 401
    assert post(b"{}", {"Authorization": "Bearer wrong"}, token="t")[0] == 401
    assert post(b"{}", {"Authorization": "Bearer t"}, token="t")[0] == 200
    assert post(b"{}", {"Authorization": "bearer t"}, token="t")[0] == 200
    assert post(b"{}")[0] == 200


def test_egeria_paths_get_void_response_fields() -> None:
    body = error_body(400, [FieldError("$.run.runId", "must be a UUID")], egeria=True)
    assert body["errors"] == [{"path": "$.run.runId", "message": "must be a UUID"}]
    assert body["relatedHTTPCode"] == 400
    assert body["exceptionClassName"].endswith("InvalidParameterException")
    assert "$.run.runId" in body["exceptionErrorMessage"]
    assert set(error_body(400, [])) == {"errors"}


def test_json_answers_are_what_json_response_gave() -> None:
    body = {"message": "événement", "n": [1, 2]}
    answer = json_answer(body, 201, {"Retry-After": "5"})
    assert answer.status == 201
    assert answer.headers["Content-Type"] == web.json_response(body).headers["Content-Type"]
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    assert answer.headers["Retry-After"] == "5"
    assert isinstance(answer.body, bytes)
    assert orjson.loads(answer.body) == body
    refused = error_response(RequestError(413, [FieldError("$", "too large")]))
    assert refused.status == 413
    assert isinstance(refused.body, bytes)
    assert orjson.loads(refused.body) == {"errors": [{"path": "$", "message": "too large"}]}
