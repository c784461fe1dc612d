"""The types a cohort uses: this service's own, plus every TypeDef its members announce.

Pure: `CohortTypes` is an immutable value; each `learn_*` returns the new value and a
`TypeVerdict`, and `conflict_answer` the error event (if any) to send, so a stream handler
is `(state, event) -> (state, answers)` and the state can live in any store
(`to_records` / `from_records`).

The rules are Egeria's (odpi/egeria, OMRSRepositoryContentManager.java, cited at commit
86e1137bf8ffbb59bb14612396e6adf1dbcbad96; the same at the 5.2 and 6.0 release points):

- a type is identified by its name; a TypeDef whose name is known with another guid is a
  conflict (`validTypeId`, the check Egeria applies to every type identifier it is given,
  lines 1811-1870; `validateEnterpriseTypeDefs` rejects such TypeDefs, lines 1541-1566).
  This service answers it with CONFLICTING_TYPEDEFS (or CONFLICTING_ATTRIBUTE_TYPEDEFS) in
  the layout of `processNewTypeDefEvent`'s conflict branch (lines 2730-2753);
- a guid known under another name is accepted: `validTypeId` looks names up, not guids
  (Egeria 6 renamed `AssetSchemaType` to `Schema` and kept its guid);
- a version difference is never a conflict: Egeria ignores a NEW_TYPEDEF_EVENT for a type
  it already has ("the incoming event is an obsolete one", line 2632), applies or skips
  patches (`processUpdatedTypeDefEvent`, lines 2988-3070) and never sends
  TYPEDEF_PATCH_MISMATCH. Here a newer version (from a TypeDef or a patch) is learned, an
  older or equal one changes nothing.

Deliberate difference: Egeria's `verifyAttributeTypeDef` compares whole AttributeTypeDefs
(`AttributeTypeDef.equals`: versions, version names, descriptions...), so Egeria servers of
different releases raise CONFLICTING_ATTRIBUTE_TYPEDEFS at each other for `string`, `int`...
This service applies the identity rule above to attribute types too, so a member of any
release is accepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from schemas.omrs_base import now_ms
from schemas.omrs_builders import (
    Date,
    attribute_typedef_conflict_event,
    new_attribute_typedef_event,
    new_typedef_event,
    typedef_conflict_event,
)
from schemas.omrs_enums import AttributeTypeDefCategory, TypeDefCategory
from schemas.omrs_events import OMRSEventV1, Originator
from schemas.omrs_typedefs import (
    AttributeTypeDef,
    ClassificationDef,
    EntityDef,
    RelationshipDef,
    TypeDef,
    TypeDefPatch,
    TypeDefSummary,
)
from schemas.open_metadata_types import (
    ATTRIBUTE_TYPES,
    RENAMED_TYPES,
    TYPES,
    KnownAttributeType,
    KnownType,
    ancestors,
    chain_of,
)

Outcome = Literal["learned", "known", "newer", "conflict", "ignored"]
"""What a TypeDef event did: a new type learned, a known one seen again (same or older
version), a known one at a newer version, a conflict to report, or nothing (invalid input,
a patch for an unknown type)."""


@dataclass(frozen=True, slots=True)
class TypeVerdict:
    """The judgement of one TypeDef event; `ours` is what it was compared with."""

    outcome: Outcome
    ours: KnownType | KnownAttributeType | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class CohortTypes:
    """The TypeDefs and AttributeTypeDefs known in a cohort, by name (guid lookups map to the
    name most recently learned with that guid, as Egeria's `knownTypeDefGUIDs` does)."""

    types: Mapping[str, KnownType] = field(default_factory=dict)
    type_guids: Mapping[str, str] = field(default_factory=dict)
    attribute_types: Mapping[str, KnownAttributeType] = field(default_factory=dict)
    attribute_guids: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        types: Iterable[KnownType] = (*TYPES, *RENAMED_TYPES),
        attribute_types: Iterable[KnownAttributeType] = ATTRIBUTE_TYPES,
    ) -> CohortTypes:
        """Starting from this service's own types (the catalogue and the releases' own names
        of renamed types by default)."""
        by_name = {t.name: t for t in types}
        attributes = {a.name: a for a in attribute_types}
        return cls(
            types=by_name,
            type_guids={t.guid: t.name for t in by_name.values()},
            attribute_types=attributes,
            attribute_guids={a.guid: a.name for a in attributes.values()},
        )

    # -- lookups ------------------------------------------------------------------------------
    def type_named(self, name: str | None) -> KnownType | None:
        return self.types.get(name) if name else None

    def type_with_guid(self, guid: str | None) -> KnownType | None:
        name = self.type_guids.get(guid) if guid else None
        return self.types.get(name) if name else None

    def attribute_type_named(self, name: str | None) -> KnownAttributeType | None:
        return self.attribute_types.get(name) if name else None

    def valid_type_id(self, guid: str | None, name: str | None) -> bool:
        """Egeria's `validTypeId`: a known name with that very guid."""
        known = self.types.get(name) if name else None
        if known is None and name:
            attribute = self.attribute_types.get(name)
            return attribute is not None and attribute.guid == guid
        return known is not None and known.guid == guid

    def ancestry(self, name: str) -> tuple[str, ...]:
        """The type and its super types as the cohort defines them (the catalogue's beyond)."""
        chain = chain_of(name, self.types)
        return chain + tuple(n for n in ancestors(chain[-1])[1:] if n not in chain) if chain else ()

    def is_kind_of(self, type_name: str, wanted: frozenset[str]) -> bool:
        """Whether the type is one of `wanted` or a subtype of one."""
        return not wanted.isdisjoint(self.ancestry(type_name))

    # -- learning -----------------------------------------------------------------------------
    def learn_typedef(self, bean: TypeDef | TypeDefSummary) -> tuple[CohortTypes, TypeVerdict]:
        """A member announced a TypeDef (NEW_TYPEDEF_EVENT, or the new TypeDef of a
        RE_IDENTIFIED_TYPEDEF_EVENT)."""
        name, guid = bean.name, bean.guid
        if not name or not guid:
            return self, TypeVerdict("ignored", message="a TypeDef needs a name and a guid")
        incoming = _known_from(bean)
        known = self.types.get(name)
        if known is None:
            return self._with_type(incoming), TypeVerdict("learned")
        if known.guid != guid:
            message = f"TypeDef {name} has guid {guid}; this server knows {name} as {known.guid}"
            return self, TypeVerdict("conflict", known, message)
        if incoming.version > known.version:
            newer = _newer(known, incoming.version, incoming.version_name, incoming.super_type)
            return self._with_type(newer), TypeVerdict("newer", known)
        return self, TypeVerdict("known", known)

    def learn_patch(self, patch: TypeDefPatch) -> tuple[CohortTypes, TypeVerdict]:
        """A member patched a TypeDef (UPDATED_TYPEDEF_EVENT): a patch to a newer version of
        a known type raises its version; any other patch changes nothing. Egeria sends no
        error about patches."""
        known = self.types.get(patch.type_def_name or "")
        if known is None or (patch.type_def_guid is not None and patch.type_def_guid != known.guid):
            return self, TypeVerdict(
                "ignored", known, "patch for a type this server does not know by that guid"
            )
        version = patch.update_to_version or 0
        if version <= known.version:
            return self, TypeVerdict("known", known)
        super_type = patch.super_type.name if patch.super_type is not None else known.super_type
        newer = _newer(known, version, patch.new_version_name, super_type)
        return self._with_type(newer), TypeVerdict("newer", known)

    def learn_attribute_typedef(self, bean: AttributeTypeDef) -> tuple[CohortTypes, TypeVerdict]:
        """A member announced an AttributeTypeDef (NEW_ATTRIBUTE_TYPEDEF_EVENT)."""
        name, guid = bean.name, bean.guid
        if not name or not guid:
            return self, TypeVerdict("ignored", message="an AttributeTypeDef needs a name and a guid")
        known = self.attribute_types.get(name)
        if known is None:
            learned = KnownAttributeType(
                name=name,
                guid=guid,
                version=bean.version or 0,
                category=_attribute_category(bean.category),
                version_name=bean.version_name,
            )
            return self._with_attribute(learned), TypeVerdict("learned")
        if known.guid != guid:
            message = f"AttributeTypeDef {name} has guid {guid}; this server knows {name} as {known.guid}"
            return self, TypeVerdict("conflict", known, message)
        return self, TypeVerdict("known", known)

    def forget_typedef(self, guid: str | None, name: str | None) -> CohortTypes:
        """A member deleted a TypeDef (DELETED_TYPEDEF_EVENT, or the original of a
        RE_IDENTIFIED_TYPEDEF_EVENT): forgotten unless it is one of this server's own."""
        known = self.types.get(name or "") or self.type_with_guid(guid)
        if known is None or known.facts is not None:
            return self
        types = {n: t for n, t in self.types.items() if n != known.name}
        guids = {g: n for g, n in self.type_guids.items() if n != known.name}
        return CohortTypes(types, guids, self.attribute_types, self.attribute_guids)

    def forget_attribute_typedef(self, guid: str | None, name: str | None) -> CohortTypes:
        """The same for an AttributeTypeDef."""
        known = self.attribute_types.get(name or "")
        if known is None and guid:
            known = self.attribute_types.get(self.attribute_guids.get(guid, ""))
        if known is None or known.facts is not None:
            return self
        attributes = {n: a for n, a in self.attribute_types.items() if n != known.name}
        guids = {g: n for g, n in self.attribute_guids.items() if n != known.name}
        return CohortTypes(self.types, self.type_guids, attributes, guids)

    def _with_type(self, known: KnownType) -> CohortTypes:
        return CohortTypes(
            {**self.types, known.name: known},
            {**self.type_guids, known.guid: known.name},
            self.attribute_types,
            self.attribute_guids,
        )

    def _with_attribute(self, known: KnownAttributeType) -> CohortTypes:
        return CohortTypes(
            self.types,
            self.type_guids,
            {**self.attribute_types, known.name: known},
            {**self.attribute_guids, known.guid: known.name},
        )

    # -- storing ------------------------------------------------------------------------------
    def to_records(self) -> list[dict[str, Any]]:
        """The learned types and versions as plain JSON objects (the catalogue's own types
        only where the cohort moved them to another version)."""
        records: list[dict[str, Any]] = []
        for t in self.types.values():
            if t.facts is None or t.release is None:
                records.append(
                    {
                        "kind": "typedef",
                        "name": t.name,
                        "guid": t.guid,
                        "version": t.version,
                        "versionName": t.version_name,
                        "category": t.category.value,
                        "superType": t.super_type,
                    }
                )
        for a in self.attribute_types.values():
            if a.facts is None:
                records.append(
                    {
                        "kind": "attribute",
                        "name": a.name,
                        "guid": a.guid,
                        "version": a.version,
                        "versionName": a.version_name,
                        "category": a.category.value,
                    }
                )
        return records

    @classmethod
    def from_records(
        cls, records: Iterable[Mapping[str, Any]], start: CohortTypes | None = None
    ) -> CohortTypes:
        """`start` (the catalogue by default) with the records of `to_records` applied."""
        state = start or cls.of()
        for r in records:
            if r["kind"] == "attribute":
                state = state._with_attribute(
                    KnownAttributeType(
                        r["name"],
                        r["guid"],
                        r["version"],
                        AttributeTypeDefCategory(r["category"]),
                        r.get("versionName"),
                    )
                )
            else:
                known = state.types.get(r["name"])
                record = KnownType(
                    r["name"],
                    r["guid"],
                    r["version"],
                    TypeDefCategory(r["category"]),
                    r.get("superType"),
                    r.get("versionName"),
                    release=None,
                    facts=known.facts if known is not None and known.guid == r["guid"] else None,
                )
                state = state._with_type(record)
        return state


