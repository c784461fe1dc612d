"""Every topic this server uses, in one table, derived from the settings so every replica and
every tool agrees.

Cohort and Asset Manager topics are named as Egeria names them
(shared/reference/omrs-events.md); this server's own topics live under
`<root>.server.<server>.omis.lineageintegrator`:

| topic | partitions | kind | holds |
|---|---|---|---|
| `.openlineage` | N | owned | valid OpenLineage events, keyed `run:{ns}/{job}`, read by every connector |
| `.deadletter` | N | owned | records that could not be handled |
| `.catalogue` | N | owned | the cataloguer's contributions, keyed by instance guid |
| `.catalogue.state` | N, compacted | owned, co-partitioned with `.catalogue` | the catalogue's state (changelog) |
| `.connector.<name>.retry` | N | owned | a connector's events waiting for a retry |
| cohort topics, `LINEAGE_OPENLINEAGE_TOPICS`, Asset Manager out topics, event receivers' topics | any | another party's | created with N partitions when missing |

N is LINEAGE_TOPIC_PARTITIONS. `runtime.topics.ensure_topics` creates and checks them all
before the worker's clients start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agents.catalogue.catalogue import catalogue_state_topic_name, catalogue_topic_name
from agents.cohort_topics import CohortTopics, cohort_topics
from app.settings import Settings
from runtime.topics import TopicRegistry, TopicSpec


def asset_manager_out_topic(root: str, server: str) -> str:
    return f"{root}.server.{server}.omas.assetmanager.outTopic"


def own_topic_prefix(root: str, server: str) -> str:
    return f"{root}.server.{server}.omis.lineageintegrator"


@dataclass(frozen=True)
class TopicNames:
    """Every topic name this server uses."""

    prefix: str
    openlineage_internal: str
    dead_letter: str
    catalogue: str
    catalogue_state: str
    openlineage_inbound: tuple[str, ...]
    asset_manager_inbound: tuple[str, ...]
    cohorts: tuple[CohortTopics, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> TopicNames:
        root, server = settings.topic_root, settings.server_name
        prefix = own_topic_prefix(root, server)
        return cls(
            prefix=prefix,
            openlineage_internal=f"{prefix}.openlineage",
            dead_letter=f"{prefix}.deadletter",
            catalogue=catalogue_topic_name(prefix),
            catalogue_state=catalogue_state_topic_name(prefix),
            openlineage_inbound=tuple(settings.openlineage_topics),
            asset_manager_inbound=tuple(
                asset_manager_out_topic(root, s) for s in settings.asset_manager_servers
            ),
            cohorts=tuple(cohort_topics(root, c, settings.cohort_topic_structure) for c in settings.cohorts),
        )

    def cohort(self, name: str) -> CohortTopics:
        for topics in self.cohorts:
            if topics.cohort == name:
                return topics
        raise KeyError(f"not a member of cohort {name!r}")

    @property
    def cohort_instance_topics(self) -> list[str]:
        """The cohort topics that carry instance events, for every cohort."""
        return list(dict.fromkeys(name for c in self.cohorts for name in c.outbound("instances")))


def topic_registry(
    settings: Settings,
    names: TopicNames,
    *,
    max_message_bytes: int,
    retry_topics: Iterable[str] = (),
    source_topics: Iterable[str] = (),
) -> TopicRegistry:
    """The table of the module docstring, for one worker."""
    n = settings.topic_partitions
    registry = TopicRegistry(
        replication_factor=settings.topic_replication_factor, max_message_bytes=max_message_bytes
    )
    for name in (names.openlineage_internal, names.dead_letter, names.catalogue, *retry_topics):
        registry.add(TopicSpec(name, n))
    registry.add(TopicSpec(names.catalogue_state, n, compacted=True, copartitioned_with=names.catalogue))
    external = [*names.openlineage_inbound, *names.asset_manager_inbound, *source_topics]
    external += [name for cohort in names.cohorts for name in cohort.inbound]
    for name in dict.fromkeys(external):
        if name not in registry:
            registry.add(TopicSpec(name, n, owned=False))
    return registry
