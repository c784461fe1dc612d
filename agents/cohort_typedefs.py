"""TypeDef synchronisation: keep the cohort's TypeDefs, report those that clash with ours.

Every replica applies every TypeDef event to its cohort state; the replica that owns the
event's partition sends the error events. This server knows the types it uses
(``schemas.open_metadata_types``); every TypeDef a member announces is compared with them:

- same name with another guid, or same guid with another name: TYPEDEF_ERROR_EVENT with
  CONFLICTING_TYPEDEFS (CONFLICTING_ATTRIBUTE_TYPEDEFS for an attribute type);
- same name and guid, another version: TYPEDEF_PATCH_MISMATCH;

each aimed at the sender, carrying the sender's definition as the target and ours as the
other. What members announce is kept per cohort (``cohort/typedef/<cohort>/typedef/<guid>``
and ``.../attribute/<guid>``), with the sender and any conflict found.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agents.cohort_errors import ErrorLog
from agents.cohort_identity import CohortIdentity
from agents.cohort_publisher import is_local, local_originator
from runtime.kv import KeyValue, get_json, put_json
from schemas.omrs import (
    AttributeTypeDef,
    OMRSEventErrorCode,
    OMRSEventV1,
    OMRSTypeDefEventType,
    TypeDefSummary,
    typedef_error_event,
)
from schemas.open_metadata_types import (
    KnownAttributeType,
    KnownType,
    attribute_type_named,
    attribute_type_with_guid,
    type_named,
    type_with_guid,
)

log = logging.getLogger(__name__)

_T = OMRSTypeDefEventType
_E = OMRSEventErrorCode


@dataclass(frozen=True, slots=True)
class Clash:
    """A TypeDef a member sent that does not agree with one of ours."""

    code: OMRSEventErrorCode
    ours: KnownType | KnownAttributeType
    message: str


def typedef_clash(name: str | None, guid: str | None, version: int | None) -> Clash | None:
    """Compare a TypeDef's identity and version with the catalogue (pure)."""
    by_name, by_guid = type_named(name), type_with_guid(guid)
    if by_name is not None and by_name.guid != guid:
        return Clash(
            _E.CONFLICTING_TYPEDEFS,
            by_name,
            f"TypeDef {name} has guid {guid}; this server knows {name} as {by_name.guid}",
        )
    if by_guid is not None and by_guid.name != name:
        return Clash(
            _E.CONFLICTING_TYPEDEFS,
            by_guid,
            f"TypeDef guid {guid} is named {name}; this server knows {guid} as {by_guid.name}",
        )
    if by_name is not None and version is not None and version != by_name.version:
        return Clash(
            _E.TYPEDEF_PATCH_MISMATCH,
            by_name,
            f"TypeDef {name} is at version {version}; this server uses version {by_name.version}",
        )
    return None


def attribute_typedef_clash(name: str | None, guid: str | None, version: int | None) -> Clash | None:
    """The same comparison for an AttributeTypeDef (pure)."""
    by_name, by_guid = attribute_type_named(name), attribute_type_with_guid(guid)
    if by_name is not None and by_name.guid != guid:
        return Clash(
            _E.CONFLICTING_ATTRIBUTE_TYPEDEFS,
            by_name,
            f"AttributeTypeDef {name} has guid {guid}; this server knows {name} as {by_name.guid}",
        )
    if by_guid is not None and by_guid.name != name:
        return Clash(
            _E.CONFLICTING_ATTRIBUTE_TYPEDEFS,
            by_guid,
            f"AttributeTypeDef guid {guid} is named {name}; this server knows it as {by_guid.name}",
        )
    if by_name is not None and version is not None and version != by_name.version:
        return Clash(
            _E.TYPEDEF_PATCH_MISMATCH,
            by_name,
            f"AttributeTypeDef {name} is at version {version}; this server uses {by_name.version}",
        )
    return None


def summary_of(bean: Any) -> TypeDefSummary:
    """The TypeDefSummary of a TypeDef (or a summary itself)."""
    return TypeDefSummary(
        header_version=bean.header_version,
        guid=bean.guid,
        name=bean.name,
        status=bean.status,
        version=bean.version,
        version_name=bean.version_name,
        category=bean.category,
    )


def typedef_key(cohort: str, kind: str, guid: str | None) -> bytes:
    return f"cohort/typedef/{cohort}/{kind}/{guid}".encode()


