"""Test support: a real broker, real worker processes, real Kafka clients. No mocks of Kafka."""
