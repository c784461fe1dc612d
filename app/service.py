"""The worker, wired: runtime, agents and REST views built from the settings, in one place.

`build_worker(settings)` is the only place that knows every part. What it builds:

- the Faust app (the application framework: lifecycle, signals, logging, the web server),
  with Faust's own Kafka consumer and producer off: every stream runs on `runtime`;
- the runtime (`runtime.host.Runtime`, a service of the Faust app): the topics, the one
  producer, and every stream and follower of this worker;
- the agents: the OpenLineage intake, the connectors, the catalogue, the Asset Manager
  events, the cohort member (with the cohort's lineage graph) and, with
  LINEAGE_READ_MODELS=on, the OpenLineage read model behind the Marquez read API;
- the REST views, each given only what it reads or calls.

Tests, benchmarks and the CLI all build the worker this way, so what runs in a test is
what runs in production.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import faust
from faust.app.base import BootStrategy

from agents.asset_manager import AssetManagerEvents
from agents.catalogue.catalogue import CatalogueMerger, CatalogueSender
from agents.catalogue.instances import Home
from agents.catalogue.read_model import KeyValueCatalogue
from agents.cohort_instances import reference_copies
from agents.cohort_member import CohortConfig, CohortMember, catalogue_read_model, cohort_lineage_graph
from agents.cohort_publisher import CohortPublisher
from agents.cohort_registry import registered_with_all
from agents.cohort_typedefs import cohorts_release
from agents.connectors.context import Cataloguing, ConnectorServices
from agents.connectors.registry import build_registry
from agents.connectors.runner import ConnectorHost
from agents.explorer import ReadModel
from agents.openlineage_intake import OpenLineageIntake
from agents.openlineage_publish import OpenLineagePublisher
from agents.openlineage_read_model import OpenLineageReadModel
from agents.repository_api import Repository
from app.settings import Settings
from app.topics import TopicNames, topic_registry
from app.web import cohort, connectors, health, lineage_intake, lineage_query, openapi, repository
from app.web.explorer import ReadAccess
from app.web.responses import application_options
from runtime.clients import ClientTuning, KafkaClients
from runtime.dead_letters import DeadLetters
from runtime.follower import Follower
from runtime.host import Runtime
from runtime.metrics import Metrics
from runtime.producer import Producer
from runtime.readiness import Readiness
from runtime.state import PartitionedStore, ReplicaStore, StateDir
from runtime.stream import StreamFactory
from schemas.open_metadata_types import LINEAGE_TYPE_NAMES

log = logging.getLogger(__name__)


class _WebOnly(BootStrategy):
    """Faust's app without its Kafka consumer and producer: the runtime has its own."""

    enable_kafka = False


class LineageApp(faust.App):
    BootStrategy = _WebOnly
    logger = logging.getLogger("faust.app")  # its start/stop lines are the framework's, not ours


@dataclass
class Worker:
    """One worker replica, built (not started: `app` runs it)."""

    settings: Settings
    names: TopicNames
    app: faust.App
    runtime: Runtime
    readiness: Readiness
    metrics: Metrics
    state_dir: StateDir
    host: ConnectorHost
    explorer_store: ReplicaStore | None
    """The OpenLineage read model's store (None: LINEAGE_READ_MODELS=off)."""
    read_model: OpenLineageReadModel | None
    cohort: CohortMember | None = None
    cohort_store: ReplicaStore | None = None

    def follower(self, name: str) -> Follower | None:
        return next((f for f in self.runtime.followers if f.name == name), None)

    @property
    def cohort_follower(self) -> Follower | None:
        return self.follower("cohort")

    def status(self) -> dict[str, Any]:
        """Who this replica is and what it holds (`GET /api/v1/status`)."""
        return {
            "server": self.settings.server_name,
            "metadataCollectionId": self.settings.collection_id,
            "webPort": self.settings.web_port,
            "dataDir": str(self.settings.data_dir),
            "assignedPartitions": [
                {"topic": tp.topic, "partition": tp.partition} for tp in sorted(self.runtime.assignment())
            ],
            **self.runtime.status(),
        }


def client_tuning(settings: Settings) -> ClientTuning:
    return ClientTuning(
        client_id=settings.server_name,
        max_event_bytes=settings.max_event_bytes,
        session_timeout_s=settings.session_timeout_s,
        rebalance_timeout_s=settings.rebalance_timeout_s,
        heartbeat_interval_s=settings.heartbeat_interval_s,
        fetch_wait_ms=settings.stream_fetch_wait_ms,
        batch_records=settings.stream_batch_records,
        linger_ms=int(settings.producer_linger_s * 1000),
    )


def kafka_clients(settings: Settings) -> KafkaClients:
    return KafkaClients(settings.kafka_connection(), client_tuning(settings))


