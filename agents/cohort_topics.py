"""The cohort's Kafka topics, named as Egeria names them, in the cohort's topic structure.

`<root>.openmetadata.repositoryservices.cohort.<cohort>.OMRSTopic` is the single topic; the
dedicated topics add `.registration`, `.types` and `.instances` (shared/reference/omrs-events.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

COHORT_SUFFIXES = ("registration", "types", "instances")


class CohortTopicStructure(StrEnum):
    """How a cohort lays out its topics (Egeria's CohortTopicStructure)."""

    DEDICATED_TOPICS = "DEDICATED_TOPICS"
    SINGLE_TOPIC = "SINGLE_TOPIC"
    BOTH_SINGLE_AND_DEDICATED_TOPICS = "BOTH_SINGLE_AND_DEDICATED_TOPICS"


def cohort_single_topic(root: str, cohort: str) -> str:
    return f"{root}.openmetadata.repositoryservices.cohort.{cohort}.OMRSTopic"


def cohort_dedicated_topic(root: str, cohort: str, kind: str) -> str:
    """kind is one of 'registration', 'types', 'instances'."""
    if kind not in COHORT_SUFFIXES:
        raise ValueError(f"unknown cohort topic kind {kind!r}")
    return f"{cohort_single_topic(root, cohort)}.{kind}"


@dataclass(frozen=True)
class CohortTopics:
    """The topics one cohort uses in the configured structure.

    `inbound` lists what to consume; `outbound(kind)` where to publish an event of a kind.
    With BOTH_SINGLE_AND_DEDICATED_TOPICS we publish to both, as Egeria does, and consume both.
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

    @property
    def registration_topic(self) -> str:
        """The topic whose partition 0 decides which replica registers with the cohort."""
        return self.outbound("registration")[0]


def cohort_topics(root: str, cohort: str, structure: CohortTopicStructure) -> CohortTopics:
    single = cohort_single_topic(root, cohort) if structure != CohortTopicStructure.DEDICATED_TOPICS else None
    dedicated = (
        {kind: cohort_dedicated_topic(root, cohort, kind) for kind in COHORT_SUFFIXES}
        if structure != CohortTopicStructure.SINGLE_TOPIC
        else {}
    )
    return CohortTopics(cohort=cohort, single=single, dedicated=dedicated)
