"""Reference copies: the record kept per instance guid and the rules that change it (pure).

The instance agent calls `decide` for each instance event with the current record of the
guid the event was routed by; the decision says what to store, what to ignore and why,
or which error event the sender deserves. No I/O here, so the rules are unit-tested and
the SIGKILL test can compute the expected final state with the same function.

Rules:
- Only instances of the kept types (``LINEAGE_REFERENCE_COPY_TYPES``, subtypes included)
  and instances this server is home to are kept.
- A newer ``version`` replaces the copy; an older or equal one is ignored (duplicates,
  replays and out-of-order deliveries change nothing).
- A purge (PURGED_*, DELETE_PURGED_*) leaves a tombstone remembering the last version, so
  an older event arriving late cannot bring the instance back; a soft delete is just a
  newer version whose status is DELETED.
- A RE_IDENTIFIED event is routed twice: under the old guid it leaves a tombstone pointing
  at the new guid, under the new guid it is stored like any new version.
- A classification event carrying only an EntityProxy updates the classifications of the
  copy (or keeps the proxy when there is no copy yet).
- Same guid, another type (not a RETYPED event): CONFLICTING_INSTANCES. A type this server
  knows whose guid or version differs from its TypeDef: CONFLICTING_TYPE. Neither is stored.
- A REFRESH request for an instance this server is home to, and has, is answered.

The record (the value of the ``cohort.referencecopies`` changelog, key = instance guid):
``guid, kind ("entity"|"relationship"), cohort, typeDefGUID, typeDefName, typeDefVersion,
version, homeMetadataCollectionId, status, purged, lastEventType, sender, instance`` (the
EntityDetail / EntityProxy / Relationship as Egeria writes it); tombstones have
``purged: true`` and no ``instance`` (and ``reIdentifiedTo`` after a re-identify).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from schemas.omrs import (
    EntityDetail,
    EntityProxy,
    InstanceEventSection,
    OMRSEventV1,
    OMRSInstanceEventType,
    Relationship,
)
from schemas.open_metadata_types import KnownType, is_kind_of, type_named, type_with_guid

_I = OMRSInstanceEventType

REFRESH_REQUESTS = frozenset({_I.REFRESH_ENTITY_REQUEST, _I.REFRESH_RELATIONSHIP_REQUEST})
PURGES = frozenset(
    {
        _I.PURGED_ENTITY_EVENT,
        _I.PURGED_RELATIONSHIP_EVENT,
        _I.DELETE_PURGED_ENTITY_EVENT,
        _I.DELETE_PURGED_RELATIONSHIP_EVENT,
    }
)
RE_IDENTIFIES = frozenset({_I.RE_IDENTIFIED_ENTITY_EVENT, _I.RE_IDENTIFIED_RELATIONSHIP_EVENT})
RETYPES = frozenset({_I.RETYPED_ENTITY_EVENT, _I.RETYPED_RELATIONSHIP_EVENT})

Outcome = Literal["store", "ignore", "conflicting-instances", "conflicting-type", "refresh"]
Instance = EntityDetail | EntityProxy | Relationship


@dataclass(frozen=True, slots=True)
class CopyPolicy:
    """What decides whether an instance is kept."""

    local_collection_id: str
    kept_types: frozenset[str]


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    record: dict[str, Any] | None = None
    reason: str = ""
    ours: KnownType | None = None


def _ignore(reason: str) -> Decision:
    return Decision("ignore", reason=reason)


def kind_of(event_type: OMRSInstanceEventType) -> str:
    return "relationship" if "RELATIONSHIP" in event_type.value else "entity"


def instance_of(section: InstanceEventSection) -> tuple[str, Instance | None]:
    """The instance an event carries (a batch routed here holds exactly one)."""
    batch = section.instance_batch
    if batch is not None:
        if batch.entities:
            return "entity", batch.entities[0]
        if batch.relationships:
            return "relationship", batch.relationships[0]
        return "entity", None
    if section.entity is not None:
        return "entity", section.entity
    if section.relationship is not None:
        return "relationship", section.relationship
    if section.entity_proxy is not None:
        return "entity", section.entity_proxy
    return kind_of(section.event_type), None


def type_clash(bean: Instance) -> KnownType | None:
    """Our TypeDef, when the instance's type is one we know with another guid, name or version."""
    t = bean.type
    if t is None:
        return None
    known = type_named(t.type_def_name)
    if known is not None:
        if known.guid != t.type_def_guid:
            return known
        if t.type_def_version is not None and t.type_def_version != known.version:
            return known
        return None
    by_guid = type_with_guid(t.type_def_guid)
    if by_guid is not None and by_guid.name != t.type_def_name:
        return by_guid
    return None


def _home(bean: Instance, section: InstanceEventSection) -> str | None:
    return bean.metadata_collection_id or section.home_metadata_collection_id


def is_kept(bean: Instance, section: InstanceEventSection, policy: CopyPolicy) -> bool:
    if _home(bean, section) == policy.local_collection_id:
        return True
    t = bean.type
    if t is None or t.type_def_name is None:
        return False
    supers = [s.name for s in t.type_def_super_types or [] if s.name]
    return is_kind_of(t.type_def_name, supers, policy.kept_types)


