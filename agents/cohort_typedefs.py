"""TypeDef synchronisation: keep the cohort's TypeDefs, report those that clash with ours.

TypeDef events of every cohort go through the single-partition ``cohort.types`` topic
(per-cohort order, one handler at a time). This server knows the types it uses
(``schemas.open_metadata_types``); every TypeDef a member announces is compared with them:

- same name with another guid, or same guid with another name: TYPEDEF_ERROR_EVENT with
  CONFLICTING_TYPEDEFS (CONFLICTING_ATTRIBUTE_TYPEDEFS for an attribute type);
- same name and guid, another version: TYPEDEF_PATCH_MISMATCH;

each aimed at the sender, carrying the sender's definition as the target and ours as the
other. What members announce is kept per cohort in a `ChangelogStore` (changelog
``cohort.typedefs``): ``<cohort>/typedef/<guid>`` and ``<cohort>/attribute/<guid>``, with
the sender and any conflict found.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agents.cohort_dedup import SeenEvents
from agents.cohort_errors import ErrorLog
from agents.cohort_publisher import is_local, local_originator, publish
from agents.cohort_stage import CohortStage
from agents.cohort_store import ChangelogStore
from agents.cohort_topics import CohortInternalTopics
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

if TYPE_CHECKING:
    from app.service import LineageService

log = logging.getLogger(__name__)

STREAM = "cohort-typedefs"

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


class CohortTypeDefs(CohortStage):
    stream = STREAM
    label = "Cohort TypeDefs"
    failure = "TypeDef handling failed"

    def __init__(
        self, service: LineageService, topics: CohortInternalTopics, errors: ErrorLog, seen: SeenEvents | None
    ):
        store = ChangelogStore(
            service,
            name="cohort TypeDefs",
            source_topic=topics.types,
            changelog=topics.typedefs,
            partitions=1,
        )
        super().__init__(
            service, service.topic(topics.types, partitions=1, declare=True), store, errors, seen
        )
        self.handlers: dict[OMRSTypeDefEventType, Callable[[str, OMRSEventV1], Awaitable[None]] | str] = {
            _T.NEW_TYPEDEF_EVENT: self._on_new_typedef,
            _T.UPDATED_TYPEDEF_EVENT: self._on_updated_typedef,
            _T.DELETED_TYPEDEF_EVENT: self._on_deleted,
            _T.RE_IDENTIFIED_TYPEDEF_EVENT: self._on_re_identified_typedef,
            _T.NEW_ATTRIBUTE_TYPEDEF_EVENT: self._on_new_attribute_typedef,
            _T.DELETED_ATTRIBUTE_TYPEDEF_EVENT: self._on_deleted,
            _T.RE_IDENTIFIED_ATTRIBUTE_TYPEDEF_EVENT: self._on_re_identified_attribute_typedef,
            _T.TYPEDEF_ERROR_EVENT: self.on_error_event,
            _T.UNKNOWN_TYPEDEF_EVENT: "UNKNOWN_TYPEDEF_EVENT has no defined meaning",
        }

    async def on_event(
        self,
        partition: int,
        cohort: str,
        key: bytes | None,
        event: OMRSEventV1,
        event_digest: str | None,
        data: Mapping[str, Any],
    ) -> None:
        section = event.type_def_event_section
        assert section is not None
        handler = self.handlers[section.type_def_event_type]
        if isinstance(handler, str):
            self.ignore(section.type_def_event_type.value, handler)
        elif (
            is_local(self.settings, event.originator)
            and section.type_def_event_type is not _T.TYPEDEF_ERROR_EVENT
        ):
            self.ignore("own-event")
        else:
            await handler(cohort, event)

    # -- TypeDefs -----------------------------------------------------------------------------
    async def _keep(self, cohort: str, kind: str, event: OMRSEventV1, bean: Any, clash: Clash | None) -> None:
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
        await self.store.put(0, f"{cohort}/{kind}/{bean.guid}", record)

    async def _report(
        self,
        cohort: str,
        event: OMRSEventV1,
        clash: Clash,
        *,
        target: TypeDefSummary | None = None,
        target_attribute: AttributeTypeDef | None = None,
    ) -> None:
        sender = event.originator.metadata_collection_id
        log.warning(
            "Cohort %s: %s from %s: %s", cohort, clash.code.value, event.originator.server_name, clash.message
        )
        ours = clash.ours
        if isinstance(ours, KnownType):
            answer = typedef_error_event(
                local_originator(self.settings), clash.code, clash.message, sender, target, ours.summary()
            )
        else:
            answer = typedef_error_event(
                local_originator(self.settings),
                clash.code,
                clash.message,
                sender,
                other_attribute_type_def=ours.as_attribute_type_def(),
                target_attribute_type_def=target_attribute,
            )
        await publish(self.service, cohort, answer)

    async def _on_new_typedef(self, cohort: str, event: OMRSEventV1) -> None:
        section = event.type_def_event_section
        assert section is not None and section.type_def is not None
        typedef = section.type_def
        clash = typedef_clash(typedef.name, typedef.guid, typedef.version)
        if clash is not None:
            await self._report(cohort, event, clash, target=summary_of(typedef))
        await self._keep(cohort, "typedef", event, typedef, clash)

    async def _on_updated_typedef(self, cohort: str, event: OMRSEventV1) -> None:
        section = event.type_def_event_section
        assert section is not None and section.type_def_patch is not None
        patch = section.type_def_patch
        name, guid, version = patch.type_def_name, patch.type_def_guid, patch.update_to_version
        clash = typedef_clash(name, guid, version)
        if clash is not None:
            target = TypeDefSummary(
                guid=guid, name=name, version=version, version_name=patch.new_version_name
            )
            await self._report(cohort, event, clash, target=target)
        data = await self.store.partition(0)
        record = dict(
            data.get(f"{cohort}/typedef/{guid}") or {"cohort": cohort, "kind": "typedef", "guid": guid}
        )
        record.update(
            name=name,
            version=version,
            sender=event.originator.metadata_collection_id,
            senderServer=event.originator.server_name,
            conflict=clash.code.value if clash else None,
        )
        await self.store.put(0, f"{cohort}/typedef/{guid}", record)

    async def _on_deleted(self, cohort: str, event: OMRSEventV1) -> None:
        section = event.type_def_event_section
        assert section is not None
        attribute = section.type_def_event_type is _T.DELETED_ATTRIBUTE_TYPEDEF_EVENT
        kind = "attribute" if attribute else "typedef"
        ours = (attribute_type_with_guid if attribute else type_with_guid)(section.type_def_guid)
        if ours is not None:
            log.warning(
                "Cohort %s: %s deleted %s %s, which this server uses; it keeps its own definition",
                cohort,
                event.originator.server_name,
                kind,
                ours.name,
            )
        if await self.store.delete(0, f"{cohort}/{kind}/{section.type_def_guid}") is None:
            self.ignore("unknown-typedef", f"delete of unknown {kind}")

    async def _on_re_identified_typedef(self, cohort: str, event: OMRSEventV1) -> None:
        section = event.type_def_event_section
        assert section is not None and section.type_def is not None
        original = section.original_type_def_summary
        if original is not None:
            await self.store.delete(0, f"{cohort}/typedef/{original.guid}")
        await self._on_new_typedef(cohort, event)

    # -- attribute TypeDefs -------------------------------------------------------------------
    async def _on_new_attribute_typedef(self, cohort: str, event: OMRSEventV1) -> None:
        section = event.type_def_event_section
        assert section is not None and section.attribute_type_def is not None
        attribute = section.attribute_type_def
        clash = attribute_typedef_clash(attribute.name, attribute.guid, attribute.version)
        if clash is not None:
            await self._report(cohort, event, clash, target_attribute=attribute)
        await self._keep(cohort, "attribute", event, attribute, clash)

    async def _on_re_identified_attribute_typedef(self, cohort: str, event: OMRSEventV1) -> None:
        section = event.type_def_event_section
        assert section is not None
        if section.original_attribute_type_def is not None:
            await self.store.delete(0, f"{cohort}/attribute/{section.original_attribute_type_def.guid}")
        await self._on_new_attribute_typedef(cohort, event)
