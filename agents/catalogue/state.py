"""PURE: what the catalogue holds for one instance, how contributions merge into it, and
whether a merge changed anything worth telling the cohort.

Each value of an instance (a property, an additional property, a classification) is a
last-writer-wins register stamped with the OpenLineage event time that set it; ties break
on the value itself. Merging is therefore commutative, associative and idempotent: whatever
order events arrive in (a COMPLETE before its START, two jobs touching one table on two
partitions, a replay of last week), the instance ends up the same, and a contribution that
is not newer than what is held changes nothing - so a replay publishes nothing.

The instance is *published* content plus a version: `InstanceState.version` goes up by one
each time the content (what a cohort member would see) changes, never otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from agents.catalogue.mapping import FIELD_KEY, NAME_KEY, NS_KEY, A, C, Contribution, EntityRef, P

IDENTITY_KEYS = frozenset(
    {f"{P}qualifiedName", f"{P}name", f"{P}displayName", f"{A}{NS_KEY}", f"{A}{NAME_KEY}", f"{A}{FIELD_KEY}"}
)
"""Values that follow from the guid itself and so never change: a newer event repeating
them need not move their time (which keeps the state of a re-run job untouched)."""


def _rank(time: int, value: Any) -> tuple[int, bytes]:
    return time, orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


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

    def content(self) -> dict[str, Any]:
        """What a cohort member sees: properties, additional properties, classifications."""
        properties: dict[str, Any] = {}
        additional: dict[str, str] = {}
        classifications: dict[str, dict[str, Any]] = {}
        for key in sorted(self.registers):
            value = self.registers[key][1]
            if value is None:
                continue
            if key.startswith(P):
                properties[key[len(P) :]] = value
            elif key.startswith(A):
                additional[key[len(A) :]] = str(value)
            elif key.startswith(C):
                classifications[key[len(C) :]] = value
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
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InstanceState:
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
            published=data.get("published"),
        )


def merge(state: InstanceState | None, contribution: Contribution) -> tuple[InstanceState, bool]:
    """Fold one contribution in; True when the instance is new or a register took a newer value."""
    touched = state is None
    if state is None:
        state = InstanceState(
            kind=contribution.kind,
            guid=contribution.guid,
            type_name=contribution.type_name,
            end1=contribution.end1,
            end2=contribution.end2,
        )
    for key, value in contribution.values.items():
        held = state.registers.get(key)
        if held is not None and key in IDENTITY_KEYS and held[1] == value:
            continue
        if held is None or _rank(contribution.time, value) > _rank(*held):
            state.registers[key] = (contribution.time, value)
            touched = True
    return state, touched


@dataclass(frozen=True)
class Change:
    """A content change to publish: the instance at its new version, and what it was."""

    state: InstanceState
    before: dict[str, Any] | None
    after: dict[str, Any]

    @property
    def is_new(self) -> bool:
        return self.before is None


def settle(state: InstanceState, now_ms: int) -> Change | None:
    """If the merged content differs from what was published, bump the version and return
    the change (the caller publishes it); None when a member would see nothing new."""
    after = state.content()
    if state.published is not None and after == state.published:
        return None
    before = state.published
    state.version += 1
    if state.create_time is None:
        state.create_time = now_ms
    state.update_time = now_ms if before is not None else None
    state.published = after
    return Change(state=state, before=before, after=after)
