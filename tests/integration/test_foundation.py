"""The foundation, as a user meets it: a worker on the embedded broker, `send`, replicas."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson

from app.broker import free_port, kafka_answers
from tests.conftest import WorkerFactory
from tests.support.events import encoded, run_event
from tests.support.kafka import Broker, consume, create_topic, produce, unique
from tests.support.workers import WorkerProcess, cli_command, wait_until


def internal_topic(env: dict[str, str]) -> str:
    return (
        f"{env['LINEAGE_TOPIC_ROOT']}.server.{env['LINEAGE_SERVER_NAME']}.omis.lineageintegrator.openlineage"
    )


START_UP_SCREEN_LINES = 30
"""The most lines a worker logs at INFO from its start to its "Ready" line (issue 17: one screen)."""


def assert_start_up_log_is_one_screen_ending_with_the_urls(
    worker: WorkerProcess, broker_url: str, data_dir: Path
) -> None:
    """From start to "Ready" the log fits one screen, and its last line says where the REST API
    and the lineage page are, whether this replica answers the lineage reads, which broker the
    worker uses and where its data is."""
    log = wait_until(
        lambda: "] Ready: " in (text := worker.log_text()) and text,
        timeout=15,
        message="the worker never logged its Ready line",
    )
    lines = log.splitlines()
    [ready_at] = [i for i, line in enumerate(lines) if "] Ready: " in line]
    start_up = lines[: ready_at + 1]
    assert len(start_up) <= START_UP_SCREEN_LINES, "\n".join(start_up)
    base = f"http://localhost:{worker.web_port}"
    assert start_up[-1].split("] [INFO] ", 1)[1] == (
        f"Ready: REST {base}/api/v1 | lineage page {base}/lineage"
        f" | read models on (answers the lineage reads) | broker {broker_url} | data {data_dir.resolve()}"
    )


def test_worker_starts_embedded_broker_reaches_ready_and_stops_it(tmp_path: Path) -> None:
    """No LINEAGE_BROKER: the worker starts the embedded broker, says so, and stops it on exit.
    Its start-up log, as a newcomer sees it, is one screen ending with the URLs."""
    port = free_port()
    worker = WorkerProcess(
        env={"LINEAGE_EMBEDDED_BROKER_PORT": str(port), "LINEAGE_SERVER_NAME": unique("embedded")},
        data_dir=tmp_path,
    )
    env_without_broker = {"LINEAGE_BROKER": ""}
    worker.env.update(env_without_broker)
    worker.start()
    try:
        worker.wait_ready()
        assert kafka_answers("127.0.0.1", port)
        assert worker.get("/health").json()["status"] == "up"
        assert "Started the embedded broker" in worker.log_text()
        assert_start_up_log_is_one_screen_ending_with_the_urls(worker, f"kafka://127.0.0.1:{port}", tmp_path)
    finally:
        code = worker.stop()
    assert code == 0, worker.log_tail()
    wait_until(lambda: not kafka_answers("127.0.0.1", port), timeout=15, message="embedded broker still up")
    assert "Stopping the embedded broker" in worker.log_text()


def test_broker_command_runs_the_embedded_broker_and_a_worker_reuses_it(tmp_path: Path) -> None:
    """`lineage-integrator broker --port N` in one terminal, `worker` in another: the worker reuses it."""
    port = free_port()
    broker_process = subprocess.Popen(cli_command("broker", "--port", str(port)), stdout=subprocess.PIPE)
    try:
        wait_until(
            lambda: kafka_answers("127.0.0.1", port), timeout=30, message="broker command never answered"
        )
        worker = WorkerProcess(
            env={
                "LINEAGE_BROKER": "",
                "LINEAGE_EMBEDDED_BROKER_PORT": str(port),
                "LINEAGE_SERVER_NAME": unique("r"),
            },
            data_dir=tmp_path,
        ).start()
        try:
            worker.wait_ready()
            assert "Reusing the embedded broker" in worker.log_text()
        finally:
            assert worker.stop() == 0
        assert kafka_answers("127.0.0.1", port), "a reused broker must be left running"
    finally:
        broker_process.terminate()
        broker_process.wait(timeout=15)


def test_send_writes_what_a_consumer_reads_back(broker: Broker, tmp_path: Path) -> None:
    topic = unique("send")
    events = [{"n": i, "text": "é"} for i in range(5)]
    source = tmp_path / "events.jsonl"
    source.write_text("\n".join(orjson.dumps(e).decode() for e in events) + "\n")
    env = {"LINEAGE_BROKER": broker.url, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        cli_command("send", "--topic", topic, "--key", "k1", str(source)),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "wrote 5 events" in done.stdout
    records = consume(broker.bootstrap, topic, expect=5, settle=1.0)
    assert [orjson.loads(r.value or b"") for r in records] == events
    assert {r.key for r in records} == {b"k1"}


def test_send_reports_a_bad_line_and_still_sends_the_rest(broker: Broker, tmp_path: Path) -> None:
    topic = unique("send-bad")
    source = tmp_path / "events.jsonl"
    source.write_text('{"n": 1}\n{"n": 2\n\n{"n": 3}\n')
    done = subprocess.run(
        cli_command("send", "--topic", topic, str(source)),
        env={"LINEAGE_BROKER": broker.url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "line 2:" in done.stderr
    assert "wrote 2 events" in done.stdout
    records = consume(broker.bootstrap, topic, expect=2, settle=1.0)
    # No key: records spread over partitions, so compare as a multiset, not a sequence.
    assert sorted(orjson.loads(r.value or b"")["n"] for r in records) == [1, 3]


def test_send_accepts_a_json_array_from_stdin(broker: Broker) -> None:
    topic = unique("send-array")
    done = subprocess.run(
        cli_command("send", "--topic", topic, "-"),
        env={"LINEAGE_BROKER": broker.url},
        input='[{"a": 1}, {"a": 2}]',
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    records = consume(broker.bootstrap, topic, expect=2, settle=1.0)
    assert sorted(orjson.loads(r.value or b"")["a"] for r in records) == [1, 2]


def test_bad_configuration_gets_a_clear_message() -> None:
    done = subprocess.run(
        cli_command("worker"),
        env={"LINEAGE_BROKER": "kafka://nohost", "LINEAGE_COHORT_TOPIC_STRUCTURE": "RING"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "LINEAGE_BROKER" in done.stderr
    assert "host:port" in done.stderr
    assert "LINEAGE_COHORT_TOPIC_STRUCTURE" in done.stderr
    assert "SINGLE_TOPIC" in done.stderr


def test_replicas_share_partitions_and_a_joining_one_loses_nothing(
    broker: Broker, workers: WorkerFactory, server_env: dict[str, str]
) -> None:
    source = server_env["LINEAGE_OPENLINEAGE_TOPICS"]
    # Six partitions: Faust's assignor keeps a balanced assignment sticky (capacity is
    # ceil(partitions / replicas)), so with four a third replica would rightly get none.
    all_partitions = set(range(6))
    create_topic(broker.bootstrap, source, partitions=6)
    first, second = workers(), workers()
    first.wait_ready()
    second.wait_ready()

    def split() -> tuple[set[int], set[int]] | None:
        a, b = first.assigned(source), second.assigned(source)
        return (a, b) if a and b and a | b == all_partitions and not a & b else None

    shares = wait_until(split, timeout=60, message="two replicas never split the partitions")
    assert shares[0]
    assert shares[1]

    jobs = [f"job-{i}" for i in range(40)]
    events = [run_event(job) for job in jobs for _ in range(5)]
    half = len(events) // 2
    produce(
        broker.bootstrap,
        source,
        [encoded(e) for e in events[:half]],
        keys=[e["job"]["name"].encode() for e in events[:half]],
    )

    third = workers()
    produce(
        broker.bootstrap,
        source,
        [encoded(e) for e in events[half:]],
        keys=[e["job"]["name"].encode() for e in events[half:]],
    )
    third.wait_ready()

    last_sets: list[set[int]] = []

    def three_way() -> bool:
        last_sets[:] = [w.assigned(source) for w in (first, second, third)]
        return all(last_sets) and set().union(*last_sets) == all_partitions

    try:
        wait_until(three_way, timeout=60)
    except AssertionError:
        raise AssertionError(
            f"the third replica never got partitions: {last_sets}\n{third.log_tail()}"
        ) from None
    records = consume(
        broker.bootstrap, internal_topic(server_env), expect=len(events), timeout=90, settle=2.0
    )
    seen_run_ids = {orjson.loads(r.value or b"")["run"]["runId"] for r in records}
    assert seen_run_ids == {e["run"]["runId"] for e in events}, "an event was lost across the rebalance"
