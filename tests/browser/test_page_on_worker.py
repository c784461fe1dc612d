"""The lineage page against a real worker on a real broker, fed with the official
openlineage-python client: the same page as test_lineage_page.py, reading the worker's own
read API (Marquez's paths and shapes) instead of the Marquez-shaped test server.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import column_lineage_dataset, schema_dataset, sql_job
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport
from playwright.sync_api import Browser, Page

from tests.support.browser import WatchedPage, screenshot, watched_page
from tests.support.kafka import Broker, unique
from tests.support.workers import WorkerProcess, server_variables, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PRODUCER = "https://github.com/lineage-integrator/tests/page-on-worker"
DB = "postgres://shop-db:5432"
T0 = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
TOKEN = "page-token-1f3a"

RAW = "shop.raw.customers"
RAW_ORDERS = "shop.raw.orders"
STG = "shop.staging.stg_customers"
MART = "shop.marts.customers"
EXPORT = "customers.csv"
EXPORTS = "s3://exports"

COLUMNS = {
    RAW: [("id", "integer"), ("first_name", "text"), ("last_name", "text"), ("email", "text")],
    RAW_ORDERS: [("id", "integer"), ("customer_id", "integer"), ("amount", "numeric")],
    MART: [("customer_id", "integer"), ("full_name", "text"), ("lifetime_value", "numeric")],
}
STG_V1 = [("customer_id", "integer"), ("full_name", "text")]
STG_V2 = [*STG_V1, ("email_masked", "text")]


def _schema(columns: list[tuple[str, str]]) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in columns]
    )


def _how(
    kind: str, subtype: str, description: str = "", masking: bool = False
) -> column_lineage_dataset.Transformation:
    return column_lineage_dataset.Transformation(
        type=kind, subtype=subtype, description=description or None, masking=masking
    )


def _lineage(
    fields: dict[str, list[tuple[str, str, column_lineage_dataset.Transformation]]],
) -> column_lineage_dataset.ColumnLineageDatasetFacet:
    return column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            column: column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(
                        namespace=DB, name=table, field=field, transformations=[how]
                    )
                    for table, field, how in inputs
                ]
            )
            for column, inputs in fields.items()
        }
    )


def _run(
    job: tuple[str, str],
    start: datetime,
    end: datetime,
    state: RunState,
    inputs: list[InputDataset],
    outputs: list[OutputDataset],
    facets: dict[str, Any] | None = None,
) -> list[RunEvent]:
    run_id = str(uuid.uuid4())
    return [
        RunEvent(
            eventType=event_state,
            eventTime=at.isoformat(),
            run=Run(runId=run_id),
            job=Job(namespace=job[0], name=job[1], facets=facets or {}),
            producer=PRODUCER,
            inputs=inputs,
            outputs=outputs if event_state != RunState.START else [],
        )
        for event_state, at in ((RunState.START, start), (state, end))
    ]


def history() -> list[RunEvent]:
    """A week of a shop pipeline: the staging model runs three times (the second fails, the
    third adds a masked column), the mart aggregates, an export appears on the fifth day."""
    day = timedelta(days=1)
    raw = InputDataset(namespace=DB, name=RAW, facets={"schema": _schema(COLUMNS[RAW])})
    raw_orders = InputDataset(namespace=DB, name=RAW_ORDERS, facets={"schema": _schema(COLUMNS[RAW_ORDERS])})
    concat = _how("DIRECT", "TRANSFORMATION", "first_name || ' ' || last_name")
    stg_v1 = {
        "customer_id": [(RAW, "id", _how("DIRECT", "IDENTITY"))],
        "full_name": [(RAW, "first_name", concat), (RAW, "last_name", concat)],
    }
    stg_v2 = {
        **stg_v1,
        "email_masked": [(RAW, "email", _how("DIRECT", "IDENTITY", "md5(email)", masking=True))],
    }
    stg_job = ("dbt", "shop.stg_customers")
    mart_job = ("dbt", "shop.customers")
    events = [
        *_run(
            stg_job,
            T0,
            T0 + timedelta(seconds=42),
            RunState.COMPLETE,
            [raw],
            [
                OutputDataset(
                    namespace=DB,
                    name=STG,
                    facets={"schema": _schema(STG_V1), "columnLineage": _lineage(stg_v1)},
                )
            ],
        ),
        *_run(stg_job, T0 + day, T0 + day + timedelta(seconds=95), RunState.FAIL, [raw], []),
        *_run(
            stg_job,
            T0 + 2 * day,
            T0 + 2 * day + timedelta(seconds=40),
            RunState.COMPLETE,
            [raw],
            [
                OutputDataset(
                    namespace=DB,
                    name=STG,
                    facets={"schema": _schema(STG_V2), "columnLineage": _lineage(stg_v2)},
                )
            ],
        ),
        *_run(
            mart_job,
            T0 + 2 * day + timedelta(hours=1),
            T0 + 2 * day + timedelta(hours=1, minutes=2, seconds=5),
            RunState.COMPLETE,
            [InputDataset(namespace=DB, name=STG, facets={"schema": _schema(STG_V2)}), raw_orders],
            [
                OutputDataset(
                    namespace=DB,
                    name=MART,
                    facets={
                        "schema": _schema(COLUMNS[MART]),
                        "columnLineage": _lineage(
                            {
                                "customer_id": [(STG, "customer_id", _how("DIRECT", "IDENTITY"))],
                                "full_name": [(STG, "full_name", _how("DIRECT", "IDENTITY"))],
                                "lifetime_value": [
                                    (RAW_ORDERS, "amount", _how("DIRECT", "AGGREGATION", "sum(amount)")),
                                    (RAW_ORDERS, "customer_id", _how("INDIRECT", "GROUP_BY")),
                                ],
                            }
                        ),
                    },
                )
            ],
            {
                "sql": sql_job.SQLJobFacet(
                    query="select customer_id, full_name, sum(amount) from stg_customers join raw.orders using (customer_id) group by 1, 2"
                )
            },
        ),
        *_run(
            ("spark", "export.customers"),
            T0 + 5 * day,
            T0 + 5 * day + timedelta(minutes=1),
            RunState.COMPLETE,
            [InputDataset(namespace=DB, name=MART)],
            [OutputDataset(namespace=EXPORTS, name=EXPORT)],
        ),
    ]
    return events


def _start_worker(broker: Broker, base: Path, extra: dict[str, str] | None = None) -> WorkerProcess:
    name = unique("page")
    env = {
        **server_variables(broker.url, name),
        **(extra or {}),
    }
    worker = WorkerProcess(env=env, data_dir=base / name).start()
    worker.wait_ready(timeout=120)
    return worker


def _feed(worker: WorkerProcess, token: str | None = None) -> None:
    config = HttpConfig(url=worker.base_url, timeout=30)
    if token:
        config.auth = ApiKeyTokenProvider({"apiKey": token})
    client = OpenLineageClient(transport=HttpTransport(config))
    for event in history():
        client.emit(event)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    wait_until(
        lambda: (
            worker.get(
                "/api/v1/lineage",
                params={"nodeId": "job:spark:export.customers", "depth": "5"},
                headers=headers,
            ).status_code
            == 200
        ),
        timeout=120,
        message="the worker's graph never held the export job",
    )


@pytest.fixture(scope="module")
def worker(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    running = _start_worker(broker, tmp_path_factory.mktemp("page-on-worker"))
    try:
        _feed(running)
        yield running
    finally:
        running.kill()


def open_page(
    watched: WatchedPage, worker: WorkerProcess, params: dict[str, str], state: str = "ready"
) -> Page:
    watched.page.goto(f"{worker.base_url}/lineage" + (f"?{urlencode(params)}" if params else ""))
    watched.page.wait_for_function(f"document.body.dataset.state === {json.dumps(state)}", timeout=60_000)
    return watched.page


def drawn(page: Page) -> set[str]:
    return set(
        page.eval_on_selector_all("#graph g.node[data-item]", "nodes => nodes.map(n => n.dataset.item)")
    )


def test_the_page_draws_the_workers_graph_and_opens_a_node_from_the_keyboard(
    worker: WorkerProcess, watched: WatchedPage, shots: Path
) -> None:
    page = open_page(watched, worker, {"nodeId": "job:dbt:shop.customers"})
    assert {
        "job:dbt:shop.customers",
        "job:dbt:shop.stg_customers",
        "job:spark:export.customers",
        f"dataset:{DB}:{RAW}",
        f"dataset:{DB}:{RAW_ORDERS}",
        f"dataset:{DB}:{STG}",
        f"dataset:{DB}:{MART}",
        f"dataset:{EXPORTS}:{EXPORT}",
    } <= drawn(page)
    page.focus('#graph g.node[data-item="job:dbt:shop.customers"]')
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.item") == f"dataset:{DB}:{MART}"
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel[data-kind=dataset]")
    assert page.locator("#panel-title").inner_text() == MART
    screenshot(page, shots, "worker-graph")
    origin = urlsplit(worker.base_url).netloc
    assert all(urlsplit(u).netloc == origin for u in watched.requests if u.startswith("http"))


def test_start_screen_lists_what_the_worker_catalogued(
    worker: WorkerProcess, watched: WatchedPage, shots: Path
) -> None:
    page = open_page(watched, worker, {"ns": "dbt"})
    assert {"dbt", "spark", DB, EXPORTS} <= set(
        page.locator("#namespaces .entries .title").all_text_contents()
    )
    page.wait_for_selector("#jobs .entries li")
    jobs = page.locator("#jobs .entries li")
    assert jobs.locator(".title").all_text_contents() == ["shop.customers", "shop.stg_customers"]
    assert jobs.locator(".state").all_text_contents() == ["COMPLETED", "COMPLETED"]
    screenshot(page, shots, "worker-start")
    assert watched.unexpected_errors() == []


def test_search_finds_jobs_datasets_and_columns_on_the_worker(
    worker: WorkerProcess, watched: WatchedPage
) -> None:
    page = open_page(watched, worker, {})
    page.fill("#search", "customers")
    page.wait_for_selector("#search-results [role=option]")
    found = {
        (o.get_attribute("data-kind"), o.locator(".title").inner_text())
        for o in page.locator("#search-results [role=option]").all()
    }
    assert {
        ("job", "shop.customers"),
        ("job", "shop.stg_customers"),
        ("dataset", MART),
        ("dataset", STG),
    } <= found
    page.fill("#search", "lifetime")
    page.wait_for_selector("#search-results [data-kind=field]")
    page.keyboard.press("Enter")
    page.wait_for_function("document.body.dataset.state === 'ready'")
    query = parse_qs(urlsplit(page.url).query)
    assert query["nodeId"] == [f"datasetField:{DB}:{MART}:lifetime_value"]


def test_job_and_dataset_panels_show_runs_and_versions_from_the_worker(
    worker: WorkerProcess, watched: WatchedPage, shots: Path
) -> None:
    job = "job:dbt:shop.stg_customers"
    page = open_page(watched, worker, {"nodeId": job, "selected": job})
    page.wait_for_selector("#panel[data-loaded=true]")
    assert page.locator("table.runs tr.run .state").all_text_contents() == [
        "COMPLETED",
        "FAILED",
        "COMPLETED",
    ]
    assert page.locator("table.runs tr.run td:nth-child(3)").all_text_contents() == [
        "40 s",
        "1 min 35 s",
        "42 s",
    ]
    latest = page.locator(".latest-run").inner_text()
    assert "COMPLETED" in latest and "2026-04-03 08:00:00" in latest
    screenshot(page, shots, "worker-job-panel")
    stg = f"dataset:{DB}:{STG}"
    page.goto(f"{worker.base_url}/lineage?{urlencode({'nodeId': stg, 'selected': stg})}")
    page.wait_for_selector("#panel[data-loaded=true]")
    assert page.locator("table.schema tbody td:first-child").all_text_contents() == [
        "customer_id",
        "full_name",
        "email_masked",
    ]
    assert page.locator("table.versions tr.version .change").all_text_contents() == [
        "+email_masked",
        "first version",
    ]
    screenshot(page, shots, "worker-dataset-panel")


def test_column_lineage_from_the_worker_shows_transformation_types(
    worker: WorkerProcess, watched: WatchedPage, shots: Path
) -> None:
    page = open_page(watched, worker, {"nodeId": f"dataset:{DB}:{MART}", "view": "columns"})
    assert page.locator("#graph g.node.dataset").count() == 0

    def badges(table: str, field: str) -> list[str]:
        return page.eval_on_selector_all(
            f'#graph g.row[data-item="datasetField:{DB}:{table}:{field}"] .badge text',
            "ts => ts.map(t => t.textContent)",
        )

    assert badges(MART, "lifetime_value") == ["AGGREGATION", "GROUP_BY"]
    assert badges(STG, "full_name") == ["TRANSFORMATION"]
    assert badges(MART, "customer_id") == ["IDENTITY"]
    screenshot(page, shots, "worker-columns")
    page.goto(f"{worker.base_url}/lineage?{urlencode({'nodeId': f'dataset:{DB}:{STG}', 'view': 'columns'})}")
    page.wait_for_function("document.body.dataset.state === 'ready'")
    assert badges(STG, "email_masked") == ["IDENTITY", "masked"]


def test_point_in_time_on_the_worker(worker: WorkerProcess, watched: WatchedPage) -> None:
    now = open_page(watched, worker, {"nodeId": "job:dbt:shop.customers"})
    assert "job:spark:export.customers" in drawn(now)
    before_export = (T0 + timedelta(days=3)).isoformat().replace("+00:00", "Z")
    page = open_page(watched, worker, {"nodeId": "job:dbt:shop.customers", "asOf": before_export})
    nodes = drawn(page)
    assert "job:dbt:shop.stg_customers" in nodes and "job:spark:export.customers" not in nodes


def test_reads_take_the_token_the_page_was_opened_with(
    broker: Broker, browser: Browser, tmp_path: Path, shots: Path
) -> None:
    worker = _start_worker(broker, tmp_path, {"LINEAGE_API_TOKEN": TOKEN})
    try:
        assert worker.get("/api/v1/lineage", params={"nodeId": "job:dbt:shop.customers"}).status_code == 401
        _feed(worker, TOKEN)
        with watched_page(browser) as watched:
            page = open_page(watched, worker, {"token": TOKEN, "nodeId": "job:dbt:shop.customers"})
            assert "token" not in page.url
            assert "job:spark:export.customers" in drawn(page)
        with watched_page(browser) as fresh:
            page = open_page(fresh, worker, {"nodeId": "job:dbt:shop.customers"}, state="unauthorized")
            assert "needs a token" in page.locator("#alert").inner_text()
            screenshot(page, shots, "worker-token-needed")
    finally:
        worker.kill()
