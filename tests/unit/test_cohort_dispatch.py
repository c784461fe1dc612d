"""Every category and event type is either handled or explicitly ignored; the service wires it all."""

from __future__ import annotations

from agents import cohort_member
from agents.cohort_instances import DISPATCH
from app.service import create_service
from app.settings import Settings
from app.web import install_views
from schemas.omrs import OMRSInstanceEventType, OMRSRegistryEventType, OMRSTypeDefEventType


def service(**overrides: object):  # type: ignore[no-untyped-def]
    settings = Settings(broker="kafka://127.0.0.1:9", server_name="unit", **overrides)  # type: ignore[arg-type]
    return create_service(settings, installers=[cohort_member.install, install_views])


def test_every_event_type_has_a_handler_or_a_reason(tmp_path) -> None:  # type: ignore[no-untyped-def]
    member = cohort_member.member_of(service(data_dir=tmp_path))
    assert member is not None
    assert set(member.registry.handlers) == set(OMRSRegistryEventType)
    assert set(member.typedefs.handlers) == set(OMRSTypeDefEventType)
    assert set(DISPATCH) == set(OMRSInstanceEventType)
    ignored = [
        v
        for v in [*member.registry.handlers.values(), *member.typedefs.handlers.values(), *DISPATCH.values()]
        if isinstance(v, str) and v not in ("copy", "error")
    ]
    assert ignored and all(len(reason) > 10 for reason in ignored)


def test_agents_views_and_readiness_are_installed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    svc = service(data_dir=tmp_path)
    streams = {stream.stream_name for stream in svc.streams}
    assert {"cohort-intake", "cohort-registry", "cohort-typedefs", "cohort-instances"} <= streams
    routes = {r.resource.canonical for r in svc.app.web.web_app.router.routes()}  # type: ignore[attr-defined]
    assert {"/api/v1/cohort/members", "/api/v1/cohort/errors", "/api/v1/cohort/types"} <= routes
    assert "cohort_registered" in svc.readiness.conditions


def test_no_cohort_means_no_cohort_agents(tmp_path) -> None:  # type: ignore[no-untyped-def]
    svc = service(data_dir=tmp_path, cohorts=[])
    assert cohort_member.member_of(svc) is None
    assert "cohort_registered" not in svc.readiness.conditions


def test_kept_types_come_from_the_setting_or_the_lineage_defaults(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from agents.cohort_instances import copy_policy
    from schemas.open_metadata_types import LINEAGE_TYPE_NAMES

    assert copy_policy(service(data_dir=tmp_path)).kept_types == frozenset(LINEAGE_TYPE_NAMES)
    custom = service(data_dir=tmp_path, reference_copy_types="Process, DataFlow")
    assert copy_policy(custom).kept_types == frozenset({"Process", "DataFlow"})
