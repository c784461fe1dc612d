"""TypeDef synchronisation: the cohort's types, learned as members announce them.

Every replica applies every TypeDef event to its cohort state; the replica that owns the
event's partition sends the error event a conflict calls for. What the cohort uses starts
from this server's own types (`schemas.open_metadata_types`) and learns every TypeDef,
patch and AttributeTypeDef members announce, by Egeria's rules (`schemas.cohort_types`):
a name known with another guid is a conflict (answered with CONFLICTING_TYPEDEFS or
CONFLICTING_ATTRIBUTE_TYPEDEFS in the layout Egeria sends); a newer version is learned; a
version difference is never a conflict. The learned types are kept per cohort
(``cohort/types/<cohort>``); TYPEDEF_ERROR_EVENTs aimed at this server go to the error log.

The Egeria release the members run is kept too (``cohort/release/<cohort>``: "5" or "6"),
from the name a member gives the TypeDef the releases name differently
(`agents.catalogue.layout.announced_release`): the cataloguer's `types: auto` writes it.
"""

from __future__ import annotations

import logging

from agents.catalogue.layout import announced_release, cohort_release
from agents.cohort_errors import ErrorLog, aimed_at_us
from agents.cohort_identity import CohortIdentity
from agents.cohort_publisher import is_local, local_originator
from runtime.kv import KeyValue, get_json, put_json
from schemas.cohort_types import CohortTypes, TypeVerdict, conflict_answer
from schemas.omrs import OMRSEventV1, OMRSTypeDefEventType
from schemas.omrs_typedefs import (
    ClassificationDef,
    CollectionDef,
    EntityDef,
    EnumDef,
    PrimitiveDef,
    RelationshipDef,
    TypeDefSummary,
)

log = logging.getLogger(__name__)

_T = OMRSTypeDefEventType


Judged = (
    EntityDef | RelationshipDef | ClassificationDef | TypeDefSummary | PrimitiveDef | CollectionDef | EnumDef
)
"""A member's definition that a conflict answer carries back to it."""


def types_key(cohort: str) -> bytes:
    return f"cohort/types/{cohort}".encode()


def cohort_types(kv: KeyValue, cohort: str) -> CohortTypes:
    """The types of a cohort as this server knows them now."""
    return CohortTypes.from_records(get_json(kv, types_key(cohort)) or [])


def release_key(cohort: str) -> bytes:
    return f"cohort/release/{cohort}".encode()


def cohorts_release(kv: KeyValue, cohorts: list[str]) -> str | None:
    """The Egeria release family ("5" or "6") the members of these cohorts announced; None
    when none did or the cohorts disagree."""
    return cohort_release(get_json(kv, release_key(cohort)) for cohort in cohorts)


def _note_release(kv: KeyValue, cohort: str, event: OMRSEventV1) -> None:
    section = event.type_def_event_section
    bean = section.type_def if section is not None else None
    found = announced_release(bean.name, bean.guid) if bean is not None else None
    if found is not None and get_json(kv, release_key(cohort)) != found:
        put_json(kv, release_key(cohort), found)


class CohortTypeDefs:
    """Applies TypeDef events to the cohort's types; returns the error events they call for."""

    def __init__(self, identity: CohortIdentity, errors: ErrorLog) -> None:
        self.identity = identity
        self.errors = errors

    def apply(
        self, kv: KeyValue, cohort: str, event: OMRSEventV1, sequence: str, acting: bool
    ) -> list[OMRSEventV1]:
        section = event.type_def_event_section
        assert section is not None
        kind = section.type_def_event_type
        if kind is _T.TYPEDEF_ERROR_EVENT or event.error_section is not None:
            if aimed_at_us(self.identity, event):
                self.errors.record(kv, cohort, event, sequence, acting)
            return []
        if is_local(self.identity, event.originator):
            return []
        _note_release(kv, cohort, event)
        before = cohort_types(kv, cohort)
        after, verdict, theirs = self._learn(before, event)
        if after is not before:
            put_json(kv, types_key(cohort), after.to_records())
        if verdict is None or theirs is None:
            return []
        answer = conflict_answer(
            local_originator(self.identity), verdict, theirs, event.originator.metadata_collection_id
        )
        if answer is None:
            return []
        if acting:
            log.warning(
                "Cohort %s: a TypeDef from %s conflicts: %s",
                cohort,
                event.originator.server_name,
                verdict.message,
            )
        return [answer]

    @staticmethod
    def _learn(
        types: CohortTypes, event: OMRSEventV1
    ) -> tuple[CohortTypes, TypeVerdict | None, Judged | None]:
        """The types after one TypeDef event, its verdict, and the member's definition judged."""
        section = event.type_def_event_section
        assert section is not None
        kind = section.type_def_event_type
        if kind in (_T.NEW_TYPEDEF_EVENT, _T.RE_IDENTIFIED_TYPEDEF_EVENT) and section.type_def is not None:
            original = section.original_type_def_summary
            if kind is _T.RE_IDENTIFIED_TYPEDEF_EVENT and original is not None:
                types = types.forget_typedef(original.guid, original.name)
            after, verdict = types.learn_typedef(section.type_def)
            return after, verdict, section.type_def
        if kind is _T.UPDATED_TYPEDEF_EVENT and section.type_def_patch is not None:
            after, verdict = types.learn_patch(section.type_def_patch)
            return after, verdict, None
        if kind in (_T.NEW_ATTRIBUTE_TYPEDEF_EVENT, _T.RE_IDENTIFIED_ATTRIBUTE_TYPEDEF_EVENT):
            if section.attribute_type_def is None:
                return types, None, None
            original_attribute = section.original_attribute_type_def
            if kind is _T.RE_IDENTIFIED_ATTRIBUTE_TYPEDEF_EVENT and original_attribute is not None:
                types = types.forget_attribute_typedef(original_attribute.guid, original_attribute.name)
            after, verdict = types.learn_attribute_typedef(section.attribute_type_def)
            return after, verdict, section.attribute_type_def
        if kind is _T.DELETED_TYPEDEF_EVENT:
            return types.forget_typedef(section.type_def_guid, section.type_def_name), None, None
        if kind is _T.DELETED_ATTRIBUTE_TYPEDEF_EVENT:
            return types.forget_attribute_typedef(section.type_def_guid, section.type_def_name), None, None
        return types, None, None
