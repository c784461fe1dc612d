"""Egeria's common REST answers: ConnectorReportResponse and FFDC errors on Egeria's paths.

Shapes from Egeria's beans (odpi/egeria, open-metadata-implementation/common-services/ffdc-services/
src/main/java/org/odpi/openmetadata/commonservices/ffdc/):
- rest/ConnectorReportResponse.java (commit fd77a62f569d79d997d459b6ae81685ba770129f): extends
  FFDCResponseBase, one field `connectorReport`.
- properties/ConnectorReport.java (commit e5e74bfc43b979da64fe3977e384d7fec8f0e021): connectorType,
  refreshTimeInterval (long) and usesBlockingCalls (boolean) always written, lists NON_NULL.
- rest/FFDCResponseBase.java (commit df4f390a66fa681eb5006da81650bd9a48be0aa4): `class` type property,
  relatedHTTPCode (int, default 200) and the exception fields.
- RESTExceptionHandler.java (commit dae48aecd6231e30b2bf97458f73ea0876f6e845): the exception class
  names the client compares with (frameworks.connectors.ffdc) and `parameterName`.
"""

from __future__ import annotations

from app.web.responses import RequestError, egeria_answer
from schemas.egeria_rest import connector_report_response, connector_type, ffdc_answer
from schemas.errors import FieldError

FFDC_FIELDS = {
    "class",
    "relatedHTTPCode",
    "exceptionClassName",
    "exceptionCausedBy",
    "actionDescription",
    "exceptionErrorMessage",
    "exceptionErrorMessageId",
    "exceptionErrorMessageParameters",
    "exceptionSystemAction",
    "exceptionUserAction",
    "exceptionProperties",
}
CONNECTOR_REPORT_FIELDS = {
    "componentDescription",
    "connectorType",
    "refreshTimeInterval",
    "usesBlockingCalls",
    "supportedConfigurationProperties",
    "supportedRequestTypes",
    "supportedRequestParameters",
    "supportedActionTargetTypes",
    "supportedAnalysisSteps",
    "supportedAnnotationTypes",
    "producedRequestParameters",
    "producedActionTargetTypes",
    "producedGuards",
}


def test_connector_report_response_is_what_egerias_client_reads() -> None:
    bean = connector_type(
        "file-log-store",
        "file-log-store",
        "writes events to files",
        recognized_configuration_properties=["directory"],
    )
    answer = connector_report_response(bean)
    assert answer["class"] == "ConnectorReportResponse"
    assert answer["relatedHTTPCode"] == 200
    assert set(answer) <= FFDC_FIELDS | {"connectorReport"}
    report = answer["connectorReport"]
    assert set(report) <= CONNECTOR_REPORT_FIELDS
    assert report["refreshTimeInterval"] == 0 and report["usesBlockingCalls"] is False
    assert "componentDescription" not in report  # an interface Jackson cannot read back
    assert report["connectorType"]["class"] == "ConnectorType"
    assert report["connectorType"]["connectorProviderClassName"] == "file-log-store"
    assert report["connectorType"]["recognizedConfigurationProperties"] == ["directory"]


def test_ffdc_answers_carry_the_class_names_and_parameter_egerias_client_decodes() -> None:
    answer = ffdc_answer(
        "ConnectorReportResponse",
        404,
        "no such connector",
        action_description="validateConnector",
        parameter_name="connectorProviderClassName",
    )
    assert set(answer) <= FFDC_FIELDS
    assert (
        answer["exceptionClassName"]
        == "org.odpi.openmetadata.frameworks.connectors.ffdc.InvalidParameterException"
    )
    assert answer["exceptionProperties"] == {"parameterName": "connectorProviderClassName"}
    assert answer["relatedHTTPCode"] == 404
    server_error = ffdc_answer("VoidResponse", 500, "broken", action_description="x")
    assert server_error["exceptionClassName"].endswith(".PropertyServerException")
    assert "exceptionProperties" not in server_error


def test_egeria_answer_keeps_the_project_error_list_beside_the_ffdc_fields() -> None:
    refused = RequestError(
        404, [FieldError("connectorProviderClassName", "'x' is not a registered connector")]
    )
    answer = egeria_answer("ConnectorReportResponse", "validateConnector", refused)
    assert answer["relatedHTTPCode"] == 404
    assert answer["exceptionProperties"] == {"parameterName": "connectorProviderClassName"}
    assert answer["errors"] == [
        {"path": "connectorProviderClassName", "message": "'x' is not a registered connector"}
    ]
    wrong_server = egeria_answer(
        "ConnectorReportResponse", "validateConnector", RequestError(404, [FieldError("$", "no server")])
    )
    assert "exceptionProperties" not in wrong_server
