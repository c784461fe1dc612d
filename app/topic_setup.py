"""Create the topics this service owns before any of its streams or tasks touch them.

Faust would declare an agent's topic when it subscribes, but batch streams and start-up
tasks run concurrently once the app has started: a task that produces to a topic before
it exists would have the broker auto-create it with the broker's defaults (for instance
four partitions where the cohort registry stage needs exactly one). So the worker creates
every topic it owns, with its partitions and compaction, before the app starts.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

if TYPE_CHECKING:
    from app.service import LineageService

log = logging.getLogger(__name__)


def owned_topics(service: LineageService) -> list[NewTopic]:
    """Every topic the service declared as its own (`LineageService.topic(..., declare=True)`)."""
    settings = service.settings
    wanted: dict[str, NewTopic] = {}
    for topic in service.declared_topics():
        config = dict(topic.config or {})
        if topic.compacting:
            config["cleanup.policy"] = "compact"
        for name in topic.topics:
            wanted[name] = NewTopic(
                name=name,
                num_partitions=topic.partitions or settings.topic_partitions,
                replication_factor=topic.replicas or settings.topic_replication_factor,
                topic_configs=config,
            )
    return list(wanted.values())


def create_owned_topics(service: LineageService) -> None:
    """Create the owned topics that do not exist yet (an existing topic is left as it is)."""
    topics = owned_topics(service)
    if not topics:
        return
    admin = KafkaAdminClient(bootstrap_servers=service.settings.bootstrap_servers, client_id="lineage-setup")
    try:
        existing = set(admin.list_topics())
        missing = [t for t in topics if t.name not in existing]
        for topic in missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another replica was first
                admin.create_topics([topic])
        if missing:
            log.info("Created %d topics this server owns", len(missing))
    finally:
        admin.close()
