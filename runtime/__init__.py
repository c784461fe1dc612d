"""The stream runtime: Kafka clients, the one stream loop, state stores, topics, dead letters.

Below every handler: nothing here imports `agents` or `app`.
"""
