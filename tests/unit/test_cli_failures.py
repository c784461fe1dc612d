"""The command line's first hour, run as a user runs it (a subprocess): every failure is one
line on stderr and a non-zero exit within 10 s, never a traceback. No broker is needed:
these are the cases where there is none, or where the command must refuse before using one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.broker import free_port

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def cli(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> tuple[int, str, str, float]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LINEAGE_")}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stdout, result.stderr, time.monotonic() - started


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("lineage-integrator: ")
    return lines[0]


def unreachable() -> dict[str, str]:
    return {
        "LINEAGE_BROKER": f"kafka://127.0.0.1:{free_port()}",
        "LINEAGE_EMBEDDED_BROKER_PORT": str(free_port()),
    }


def test_send_to_a_broker_that_does_not_answer_fails_fast() -> None:
    code, _out, err, took = cli("send", "--topic", "t", env=unreachable(), stdin='{"a": 1}\n')
    assert code == 2
    assert took < 10, took
    line = one_line(err)
    assert "could not write to the broker at 127.0.0.1:" in line
    assert "no answer within the deadline" in line


def test_leave_with_a_broker_that_does_not_answer_fails_fast() -> None:
    code, _out, err, took = cli("leave", "--cohort", "cocoCohort", env=unreachable())
    assert code == 2
    assert took < 10, took
    assert "UN_REGISTRATION_EVENT not sent" in one_line(err)


def test_send_with_no_broker_at_all_says_how_to_get_one() -> None:
    env = {"LINEAGE_EMBEDDED_BROKER_PORT": str(free_port())}
    code, _out, err, took = cli("send", "--topic", "t", env=env, stdin='{"a": 1}\n')
    assert code == 2 and took < 10
    assert "start `lineage-integrator worker` or `lineage-integrator broker` first" in one_line(err)


def test_leave_refuses_a_cohort_this_server_is_not_configured_for() -> None:
    code, _out, err, took = cli("leave", "--cohort", "otherCohort", env={"LINEAGE_COHORTS": "cocoCohort"})
    assert code == 2 and took < 10
    line = one_line(err)
    assert "not configured for cohort 'otherCohort'" in line
    assert "LINEAGE_COHORTS: cocoCohort" in line


@pytest.mark.parametrize("command", [["validate"], ["send", "--topic", "t"]])
def test_a_missing_file_is_one_line(command: list[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    code, _out, err, _ = cli(*command, str(missing), env=unreachable())
    assert code == 2
    assert one_line(err) == f"lineage-integrator: cannot read {missing}: No such file or directory"


def test_a_folder_given_as_a_file_is_one_line(tmp_path: Path) -> None:
    code, _out, err, _ = cli("validate", str(tmp_path))
    assert code == 2
    assert "Is a directory" in one_line(err)


def test_bad_settings_are_one_line_per_variable() -> None:
    code, _out, err, _ = cli(
        "validate", str(FIXTURES / "openlineage" / "dbt_run_event.json"), env={"LINEAGE_WEB_PORT": "x"}
    )
    assert code == 2
    assert "Traceback" not in err
    assert err.strip().splitlines() == [
        "lineage-integrator: bad configuration:",
        "  LINEAGE_WEB_PORT='x': Input should be a valid integer, unable to parse string as an integer",
    ]


def test_version() -> None:
    from importlib.metadata import version

    code, out, _err, _ = cli("--version")
    assert code == 0
    assert out.strip() == f"lineage-integrator {version('lineage-integrator')}"


def test_validate_refuses_an_event_above_the_intake_limit(tmp_path: Path) -> None:
    """A 6 MiB event passes the schema but the intake refuses it (413): so does validate."""
    event = json.loads((FIXTURES / "openlineage" / "dbt_run_event.json").read_text())
    event["job"]["facets"]["documentation"] = {
        "_producer": "https://example.com/me",
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DocumentationJobFacet.json",
        "description": "x" * (6 * 1024 * 1024),
    }
    source = tmp_path / "big.json"
    source.write_text(json.dumps(event))
    code, out, _err, _ = cli("validate", str(source))
    assert code == 1
    assert out.startswith("event 1: $: the event is ")
    assert "above the intake's limit of 4194304 (LINEAGE_MAX_EVENT_BYTES)" in out
    code, out, _err, _ = cli("validate", str(source), env={"LINEAGE_MAX_EVENT_BYTES": str(8 * 1024 * 1024)})
    assert code == 0, out
