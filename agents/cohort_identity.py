"""Who this server is in its cohorts: the same on every replica, whichever one speaks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CohortIdentity:
    """This server as a cohort member (field names as in the settings they come from)."""

    collection_id: str
    """The metadata collection id: what Egeria members identify us by."""
    server_name: str
    metadata_collection_name: str
    organization_name: str
    advertised_url: str
    """The REST address other members use (LINEAGE_ADVERTISED_URL): never a replica's own host."""