def build_worker(settings: Settings) -> Worker:
    """Build every part of one worker replica from its settings (see the module docstring)."""
    if not settings.broker:
        raise ValueError("build_worker needs settings.broker; the CLI resolves the embedded broker first")
    names = TopicNames.from_settings(settings)
    metrics, readiness = Metrics(), Readiness()
    clients = kafka_clients(settings)
    producer = Producer(clients)
    dead_letters = DeadLetters(producer, names.dead_letter, clients.tuning.max_record_bytes, metrics)
    streams = StreamFactory(
        clients=clients,
        producer=producer,
        dead_letters=dead_letters,
        metrics=metrics,
        group_prefix=settings.server_name,
    )
    state_dir = StateDir(settings.data_dir / "state")
    state_dir.acquire()
    identity = settings.cohort_identity()

    publisher = OpenLineagePublisher(producer, names.openlineage_internal, metrics, settings.max_event_bytes)
    intake = OpenLineageIntake(publisher)
    if names.openlineage_inbound:
        streams.stream("openlineage-intake", names.openlineage_inbound, intake.handle)

    cohort_publisher = CohortPublisher(producer, identity, names.cohorts, metrics)

    catalogue_store = PartitionedStore(
        "catalogue", state_dir.root / "catalogue", names.catalogue, names.catalogue_state, clients
    )
    home = Home(
        collection_id=identity.collection_id,
        collection_name=identity.metadata_collection_name,
        server_name=identity.server_name,
        organization_name=identity.organization_name,
    )
    merger = CatalogueMerger(home, catalogue_store, cohort_publisher)
    streams.stream("catalogue", [names.catalogue], merger.handle, stores=[catalogue_store])
    cohort_store = ReplicaStore(state_dir.root / "cohort") if names.cohorts else None
    reader = KeyValueCatalogue(catalogue_read_model(cohort_store.view)) if cohort_store is not None else None
    services = ConnectorServices(
        openlineage=publisher,
        publish_instances=cohort_publisher.publish_instance_events,
        data_root=settings.data_dir,
        cataloguing=Cataloguing(
            send=CatalogueSender(producer, names.catalogue, metrics).send,
            reader=reader,
            cohort_release=cohort_release_of(cohort_store, list(settings.cohorts)),
        ),
    )
    host = ConnectorHost(
        build_registry(settings.connectors),
        services,
        producer=producer,
        dead_letters=dead_letters,
        metrics=metrics,
        retry_topic_prefix=names.prefix,
    )
    host.add_streams(streams, names.openlineage_internal, intake)
    if names.asset_manager_inbound:
        streams.stream("asset-manager", names.asset_manager_inbound, AssetManagerEvents(host, metrics).handle)

    followers: list[Follower] = []
    follower = partial(
        Follower, clients=clients, producer=producer, dead_letters=dead_letters, metrics=metrics
    )
    explorer_store: ReplicaStore | None = None
    read_model: OpenLineageReadModel | None = None
    if settings.keeps_read_models:
        explorer_store = ReplicaStore(state_dir.root / "explorer")
        read_model = OpenLineageReadModel(metrics)
        followers.append(
            follower("explorer", [names.openlineage_internal], read_model.apply, store=explorer_store)
        )
    member: CohortMember | None = None
    if cohort_store is not None:
        member = CohortMember(
            CohortConfig(
                identity=identity,
                cohorts=names.cohorts,
                structure=settings.cohort_topic_structure,
                kept_types=frozenset(settings.reference_copy_types or LINEAGE_TYPE_NAMES),
            ),
            cohort_publisher,
            metrics,
        )
        followers.append(
            follower(
                "cohort",
                member.topics,
                member.apply,
                store=cohort_store,
                ownership_group=f"{settings.server_name}.cohort",
                on_gained=member.on_gained,
            )
        )
        store_view, cohorts = cohort_store.view, member.cohort_names
        readiness.add("cohort_registered", lambda: registered_with_all(store_view, cohorts))

    registry = topic_registry(
        settings,
        names,
        max_message_bytes=clients.tuning.max_record_bytes,
        retry_topics=[rc.retry_topic for rc in host.connectors if rc.retry_topic],
        source_topics=[topic for rc in host.connectors for topic in rc.sources],
    )
    runtime = Runtime(
        clients=clients,
        topics=registry,
        producer=producer,
        readiness=readiness,
        streams=streams.made,
        followers=followers,
        components=[host],
        stores=[store for store in (catalogue_store, explorer_store, cohort_store) if store is not None],
        state_dir=state_dir,
    )
    app = build_faust_app(settings)
    worker = Worker(
        settings=settings,
        names=names,
        app=app,
        runtime=runtime,
        readiness=readiness,
        metrics=metrics,
        state_dir=state_dir,
        host=host,
        explorer_store=explorer_store,
        read_model=read_model,
        cohort=member,
        cohort_store=cohort_store,
    )
    install_views(worker, publisher)
    app.service(runtime)  # type: ignore[arg-type]  # Faust types its services as classes
    return worker


