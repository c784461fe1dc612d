"""The OCF Connection a cohort member registers with: how other members reach its repository.

A member's REGISTRATION_EVENT and RE_REGISTRATION_EVENT carry `remoteConnection`, the
Connection Egeria's cohort registry hands to its enterprise connector manager. That manager
builds a connector from it straight away (`ConnectorBroker.getConnector`) and asks it for
its metadata collection; when that fails it answers with a registration error. So the
Connection must name a connector provider Egeria has and an endpoint it can call:

- `connectorType.connectorProviderClassName` is Egeria's REST repository connector provider,
  the one Egeria's own servers advertise (`ConnectorConfigurationFactory
  .getDefaultLocalRepositoryRemoteConnection`);
- that connector's client sends every call to `<endpoint address>/open-metadata/
  repository-services/users/{userId}/...` (`MetadataCollectionServicesClient`), so the
  address is the server's root URL followed by `/servers/<server name>`;
- Egeria 5 reads the address from the Endpoint's `address`, Egeria 6 from `networkAddress`;
  both are written, each release ignores the one it does not know.

`headerVersion` is a Java primitive in Egeria's OCF beans (`PropertyBase`), so it is always
written; Egeria's own servers write 0.
"""

from __future__ import annotations

from typing import Any

REST_REPOSITORY_CONNECTOR_PROVIDER = "org.odpi.openmetadata.adapters.repositoryservices.rest.repositoryconnector.OMRSRESTRepositoryConnectorProvider"
"""Egeria's OMRS REST repository connector provider: the connector cohort members use to
query each other (`ConnectorConfigurationFactory.OMRS_REST_REPOSITORY_CONNECTOR_PROVIDER`)."""

REST_REPOSITORY_CONNECTOR_TYPE_GUID = "75ea56d1-656c-43fb-bc0c-9d35c5553b9e"
"""The guid of that connector's ConnectorType (the same in Egeria 5 and 6)."""

REST_REPOSITORY_CONNECTOR_TYPE_NAME = "Egeria::OpenMetadataRepositoryConnector::CohortMemberClient::REST"
"""Its qualified name in Egeria 6 (`EgeriaOpenConnectorDefinition.OMRS_REST_REPOSITORY_CONNECTOR`)."""

REPOSITORY_SERVICES_PATH = "/open-metadata/repository-services"
"""What Egeria's REST repository client puts after the endpoint address."""


def repository_address(server_url_root: str, server_name: str) -> str:
    """Where Egeria's REST repository connector calls this server: `<root>/servers/<name>`."""
    return f"{server_url_root.rstrip('/')}/servers/{server_name}"


def repository_rest_connection(server_name: str, server_url_root: str) -> dict[str, Any]:
    """The `remoteConnection` of a cohort member whose repository API is served at
    `<server_url_root>/servers/<server_name>/open-metadata/repository-services/...`."""
    address = repository_address(server_url_root, server_name)
    return {
        "class": "Connection",
        "headerVersion": 0,
        "qualifiedName": f"{server_name}::cohort-member::repository-services",
        "displayName": f"{server_name} repository services",
        "connectorType": {
            "class": "ConnectorType",
            "headerVersion": 0,
            "guid": REST_REPOSITORY_CONNECTOR_TYPE_GUID,
            "qualifiedName": REST_REPOSITORY_CONNECTOR_TYPE_NAME,
            "displayName": "REST Cohort Member Client Connector",
            "connectorProviderClassName": REST_REPOSITORY_CONNECTOR_PROVIDER,
        },
        "endpoint": {
            "class": "Endpoint",
            "headerVersion": 0,
            "qualifiedName": f"{server_name}::cohort-member::repository-services::endpoint",
            "displayName": f"{server_name} repository services endpoint",
            "address": address,
            "networkAddress": address,
            "protocol": address.split(":", 1)[0],
        },
    }
