"""Egeria's common REST answers on its integration-service paths: FFDC errors, ConnectorReportResponse.

Egeria's Java clients read every answer of an OMAG server as an `FFDCResponseBase` subclass
(`@JsonTypeInfo(use = NAME, property = "class")`; fields relatedHTTPCode, exceptionClassName,
exceptionCausedBy, actionDescription, exceptionErrorMessage, exceptionErrorMessageId,
exceptionErrorMessageParameters, exceptionSystemAction, exceptionUserAction,
exceptionProperties: FFDCResponseBase.java, open-metadata-implementation/common-services/
ffdc-services/.../commonservices/ffdc/rest/, odpi/egeria commit
df4f390a66fa681eb5006da81650bd9a48be0aa4). `RESTExceptionHandler.detectAndThrowStandardExceptions`
(commit dae48aecd6231e30b2bf97458f73ea0876f6e845) throws the exception `exceptionClassName`
names (InvalidParameterException with the `parameterName` exception property,
UserNotAuthorizedException, PropertyServerException of `frameworks.connectors.ffdc`), and any
other non-null class name as an unexpected error; the answer must be HTTP 200 for the client
to read it (Spring's RestTemplate raises on any other status).

`validate-connector` answers a `ConnectorReportResponse` (ConnectorReportResponse.java, same
package, commit fd77a62f569d79d997d459b6ae81685ba770129f): `connectorReport` is a
`ConnectorReport` (ConnectorReport.java, commonservices/ffdc/properties, commit
e5e74bfc43b979da64fe3977e384d7fec8f0e021) whose primitives `refreshTimeInterval` (long) and
`usesBlockingCalls` (boolean) are always written. Its `componentDescription` is declared as an
interface Egeria implements with enums, which Jackson cannot read back from an object, so it is
left out; `connectorType` is an OCF `ConnectorType` bean (ConnectorType.java,
frameworks/connectors/properties/beans, commit 056e9129e98b6159b700e501bdd60dc70d54a501).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

FFDC_PACKAGE = "org.odpi.openmetadata.frameworks.connectors.ffdc."
INVALID_PARAMETER = FFDC_PACKAGE + "InvalidParameterException"
USER_NOT_AUTHORIZED = FFDC_PACKAGE + "UserNotAuthorizedException"
PROPERTY_SERVER = FFDC_PACKAGE + "PropertyServerException"

_BY_STATUS = {
    400: INVALID_PARAMETER,
    401: USER_NOT_AUTHORIZED,
    403: USER_NOT_AUTHORIZED,
    404: INVALID_PARAMETER,
}

OCF = "Open Connector Framework (OCF)"


def exception_for(status: int) -> str:
    """The exception class Egeria's client throws for a failure of this HTTP meaning."""
    return _BY_STATUS.get(status, PROPERTY_SERVER)


def ffdc_answer(
    response_class: str,
    related_http_code: int,
    message: str,
    *,
    action_description: str,
    message_id: str | None = None,
    parameters: Sequence[str] | None = None,
    system_action: str | None = None,
    user_action: str | None = None,
    parameter_name: str | None = None,
    exception_class: str | None = None,
) -> dict[str, Any]:
    """An FFDC error answer in `response_class` (send it with HTTP 200)."""
    body: dict[str, Any] = {
        "class": response_class,
        "relatedHTTPCode": related_http_code,
        "exceptionClassName": exception_class or exception_for(related_http_code),
        "actionDescription": action_description,
        "exceptionErrorMessage": f"{message_id} {message}" if message_id else message,
        "exceptionErrorMessageId": message_id,
        "exceptionErrorMessageParameters": list(parameters) if parameters is not None else None,
        "exceptionSystemAction": system_action,
        "exceptionUserAction": user_action,
        "exceptionProperties": {"parameterName": parameter_name} if parameter_name else None,
    }
    return {name: value for name, value in body.items() if value is not None}


def connector_type(
    connector_provider_class_name: str,
    display_name: str,
    description: str,
    *,
    recognized_configuration_properties: Sequence[str] | None = None,
    interface_language: str = "Python",
) -> dict[str, Any]:
    """An OCF ConnectorType bean for one of this server's connectors."""
    bean: dict[str, Any] = {
        "class": "ConnectorType",
        "headerVersion": 0,
        "qualifiedName": connector_provider_class_name,
        "displayName": display_name,
        "description": description,
        "connectorProviderClassName": connector_provider_class_name,
        "connectorFrameworkName": OCF,
        "connectorInterfaceLanguage": interface_language,
    }
    if recognized_configuration_properties:
        bean["recognizedConfigurationProperties"] = list(recognized_configuration_properties)
    return bean


def connector_report_response(
    connector_type_bean: dict[str, Any],
    *,
    refresh_time_interval: int = 0,
    uses_blocking_calls: bool = False,
) -> dict[str, Any]:
    """`{"class": "ConnectorReportResponse", "relatedHTTPCode": 200, "connectorReport": {...}}`."""
    return {
        "class": "ConnectorReportResponse",
        "relatedHTTPCode": 200,
        "connectorReport": {
            "connectorType": connector_type_bean,
            "refreshTimeInterval": refresh_time_interval,
            "usesBlockingCalls": uses_blocking_calls,
        },
    }
