"""Throughput and latency benchmarks, always compared with a raw aiokafka loop in the same run.

`python -m benchmarks [--quick]`; see `benchmarks/README.md`. Every module of this package
that registers a scenario with `@harness.scenario` is picked
up by `__main__`, so a new scenario is one new module.
"""
