"""This server as a member of its cohorts: wires the cohort agents, stores and readers together.

```
 cohort topics (every LINEAGE_COHORTS cohort, in LINEAGE_COHORT_TOPIC_STRUCTURE)
   -> cohort-intake (validate; dead letters; INVALID_* answers)
        -> cohort.registry  (1 partition)  -> cohort-registry  -> member registry   (cohort.members)
        -> cohort.types     (1 partition)  -> cohort-typedefs  -> cohort TypeDefs   (cohort.typedefs)
        -> cohort.instances (N, by guid)   -> cohort-instances -> reference copies  (cohort.referencecopies)
   error events aimed at us -> cohort.errors -> every replica (GET /api/v1/cohort/errors)
   registration, answers, error events, published instances -> back to the cohort topics
```

`install(service)` is the one entry in ``default_installers``; what it builds is kept in
``service.extensions["cohort"]`` for the REST views and the publisher.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agents.cohort_dedup import SeenEvents
from agents.cohort_errors import ErrorLog
from agents.cohort_instances import CohortInstances
from agents.cohort_intake import CohortIntake
from agents.cohort_registry import CohortRegistry
from agents.cohort_store import ChangelogStore
from agents.cohort_topics import CohortInternalTopics
from agents.cohort_typedefs import CohortTypeDefs
from app.settings import CohortTopicStructure

if TYPE_CHECKING:
    from app.service import LineageService

log = logging.getLogger(__name__)

EXTENSION = "cohort"


@dataclass
class CohortMember:
    topics: CohortInternalTopics
    intake: CohortIntake
    registry: CohortRegistry
    typedefs: CohortTypeDefs
    instances: CohortInstances
    errors: ErrorLog
    stores: list[ChangelogStore]


def member_of(service: LineageService) -> CohortMember | None:
    member: CohortMember | None = service.extensions.get(EXTENSION)
    return member


def install(service: LineageService) -> None:
    settings = service.settings
    if not settings.cohorts:
        log.info("LINEAGE_COHORTS is empty: this server is in no cohort")
        return
    topics = CohortInternalTopics.from_settings(settings)
    both = settings.cohort_topic_structure is CohortTopicStructure.BOTH_SINGLE_AND_DEDICATED_TOPICS
    partitions = settings.topic_partitions

    def seen(topic: str, n: int) -> SeenEvents | None:
        return SeenEvents(service, topic, n) if both else None

    errors = ErrorLog(service, topics.errors)
    seen_registry, seen_types, seen_instances = (
        seen(topics.registry, 1),
        seen(topics.types, 1),
        seen(topics.instances, partitions),
    )
    registry = CohortRegistry(service, topics, errors, seen_registry)
    typedefs = CohortTypeDefs(service, topics, errors, seen_types)
    instances = CohortInstances(service, topics, errors, seen_instances)
    stores = [registry.store, typedefs.store, instances.store]
    stores += [s.store for s in (seen_registry, seen_types, seen_instances) if s is not None]
    member = CohortMember(
        topics, CohortIntake(service, topics), registry, typedefs, instances, errors, stores
    )
    service.extensions[EXTENSION] = member

    member.intake.install()
    registry.install()
    typedefs.install()
    instances.install()
    errors.install()
    _track_store_partitions(service, stores)


def _track_store_partitions(service: LineageService, stores: list[ChangelogStore]) -> None:
    """Recover each store's partitions as the replica is assigned its source topic's partitions.

    Rebalances revoke everything first (eager protocol), so every store partition is replayed
    (incrementally, from where this replica left it) before its agent touches it again.
    """
    for store in stores:
        service.on_partitions(store.source_topic, assigned=store.on_assigned, revoked=store.on_revoked)
