"""The topics a worker uses, declared once, and the one step that creates and checks them.

Every topic the service reads or writes is a `TopicSpec` in one `TopicRegistry` (the app
fills it from its settings in one table, `app/topics.py`). `ensure_topics` runs once per
worker start, with one admin client, before any consumer or producer starts:

- a missing topic is created with its partitions, the replication factor and its
  configuration (compaction for changelogs, the record size limit), so nothing depends on
  the broker auto-creating topics (production clusters usually turn that off);
- a topic this service owns that exists with another partition count stops the worker
  with a clear error: keys would land on other partitions than the data already there;
- topics declared co-partitioned (a stream and the changelog of its state) must have
  equal partition counts, checked for every topic, owned or not.

Topics of other parties (the cohort's, the producers' OpenLineage topics) are created
when missing, but any partition count they have is accepted.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

log = logging.getLogger(__name__)

_UNKNOWN_TOPIC = 3


class TopicLayoutError(RuntimeError):
    """The topics on the broker cannot be used as declared (the message says how to fix it)."""


@dataclass(frozen=True)
class TopicSpec:
    """One topic: its name, how many partitions, and who owns it."""

    name: str
    partitions: int
    owned: bool = True
    """True for this service's own topics (partition count enforced); False for another
    party's topics (created when missing, any partition count accepted)."""
    compacted: bool = False
    copartitioned_with: str | None = None
    """The name of a topic whose partition count this one must equal (a changelog and its stream)."""
    config: Mapping[str, str] = field(default_factory=dict)


class TopicRegistry:
    """Every topic of one worker, by name."""

    def __init__(self, *, replication_factor: int = 1, max_message_bytes: int | None = None) -> None:
        self.replication_factor = replication_factor
        self.max_message_bytes = max_message_bytes
        self._specs: dict[str, TopicSpec] = {}

    def add(self, spec: TopicSpec) -> str:
        """Declare a topic; declaring the same name twice must declare the same topic."""
        held = self._specs.get(spec.name)
        if held is not None and held != spec:
            raise ValueError(f"topic {spec.name} declared twice, differently: {held} and {spec}")
        self._specs[spec.name] = spec
        return spec.name

    def __iter__(self) -> Iterator[TopicSpec]:
        return iter(self._specs.values())

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __getitem__(self, name: str) -> TopicSpec:
        return self._specs[name]

    def new_topic(self, spec: TopicSpec) -> NewTopic:
        config = dict(spec.config)
        if spec.compacted:
            config.setdefault("cleanup.policy", "compact")
        if spec.owned and self.max_message_bytes is not None:
            config.setdefault("max.message.bytes", str(self.max_message_bytes))
        return NewTopic(spec.name, spec.partitions, self.replication_factor, topic_configs=config)


async def ensure_topics(admin: AIOKafkaAdminClient, registry: TopicRegistry) -> dict[str, int]:
    """Create the missing topics and check the layout; returns each topic's partition count.

    Raises TopicLayoutError when an owned topic has the wrong partition count or
    co-partitioned topics differ.
    """
    names = [spec.name for spec in registry]
    found = await _partition_counts(admin, names)
    missing = [spec for spec in registry if spec.name not in found]
    if missing:
        await _create(admin, registry, missing)
        found.update(await _partition_counts(admin, [spec.name for spec in missing]))
        log.info("Created %d topics: %s", len(missing), ", ".join(spec.name for spec in missing))
    _check(registry, found)
    return found


async def _partition_counts(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    """Partition counts of the topics in `names` that exist. Only listed topics are described:
    a metadata request naming a missing topic has some brokers auto-create it."""
    existing = set(await admin.list_topics())
    present = [name for name in names if name in existing]
    if not present:
        return {}
    described = await admin.describe_topics(present)
    return {
        entry["topic"]: len(entry["partitions"])
        for entry in described
        if entry.get("error_code", 0) != _UNKNOWN_TOPIC and entry.get("partitions")
    }


async def _create(admin: AIOKafkaAdminClient, registry: TopicRegistry, specs: list[TopicSpec]) -> None:
    for spec in specs:
        with contextlib.suppress(TopicAlreadyExistsError):  # another replica created it first
            await admin.create_topics([registry.new_topic(spec)])


def _check(registry: TopicRegistry, found: dict[str, int]) -> None:
    problems: list[str] = []
    for spec in registry:
        count = found.get(spec.name)
        if count is None:
            problems.append(f"{spec.name} does not exist and could not be created")
        elif spec.owned and count != spec.partitions:
            problems.append(
                f"{spec.name} has {count} partitions where this server needs {spec.partitions} "
                "(LINEAGE_TOPIC_PARTITIONS, or the fixed count of that topic): delete it or set "
                f"LINEAGE_TOPIC_PARTITIONS={count}"
            )
        partner = spec.copartitioned_with
        if count is not None and partner is not None and found.get(partner) not in (None, count):
            problems.append(
                f"{spec.name} has {count} partitions but must match {partner}, which has {found[partner]}"
            )
    if problems:
        raise TopicLayoutError("the topics on the broker do not fit this server:\n  " + "\n  ".join(problems))
