"""The connector framework and the built-in connectors."""