def build_faust_app(settings: Settings) -> faust.App:
    """The Faust app: its id is the server name; web server on LINEAGE_WEB_PORT."""
    return LineageApp(
        settings.server_name,
        broker=";".join(f"kafka://{hp}" for hp in settings.bootstrap_servers),
        store="memory://",
        datadir=str(settings.data_dir / "faust"),
        autodiscover=False,
        web_enabled=True,
        web_router_enabled=False,  # Faust's /router and /table views: this app has no Faust tables
        web_tables_enabled=False,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        web_application_options={
            "client_max_size": settings.max_batch_bytes + 65536,
            **application_options(),
        },
    )


def cohort_release_of(cohort_store: ReplicaStore | None, cohorts: list[str]) -> Callable[[], str | None]:
    """The Egeria release family the cohorts' members announced, as this replica has read it
    (None: no cohort, none announced, or they disagree)."""
    if cohort_store is None:
        return lambda: None
    view = cohort_store.view
    return lambda: cohorts_release(view, cohorts)


def lineage_reads(worker: Worker) -> lineage_query.LineageReads | None:
    """The lineage reads over this replica's read models: the explorer store's OpenLineage
    read model and the cohort state's lineage graph, as of their last checkpoints (None:
    LINEAGE_READ_MODELS=off, this replica answers no lineage read)."""
    explorer = worker.follower("explorer")
    cohort_follower = worker.cohort_follower
    if explorer is None or worker.explorer_store is None or worker.read_model is None:
        return None
    read_model = worker.read_model
    graph = cohort_lineage_graph(worker.cohort_store.view) if worker.cohort_store is not None else None

    def not_ready() -> str | None:
        if not explorer.caught_up.is_set():
            return "the OpenLineage read model is still reading the internal topic; try again shortly"
        if cohort_follower is not None and not cohort_follower.caught_up.is_set():
            return "the cohort's lineage graph is still reading the cohort topics; try again shortly"
        return None

    def status() -> dict[str, Any]:
        cohort_status = None
        if graph is not None and cohort_follower is not None:
            cohort_status = {
                "topics": cohort_follower.topics,
                "caughtUp": cohort_follower.caught_up.is_set(),
                "behind": cohort_follower.behind,
                **graph.status(),
            }
        return {
            "openlineage": {
                "topics": explorer.topics,
                "caughtUp": explorer.caught_up.is_set(),
                "behind": explorer.behind,
                "unreadable": read_model.unreadable,
            },
            "cohort": cohort_status,
        }

    return lineage_query.LineageReads(
        model=ReadModel(worker.explorer_store.view),
        cohort=graph,
        not_ready=not_ready,
        status=status,
    )


def install_views(worker: Worker, publisher: OpenLineagePublisher) -> None:
    settings = worker.settings
    routes = worker.app.web.web_app.router  # type: ignore[attr-defined]
    health.install(routes, settings.server_name, worker.readiness, worker.metrics, worker.status)
    lineage_intake.install(
        routes,
        publisher,
        lineage_intake.IntakeConfig(
            server_name=settings.server_name,
            api_token=settings.api_token,
            max_event_bytes=settings.max_event_bytes,
            max_batch_bytes=settings.max_batch_bytes,
        ),
        worker.metrics,
    )
    connectors.install(routes, worker.host, settings.server_name)
    follower = worker.cohort_follower
    cohort.install(
        routes,
        cohort.CohortView(
            identity={
                "server": settings.server_name,
                "metadataCollectionId": settings.collection_id,
                "metadataCollectionName": settings.metadata_collection_name,
                "topicStructure": settings.cohort_topic_structure.value,
            },
            cohorts=list(settings.cohorts),
            reference_copy_types=list(settings.reference_copy_types or LINEAGE_TYPE_NAMES),
            state=worker.cohort_store.view if worker.cohort_store is not None else None,
            complete=follower.caught_up.is_set if follower is not None else (lambda: True),
        ),
    )
    access = ReadAccess(settings.api_token, settings.api_reads_open)
    lineage_query.install(routes, access, lineage_reads(worker))
    if worker.cohort_store is not None:
        copies = reference_copies(worker.cohort_store.view)
        repository_api = Repository(copies, settings.server_name, settings.collection_id)
        routes.add_routes(repository.route_table(repository_api, settings.api_token))
    context = openapi.DocumentContext(
        settings.server_name, bool(settings.api_token), reads_open=settings.api_reads_open
    )
    openapi.install(routes, context)
