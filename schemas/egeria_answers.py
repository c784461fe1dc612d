"""Egeria's REST response beans, as pydantic models of what this server answers on Egeria's paths.

These models describe the answers (for the OpenAPI document); the answers themselves are
built by `schemas.egeria_rest` and `schemas.omrs_rest`, whose docstrings cite the Java
sources. Every bean is an `FFDCResponseBase` (FFDCResponseBase.java,
open-metadata-implementation/common-services/ffdc-services/.../commonservices/ffdc/rest/,
odpi/egeria commit df4f390a66fa681eb5006da81650bd9a48be0aa4; the repository services'
`OMRSAPIResponse`, commit c62d759fe40783b5a0753e5a6ca37065370035c1, has the same FFDC
fields): `class` names the response class, `relatedHTTPCode` the outcome (200, or the
failure's code while the HTTP status stays 200), and a failure fills the exception fields.
Egeria's clients ignore fields they do not know, so every bean here accepts more.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from schemas.omrs import EntityDetail, EntitySummary, Relationship


class FFDCResponse(BaseModel):
    """The fields of every Egeria answer; the exception fields only on a failure."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    class_: str = Field(alias="class", description="The response class, as Jackson names it.")
    related_http_code: int = Field(
        alias="relatedHTTPCode", description="200, or the HTTP code of the failure."
    )
    exception_class_name: str | None = Field(
        None, description="The Java exception Egeria's client throws for this failure."
    )
    exception_caused_by: str | None = None
    action_description: str | None = None
    exception_error_message: str | None = None
    exception_error_message_id: str | None = None
    exception_error_message_parameters: list[str] | None = None
    exception_system_action: str | None = None
    exception_user_action: str | None = None
    exception_properties: dict[str, Any] | None = Field(
        None, description="`parameterName` names the parameter at fault (InvalidParameterException)."
    )


class VoidResponse(FFDCResponse):
    """An answer with nothing more to say than its outcome."""

    class_: Literal["VoidResponse"] = Field(alias="class")


class ConnectorType(BaseModel):
    """An OCF ConnectorType bean (ConnectorType.java, frameworks/connectors/properties/beans,
    odpi/egeria commit 056e9129e98b6159b700e501bdd60dc70d54a501)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    class_: Literal["ConnectorType"] = Field(alias="class")
    header_version: int | None = None
    qualified_name: str | None = None
    display_name: str | None = None
    description: str | None = None
    connector_provider_class_name: str | None = None
    connector_framework_name: str | None = None
    connector_interface_language: str | None = None
    recognized_configuration_properties: list[str] | None = None


class ConnectorReport(BaseModel):
    """ConnectorReport.java (commonservices/ffdc/properties, commit e5e74bfc43b979da64fe3977e384d7fec8f0e021)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    connector_type: ConnectorType | None = None
    refresh_time_interval: int
    uses_blocking_calls: bool


class ConnectorReportResponse(FFDCResponse):
    """validate-connector's answer (ConnectorReportResponse.java, commit fd77a62f569d79d997d459b6ae81685ba770129f)."""

    class_: Literal["ConnectorReportResponse"] = Field(alias="class")
    connector_report: ConnectorReport | None = None


class MetadataCollectionIdResponse(FFDCResponse):
    class_: Literal["MetadataCollectionIdResponse"] = Field(alias="class")
    metadata_collection_id: str | None = None


class EntityDetailResponse(FFDCResponse):
    """`entity` is absent when isEntityKnown finds nothing, and on a failure."""

    class_: Literal["EntityDetailResponse"] = Field(alias="class")
    entity: EntityDetail | None = None


class EntitySummaryResponse(FFDCResponse):
    class_: Literal["EntitySummaryResponse"] = Field(alias="class")
    entity: EntitySummary | None = None


class RelationshipResponse(FFDCResponse):
    """`relationship` is absent when isRelationshipKnown finds nothing, and on a failure."""

    class_: Literal["RelationshipResponse"] = Field(alias="class")
    relationship: Relationship | None = None


class PagedResponse(FFDCResponse):
    """OMRSAPIPagedResponse: the page asked for; Java ints, always written on success."""

    offset: int | None = None
    page_size: int | None = None


class EntityListResponse(PagedResponse):
    """No `entities` for an empty page (Egeria's getter answers null for an empty list)."""

    class_: Literal["EntityListResponse"] = Field(alias="class")
    entities: list[EntityDetail] | None = None


class RelationshipListResponse(PagedResponse):
    """No `relationships` for an empty page."""

    class_: Literal["RelationshipListResponse"] = Field(alias="class")
    relationships: list[Relationship] | None = None
