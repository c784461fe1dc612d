"""Wire formats as pydantic v2 models: OMRS cohort events, OpenLineage events, Asset Manager events.

Pure: nothing in this package imports Faust, Kafka clients or does I/O, so the same models
serve the agents, the REST layer, the CLI and the tests.
"""
