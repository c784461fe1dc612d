"""`lineage-integrator validate`, as a user runs it on files of events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fixture", sorted((FIXTURES / "omrs").glob("*.json")), ids=lambda p: p.stem)
def test_every_omrs_fixture_is_valid_with_the_kind_detected(
    capsys: pytest.CaptureFixture[str], fixture: Path
) -> None:
    code, out, _ = run(capsys, str(fixture))
    assert code == 0, out
    assert "all events valid" in out


@pytest.mark.parametrize("fixture", sorted((FIXTURES / "openlineage").glob("*.json")), ids=lambda p: p.stem)
def test_every_openlineage_fixture_is_valid(capsys: pytest.CaptureFixture[str], fixture: Path) -> None:
    code, out, _ = run(capsys, "--kind", "openlineage", str(fixture))
    assert code == 0, out


def test_json_lines_with_errors_print_index_and_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = json.loads((FIXTURES / "openlineage" / "dbt_run_event.json").read_text())
    bad = json.loads(json.dumps(good))
    bad["run"]["runId"] = "not-a-uuid"
    del bad["producer"]
    source = tmp_path / "events.jsonl"
    source.write_text("\n".join(json.dumps(e) for e in (good, bad, good)) + "\n{oops\n")
    code, out, err = run(capsys, str(source))
    assert code == 1
    # Numbered as `send` numbers them: file lines, from 1.
    assert "line 2: $.run.runId:" in out
    assert "line 2: $.producer:" in out
    assert "line 4: $:" in out
    assert {row.split(":")[0] for row in out.splitlines()} == {"line 2", "line 4"}
    assert "2 invalid event(s)" in err


def test_an_array_checked_as_the_wrong_kind_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    event = json.loads((FIXTURES / "openlineage" / "dbt_run_event.json").read_text())
    source = tmp_path / "events.json"
    source.write_text(json.dumps([event]))
    code, out, _ = run(capsys, "--kind", "omrs", str(source))
    assert code == 1
    assert out.startswith("event 1: $")
