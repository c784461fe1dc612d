"""The catalogue: lineage described by connectors and OpenLineage, as open metadata shared with the cohort.

The Egeria types it writes (names, guids, versions, super types) are the one catalogue
in `schemas.open_metadata_types`, in the layout of the cohort's release (`layout`).

- `api`: the cataloguing API a connector uses (`LineageCatalogue`, Egeria's Lineage
  Integrator context operations), sending what `writer` collects.
- `writer`: PURE. Cataloguing operations -> contributions (deterministic guids, removals
  cascading as Egeria's anchors do).
- `elements`: PURE. The typed properties of processes, ports, assets, schemas and flows.
- `layout`: PURE. Which Egeria release's types and properties the writer writes (5.2 or 6.0).
- `mapping`: PURE. One OpenLineage event -> cataloguing operations (the built-in cataloguer).
- `naming`: PURE. How OpenLineage names become catalogue names (credentials dropped).
- `contribution`: PURE. What the catalogue merges per guid, and how guids are made.
- `state`: PURE. Merging contributions per instance guid, the changes to publish, versions.
- `instances`: PURE. A change -> Egeria beans and the one OMRS event it becomes.
- `read_model`: PURE. The read model over a key-value store: finds, relationships, aliases.
- `catalogue`: the catalogue topic and its stream, which merges per guid (one writer per
  guid, state in a changelog-backed store) and shares what changed with the cohort.
"""
