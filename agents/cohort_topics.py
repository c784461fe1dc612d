"""The Kafka topics of cohort membership: the cohorts' own and this server's internal ones.

Cohort topics (``<root>.openmetadata.repositoryservices.cohort.<cohort>.OMRSTopic[.kind]``)
come from ``app.topics``. The internal ones all live under
``<root>.server.<server>.omis.lineageintegrator.cohort.*``:

| topic | partitions | holds |
|---|---|---|
| ``cohort.registry`` | 1 | registry events of every cohort, plus this server's start-up "register" kicks |
| ``cohort.types`` | 1 | TypeDef events of every cohort |
| ``cohort.instances`` | N | instance events re-keyed by instance guid (per-guid order) |
| ``cohort.members`` | 1, compacted | changelog of the member registry (remote members and local registrations) |
| ``cohort.typedefs`` | 1, compacted | changelog of the TypeDefs seen per cohort |
| ``cohort.referencecopies`` | N, compacted | changelog of the reference copies, key = instance guid |
| ``cohort.errors`` | 1 | error events aimed at this server (a log, not a table) |
| ``cohort.<stream>.seen`` | as the stream, compacted | event digests already handled (BOTH topic structure only) |

N is ``LINEAGE_TOPIC_PARTITIONS``; a changelog always has the partitions of the topic it
is co-partitioned with. Every topic carries raw bytes: agents translate to and from
``schemas.omrs`` themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import faust

from app.settings import Settings

if TYPE_CHECKING:
    from app.service import LineageService

_FRAME_OVERHEAD = 64 * 1024


def cohort_internal_topic(settings: Settings, name: str) -> str:
    return f"{settings.topic_root}.server.{settings.server_name}.omis.lineageintegrator.cohort.{name}"


@dataclass(frozen=True)
class CohortInternalTopics:
    registry: str
    types: str
    instances: str
    members: str
    typedefs: str
    reference_copies: str
    errors: str

    @classmethod
    def from_settings(cls, settings: Settings) -> CohortInternalTopics:
        def name(n: str) -> str:
            return cohort_internal_topic(settings, n)

        return cls(
            registry=name("registry"),
            types=name("types"),
            instances=name("instances"),
            members=name("members"),
            typedefs=name("typedefs"),
            reference_copies=name("referencecopies"),
            errors=name("errors"),
        )

    @staticmethod
    def seen(stream_topic: str) -> str:
        """The dedup changelog of a stream topic."""
        return f"{stream_topic}.seen"


def raw_topic(
    service: LineageService,
    name: str,
    *,
    partitions: int | None = None,
    compacted: bool = False,
    declare: bool = True,
) -> faust.TopicT:
    """A raw-bytes Faust topic; `declare` creates it (with `partitions`) when Faust subscribes.

    Cached on the service so every agent and store shares one object per name.
    """
    cache: dict[str, faust.TopicT] = service.extensions.setdefault("cohort_topics", {})
    if name not in cache:
        config = {"max.message.bytes": str(service.settings.max_event_bytes + _FRAME_OVERHEAD)}
        cache[name] = service.app.topic(
            name,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=partitions,
            internal=declare,
            compacting=True if compacted else None,
            config=config,
        )
    return cache[name]


def multi_topic(service: LineageService, names: list[str]) -> faust.TopicT:
    """One raw-bytes Faust channel over several topics (declared, so they exist before we subscribe)."""
    cache: dict[str, faust.TopicT] = service.extensions.setdefault("cohort_topics", {})
    key = ",".join(names)
    if key not in cache:
        cache[key] = service.app.topic(
            *names,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            internal=True,
            config={"max.message.bytes": str(service.settings.max_event_bytes + _FRAME_OVERHEAD)},
        )
    return cache[key]