def _known_from(bean: TypeDef | TypeDefSummary) -> KnownType:
    super_type = getattr(bean, "super_type", None)
    return KnownType(
        name=bean.name or "",
        guid=bean.guid or "",
        version=bean.version or 0,
        category=_category(bean.category),
        super_type=super_type.name if super_type is not None else None,
        version_name=bean.version_name,
    )


def _newer(known: KnownType, version: int, version_name: str | None, super_type: str | None) -> KnownType:
    """The type at a newer version; it keeps its facts, and `release` None marks it as moved
    on from the release those facts describe."""
    return KnownType(
        known.name,
        known.guid,
        version,
        known.category,
        super_type,
        version_name,
        release=None,
        facts=known.facts,
    )


def _category(value: str | None) -> TypeDefCategory:
    try:
        return TypeDefCategory(value or "")
    except ValueError:
        return TypeDefCategory.UNKNOWN_DEF


def _attribute_category(value: str | None) -> AttributeTypeDefCategory:
    try:
        return AttributeTypeDefCategory(value or "")
    except ValueError:
        return AttributeTypeDefCategory.UNKNOWN_DEF


# -- answers ------------------------------------------------------------------------------------


def conflict_answer(
    originator: Originator,
    verdict: TypeVerdict,
    theirs: TypeDef | TypeDefSummary | AttributeTypeDef,
    sender: str | None,
    *,
    timestamp: Date | None = None,
) -> OMRSEventV1 | None:
    """The error event Egeria's local repository sends for a conflicting TypeDef (None for
    any other verdict): the member's definition as the original, the member as the other
    collection, ours as the other definition."""
    if verdict.outcome != "conflict" or verdict.ours is None:
        return None
    message = verdict.message or "conflicting type definitions"
    ours = verdict.ours
    if isinstance(ours, KnownAttributeType):
        if isinstance(theirs, TypeDefSummary):
            raise TypeError("an AttributeTypeDef conflict needs the member's AttributeTypeDef")
        return attribute_typedef_conflict_event(
            originator, message, theirs, sender, ours.as_attribute_type_def(), timestamp=timestamp
        )
    if not isinstance(theirs, (TypeDefSummary, EntityDef, RelationshipDef, ClassificationDef)):
        raise TypeError("a TypeDef conflict needs the member's TypeDef")
    mine = ours.type_def() if ours.facts is not None else ours.summary()
    return typedef_conflict_event(originator, message, theirs, sender, mine, timestamp=timestamp)


