"""The cataloguer: OpenLineage events become open metadata shared with the cohort.

The Egeria types it writes (names, guids, versions, super types) are the one catalogue
in `schemas.open_metadata_types`.

- `mapping`: PURE. One OpenLineage event -> the instances it says exist (contributions).
- `state`: PURE. Merging contributions per instance guid, change detection, versions.
- `instances`: PURE. A merged instance -> Egeria beans and the OMRS events for a change.
- `catalogue`: the catalogue topic and its stream, which merges per guid (one writer per
  guid, state in a changelog-backed store) and shares what changed with the cohort.
"""
