"""Topic names, derived from settings in one place so every replica and every tool agrees.

Names follow Egeria (see shared/reference/omrs-events.md) for the cohort and Asset Manager
topics, and DESIGN.md for this service's own internal and dead-letter topics.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.settings import CohortTopicStructure, Settings

COHORT_SUFFIXES = ("registration", "types", "instances")


def cohort_single_topic(root: str, cohort: str) -> str:
    return f"{root}.openmetadata.repositoryservices.cohort.{cohort}.OMRSTopic"


def cohort_dedicated_topic(root: str, cohort: str, kind: str) -> str:
    """kind is one of 'registration', 'types', 'instances'."""
    if kind not in COHORT_SUFFIXES:
        raise ValueError(f"unknown cohort topic kind {kind!r}")
    return f"{cohort_single_topic(root, cohort)}.{kind}"


def asset_manager_out_topic(root: str, server: str) -> str:
    return f"{root}.server.{server}.omas.assetmanager.outTopic"


def _omis_topic(root: str, server: str, name: str) -> str:
    return f"{root}.server.{server}.omis.lineageintegrator.{name}"


@dataclass(frozen=True)
class CohortTopics:
    """The topics one cohort uses in the configured structure.

    `inbound` lists what to consume; `outbound(kind)` where to publish an event of a kind.
    With BOTH_SINGLE_AND_DEDICATED_TOPICS we publish to both, as Egeria does, and consume
    both (handlers are idempotent, so an event seen twice changes nothing).
    """

    cohort: str
    single: str | None
    dedicated: dict[str, str]

    @property
    def inbound(self) -> list[str]:
        names = list(self.dedicated.values())
        if self.single:
            names.append(self.single)
        return names

    def outbound(self, kind: str) -> list[str]:
        names = [self.dedicated[kind]] if kind in self.dedicated else []
        if self.single:
            names.append(self.single)
        return names


@dataclass(frozen=True)
class TopicNames:
    """Every topic name this server uses."""

    openlineage_internal: str
    dead_letter: str
    openlineage_inbound: tuple[str, ...]
    asset_manager_inbound: tuple[str, ...]
    cohorts: tuple[CohortTopics, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> TopicNames:
        root, server = settings.topic_root, settings.server_name
        return cls(
            openlineage_internal=_omis_topic(root, server, "openlineage"),
            dead_letter=_omis_topic(root, server, "deadletter"),
            openlineage_inbound=tuple(settings.openlineage_topics),
            asset_manager_inbound=tuple(
                asset_manager_out_topic(root, s) for s in settings.asset_manager_servers
            ),
            cohorts=tuple(
                cohort_topics(root, cohort, settings.cohort_topic_structure) for cohort in settings.cohorts
            ),
        )

    def cohort(self, name: str) -> CohortTopics:
        for topics in self.cohorts:
            if topics.cohort == name:
                return topics
        raise KeyError(f"not a member of cohort {name!r}")


def cohort_topics(root: str, cohort: str, structure: CohortTopicStructure) -> CohortTopics:
    single = cohort_single_topic(root, cohort) if structure != CohortTopicStructure.DEDICATED_TOPICS else None
    dedicated = (
        {kind: cohort_dedicated_topic(root, cohort, kind) for kind in COHORT_SUFFIXES}
        if structure != CohortTopicStructure.SINGLE_TOPIC
        else {}
    )
    return CohortTopics(cohort=cohort, single=single, dedicated=dedicated)