def ancestors_first(types: Iterable[KnownType]) -> list[KnownType]:
    """The types with every super type before its subtypes (as Egeria's archive adds them)."""
    by_name = {t.name: t for t in types}
    ordered: list[KnownType] = []
    placed: set[str] = set()

    def place(t: KnownType) -> None:
        if t.name in placed:
            return
        placed.add(t.name)
        parent = by_name.get(t.super_type or "")
        if parent is not None:
            place(parent)
        ordered.append(t)

    for t in by_name.values():
        place(t)
    return ordered


def typedef_announcements(
    originator: Originator,
    types: Iterable[KnownType] = TYPES,
    attribute_types: Iterable[KnownAttributeType] = (),
    *,
    timestamp: Date | None = None,
) -> Iterator[OMRSEventV1]:
    """The events that announce this server's types to a cohort, as Egeria's local
    repository announces the types it loads (`LocalOMRSMetadataCollection.addTypeDef` /
    `addAttributeTypeDef` send NEW_TYPEDEF_EVENT / NEW_ATTRIBUTE_TYPEDEF_EVENT):
    attribute types first, then TypeDefs, super types before their subtypes.

    Attribute types are left out unless given: every Egeria server has them, and Egeria
    compares whole AttributeTypeDefs, so one from another release draws a
    CONFLICTING_ATTRIBUTE_TYPEDEFS from it."""
    stamp = now_ms() if timestamp is None else timestamp
    for attribute in attribute_types:
        yield new_attribute_typedef_event(originator, attribute.as_attribute_type_def(), timestamp=stamp)
    for known in ancestors_first(types):
        yield new_typedef_event(originator, known.type_def(), timestamp=stamp)