class CohortTypeDefs:
    """Applies TypeDef events to the cohort state; returns the error events they call for."""

    def __init__(self, identity: CohortIdentity, errors: ErrorLog) -> None:
        self.identity = identity
        self.errors = errors
        self.handlers: dict[
            OMRSTypeDefEventType, Callable[[KeyValue, str, OMRSEventV1], list[OMRSEventV1]]
        ] = {
            _T.NEW_TYPEDEF_EVENT: self._on_new_typedef,
            _T.UPDATED_TYPEDEF_EVENT: self._on_updated_typedef,
            _T.DELETED_TYPEDEF_EVENT: self._on_deleted,
            _T.RE_IDENTIFIED_TYPEDEF_EVENT: self._on_re_identified_typedef,
            _T.NEW_ATTRIBUTE_TYPEDEF_EVENT: self._on_new_attribute_typedef,
            _T.DELETED_ATTRIBUTE_TYPEDEF_EVENT: self._on_deleted,
            _T.RE_IDENTIFIED_ATTRIBUTE_TYPEDEF_EVENT: self._on_re_identified_attribute_typedef,
        }

    def apply(
        self, kv: KeyValue, cohort: str, event: OMRSEventV1, sequence: str, acting: bool
    ) -> list[OMRSEventV1]:
        section = event.type_def_event_section
        assert section is not None
        kind = section.type_def_event_type
        if kind is _T.TYPEDEF_ERROR_EVENT:
            if (
                event.error_section
                and event.error_section.target_metadata_collection_id == self.identity.collection_id
                and not is_local(self.identity, event.originator)
            ):
                self.errors.record(kv, cohort, event, sequence, acting)
            return []
        handler = self.handlers.get(kind)
        if handler is None or is_local(self.identity, event.originator):
            return []
        answers = handler(kv, cohort, event)
        if answers and acting:
            for answer in answers:
                assert answer.error_section is not None
                log.warning(
                    "Cohort %s: %s from %s: %s",
                    cohort,
                    answer.error_section.error_code.value,
                    event.originator.server_name,
                    answer.error_section.error_message,
                )
        return answers

    # -- TypeDefs -----------------------------------------------------------------------------
    def _keep(
        self, kv: KeyValue, cohort: str, kind: str, event: OMRSEventV1, bean: Any, clash: Clash | None
    ) -> None:
        record = {
            "cohort": cohort,
            "kind": kind,
            "guid": bean.guid,
            "name": bean.name,
            "version": bean.version,
            "category": getattr(bean, "category", None),
            "sender": event.originator.metadata_collection_id,
            "senderServer": event.originator.server_name,
            "conflict": clash.code.value if clash else None,
        }
        put_json(kv, typedef_key(cohort, kind, bean.guid), record)

    def _report(
        self,
        event: OMRSEventV1,
        clash: Clash,
        *,
        target: TypeDefSummary | None = None,
        target_attribute: AttributeTypeDef | None = None,
    ) -> OMRSEventV1:
        sender = event.originator.metadata_collection_id
        ours = clash.ours
        if isinstance(ours, KnownType):
            return typedef_error_event(
                local_originator(self.identity), clash.code, clash.message, sender, target, ours.summary()
            )
        return typedef_error_event(
            local_originator(self.identity),
            clash.code,
            clash.message,
            sender,
            other_attribute_type_def=ours.as_attribute_type_def(),
            target_attribute_type_def=target_attribute,
        )

    def _on_new_typedef(self, kv: KeyValue, cohort: str, event: OMRSEventV1) -> list[OMRSEventV1]:
        section = event.type_def_event_section
        assert section is not None and section.type_def is not None
        typedef = section.type_def
        clash = typedef_clash(typedef.name, typedef.guid, typedef.version)
        self._keep(kv, cohort, "typedef", event, typedef, clash)
        return [self._report(event, clash, target=summary_of(typedef))] if clash else []

    def _on_updated_typedef(self, kv: KeyValue, cohort: str, event: OMRSEventV1) -> list[OMRSEventV1]:
        section = event.type_def_event_section
        assert section is not None and section.type_def_patch is not None
        patch = section.type_def_patch
        name, guid, version = patch.type_def_name, patch.type_def_guid, patch.update_to_version
        clash = typedef_clash(name, guid, version)
        key = typedef_key(cohort, "typedef", guid)
        record = dict(get_json(kv, key) or {"cohort": cohort, "kind": "typedef", "guid": guid})
        record.update(
            name=name,
            version=version,
            sender=event.originator.metadata_collection_id,
            senderServer=event.originator.server_name,
            conflict=clash.code.value if clash else None,
        )
        put_json(kv, key, record)
        if clash is None:
            return []
        target = TypeDefSummary(guid=guid, name=name, version=version, version_name=patch.new_version_name)
        return [self._report(event, clash, target=target)]

    def _on_deleted(self, kv: KeyValue, cohort: str, event: OMRSEventV1) -> list[OMRSEventV1]:
        section = event.type_def_event_section
        assert section is not None
        attribute = section.type_def_event_type is _T.DELETED_ATTRIBUTE_TYPEDEF_EVENT
        kind = "attribute" if attribute else "typedef"
        ours = (attribute_type_with_guid if attribute else type_with_guid)(section.type_def_guid)
        if ours is not None:
            log.info(
                "Cohort %s: %s deleted %s %s, which this server uses; it keeps its own definition",
                cohort,
                event.originator.server_name,
                kind,
                ours.name,
            )
        kv.delete(typedef_key(cohort, kind, section.type_def_guid))
        return []

    def _on_re_identified_typedef(self, kv: KeyValue, cohort: str, event: OMRSEventV1) -> list[OMRSEventV1]:
        section = event.type_def_event_section
        assert section is not None and section.type_def is not None
        original = section.original_type_def_summary
        if original is not None:
            kv.delete(typedef_key(cohort, "typedef", original.guid))
        return self._on_new_typedef(kv, cohort, event)

    # -- attribute TypeDefs -------------------------------------------------------------------
    def _on_new_attribute_typedef(self, kv: KeyValue, cohort: str, event: OMRSEventV1) -> list[OMRSEventV1]:
        section = event.type_def_event_section
        assert section is not None and section.attribute_type_def is not None
        attribute = section.attribute_type_def
        clash = attribute_typedef_clash(attribute.name, attribute.guid, attribute.version)
        self._keep(kv, cohort, "attribute", event, attribute, clash)
        return [self._report(event, clash, target_attribute=attribute)] if clash else []

    def _on_re_identified_attribute_typedef(
        self, kv: KeyValue, cohort: str, event: OMRSEventV1
    ) -> list[OMRSEventV1]:
        section = event.type_def_event_section
        assert section is not None
        if section.original_attribute_type_def is not None:
            kv.delete(typedef_key(cohort, "attribute", section.original_attribute_type_def.guid))
        return self._on_new_attribute_typedef(kv, cohort, event)
