"""The handlers: what the service does with each stream, one module per concern (the OpenLineage
intake, the cohort member, the catalogue, the read models, the connectors). Pure rules live
beside them in modules that import no Kafka client; `app/service.py` wires them to the runtime."""
