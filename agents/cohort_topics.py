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
is co-partitioned with. Every topic carries raw bytes (``LineageService.topic``, with
``declare=True`` for the internal ones): agents translate to and from ``schemas.omrs``
themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.settings import Settings


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
