"""Reference copies: what an instance event does to the copies this server keeps (pure).

`decide(event, cohort, lookup, policy)` takes one instance event, a read function over the
current records (`lookup(kind, guid)`, the `ReferenceCopyStore.get` of every replica) and the
policy, and returns a `Decision`: the records to store, the events to send and why. No I/O.

The rules are those of Egeria's local repository (`LocalOMRSInstanceEventProcessor`,
odpi/egeria commit b121d36db81cdfad7b46bcd3688d61af58bc97b4, and the reference-copy methods
of `LocalOMRSMetadataCollection` / `InMemoryOMRSMetadataCollection`):

- An incoming instance is compared with the stored one (`compareAndValidateReferenceInstance`):
  the same `createTime` means the same instance; only a higher `version` replaces it; a
  newer version whose `typeDefVersion` is lower than the stored one's is CONFLICTING_TYPE; a
  different `createTime`, or another home without a RE_HOMED event, is CONFLICTING_INSTANCES.
  Nothing is judged against a type catalogue: a type this server does not know, or a version
  other than the one it knows, is stored like any other.
- Both error events are aimed at the instance's home (`incomingInstance.getMetadataCollectionId()`),
  not at the member that sent the event. CONFLICTING_INSTANCES names this server in
  `otherMetadataCollectionId`, the stored copy's provenance in `otherOrigin`, its type in
  `otherTypeDefSummary` and its guid in `otherInstanceGUID`.
- Only the update paths report conflicts (new, updated, undone, restored, re-identified,
  re-typed, re-homed and refreshed instances); deletes, classifications and batches are saved
  without comparison in Egeria, so here a conflicting one is just not applied.
- The exchange rule: only instances of the kept types (subtypes included, from the
  instance's `typeDefSuperTypes`) are stored; `kept_types=None` keeps every type.
- A relationship brings proxies of its ends that are not held yet (Egeria's in-memory
  repository stores them with the relationship).
- REFRESH_ENTITY_REQUEST / REFRESH_RELATIONSHIP_REQUEST naming this server as home is
  answered with REFRESHED_* carrying the instance, if this server holds it.
- INSTANCE_ERROR_EVENT for a conflict aimed at another member removes this server's copy of
  the instance it names (`processConflictingInstancesEvent` / `processConflictingTypeEvent`).
- Events this server sent itself are not processed as cohort events (`OMRSEventListener`
  drops them by metadata collection id); their instances are recorded as this server's home
  copies, which the repository REST API and refresh answers read.

Every send goes to every cohort this server is a member of: Egeria sends answers and error
events through the local repository's outbound event manager, which has one publisher per
cohort (`OMRSCohortManager.initialize`, commit 1cd21b1882c06a92ec187d754a3a9ed3baa07b58).

Differences from Egeria, on purpose:
- Home guard: an event from another member about an instance this server is home of, or
  claiming this server as home, is not applied (reason ``home-instance``), re-homing
  included; Egeria's in-memory repository would store it, its XTDB repository refuses it
  with a HomeEntityException. Egeria sends no error event in either case, so none is sent.
- Purges leave a tombstone remembering the version, so a late or redelivered older event
  cannot bring the instance back (Kafka delivers at least once); a re-identified instance's
  old guid gets a tombstone pointing at the new guid.
- Deletes, classifications and purges are ordered by `version` too, for the same reason.
- `refresh_missing_ends`: a relationship whose end of a kept type this server does not
  hold also yields a REFRESH_ENTITY_REQUEST for that end (once, when its proxy is first
  stored). Egeria's event processor requests nothing here; its enterprise connector asks for
  refreshes only of instances it retrieves in federated queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from schemas.omrs import (
    Classification,
    EntityDetail,
    EntityProxy,
    InstanceEventSection,
    InstanceType,
    OMRSEventErrorCode,
    OMRSEventV1,
    OMRSInstanceEventType,
    Originator,
    Relationship,
    TypeDefSummary,
    instance_error_event,
    instance_event,
    refreshed_entity_event,
    refreshed_relationship_event,
)

Kind = Literal["entity", "relationship"]
Record = dict[str, Any]
Lookup = Callable[[Kind, str], Record | None]
"""The current record of (kind, guid), None when this server holds nothing for it."""

Bean = EntityDetail | EntityProxy | Relationship

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
CLASSIFICATIONS = frozenset(
    {_I.CLASSIFIED_ENTITY_EVENT, _I.RECLASSIFIED_ENTITY_EVENT, _I.DECLASSIFIED_ENTITY_EVENT}
)
RE_HOMES = frozenset({_I.RE_HOMED_ENTITY_EVENT, _I.RE_HOMED_RELATIONSHIP_EVENT})
RE_IDENTIFIES = frozenset({_I.RE_IDENTIFIED_ENTITY_EVENT, _I.RE_IDENTIFIED_RELATIONSHIP_EVENT})
REPORTING = frozenset(
    {
        _I.NEW_ENTITY_EVENT,
        _I.UPDATED_ENTITY_EVENT,
        _I.UNDONE_ENTITY_EVENT,
        _I.RESTORED_ENTITY_EVENT,
        _I.RE_IDENTIFIED_ENTITY_EVENT,
        _I.RETYPED_ENTITY_EVENT,
        _I.RE_HOMED_ENTITY_EVENT,
        _I.REFRESHED_ENTITY_EVENT,
        _I.NEW_RELATIONSHIP_EVENT,
        _I.UPDATED_RELATIONSHIP_EVENT,
        _I.UNDONE_RELATIONSHIP_EVENT,
        _I.RESTORED_RELATIONSHIP_EVENT,
        _I.RE_IDENTIFIED_RELATIONSHIP_EVENT,
        _I.RETYPED_RELATIONSHIP_EVENT,
        _I.RE_HOMED_RELATIONSHIP_EVENT,
        _I.REFRESHED_RELATIONSHIP_EVENT,
    }
)
"""Event types Egeria routes through updateReferenceEntity/Relationship: they report conflicts."""

CONFLICT_CODES = frozenset({OMRSEventErrorCode.CONFLICTING_INSTANCES, OMRSEventErrorCode.CONFLICTING_TYPE})


@dataclass(frozen=True, slots=True)
class CopyPolicy:
    """What this server keeps and answers.

    `kept_types`: type names (subtypes included) whose instances are kept; None keeps all
    (Egeria's ALL exchange rule). `answer_refresh_requests` is Egeria's
    `produceRefreshEvents`. `refresh_missing_ends`: see the module notes.
    """

    local_collection_id: str
    kept_types: frozenset[str] | None = None
    answer_refresh_requests: bool = True
    refresh_missing_ends: bool = True


@dataclass(frozen=True, slots=True)
class InstanceErrorSend:
    """An INSTANCE_ERROR_EVENT, field for field as Egeria's OMRSInstanceEvent error section."""

    error_code: OMRSEventErrorCode
    message: str
    target_metadata_collection_id: str | None
    target_type_def_summary: dict[str, Any] | None
    target_instance_guid: str | None
    other_type_def_summary: dict[str, Any] | None
    other_metadata_collection_id: str | None = None
    other_origin: str | None = None
    other_instance_guid: str | None = None


@dataclass(frozen=True, slots=True)
class RefreshedSend:
    """REFRESHED_ENTITY_EVENT / REFRESHED_RELATIONSHIP_EVENT carrying this server's instance."""

    kind: Kind
    instance: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RefreshRequestSend:
    """REFRESH_ENTITY_REQUEST / REFRESH_RELATIONSHIP_REQUEST to the instance's home."""

    kind: Kind
    type_def_guid: str | None
    type_def_name: str | None
    instance_guid: str
    home_metadata_collection_id: str | None


Send = InstanceErrorSend | RefreshedSend | RefreshRequestSend


@dataclass(frozen=True, slots=True)
class Decision:
    """What one event does: records to store (in order), events to send, and why.

    `reason` sums the event up (``stored``, ``stale-version``, ``home-instance``...);
    `notes` holds one ``guid: reason`` per instance of a batch.
    """

    puts: tuple[Record, ...] = ()
    sends: tuple[Send, ...] = ()
    reason: str = ""
    notes: tuple[str, ...] = ()


# -- records ----------------------------------------------------------------------------------


def kind_of(event_type: OMRSInstanceEventType) -> Kind:
    return "relationship" if "RELATIONSHIP" in event_type.value else "entity"


def dump(bean: Bean | Classification) -> dict[str, Any]:
    return bean.model_dump(mode="json", by_alias=True, exclude_none=True)


def _type_fields(t: InstanceType | None) -> dict[str, Any]:
    if t is None:
        return {}
    supers = t.type_def_super_types or []
    return {
        "typeDefGUID": t.type_def_guid,
        "typeDefName": t.type_def_name,
        "typeDefVersion": t.type_def_version or 0,
        "typeDefCategory": str(t.type_def_category) if t.type_def_category is not None else None,
        "superTypeGUIDs": [s.guid for s in supers if s.guid],
        "superTypeNames": [s.name for s in supers if s.name],
    }


def _form(bean: Bean) -> str:
    if isinstance(bean, Relationship):
        return "relationship"
    return "proxy" if isinstance(bean, EntityProxy) else "detail"


def record_of(bean: Bean, kind: Kind, cohort: str, event: OMRSEventV1) -> Record:
    """The record kept for an instance: header fields to compare and index, and the instance
    as Egeria writes it (EntityDetail, EntityProxy or Relationship)."""
    section = event.instance_event_section
    instance = dump(bean)
    record: Record = {
        "guid": bean.guid,
        "kind": kind,
        "form": _form(bean),
        "homeMetadataCollectionId": bean.metadata_collection_id,
        **_type_fields(bean.type),
        "version": bean.version or 0,
        "createTime": bean.create_time,
        "updateTime": bean.update_time,
        "status": instance.get("status"),
        "provenance": instance.get("instanceProvenanceType"),
        "purged": False,
        "cohort": cohort,
        "lastEventType": section.event_type.value if section else None,
        "sender": event.originator.metadata_collection_id,
        "instance": instance,
    }
    if isinstance(bean, Relationship):
        record["ends"] = [
            p.guid for p in (bean.entity_one_proxy, bean.entity_two_proxy) if p is not None and p.guid
        ]
    return record


def tombstone(
    current: Record, version: int, cohort: str, event: OMRSEventV1, re_identified_to: str | None = None
) -> Record:
    """What is left of a purged (or re-identified) instance: enough to refuse older events."""
    section = event.instance_event_section
    record = {
        key: current.get(key)
        for key in ("guid", "kind", "homeMetadataCollectionId", "typeDefGUID", "typeDefName", "createTime")
    }
    record.update(
        {
            "form": "tombstone",
            "version": version,
            "purged": True,
            "cohort": cohort,
            "lastEventType": section.event_type.value if section else None,
            "sender": event.originator.metadata_collection_id,
        }
    )
    if re_identified_to is not None:
        record["reIdentifiedTo"] = re_identified_to
    return record


def is_live(record: Record | None) -> bool:
    return record is not None and not record.get("purged")


def type_summary(t: InstanceType | None) -> dict[str, Any] | None:
    """The TypeDefSummary of an instance's type as Egeria writes one (guid, name, version, category)."""
    if t is None:
        return None
    summary = {
        "guid": t.type_def_guid,
        "name": t.type_def_name,
        "version": t.type_def_version or 0,
        "category": str(t.type_def_category) if t.type_def_category is not None else None,
    }
    return {k: v for k, v in summary.items() if v is not None}


def _stored_type_summary(record: Record) -> dict[str, Any]:
    summary = {
        "guid": record.get("typeDefGUID"),
        "name": record.get("typeDefName"),
        "version": record.get("typeDefVersion") or 0,
        "category": record.get("typeDefCategory"),
    }
    return {k: v for k, v in summary.items() if v is not None}


def is_kept(t: InstanceType | None, policy: CopyPolicy) -> bool:
    """The exchange rule: the type or one of its super types is kept (None keeps all)."""
    if policy.kept_types is None:
        return True
    if t is None or t.type_def_name is None:
        return False
    names = {t.type_def_name, *(s.name for s in t.type_def_super_types or [] if s.name)}
    return not names.isdisjoint(policy.kept_types)


class _Overlay:
    """`lookup` with this decision's own puts on top (a batch may touch a guid twice)."""

    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup
        self.puts: dict[tuple[str, str], Record] = {}

    def get(self, kind: Kind, guid: str) -> Record | None:
        pending = self.puts.get((kind, guid))
        return pending if pending is not None else self.lookup(kind, guid)

    def put(self, record: Record) -> None:
        key = (record["kind"], record["guid"])
        self.puts.pop(key, None)
        self.puts[key] = record

    def records(self) -> tuple[Record, ...]:
        return tuple(self.puts.values())


# -- comparison (compareAndValidateReferenceInstance) --------------------------------------------


def _compare(stored: Record, bean: Bean, event_type: OMRSInstanceEventType) -> str:
    """Egeria's verdict on an incoming instance against the stored one of the same guid:
    ``valid``, ``stale-version``, ``conflicting-type``, ``conflicting-instances`` or ``no-type``.

    The checks run in Egeria's order: createTime, version, typeDefVersion, home. A missing
    createTime (Egeria always writes one) is not taken as a difference."""
    if bean.type is None or not stored.get("typeDefGUID"):
        return "no-type"
    stored_created, incoming_created = stored.get("createTime"), bean.create_time
    if stored_created is not None and incoming_created is not None and stored_created != incoming_created:
        return "conflicting-instances"
    if (stored.get("version") or 0) >= (bean.version or 0):
        return "stale-version"
    if (stored.get("typeDefVersion") or 0) > (bean.type.type_def_version or 0):
        return "conflicting-type"
    if bean.metadata_collection_id != stored.get("homeMetadataCollectionId") and event_type not in RE_HOMES:
        return "conflicting-instances"
    return "valid"


def _conflict_send(verdict: str, stored: Record, bean: Bean, policy: CopyPolicy) -> InstanceErrorSend:
    incoming_type = bean.type
    name = incoming_type.type_def_name if incoming_type else None
    if verdict == "conflicting-type":
        message = (
            f"Instance {bean.guid} from {bean.metadata_collection_id} has a newer version "
            f"({bean.version}) with type {name} version {incoming_type.type_def_version if incoming_type else None}, "
            f"older than the type version {stored.get('typeDefVersion')} of the copy this server holds"
        )
        return InstanceErrorSend(
            error_code=OMRSEventErrorCode.CONFLICTING_TYPE,
            message=message,
            target_metadata_collection_id=bean.metadata_collection_id,
            target_type_def_summary=type_summary(incoming_type),
            target_instance_guid=bean.guid,
            other_type_def_summary=_stored_type_summary(stored),
        )
    message = (
        f"Instance {bean.guid} of type {name} from {bean.metadata_collection_id} (created "
        f"{bean.create_time}) is not the instance of type {stored.get('typeDefName')} from "
        f"{stored.get('homeMetadataCollectionId')} (created {stored.get('createTime')}) this server holds "
        "under the same guid"
    )
    return InstanceErrorSend(
        error_code=OMRSEventErrorCode.CONFLICTING_INSTANCES,
        message=message,
        target_metadata_collection_id=bean.metadata_collection_id,
        target_type_def_summary=type_summary(incoming_type),
        target_instance_guid=bean.guid,
        other_type_def_summary=_stored_type_summary(stored),
        other_metadata_collection_id=policy.local_collection_id,
        other_origin=stored.get("provenance"),
        other_instance_guid=stored.get("guid"),
    )


@dataclass
class _Step:
    """One instance applied: the reason, and what it sends."""

    reason: str
    sends: list[Send] = field(default_factory=list)


def _valid_header(bean: Bean | None) -> bool:
    """Egeria's validateReferenceInstanceHeader: an instance, its type, its guid and its home."""
    return (
        bean is not None
        and bean.type is not None
        and bean.guid is not None
        and bool(bean.metadata_collection_id)
    )


def _apply_instance(
    bean: Bean,
    kind: Kind,
    cohort: str,
    event: OMRSEventV1,
    state: _Overlay,
    policy: CopyPolicy,
    *,
    report: bool,
) -> _Step:
    """One incoming instance through the comparison, the home guard and the exchange rule."""
    section = event.instance_event_section
    assert section is not None and bean.guid is not None
    local = policy.local_collection_id
    if bean.metadata_collection_id == local:
        return _Step("home-instance")
    stored = state.get(kind, bean.guid)
    if stored is not None and stored.get("purged"):
        if (stored.get("version") or 0) >= (bean.version or 0):
            return _Step("stale-version")
        stored = None
    if stored is not None and stored.get("form") == "proxy" and not isinstance(bean, EntityProxy):
        stored = None  # Egeria's isEntityKnown does not return proxies: a detail replaces one
    if stored is not None:
        verdict = _compare(stored, bean, section.event_type)
        if verdict in ("conflicting-type", "conflicting-instances"):
            sends: list[Send] = [_conflict_send(verdict, stored, bean, policy)] if report else []
            return _Step(verdict, sends)
        if verdict != "valid":
            return _Step(verdict)
        if stored.get("homeMetadataCollectionId") == local:
            return _Step("home-instance")
    if not is_kept(bean.type, policy):
        return _Step("not-a-kept-type")
    state.put(record_of(bean, kind, cohort, event))
    step = _Step("stored")
    if isinstance(bean, Relationship):
        step.sends.extend(_end_proxies(bean, cohort, event, state, policy))
    return step


def _end_proxies(
    rel: Relationship, cohort: str, event: OMRSEventV1, state: _Overlay, policy: CopyPolicy
) -> list[Send]:
    """Proxies of the relationship's ends this server holds nothing for; refresh requests for
    the kept ones (see `refresh_missing_ends`)."""
    requests: list[Send] = []
    for proxy in (rel.entity_one_proxy, rel.entity_two_proxy):
        if proxy is None or proxy.guid is None or proxy.metadata_collection_id == policy.local_collection_id:
            continue
        if state.get("entity", proxy.guid) is not None:
            continue
        record = record_of(proxy, "entity", cohort, event)
        wanted = policy.refresh_missing_ends and is_kept(proxy.type, policy)
        record["refreshRequested"] = wanted
        state.put(record)
        if wanted:
            requests.append(
                RefreshRequestSend(
                    kind="entity",
                    type_def_guid=proxy.type.type_def_guid if proxy.type else None,
                    type_def_name=proxy.type.type_def_name if proxy.type else None,
                    instance_guid=proxy.guid,
                    home_metadata_collection_id=proxy.metadata_collection_id,
                )
            )
    return requests


# -- event kinds ---------------------------------------------------------------------------------


def _single_instance(section: InstanceEventSection) -> tuple[Kind, Bean | None]:
    if section.entity is not None:
        return "entity", section.entity
    if section.relationship is not None:
        return "relationship", section.relationship
    if section.entity_proxy is not None:
        return "entity", section.entity_proxy
    return kind_of(section.event_type), None


def _decision(state: _Overlay, steps: Iterable[_Step], reason: str, notes: tuple[str, ...] = ()) -> Decision:
    sends = tuple(send for step in steps for send in step.sends)
    return Decision(puts=state.records(), sends=sends, reason=reason, notes=notes)


def _instance_event(event: OMRSEventV1, cohort: str, state: _Overlay, policy: CopyPolicy) -> Decision:
    section = event.instance_event_section
    assert section is not None
    kind, bean = _single_instance(section)
    if not _valid_header(bean):
        return Decision(reason="invalid-instance")
    assert bean is not None and bean.guid is not None
    step = _apply_instance(bean, kind, cohort, event, state, policy, report=section.event_type in REPORTING)
    if section.event_type in RE_IDENTIFIES and step.reason == "stored":
        _retire_old_guid(section.original_instance_guid, bean, kind, cohort, event, state, policy)
    return _decision(state, [step], step.reason)


def _retire_old_guid(
    old_guid: str | None,
    bean: Bean,
    kind: Kind,
    cohort: str,
    event: OMRSEventV1,
    state: _Overlay,
    policy: CopyPolicy,
) -> None:
    if not old_guid or old_guid == bean.guid:
        return
    old = state.get(kind, old_guid)
    if is_live(old) and old is not None and old.get("homeMetadataCollectionId") != policy.local_collection_id:
        state.put(tombstone(old, old.get("version") or 0, cohort, event, re_identified_to=bean.guid))


def _classification_event(event: OMRSEventV1, cohort: str, state: _Overlay, policy: CopyPolicy) -> Decision:
    """CLASSIFIED / RECLASSIFIED / DECLASSIFIED with the entity's detail or its proxy.

    Egeria saves the classification on the stored entity without comparing versions
    (saveClassificationReferenceCopy). Here a newer entity version replaces the copy (a proxy
    only its header and classifications); otherwise the classification alone is applied when it
    is newer than the one held (by the classification's own version), so a duplicate or late
    delivery changes nothing."""
    section = event.instance_event_section
    assert section is not None
    bean: EntityDetail | EntityProxy | None = section.entity or section.entity_proxy
    if not _valid_header(bean):
        return Decision(reason="invalid-instance")
    assert bean is not None and bean.guid is not None
    stored = state.get("entity", bean.guid)
    if bean.metadata_collection_id == policy.local_collection_id or (
        stored is not None and stored.get("homeMetadataCollectionId") == policy.local_collection_id
    ):
        return Decision(reason="home-instance")
    changed = _with_classification_change(bean, section)
    if not is_live(stored) or stored is None:
        step = _apply_instance(changed, "entity", cohort, event, state, policy, report=False)
        return _decision(state, [step], step.reason)
    if stored.get("createTime") is not None and bean.create_time not in (None, stored.get("createTime")):
        return Decision(reason="conflicting-instances")
    if (bean.version or 0) > (stored.get("version") or 0):
        if isinstance(changed, EntityDetail) or stored.get("form") == "proxy":
            step = _apply_instance(changed, "entity", cohort, event, state, policy, report=False)
            return _decision(state, [step], step.reason)
        verdict = _compare(stored, changed, section.event_type)
        if verdict != "valid":
            return Decision(reason=verdict)
        state.put(_merge_proxy(stored, changed, cohort, event))
        return _decision(state, [], "stored")
    updated = _classification_delta(stored, section, cohort, event)
    if updated is None:
        return Decision(reason="stale-version")
    state.put(updated)
    return _decision(state, [], "classification-stored")


def _classification_delta(
    stored: Record, section: InstanceEventSection, cohort: str, event: OMRSEventV1
) -> Record | None:
    """The stored copy with the event's classification added, replaced or removed, when that
    is news (its version above the one held); None when it changes nothing."""
    instance = dict(stored["instance"])
    held = {c.get("name"): c for c in instance.get("classifications") or []}
    if section.event_type == _I.DECLASSIFIED_ENTITY_EVENT:
        gone = section.original_classification
        current = held.get(gone.name) if gone is not None else None
        if gone is None or current is None or (current.get("version") or 0) > (gone.version or 0):
            return None
        del held[gone.name]
    else:
        added = section.classification
        current = held.get(added.name) if added is not None else None
        if added is None or (current is not None and (current.get("version") or 0) >= (added.version or 0)):
            return None
        held[added.name] = dump(added)
    if held:
        instance["classifications"] = list(held.values())
    else:
        instance.pop("classifications", None)
    return {
        **stored,
        "cohort": cohort,
        "lastEventType": section.event_type.value,
        "sender": event.originator.metadata_collection_id,
        "instance": instance,
    }


def _with_classification_change(
    bean: EntityDetail | EntityProxy, section: InstanceEventSection
) -> EntityDetail | EntityProxy:
    """The entity with the event's classification applied (Egeria's event carries the entity,
    "no guarantee this is all the classifications", plus the classification itself)."""
    current = list(bean.classifications or [])
    if section.event_type == _I.DECLASSIFIED_ENTITY_EVENT:
        gone = section.original_classification.name if section.original_classification else None
        changed = [c for c in current if c.name != gone] if gone else current
    elif section.classification is not None:
        added = section.classification
        changed = [c for c in current if c.name != added.name] + [added]
    else:
        changed = current
    return bean.model_copy(update={"classifications": changed or None})


def _merge_proxy(current: Record, proxy: EntityProxy, cohort: str, event: OMRSEventV1) -> Record:
    """The stored detail with the proxy's header and classifications (properties kept)."""
    section = event.instance_event_section
    proxy_json = dump(proxy)
    instance = dict(current["instance"])
    for name in ("version", "updateTime", "updatedBy", "maintainedBy", "status"):
        if name in proxy_json:
            instance[name] = proxy_json[name]
    if "classifications" in proxy_json:
        instance["classifications"] = proxy_json["classifications"]
    else:
        instance.pop("classifications", None)
    return {
        **current,
        "version": proxy.version or 0,
        "updateTime": proxy.update_time,
        "status": instance.get("status"),
        "cohort": cohort,
        "lastEventType": section.event_type.value if section else None,
        "sender": event.originator.metadata_collection_id,
        "instance": instance,
    }


def _purge_event(event: OMRSEventV1, cohort: str, state: _Overlay, policy: CopyPolicy) -> Decision:
    section = event.instance_event_section
    assert section is not None
    kind, bean = _single_instance(section)
    guid = bean.guid if bean is not None and bean.guid else section.instance_guid
    if not guid:
        return Decision(reason="invalid-instance")
    current = state.get(kind, guid)
    if current is None:
        return Decision(reason="unknown-instance")
    if current.get("purged"):
        return Decision(reason="already-purged")
    if current.get("homeMetadataCollectionId") == policy.local_collection_id:
        return Decision(reason="home-instance")
    version = bean.version if bean is not None and bean.version is not None else None
    if version is not None and version < (current.get("version") or 0):
        return Decision(reason="stale-version")
    state.put(tombstone(current, max(current.get("version") or 0, version or 0), cohort, event))
    return _decision(state, [], "purged")


def _batch_event(event: OMRSEventV1, cohort: str, state: _Overlay, policy: CopyPolicy) -> Decision:
    """BATCH_INSTANCES_EVENT: entities first, then relationships (saveInstanceReferenceCopies),
    each saved without reporting conflicts."""
    section = event.instance_event_section
    assert section is not None
    batch = section.instance_batch
    beans: list[tuple[Kind, Bean]] = []
    if batch is not None:
        beans += [("entity", e) for e in batch.entities or []]
        beans += [("relationship", r) for r in batch.relationships or []]
    steps = []
    notes = []
    for kind, bean in beans:
        if not _valid_header(bean):
            notes.append(f"{bean.guid}: invalid-instance")
            continue
        step = _apply_instance(bean, kind, cohort, event, state, policy, report=False)
        steps.append(step)
        notes.append(f"{bean.guid}: {step.reason}")
    return _decision(state, steps, "batch", tuple(notes))


def _refresh_request(section: InstanceEventSection, lookup: Lookup, policy: CopyPolicy) -> Decision:
    """processRefreshEntityRequested / processRefreshRelationshipRequest."""
    if not policy.answer_refresh_requests:
        return Decision(reason="refresh-not-answered")
    if section.home_metadata_collection_id != policy.local_collection_id:
        return Decision(reason="not-home")
    kind = kind_of(section.event_type)
    record = lookup(kind, section.instance_guid) if section.instance_guid else None
    if (
        record is None
        or not is_live(record)
        or record.get("form") == "proxy"
        or record.get("homeMetadataCollectionId") != policy.local_collection_id
    ):
        return Decision(reason="unknown-instance")
    return Decision(sends=(RefreshedSend(kind, record["instance"]),), reason="refreshed")


def _error_event(event: OMRSEventV1, cohort: str, state: _Overlay, policy: CopyPolicy) -> Decision:
    """A conflict another member reported: aimed at this server, it is only recorded (Egeria
    re-identifies its own instance; this server's guids are deterministic, so it cannot);
    aimed at another member, this server drops its copy of the instance named."""
    error = event.error_section
    if error is None or error.error_code not in CONFLICT_CODES:
        return Decision(reason="not-a-conflict")
    if error.target_metadata_collection_id == policy.local_collection_id:
        return Decision(reason="error-aimed-at-this-server")
    guid = error.target_instance_guid
    summary = error.target_type_def_summary
    kind: Kind = (
        "relationship" if summary is not None and str(summary.category) == "RELATIONSHIP_DEF" else "entity"
    )
    current = state.get(kind, guid) if guid else None
    if (
        not is_live(current)
        or current is None
        or current.get("homeMetadataCollectionId") == policy.local_collection_id
    ):
        return Decision(reason="no-copy-to-remove")
    state.put(tombstone(current, current.get("version") or 0, cohort, event))
    return _decision(state, [], "copy-removed")


def _own_event(event: OMRSEventV1, cohort: str, state: _Overlay, policy: CopyPolicy) -> Decision:
    """This server's own instance event: recorded as its home copy (newer version wins)."""
    section = event.instance_event_section
    assert section is not None
    if section.event_type in PURGES:
        kind, bean = _single_instance(section)
        guid = bean.guid if bean is not None and bean.guid else section.instance_guid
        current = state.get(kind, guid) if guid else None
        if not is_live(current) or current is None:
            return Decision(reason="own-event")
        state.put(tombstone(current, current.get("version") or 0, cohort, event))
        return _decision(state, [], "own-event")
    beans: list[tuple[Kind, Bean]] = []
    if section.instance_batch is not None:
        beans += [("entity", e) for e in section.instance_batch.entities or []]
        beans += [("relationship", r) for r in section.instance_batch.relationships or []]
    elif section.event_type not in REFRESH_REQUESTS and section.event_type != _I.INSTANCE_ERROR_EVENT:
        kind, bean = _single_instance(section)
        if bean is not None:
            beans.append((kind, bean))
    for kind, bean in beans:
        if bean.guid is None or bean.metadata_collection_id != policy.local_collection_id:
            continue
        current = state.get(kind, bean.guid)
        if current is not None and (current.get("version") or 0) >= (bean.version or 0):
            continue
        if isinstance(bean, EntityProxy) and is_live(current) and current and current.get("form") == "detail":
            state.put(_merge_proxy(current, bean, cohort, event))
        else:
            state.put(record_of(bean, kind, cohort, event))
    return _decision(state, [], "own-event")


def decide(event: OMRSEventV1, cohort: str, lookup: Lookup, policy: CopyPolicy) -> Decision:
    """What an instance event from `cohort` does to this server's copies."""
    section = event.instance_event_section
    if section is None:
        return Decision(reason="not-an-instance-event")
    state = _Overlay(lookup)
    event_type = section.event_type
    if event.originator.metadata_collection_id == policy.local_collection_id:
        return _own_event(event, cohort, state, policy)
    if event_type == _I.UNKNOWN_INSTANCE_EVENT:
        return Decision(reason="unknown-event-type")
    if event_type in REFRESH_REQUESTS:
        return _refresh_request(section, lookup, policy)
    if event_type == _I.INSTANCE_ERROR_EVENT:
        return _error_event(event, cohort, state, policy)
    if event_type in PURGES:
        return _purge_event(event, cohort, state, policy)
    if event_type == _I.BATCH_INSTANCES_EVENT:
        return _batch_event(event, cohort, state, policy)
    if event_type in CLASSIFICATIONS:
        return _classification_event(event, cohort, state, policy)
    return _instance_event(event, cohort, state, policy)


# -- outgoing events -----------------------------------------------------------------------------


def to_event(send: Send, originator: Originator, *, timestamp: int | None = None) -> OMRSEventV1:
    """The cohort event for a send, as this server's originator."""
    if isinstance(send, InstanceErrorSend):
        return instance_error_event(
            originator,
            send.error_code,
            send.message,
            send.target_metadata_collection_id,
            send.target_instance_guid,
            _summary(send.other_type_def_summary),
            target_type_def_summary=_summary(send.target_type_def_summary),
            other_instance_guid=send.other_instance_guid,
            other_origin=send.other_origin,
            other_metadata_collection_id=send.other_metadata_collection_id,
            timestamp=timestamp,
        )
    if isinstance(send, RefreshedSend):
        if send.kind == "entity":
            return refreshed_entity_event(
                originator, EntityDetail.model_validate(send.instance), timestamp=timestamp
            )
        return refreshed_relationship_event(
            originator, Relationship.model_validate(send.instance), timestamp=timestamp
        )
    request_type = _I.REFRESH_ENTITY_REQUEST if send.kind == "entity" else _I.REFRESH_RELATIONSHIP_REQUEST
    return instance_event(
        originator,
        request_type,
        type_def_guid=send.type_def_guid,
        type_def_name=send.type_def_name,
        instance_guid=send.instance_guid,
        home_metadata_collection_id=send.home_metadata_collection_id,
        timestamp=timestamp,
    )


def _summary(summary: dict[str, Any] | None) -> TypeDefSummary | None:
    return TypeDefSummary.model_validate(summary) if summary is not None else None
