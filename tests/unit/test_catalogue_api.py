"""The cataloguing API (`agents.catalogue.api.LineageCatalogue`), named after Egeria's Lineage
Integrator context operations (odpi/egeria
`open-metadata-implementation/integration-services/lineage-integrator/lineage-integrator-api/src/main/java/org/odpi/openmetadata/integrationservices/lineage/connector/LineageIntegratorContext.java`:
createProcess, setupProcessParent, createPort, setupProcessPort, setupPortDelegation,
setupPortSchemaType, setupDataFlow, setupControlFlow, setupProcessCall, setupLineageMapping,
findProcesses, getPortsForProcess, getPortUse, getPortDelegation, getDataFlowConsumers, ...).

The catalogue behind it is the service's pure merge and publish (`MemoryCatalogue`), and its
read model is fed with the OMRS events the catalogue published, as a worker's is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest

from agents.catalogue.api import CatalogueNotReadable, LineageCatalogue
from agents.catalogue.contribution import Contribution, entity_guid
from agents.catalogue.elements import (
    ControlFlowProperties,
    DataFlowProperties,
    DeleteMethod,
    LineageMappingProperties,
    PortProperties,
    PortType,
    ProcessCallProperties,
    ProcessProperties,
    SchemaAttributeProperties,
)
from agents.catalogue.mapping import map_event
from schemas.openlineage import parse_event
from tests.support.catalogue import MemoryCatalogue

T = TypeVar("T")
DB = "postgres://db:5432"


def run(awaitable: Awaitable[T]) -> T:
    return asyncio.run(awaitable)  # type: ignore[arg-type]


async def pipeline(api: LineageCatalogue) -> dict[str, Any]:
    """A parent process with one step reading a table and writing another, with ports."""
    async with api.batch() as w:
        flow = w.create_process("sched", "nightly")
        step = w.create_process(
            "sched", "nightly.load", ProcessProperties(formula="insert ...", formula_type="SQL")
        )
        w.setup_process_parent(flow, step)
        raw = w.create_data_asset(DB, "raw", type_name="TableDataSet")
        out = w.create_data_asset(DB, "out", type_name="TableDataSet")
        schema = w.create_schema_type(DB, "raw", asset=raw)
        column = w.create_schema_attribute(schema, DB, "raw::id", SchemaAttributeProperties(data_type="int"))
        port = w.create_port(step, "sched", "load.in", PortProperties(port_type=PortType.INPUT_PORT))
        alias = w.create_port(
            flow, "sched", "nightly.in", PortProperties(port_type=PortType.INPUT_PORT), alias=True
        )
        w.setup_port_delegation(alias, port)
        w.setup_port_schema_type(port, schema)
        w.setup_data_flow(raw, step, DataFlowProperties(label="reads"))
        w.setup_data_flow(step, out)
    return locals()


def test_operations_publish_what_egeria_would_hold() -> None:
    cat = MemoryCatalogue()
    refs = run(pipeline(cat.api()))
    assert refs["step"].guid == entity_guid("DeployedSoftwareComponent::sched::nightly.load")
    kinds = cat.kinds()
    assert kinds[("NEW_ENTITY_EVENT", "PortImplementation")] == 1
    assert kinds[("NEW_ENTITY_EVENT", "PortAlias")] == 1
    for relationship in (
        "ProcessHierarchy",
        "PortDelegation",
        "PortSchema",
        "AssetSchemaType",
        "AttributeForSchema",
    ):
        assert kinds[("NEW_RELATIONSHIP_EVENT", relationship)] == 1
    assert kinds[("NEW_RELATIONSHIP_EVENT", "ProcessPort")] == 2
    assert kinds[("NEW_RELATIONSHIP_EVENT", "DataFlow")] == 2


def test_a_connector_and_the_cataloguer_name_one_table_the_same() -> None:
    cat = MemoryCatalogue()
    table = run(cat.api().create_data_asset(DB, "shop.orders", type_name="TableDataSet"))
    event = parse_event(
        {
            "eventType": "COMPLETE",
            "eventTime": "2026-01-01T00:00:00Z",
            "producer": "https://example.com/p",
            "run": {"runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8"},
            "job": {"namespace": "etl", "name": "load"},
            "inputs": [{"namespace": DB, "name": "shop.orders"}],
        }
    )
    assert table.guid in {c.guid for c in map_event(event)}


def test_a_repeat_changes_nothing_and_each_element_goes_in_one_contribution() -> None:
    cat = MemoryCatalogue()
    api = cat.api()
    run(pipeline(api))
    published = len(cat.published)
    sent = len(cat.sent)
    run(pipeline(api))
    assert len(cat.published) == published
    batch = cat.sent[sent:]
    assert len({c.guid for c in batch}) == len(batch), "one contribution per element per batch"


def test_later_facts_win_and_an_update_merges_or_replaces() -> None:
    cat = MemoryCatalogue()
    step = run(
        cat.api(clock_ms=10).create_process("sched", "job", ProcessProperties(description="v1", formula="q1"))
    )
    run(cat.api(clock_ms=5).update_process(step, ProcessProperties(description="older")))
    run(cat.api(clock_ms=20).update_process(step, ProcessProperties(description="v2")))
    state = cat.states[step.guid]
    assert state.published is not None
    assert (state.published["properties"]["description"], state.published["properties"]["formula"]) == (
        "v2",
        "q1",
    )
    run(
        cat.api(clock_ms=30).update_process(
            step, ProcessProperties(name="job", description="v3"), replace=True
        )
    )
    assert state.published["properties"] == {
        "qualifiedName": "DeployedSoftwareComponent::sched::job",
        "name": "job",
        "description": "v3",
        "additionalProperties": {"openLineageNamespace": "sched", "openLineageName": "job"},
    }


def test_removing_a_process_removes_its_ports_and_their_links() -> None:
    cat = MemoryCatalogue()
    refs = run(pipeline(cat.api(clock_ms=10)))
    before = len(cat.published)
    run(cat.api(clock_ms=20).remove_process(refs["step"]))
    removed = cat.kinds(cat.published[before:])
    assert removed[("DELETED_ENTITY_EVENT", "DeployedSoftwareComponent")] == 1
    assert removed[("DELETED_ENTITY_EVENT", "PortImplementation")] == 1
    assert removed[("DELETED_ENTITY_EVENT", "PortAlias")] == 1  # delegated to the removed port
    for relationship in ("ProcessPort", "PortDelegation", "PortSchema", "DataFlow", "ProcessHierarchy"):
        assert removed[("DELETED_RELATIONSHIP_EVENT", relationship)] >= 1, relationship
    # What the process did not anchor stays: the tables and their schema, the parent process.
    assert cat.live_qns("TableDataSet") == {f"TableDataSet::{DB}::raw", f"TableDataSet::{DB}::out"}
    assert "DeployedSoftwareComponent::sched::nightly" in cat.live_qns("DeployedSoftwareComponent")
    assert len(cat.live("TabularColumn")) == 1


def test_purging_an_asset_takes_its_schema_and_only_what_this_catalogue_made() -> None:
    cat = MemoryCatalogue()
    refs = run(pipeline(cat.api(clock_ms=10)))
    # Another member links our table to its own element: that relationship is not ours to remove.
    other = Contribution(
        "relationship", "7c1e5d3a-0000-4000-8000-000000000001", "DataFlow", 11, {"s:": "ACTIVE"},
        refs["raw"], refs["out"],
    )  # fmt: skip
    cat.apply([other])
    before = len(cat.published)
    run(cat.api(clock_ms=20).remove_data_asset(refs["raw"], DeleteMethod.PURGE))
    removed = cat.kinds(cat.published[before:])
    assert removed[("DELETE_PURGED_ENTITY_EVENT", "TableDataSet")] == 1
    assert removed[("DELETE_PURGED_ENTITY_EVENT", "TabularSchemaType")] == 1
    assert removed[("DELETE_PURGED_ENTITY_EVENT", "TabularColumn")] == 1
    assert removed[("DELETE_PURGED_RELATIONSHIP_EVENT", "DataFlow")] == 1
    assert other.guid in cat.live("DataFlow")


def test_archiving_keeps_the_element_for_lineage() -> None:
    cat = MemoryCatalogue()
    refs = run(pipeline(cat.api(clock_ms=10)))
    run(cat.api(clock_ms=20).remove_data_asset(refs["out"], DeleteMethod.ARCHIVE))
    state = cat.states[refs["out"].guid]
    assert state.published is not None and "Memento" in state.published["classifications"]
    assert (refs["step"].qualified_name, refs["out"].qualified_name) in cat.live_links("DataFlow")


def test_relationship_properties_are_egerias() -> None:
    cat = MemoryCatalogue()

    async def links(api: LineageCatalogue) -> None:
        async with api.batch() as w:
            a, b = w.create_process("s", "a"), w.create_process("s", "b")
            w.setup_control_flow(a, b, ControlFlowProperties(label="then", guard="on success"))
            w.setup_process_call(a, b, ProcessCallProperties(formula="call b()", formula_type="python"))
            col1 = w.create_schema_attribute(w.create_schema_type("s", "t"), "s", "t::x")
            col2 = w.create_schema_attribute(w.create_schema_type("s", "u"), "s", "u::y")
            w.setup_lineage_mapping(col1, col2, LineageMappingProperties(label="DIRECT:IDENTITY"))

    run(links(cat.api()))
    props = {
        s.type_name: (s.published or {}).get("properties")
        for s in cat.live().values()
        if s.kind == "relationship"
    }
    assert props["ControlFlow"] == {"label": "then", "guard": "on success"}
    assert props["ProcessCall"] == {"formula": "call b()", "formulaType": "python"}
    assert props["LineageMapping"] == {"label": "DIRECT:IDENTITY"}
    with pytest.raises(ValueError, match="no additional_properties"):
        DataFlowProperties(additional_properties={"x": "y"}).values()


def test_find_and_get_read_what_the_cohort_was_told() -> None:
    cat = MemoryCatalogue()
    api = cat.api()
    refs = run(pipeline(api))
    assert [p.qualified_name for p in api.find_processes(r"nightly\.")] == [refs["step"].qualified_name]
    assert {p.qualified_name for p in api.find_processes("nightly")} == {
        refs["flow"].qualified_name,
        refs["step"].qualified_name,
    }
    assert [a.qualified_name for a in api.find_data_assets("::raw$")] == [refs["raw"].qualified_name]
    assert api.find_ports("load.in")[0].type_name == "PortImplementation"
    assert api.find_schema_attributes("raw::id")[0].guid == refs["column"].guid
    assert api.get_ports_for_process(refs["step"]) == [refs["port"]]
    assert api.get_port_delegation(refs["alias"]) == [refs["port"]]
    assert api.get_port_use(refs["port"]) == [refs["alias"]]
    assert api.get_process_parent(refs["step"]) == [refs["flow"]]
    assert api.get_sub_processes(refs["flow"]) == [refs["step"]]
    assert api.get_data_flow_consumers(refs["raw"]) == [refs["step"]]
    assert api.get_data_flow_suppliers(refs["out"]) == [refs["step"]]
    assert api.get_element(refs["raw"].guid) is not None
    flows = api.get_relationships(refs["raw"], "DataFlow")
    assert [f.properties for f in flows] == [{"label": "reads"}]
    assert api.find_processes("[unclosed") == []  # an invalid pattern is matched literally
    with pytest.raises(CatalogueNotReadable):
        LineageCatalogue(cat.send).find_processes("x")


def test_a_batch_that_raises_sends_nothing() -> None:
    cat = MemoryCatalogue()

    async def failing(api: LineageCatalogue) -> None:
        async with api.batch() as w:
            w.create_process("s", "p")
            raise RuntimeError("the third party went away")

    with pytest.raises(RuntimeError):
        run(failing(cat.api()))
    assert cat.sent == [] and cat.published == []


def test_a_process_cannot_be_its_own_parent() -> None:
    cat = MemoryCatalogue()
    p = run(cat.api().create_process("s", "p"))
    with pytest.raises(ValueError, match="own parent"):
        run(cat.api().setup_process_parent(p, p))


def test_schema_elements_are_updated_and_relinked() -> None:
    cat = MemoryCatalogue()
    refs = run(pipeline(cat.api(clock_ms=10)))
    api = cat.api(clock_ms=20)
    run(
        api.update_schema_attribute(
            refs["column"], SchemaAttributeProperties(description="the key", data_type="bigint")
        )
    )
    column = cat.states[refs["column"].guid].published
    assert column is not None
    assert column["properties"]["description"] == "the key"
    assert column["classifications"]["TypeEmbeddedAttribute"]["dataType"] == "bigint"
    run(api.clear_schema_type_parent(refs["raw"], refs["schema"]))
    assert (refs["raw"].qualified_name, refs["schema"].qualified_name) not in cat.live_links(
        "AssetSchemaType"
    )
    run(cat.api(clock_ms=30).setup_schema_type_parent(refs["raw"], refs["schema"]))
    assert (refs["raw"].qualified_name, refs["schema"].qualified_name) in cat.live_links("AssetSchemaType")
