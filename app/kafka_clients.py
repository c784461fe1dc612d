"""The Kafka clients of the command line.

Every client connects as `Settings.kafka_connection()` says (runtime/kafka_config.py). The
command line's one-shot clients (`send`, `leave`, `replay`) add short deadlines, so an
unreachable or refusing broker ends the command with one line within `ONE_SHOT_DEADLINE_S`
instead of kafka-python's 30 s bootstrap and 60 s metadata waits.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

from runtime.kafka_config import KafkaConnection

ONE_SHOT_TIMEOUT_MS = 3000
"""Each wait of a one-shot client: bootstrap, metadata, one request."""

ONE_SHOT_DEADLINE_S = 10.0
"""The longest a one-shot command takes to give up on the broker (what the README promises)."""


def one_shot_options(connection: KafkaConnection) -> dict[str, Any]:
    """kafka-python keyword arguments (without `bootstrap_servers`) for a CLI client."""
    options = connection.kafka_python_kwargs()
    options.pop("bootstrap_servers")
    options.update(
        bootstrap_timeout_ms=ONE_SHOT_TIMEOUT_MS,
        max_block_ms=ONE_SHOT_TIMEOUT_MS,
        request_timeout_ms=ONE_SHOT_TIMEOUT_MS,
        reconnect_backoff_max_ms=1000,
    )
    return options


def producer_options(connection: KafkaConnection) -> dict[str, Any]:
    """`one_shot_options` for a KafkaProducer: a send is given up after one request timeout
    plus its linger, so the whole command stays within `ONE_SHOT_DEADLINE_S`."""
    return {**one_shot_options(connection), "delivery_timeout_ms": ONE_SHOT_TIMEOUT_MS + 1000}


def quiet_client_logs() -> None:
    """Keep kafka-python's connection errors off the terminal: the command says it in one line."""
    kafka_log = logging.getLogger("kafka")
    kafka_log.addHandler(logging.NullHandler())
    kafka_log.propagate = False


def describe_failure(exc: BaseException, connection: KafkaConnection) -> str:
    """One line saying why a one-shot client could not do its work."""
    name = type(exc).__name__
    detail = str(exc).splitlines()[0] if str(exc) else ""
    detail = detail.removeprefix(f"{name}: ")
    if isinstance(exc, ssl.SSLError):
        reason = f"TLS failed ({detail})"
    elif "bootstrap" in detail.lower() or name in {"NoBrokersAvailable", "KafkaTimeoutError"}:
        reason = "no answer within the deadline (is the broker running, and are LINEAGE_KAFKA_* right?)"
    elif "authentication" in name.lower() or "sasl" in detail.lower():
        reason = f"authentication refused ({detail or name})"
    else:
        reason = f"{name}: {detail}" if detail else name
    return f"could not write to the broker at {connection.describe()}: {reason}"
