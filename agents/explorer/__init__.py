"""The OpenLineage read model behind the explorer: Marquez's read API over a KeyValue store.

`apply(kv, event)` folds an event in (`fold`); `ReadModel(kv)` answers (`queries`);
`OpenLineageGraph(model)` is the model as a lineage graph source (`graph`), walked with the
cohort's graph by `lineage.lineage` and `lineage.column_lineage`. Pure: no Kafka, no aiohttp.
"""

from agents.explorer.fold import apply
from agents.explorer.graph import OpenLineageGraph
from agents.explorer.lineage import (
    DEFAULT_DEPTH,
    MAX_DEPTH,
    NodeIdError,
    NodeNotFound,
    check_node_id,
    column_lineage,
    lineage,
)
from agents.explorer.queries import SEARCH_KINDS, Page, ReadModel

__all__ = [
    "DEFAULT_DEPTH",
    "MAX_DEPTH",
    "SEARCH_KINDS",
    "NodeIdError",
    "NodeNotFound",
    "OpenLineageGraph",
    "Page",
    "ReadModel",
    "apply",
    "check_node_id",
    "column_lineage",
    "lineage",
]