def _dump(bean: Instance) -> dict[str, Any]:
    return bean.model_dump(mode="json", by_alias=True, exclude_none=True)


def copy_record(kind: str, bean: Instance, cohort: str, event: OMRSEventV1) -> dict[str, Any]:
    section = event.instance_event_section
    assert section is not None
    instance = _dump(bean)
    t = bean.type
    return {
        "guid": bean.guid,
        "kind": kind,
        "cohort": cohort,
        "typeDefGUID": t.type_def_guid if t else section.type_def_guid,
        "typeDefName": t.type_def_name if t else section.type_def_name,
        "typeDefVersion": t.type_def_version if t else None,
        "version": bean.version or 0,
        "homeMetadataCollectionId": _home(bean, section),
        "status": instance.get("status"),
        "purged": False,
        "lastEventType": section.event_type.value,
        "sender": event.originator.metadata_collection_id,
        "instance": instance,
    }


def tombstone(
    current: dict[str, Any],
    guid: str,
    version: int,
    cohort: str,
    event: OMRSEventV1,
    re_identified_to: str | None = None,
) -> dict[str, Any]:
    section = event.instance_event_section
    assert section is not None
    record = {
        "guid": guid,
        "kind": current.get("kind"),
        "cohort": cohort,
        "typeDefGUID": current.get("typeDefGUID"),
        "typeDefName": current.get("typeDefName"),
        "typeDefVersion": current.get("typeDefVersion"),
        "version": version,
        "homeMetadataCollectionId": current.get("homeMetadataCollectionId"),
        "status": None,
        "purged": True,
        "lastEventType": section.event_type.value,
        "sender": event.originator.metadata_collection_id,
    }
    if re_identified_to is not None:
        record["reIdentifiedTo"] = re_identified_to
    return record


def _merge_proxy(
    current: dict[str, Any], proxy: EntityProxy, cohort: str, event: OMRSEventV1
) -> dict[str, Any]:
    """The copy with the proxy's classifications and header (properties kept from the copy)."""
    section = event.instance_event_section
    assert section is not None
    proxy_json = _dump(proxy)
    instance = dict(current["instance"])
    for field in ("classifications", "version", "updateTime", "updatedBy", "maintainedBy", "status"):
        if field in proxy_json:
            instance[field] = proxy_json[field]
        elif field == "classifications":
            instance.pop(field, None)
    return {
        **current,
        "cohort": cohort,
        "version": proxy.version or 0,
        "status": instance.get("status"),
        "lastEventType": section.event_type.value,
        "sender": event.originator.metadata_collection_id,
        "instance": instance,
    }


def decide(
    current: dict[str, Any] | None, event: OMRSEventV1, guid: str, cohort: str, policy: CopyPolicy
) -> Decision:
    """What an instance event does to the copy of `guid` (the key it was routed by)."""
    section = event.instance_event_section
    assert section is not None
    event_type = section.event_type
    live = current is not None and not current.get("purged")

    if event_type in REFRESH_REQUESTS:
        if section.home_metadata_collection_id != policy.local_collection_id:
            return _ignore("not-home")
        if (
            not live
            or current is None
            or current.get("kind") != kind_of(event_type)
            or "instance" not in current
        ):
            return _ignore("unknown-instance")
        return Decision("refresh", record=current)

    kind, bean = instance_of(section)

    if event_type in PURGES:
        if current is None:
            return _ignore("unknown-instance")
        if current.get("purged"):
            return _ignore("already-purged")
        version = bean.version if bean is not None else None
        if version is not None and version < current["version"]:
            return _ignore("stale-version")
        return Decision(
            "store", tombstone(current, guid, max(current["version"], version or 0), cohort, event)
        )

    if bean is None:
        return _ignore("no-instance")

    if event_type in RE_IDENTIFIES and guid != bean.guid:
        if not live or current is None:
            return _ignore("unknown-instance")
        return Decision(
            "store", tombstone(current, guid, current["version"], cohort, event, re_identified_to=bean.guid)
        )

    ours = type_clash(bean)
    if ours is not None:
        return Decision("conflicting-type", ours=ours)
    if not is_kept(bean, section, policy):
        return _ignore("not-a-kept-type")

    if (
        live
        and current is not None
        and event_type not in RETYPES
        and bean.type is not None
        and current.get("typeDefGUID") != bean.type.type_def_guid
    ):
        return Decision("conflicting-instances", record=current)

    version = bean.version or 0
    if current is not None and version <= current["version"]:
        return _ignore("stale-version")
    if isinstance(bean, EntityProxy) and live and current is not None and current.get("kind") == "entity":
        return Decision("store", _merge_proxy(current, bean, cohort, event))
    return Decision("store", copy_record(kind, bean, cohort, event))


def replay(events: list[tuple[str, str, OMRSEventV1]], policy: CopyPolicy) -> dict[str, dict[str, Any]]:
    """Apply (guid, cohort, event) in order and return the final copies: the expected state of a run."""
    state: dict[str, dict[str, Any]] = {}
    for guid, cohort, event in events:
        decision = decide(state.get(guid), event, guid, cohort, policy)
        if decision.outcome == "store" and decision.record is not None:
            state[guid] = decision.record
    return state
