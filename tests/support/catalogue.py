"""The catalogue's pure parts put together as the service runs them, in memory, for unit tests.

Contributions are merged per guid and settled (`agents.catalogue.state`), each change becomes
the OMRS event the cohort gets (`agents.catalogue.instances`), and those events feed the
read model (`agents.catalogue.read_model`) and a lineage graph (`agents.lineage_model`),
as the cohort topic feeds them in a worker. No broker: what the agent adds is transport.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from agents.catalogue.api import LineageCatalogue
from agents.catalogue.contribution import Contribution
from agents.catalogue.instances import Home, change_event
from agents.catalogue.layout import EGERIA_5, Layout
from agents.catalogue.mapping import CataloguerOptions, map_event
from agents.catalogue.read_model import KeyValueCatalogue
from agents.catalogue.state import InstanceState, merge, settle
from agents.lineage_model import LineageGraph
from runtime.kv import MemoryKeyValue
from schemas.omrs import OMRSEventV1, check_event_semantics, dump_omrs_event, parse_omrs_event
from schemas.openlineage import OpenLineageEvent, parse_event

HOME = Home("home-collection", "home collection", "lineage-server")


class MemoryCatalogue:
    """One catalogue: its states, the events it published, the read model and graph they built."""

    def __init__(
        self, options: CataloguerOptions | None = None, now: int = 1_000, layout: Layout = EGERIA_5
    ) -> None:
        self.options = options or CataloguerOptions()
        self.now = now
        self.layout = layout
        self.states: dict[str, InstanceState] = {}
        self.published: list[OMRSEventV1] = []
        self.index = KeyValueCatalogue(MemoryKeyValue())
        self.graph = LineageGraph()
        self.sent: list[Contribution] = []

    # ------------------------------------------------------------------ input

    def apply(self, contributions: list[Contribution]) -> list[OMRSEventV1]:
        """Merge, settle and publish; every published event is checked as Egeria would read it."""
        out = []
        for c in contributions:
            state, touched = merge(self.states.get(c.guid), c)
            self.states[c.guid] = state
            if not touched:
                continue
            change = settle(state, self.now)
            if change is None:
                continue
            event = parse_omrs_event(dump_omrs_event(change_event(HOME, change)))
            assert check_event_semantics(event) == [], check_event_semantics(event)
            self.index.apply(event)
            self.graph.apply(event)
            out.append(event)
        self.published.extend(out)
        return out

    async def send(self, contributions: list[Contribution]) -> None:
        """The `send` a LineageCatalogue is given: contributions go straight in."""
        self.sent.extend(contributions)
        self.apply(contributions)

    def api(self, clock_ms: int = 1_000) -> LineageCatalogue:
        return LineageCatalogue(self.send, self.index, clock=lambda: clock_ms, layout=self.layout)

    def catalogue(self, *events: dict[str, Any] | OpenLineageEvent) -> list[OMRSEventV1]:
        """Catalogue OpenLineage events (dicts as JSON or parsed) one after the other."""
        out = []
        for raw in events:
            event = parse_event(raw) if isinstance(raw, dict) else raw
            out.extend(self.apply(map_event(event, self.index, self.options, self.layout)))
        return out

    # ------------------------------------------------------------------ output

    def kinds(self, events: list[OMRSEventV1] | None = None) -> Counter[tuple[str, str]]:
        """(event type, type name) counts of published events."""
        return Counter(
            (str(e.instance_event_section.event_type), str(e.instance_event_section.type_def_name))
            for e in (self.published if events is None else events)
            if e.instance_event_section is not None
        )

    def live(self, type_name: str | None = None) -> dict[str, InstanceState]:
        """Instances members hold as active now (of a type)."""
        return {
            g: s
            for g, s in self.states.items()
            if s.published_status == "ACTIVE" and (type_name is None or s.type_name == type_name)
        }

    def live_qns(self, type_name: str) -> set[str]:
        return {
            str(s.published["properties"]["qualifiedName"])
            for s in self.live(type_name).values()
            if s.published
        }

    def live_links(self, type_name: str) -> set[tuple[str, str]]:
        """(end 1, end 2) qualified names of the live relationships of a type."""
        return {
            (s.end1.qualified_name, s.end2.qualified_name)
            for s in self.live(type_name).values()
            if s.end1 is not None and s.end2 is not None
        }
