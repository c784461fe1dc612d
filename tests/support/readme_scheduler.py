"""The README's worked connector ("Cataloguing from your own connector"), as a third party
writes it: the code below the marker is the README's `scheduler_connector.py` example verbatim
(`tests/unit/test_readme_catalogue_example.py` checks that it still is). Workers load it through
`class: tests.support.readme_scheduler:SchedulerPipelines` in LINEAGE_CONNECTORS."""

# --- README example: scheduler_connector.py ---
import json
from pathlib import Path

from pydantic import BaseModel

from agents.catalogue.api import LineageCatalogue
from agents.catalogue.elements import PortProperties, PortType, ProcessProperties, SchemaAttributeProperties
from agents.connectors import Connector


class Settings(BaseModel):
    path: str  # the scheduler's export


class SchedulerPipelines(Connector[Settings]):
    settings_model = Settings
    consumes_openlineage = False

    async def refresh(self) -> None:
        pipeline = json.loads(Path(self.settings.path).read_text())
        await catalogue_pipeline(self.context.catalogue, pipeline)


async def catalogue_pipeline(catalogue: LineageCatalogue, pipeline: dict) -> None:
    source, name, db = pipeline["scheduler"], pipeline["pipeline"], pipeline["database"]
    async with catalogue.batch() as w:
        flow = w.create_process(source, name, ProcessProperties(description="nightly pipeline"))
        tables, columns = {}, {}
        for table, fields in pipeline["tables"].items():
            tables[table] = w.create_data_asset(db, table, type_name="TableDataSet")
            tables[table + ".schema"] = w.create_schema_type(db, table, asset=tables[table])
            for position, (field, data_type) in enumerate(fields.items()):
                columns[f"{table}.{field}"] = w.create_schema_attribute(
                    tables[table + ".schema"],
                    db,
                    f"{table}::{field}",
                    SchemaAttributeProperties(display_name=field, position=position, data_type=data_type),
                )
        previous = None
        for step in pipeline["steps"]:
            task = w.create_process(
                source, f"{name}.{step['name']}", ProcessProperties(formula=step.get("sql"))
            )
            w.setup_process_parent(flow, task)
            for kind, port_type in (("reads", PortType.INPUT_PORT), ("writes", PortType.OUTPUT_PORT)):
                for table in step[kind]:
                    props = PortProperties(display_name=table, port_type=port_type)
                    port = w.create_port(task, source, f"{name}.{step['name']}.{kind}.{table}", props)
                    alias = w.create_port(flow, source, f"{name}.{kind}.{table}", props, alias=True)
                    w.setup_port_delegation(alias, port)
                    w.setup_port_schema_type(port, tables[table + ".schema"])
                    if kind == "reads":
                        w.setup_data_flow(tables[table], task)
                    else:
                        w.setup_data_flow(task, tables[table])
            for target, sources in step.get("columns", {}).items():
                for column in sources:
                    w.setup_lineage_mapping(columns[column], columns[target])
            if previous is not None:
                w.setup_control_flow(previous, task)
            previous = task
