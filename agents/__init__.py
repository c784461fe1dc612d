"""Faust agents, one module per stream; each module has an `install(service)` that adds its agents."""
