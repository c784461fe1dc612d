"""The failure policy's fields and the retry-topic circuit."""

from __future__ import annotations

import time

import pytest
from pydantic import ValidationError

from agents.connectors.base import FailurePolicy
from agents.connectors.runner import Circuit


def test_policy_fields_are_checked() -> None:
    with pytest.raises(ValidationError):
        FailurePolicy.model_validate({"then": "drop"})
    with pytest.raises(ValidationError):
        FailurePolicy.model_validate({"retries": -1})
    with pytest.raises(ValidationError):
        FailurePolicy.model_validate({"retrys": 3})


def test_circuit_opens_for_a_while_then_probes_then_closes() -> None:
    circuit = Circuit(open_for_s=10)
    now = time.monotonic()
    assert not circuit.tripped
    circuit.trip(now)
    assert circuit.is_open(now + 5)
    assert not circuit.is_open(now + 11)
    assert circuit.tripped
    circuit.close()
    assert not circuit.tripped
    assert not circuit.is_open(now)
