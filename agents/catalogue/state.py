"""PURE: what the catalogue holds for one instance, how contributions merge into it, and
what the cohort must be told when it changed.

Each value of an instance (a property, an additional property, a classification, its
status) is a register stamped with the time of the contribution that set it: the newer
value wins, ties break on the value itself (a key marked `^` keeps the earliest instead).
Merging is therefore commutative, associative and idempotent: whatever order contributions
arrive in (a COMPLETE before its START, two jobs touching one table on two partitions, a
drop overtaking the last write, a replay of last week), the instance ends up the same, and
a contribution that is not newer than what is held changes nothing - so a replay publishes
nothing.

What a member sees is the instance's *content* (properties, additional properties,
classifications) and its status. `settle` compares both with what was last published and
returns the one change to publish, with the next version: created, updated, deleted
(soft), purged (after a soft delete) or purged at once, restored. An instance nothing ever
created (only a delete or an archive heard of it) is never published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson

from agents.catalogue.contribution import (
    ACTIVE,
    DELETED,
    EARLIEST,
    FIELD_KEY,
    NAME_KEY,
    NS_KEY,
    PURGED,
    STATUS,
    A,
    C,
    Contribution,
    EntityRef,
    P,
)

IDENTITY_KEYS = frozenset(
    {
        f"{P}qualifiedName",
        f"{P}name",
        f"{P}displayName",
        f"{P}resourceName",
        f"{P}namespacePath",
        f"{P}deployedImplementationType",
        f"{A}{NS_KEY}",
        f"{A}{NAME_KEY}",
        f"{A}{FIELD_KEY}",
    }
)
"""Values that follow from the guid itself and so never change: a newer contribution
repeating them need not move their time."""

NOT_CREATED = "NOT_CREATED"
"""The status of an instance no contribution has created yet."""


class ChangeKind(StrEnum):
    """What a settled change tells the cohort (one OMRS instance event each)."""

    NEW = "NEW"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    PURGE = "PURGE"
    DELETE_PURGE = "DELETE_PURGE"
    RESTORE = "RESTORE"


def _rank(time: int, value: Any) -> tuple[int, bytes]:
    return time, orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _wins(key: str, incoming: tuple[int, bytes], held: tuple[int, bytes]) -> bool:
    earliest = key[2:3] == EARLIEST
    return incoming < held if earliest else incoming > held


@dataclass
class InstanceState:
    """One catalogued instance: its registers and what was last published of it."""

    kind: str
    guid: str
    type_name: str
    end1: EntityRef | None = None
    end2: EntityRef | None = None
    registers: dict[str, tuple[int, Any]] = field(default_factory=dict)
    version: int = 0
    create_time: int | None = None
    update_time: int | None = None
    published: dict[str, Any] | None = None
    """The content as last published (None: never published)."""
    published_status: str | None = None
    """The status last published (None: never published)."""

    @property
    def status(self) -> str:
        """ACTIVE, DELETED, PURGED, or NOT_CREATED when nothing created it."""
        held = self.registers.get(STATUS)
        if held is not None:
            return str(held[1])
        return ACTIVE if self.published is not None else NOT_CREATED

    def content(self) -> dict[str, Any]:
        """What a cohort member sees: properties, additional properties, classifications."""
        properties: dict[str, Any] = {}
        additional: dict[str, str] = {}
        classifications: dict[str, dict[str, Any]] = {}
        for key in sorted(self.registers):
            value = self.registers[key][1]
            if value is None or key == STATUS:
                continue
            name = key[2:].removeprefix(EARLIEST)
            if key.startswith(P):
                properties[name] = value
            elif key.startswith(A):
                additional[name] = str(value)
            elif key.startswith(C):
                classifications[name] = value
        if additional:
            properties["additionalProperties"] = additional
        return {"properties": properties, "classifications": classifications}

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "guid": self.guid,
            "type": self.type_name,
            "end1": [self.end1.guid, self.end1.type_name, self.end1.qualified_name] if self.end1 else None,
            "end2": [self.end2.guid, self.end2.type_name, self.end2.qualified_name] if self.end2 else None,
            "registers": {k: [t, v] for k, (t, v) in self.registers.items()},
            "version": self.version,
            "createTime": self.create_time,
            "updateTime": self.update_time,
            "published": self.published,
            "publishedStatus": self.published_status,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InstanceState:
        published = data.get("published")
        return cls(
            kind=data["kind"],
            guid=data["guid"],
            type_name=data["type"],
            end1=EntityRef(*data["end1"]) if data.get("end1") else None,
            end2=EntityRef(*data["end2"]) if data.get("end2") else None,
            registers={k: (int(t), v) for k, (t, v) in (data.get("registers") or {}).items()},
            version=int(data.get("version") or 0),
            create_time=data.get("createTime"),
            update_time=data.get("updateTime"),
            published=published,
            published_status=data.get("publishedStatus") or (ACTIVE if published is not None else None),
        )


def merge(state: InstanceState | None, contribution: Contribution) -> tuple[InstanceState, bool]:
    """Fold one contribution in; True when the instance is new or a register took a new value."""
    touched = state is None
    if state is None:
        state = InstanceState(
            kind=contribution.kind,
            guid=contribution.guid,
            type_name=contribution.type_name,
            end1=contribution.end1,
            end2=contribution.end2,
        )
    elif state.end1 is None and contribution.end1 is not None:
        state.end1, state.end2 = contribution.end1, contribution.end2
        touched = True
    for key, value in contribution.values.items():
        held = state.registers.get(key)
        if held is not None and key in IDENTITY_KEYS and held[1] == value:
            continue
        if held is None or _wins(key, _rank(contribution.time, value), _rank(*held)):
            state.registers[key] = (contribution.time, value)
            touched = True
    return state, touched


@dataclass(frozen=True)
class Change:
    """A change to publish: the instance at its new version, what members held, what they see now."""

    state: InstanceState
    kind: ChangeKind
    before: dict[str, Any] | None
    after: dict[str, Any]


def _kind(status: str, published_status: str | None, changed: bool) -> ChangeKind | None:
    live = published_status == ACTIVE
    if status == ACTIVE:
        if published_status in (None, PURGED):
            return ChangeKind.NEW
        if published_status == DELETED:
            return ChangeKind.RESTORE
        return ChangeKind.UPDATE if changed else None
    if status == DELETED:
        return ChangeKind.DELETE if live else None
    if status == PURGED:
        if live:
            return ChangeKind.DELETE_PURGE
        return ChangeKind.PURGE if published_status == DELETED else None
    return None


def settle(state: InstanceState, now_ms: int) -> Change | None:
    """If what a member would see differs from what was published, bump the version and
    return the change (the caller publishes it); None when a member would see nothing new."""
    after = state.content()
    kind = _kind(state.status, state.published_status, after != state.published)
    if kind is None:
        return None
    before = state.published
    state.version += 1
    if state.create_time is None:
        state.create_time = now_ms
    state.update_time = None if kind is ChangeKind.NEW and before is None else now_ms
    if kind in (ChangeKind.NEW, ChangeKind.UPDATE, ChangeKind.RESTORE):
        state.published = after
        state.published_status = ACTIVE
    else:
        state.published_status = DELETED if kind is ChangeKind.DELETE else PURGED
    return Change(state=state, kind=kind, before=before, after=after)
