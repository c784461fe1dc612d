"""PURE: a catalogued instance as Egeria beans, and the OMRS instance events of a change.

This server is the home of what it catalogues: every instance carries this member's
metadata collection id, provenance LOCAL_COHORT and the version the state gave it. A
change (`state.settle`) becomes exactly one event, as Egeria's repository services send them:

- created: NEW_ENTITY_EVENT (with its classifications) / NEW_RELATIONSHIP_EVENT (entity
  proxies at both ends);
- updated, only one classification changed: CLASSIFIED / RECLASSIFIED / DECLASSIFIED_ENTITY_EVENT;
- updated otherwise: UPDATED_ENTITY_EVENT / UPDATED_RELATIONSHIP_EVENT with the original;
- soft-deleted: DELETED_ENTITY_EVENT / DELETED_RELATIONSHIP_EVENT, the instance as members
  held it with status DELETED (`statusOnDelete` ACTIVE);
- purged after a soft delete: PURGED_ENTITY_EVENT / PURGED_RELATIONSHIP_EVENT (typeDef and
  instance guid, as Egeria's OMRS topic connector reads them, plus the deleted instance);
- purged while active: DELETE_PURGED_ENTITY_EVENT / DELETE_PURGED_RELATIONSHIP_EVENT;
- restored after a soft delete: RESTORED_ENTITY_EVENT / RESTORED_RELATIONSHIP_EVENT.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents.catalogue.contribution import EntityRef
from agents.catalogue.state import Change, ChangeKind, InstanceState
from schemas.omrs import (
    Classification,
    ClassificationOrigin,
    EntityDetail,
    EntityProxy,
    EnumPropertyValue,
    InstanceProperties,
    InstancePropertyCategory,
    InstanceProvenanceType,
    InstanceStatus,
    MapPropertyValue,
    OMRSEventV1,
    OMRSInstanceEventType,
    Originator,
    PrimitiveDefCategory,
    PrimitivePropertyValue,
    Relationship,
    instance_event,
)
from schemas.open_metadata_types import instance_type, known_attribute_type

# Attribute types of the property values written.
_STRING = known_attribute_type("string")
_INT = known_attribute_type("int")
_MAP_STRING_STRING = known_attribute_type("map<string,string>")

ENUM_PROPERTIES: dict[str, tuple[str, dict[str, int]]] = {
    "containmentType": ("ProcessContainmentType", {"OWNED": 0, "USED": 1, "OTHER": 99}),
    "portType": (
        "PortType",
        {"INPUT_PORT": 0, "OUTPUT_PORT": 1, "INOUT_PORT": 2, "OUTIN_PORT": 3, "OTHER": 99},
    ),
}
"""Properties whose values are Egeria enums: (enum type name, symbolic name -> ordinal)."""


@dataclass(frozen=True)
class Home:
    """This member, as the home of what it catalogues."""

    collection_id: str
    collection_name: str
    server_name: str
    organization_name: str | None = None
    server_type: str = "Lineage Integrator"
    user: str = "lineage-integrator"

    @property
    def originator(self) -> Originator:
        return Originator(
            metadata_collection_id=self.collection_id,
            server_name=self.server_name,
            server_type=self.server_type,
            organization_name=self.organization_name,
        )


def _value(name: str, value: Any) -> Any:
    if name in ENUM_PROPERTIES:
        enum_name, ordinals = ENUM_PROPERTIES[name]
        return EnumPropertyValue(
            header_version=1,
            instance_property_category=InstancePropertyCategory.ENUM,
            type_name=enum_name,
            ordinal=ordinals.get(str(value), 99),
            symbolic_name=str(value),
        )
    if isinstance(value, dict):
        entries = {k: _primitive(str(v)) for k, v in sorted(value.items())}
        return MapPropertyValue(
            header_version=1,
            instance_property_category=InstancePropertyCategory.MAP,
            type_name=_MAP_STRING_STRING.name,
            type_guid=_MAP_STRING_STRING.guid,
            map_element_count=len(entries),
            map_values=InstanceProperties(header_version=1, instance_properties=entries),
        )
    return _primitive(value)


def _primitive(value: Any) -> PrimitivePropertyValue:
    if isinstance(value, bool) or not isinstance(value, int):
        return PrimitivePropertyValue(
            header_version=1,
            instance_property_category=InstancePropertyCategory.PRIMITIVE,
            type_name=_STRING.name,
            type_guid=_STRING.guid,
            primitive_def_category=PrimitiveDefCategory.OM_PRIMITIVE_TYPE_STRING,
            primitive_value=str(value),
        )
    return PrimitivePropertyValue(
        header_version=1,
        instance_property_category=InstancePropertyCategory.PRIMITIVE,
        type_name=_INT.name,
        type_guid=_INT.guid,
        primitive_def_category=PrimitiveDefCategory.OM_PRIMITIVE_TYPE_INT,
        primitive_value=value,
    )


def properties(values: dict[str, Any]) -> InstanceProperties | None:
    if not values:
        return None
    converted = {name: _value(name, value) for name, value in sorted(values.items())}
    return InstanceProperties(header_version=1, instance_properties=converted)


def _header(home: Home, state: InstanceState, deleted: bool = False) -> dict[str, Any]:
    return {
        "header_version": 1,
        "instance_provenance_type": InstanceProvenanceType.LOCAL_COHORT,
        "metadata_collection_id": home.collection_id,
        "metadata_collection_name": home.collection_name,
        "created_by": home.user,
        "updated_by": home.user if state.update_time is not None else None,
        "create_time": state.create_time,
        "update_time": state.update_time,
        "version": state.version,
        "status": InstanceStatus.DELETED if deleted else InstanceStatus.ACTIVE,
        "status_on_delete": InstanceStatus.ACTIVE if deleted else None,
    }


def classification(home: Home, state: InstanceState, name: str, props: dict[str, Any]) -> Classification:
    return Classification(
        header_version=1,
        type=instance_type(name),
        instance_provenance_type=InstanceProvenanceType.LOCAL_COHORT,
        metadata_collection_id=home.collection_id,
        metadata_collection_name=home.collection_name,
        created_by=home.user,
        create_time=state.create_time,
        update_time=state.update_time,
        version=state.version,
        status=InstanceStatus.ACTIVE,
        name=name,
        properties=properties(props),
        classification_origin=ClassificationOrigin.ASSIGNED,
    )


def entity(home: Home, state: InstanceState, content: dict[str, Any], deleted: bool = False) -> EntityDetail:
    classes = [classification(home, state, n, p) for n, p in sorted(content["classifications"].items())]
    return EntityDetail(
        **_header(home, state, deleted),
        type=instance_type(state.type_name),
        guid=state.guid,
        properties=properties(content["properties"]),
        classifications=classes or None,
    )


def proxy(home: Home, end: EntityRef) -> EntityProxy:
    return EntityProxy(
        header_version=1,
        type=instance_type(end.type_name),
        instance_provenance_type=InstanceProvenanceType.LOCAL_COHORT,
        metadata_collection_id=home.collection_id,
        metadata_collection_name=home.collection_name,
        version=1,
        status=InstanceStatus.ACTIVE,
        guid=end.guid,
        unique_properties=properties({"qualifiedName": end.qualified_name}),
    )


def relationship(
    home: Home, state: InstanceState, content: dict[str, Any], deleted: bool = False
) -> Relationship:
    assert state.end1 is not None and state.end2 is not None
    return Relationship(
        **_header(home, state, deleted),
        type=instance_type(state.type_name),
        guid=state.guid,
        properties=properties(content["properties"]),
        entity_one_proxy=proxy(home, state.end1),
        entity_two_proxy=proxy(home, state.end2),
    )


def _previous(state: InstanceState) -> InstanceState:
    """The state as it was at the previous version (for `original*` fields)."""
    return InstanceState(
        kind=state.kind,
        guid=state.guid,
        type_name=state.type_name,
        end1=state.end1,
        end2=state.end2,
        version=state.version - 1,
        create_time=state.create_time,
        update_time=None,
    )


_E = OMRSInstanceEventType
_REMOVALS: dict[ChangeKind, tuple[OMRSInstanceEventType, OMRSInstanceEventType]] = {
    ChangeKind.DELETE: (_E.DELETED_ENTITY_EVENT, _E.DELETED_RELATIONSHIP_EVENT),
    ChangeKind.PURGE: (_E.PURGED_ENTITY_EVENT, _E.PURGED_RELATIONSHIP_EVENT),
    ChangeKind.DELETE_PURGE: (_E.DELETE_PURGED_ENTITY_EVENT, _E.DELETE_PURGED_RELATIONSHIP_EVENT),
}


def change_event(home: Home, change: Change) -> OMRSEventV1:
    """The one OMRS instance event that tells the cohort about a change."""
    if change.kind in _REMOVALS:
        return _removal_event(home, change)
    if change.state.kind == "relationship":
        return _relationship_event(home, change)
    return _entity_event(home, change)


def _removal_event(home: Home, change: Change) -> OMRSEventV1:
    """A delete or purge: the instance as members last held it, marked DELETED."""
    state, held = change.state, change.before if change.before is not None else change.after
    entity_type, relationship_type = _REMOVALS[change.kind]
    origin, home_id = home.originator, home.collection_id
    if state.kind == "relationship":
        return instance_event(
            origin,
            relationship_type,
            relationship=relationship(home, state, held, deleted=True),
            home_metadata_collection_id=home_id,
        )
    return instance_event(
        origin,
        entity_type,
        entity=entity(home, state, held, deleted=True),
        home_metadata_collection_id=home_id,
    )


def _relationship_event(home: Home, change: Change) -> OMRSEventV1:
    state, before, after = change.state, change.before, change.after
    origin, home_id = home.originator, home.collection_id
    rel = relationship(home, state, after)
    if change.kind is ChangeKind.NEW:
        return instance_event(
            origin, _E.NEW_RELATIONSHIP_EVENT, relationship=rel, home_metadata_collection_id=home_id
        )
    if change.kind is ChangeKind.RESTORE:
        return instance_event(
            origin, _E.RESTORED_RELATIONSHIP_EVENT, relationship=rel, home_metadata_collection_id=home_id
        )
    return instance_event(
        origin,
        _E.UPDATED_RELATIONSHIP_EVENT,
        relationship=rel,
        original_relationship=relationship(home, _previous(state), before or {}),
        home_metadata_collection_id=home_id,
    )


def _entity_event(home: Home, change: Change) -> OMRSEventV1:
    state, before, after = change.state, change.before, change.after
    origin, home_id = home.originator, home.collection_id
    ent = entity(home, state, after)
    if change.kind is ChangeKind.NEW:
        return instance_event(origin, _E.NEW_ENTITY_EVENT, entity=ent, home_metadata_collection_id=home_id)
    if change.kind is ChangeKind.RESTORE:
        return instance_event(
            origin, _E.RESTORED_ENTITY_EVENT, entity=ent, home_metadata_collection_id=home_id
        )
    before = before or {"properties": {}, "classifications": {}}
    if before["properties"] == after["properties"]:
        old, new = before["classifications"], after["classifications"]
        changed = sorted(n for n in set(old) | set(new) if old.get(n) != new.get(n))
        if len(changed) == 1:
            return _classification_event(home, change, changed[0])
    return instance_event(
        origin,
        _E.UPDATED_ENTITY_EVENT,
        entity=ent,
        original_entity=entity(home, _previous(state), before),
        home_metadata_collection_id=home_id,
    )


def _classification_event(home: Home, change: Change, name: str) -> OMRSEventV1:
    state, after = change.state, change.after
    old = (change.before or {}).get("classifications", {})
    new = after["classifications"]
    origin, home_id = home.originator, home.collection_id
    ent, previous = entity(home, state, after), _previous(state)
    if name not in old:
        return instance_event(
            origin,
            _E.CLASSIFIED_ENTITY_EVENT,
            entity=ent,
            classification=classification(home, state, name, new[name]),
            home_metadata_collection_id=home_id,
        )
    if name not in new:
        return instance_event(
            origin,
            _E.DECLASSIFIED_ENTITY_EVENT,
            entity=ent,
            original_classification=classification(home, previous, name, old[name]),
            home_metadata_collection_id=home_id,
        )
    return instance_event(
        origin,
        _E.RECLASSIFIED_ENTITY_EVENT,
        entity=ent,
        classification=classification(home, state, name, new[name]),
        original_classification=classification(home, previous, name, old[name]),
        home_metadata_collection_id=home_id,
    )
