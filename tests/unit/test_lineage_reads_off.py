"""A replica with LINEAGE_READ_MODELS=off (`app.web.lineage_query`): it mounts every read route
a replica with read models mounts, and each answers 503 with the error body naming the
setting to a reader the token lets through (401 before, as on any read); the OpenAPI
document says so for every read route."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from agents.explorer import ReadModel
from agents.lineage_model import LineageGraph
from app.web import explorer, lineage_query, openapi
from app.web.explorer import NO_READ_MODELS, ReadAccess
from app.web.responses import application_options
from runtime.kv import MemoryKeyValue

CONTEXT = openapi.DocumentContext(server_name="srv", token_set=True, version="1")
TOKEN = "reads-off-token"


def mounted(reads: lineage_query.LineageReads | None) -> set[str]:
    app = web.Application()
    lineage_query.install(app.router, ReadAccess(TOKEN), reads)
    return {openapi.route_key(m, p) for m, p in openapi.mounted_routes(app.router) if m != "HEAD"}


def with_read_models() -> lineage_query.LineageReads:
    return lineage_query.LineageReads(
        model=ReadModel(MemoryKeyValue()),
        cohort=LineageGraph(),
        not_ready=lambda: None,
        status=dict,
    )


def test_an_ingest_replica_mounts_every_read_route_a_query_replica_mounts() -> None:
    assert mounted(None) == mounted(with_read_models())
    assert "GET /lineage" in mounted(None)


def test_every_read_route_answers_503_naming_the_setting() -> None:
    app = web.Application(**application_options())
    lineage_query.install(app.router, ReadAccess(TOKEN), None)
    auth = {"Authorization": f"Bearer {TOKEN}"}

    async def every_answer() -> list[tuple[str, int, int, Any]]:
        answers = []
        async with TestClient(TestServer(app)) as client:
            for path in lineage_query.read_paths():
                url = path.replace("{", "").replace("}", "")  # any value fills a path parameter
                async with client.get(url, params={"nodeId": "job:ns:j"}) as anonymous:
                    refused = anonymous.status
                async with client.get(url, params={"nodeId": "job:ns:j"}, headers=auth) as response:
                    answers.append((path, refused, response.status, await response.json()))
            async with client.get("/lineage") as page:
                answers.append(("/lineage", 0, page.status, None))
        return answers

    answers = asyncio.run(every_answer())
    assert len(answers) == len(explorer.OPERATIONS) + 2
    for path, refused, status, body in answers[:-1]:
        assert (refused, status) == (401, 503), path
        assert body == {"errors": [{"path": "$", "message": NO_READ_MODELS}]}, path
    assert "LINEAGE_READ_MODELS=off" in NO_READ_MODELS
    assert answers[-1][2] == 200


def test_the_document_gives_every_read_route_its_503() -> None:
    document = openapi.build_document(openapi.all_operations(), CONTEXT)
    for path in lineage_query.read_paths():
        described = document["paths"][path]["get"]["responses"]["503"]["description"]
        assert "LINEAGE_READ_MODELS=off" in described, path
