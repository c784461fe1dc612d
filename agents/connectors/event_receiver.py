"""The event receiver: OpenLineage events from more Kafka topics (Egeria's OpenLineageEventReceiver).

Its topics are read by an intake agent of their own (stream `connector-source:<name>`),
which validates each record exactly as the main Kafka intake does: valid ones go to the
internal topic (so to every connector), invalid ones to the dead-letter topic. Use it for
topics beyond LINEAGE_OPENLINEAGE_TOPICS, e.g. one per team, each in its own entry:

    - name: team-a-events
      connector: event-receiver
      settings: {topics: [team-a.openlineage]}

The topics must be on this service's broker.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from agents.connectors.base import Connector


class EventReceiverSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topics: list[str] = Field(min_length=1)


class EventReceiverConnector(Connector[EventReceiverSettings]):
    """Publishes the OpenLineage events of its Kafka topics to every connector."""

    settings_model = EventReceiverSettings
    consumes_openlineage = False
    description = "Reads OpenLineage events from extra Kafka topics and publishes them to every connector"

    def kafka_sources(self) -> list[str]:
        return list(self.settings.topics)

    @classmethod
    def listens_to(cls) -> dict[str, object]:
        return {"openLineage": False, "kafkaTopics": "settings.topics"}
