"""What an OMRS instance event changes in a store of instances, dispatched to its handlers.

Every read model built from the cohort's instance events (the catalogue's, the lineage
graph) keeps entities and relationships by guid and answers the same event types the same
way: the upserts (new, updated, classified, restored, refreshed, ...) store the instance,
the deletes and purges remove it by guid, a re-identification removes the old guid and
stores the new one, and a batch stores its entities and then its relationships.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from schemas.omrs_enums import OMRSEventCategory, OMRSInstanceEventType
from schemas.omrs_events import OMRSEventV1
from schemas.omrs_instances import EntityDetail, Relationship

_E = OMRSInstanceEventType
ENTITY_UPSERTS = frozenset(
    {
        _E.NEW_ENTITY_EVENT, _E.UPDATED_ENTITY_EVENT, _E.UNDONE_ENTITY_EVENT, _E.CLASSIFIED_ENTITY_EVENT,
        _E.DECLASSIFIED_ENTITY_EVENT, _E.RECLASSIFIED_ENTITY_EVENT, _E.RESTORED_ENTITY_EVENT,
        _E.RETYPED_ENTITY_EVENT, _E.RE_HOMED_ENTITY_EVENT, _E.REFRESHED_ENTITY_EVENT,
    }
)  # fmt: skip
ENTITY_REMOVALS = frozenset({_E.DELETED_ENTITY_EVENT, _E.PURGED_ENTITY_EVENT, _E.DELETE_PURGED_ENTITY_EVENT})
RELATIONSHIP_UPSERTS = frozenset(
    {
        _E.NEW_RELATIONSHIP_EVENT, _E.UPDATED_RELATIONSHIP_EVENT, _E.UNDONE_RELATIONSHIP_EVENT,
        _E.RESTORED_RELATIONSHIP_EVENT, _E.RETYPED_RELATIONSHIP_EVENT, _E.RE_HOMED_RELATIONSHIP_EVENT,
        _E.REFRESHED_RELATIONSHIP_EVENT,
    }
)  # fmt: skip
RELATIONSHIP_REMOVALS = frozenset(
    {_E.DELETED_RELATIONSHIP_EVENT, _E.PURGED_RELATIONSHIP_EVENT, _E.DELETE_PURGED_RELATIONSHIP_EVENT}
)


@dataclass(frozen=True, slots=True)
class InstanceHandlers:
    """How one store keeps instances: the guid given to a removal may be None (an event that
    names none)."""

    put_entity: Callable[[EntityDetail], None]
    remove_entity: Callable[[str | None], None]
    put_relationship: Callable[[Relationship], None]
    remove_relationship: Callable[[str | None], None]


def apply_instance_event(event: OMRSEventV1, handlers: InstanceHandlers) -> bool:
    """Apply what `event` changes through `handlers`; False when it is no instance event a
    store of instances uses (another category, an error event, a refresh request, ...)."""
    section = event.instance_event_section
    if event.event_category is not OMRSEventCategory.INSTANCE or section is None or event.error_section:
        return False
    kind, entity, relationship = section.event_type, section.entity, section.relationship
    if kind in ENTITY_UPSERTS and entity is not None:
        handlers.put_entity(entity)
    elif kind in ENTITY_REMOVALS:
        handlers.remove_entity(section.instance_guid or (entity.guid if entity else None))
    elif kind is _E.RE_IDENTIFIED_ENTITY_EVENT and entity is not None:
        handlers.remove_entity(section.original_instance_guid)
        handlers.put_entity(entity)
    elif kind in RELATIONSHIP_UPSERTS and relationship is not None:
        handlers.put_relationship(relationship)
    elif kind in RELATIONSHIP_REMOVALS:
        handlers.remove_relationship(section.instance_guid or (relationship.guid if relationship else None))
    elif kind is _E.RE_IDENTIFIED_RELATIONSHIP_EVENT and relationship is not None:
        handlers.remove_relationship(section.original_instance_guid)
        handlers.put_relationship(relationship)
    elif kind is _E.BATCH_INSTANCES_EVENT and section.instance_batch is not None:
        for batched in section.instance_batch.entities or []:
            handlers.put_entity(batched)
        for link in section.instance_batch.relationships or []:
            handlers.put_relationship(link)
    else:
        return False
    return True
