"""State on disk (runtime/state.py): a checkpoint's writes read back before they are written,
scans in key order, the store's own keys out of reach, positions kept across a reopen."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiokafka import TopicPartition
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.kv import MemoryKeyValue
from runtime.state import LocalDB, ReplicaStore, StateDir, StateDirInUse, Transaction

KEYS = st.binary(min_size=1, max_size=4).filter(lambda k: not k.startswith(b"\x00"))
OPS = st.lists(st.tuples(st.booleans(), KEYS, st.binary(max_size=3)), max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    committed=OPS, pending=OPS, prefix=st.binary(max_size=2), start=st.none() | KEYS, reverse=st.booleans()
)
def test_a_transaction_reads_like_the_same_writes_in_memory(
    tmp_path_factory: pytest.TempPathFactory,
    committed: list[tuple[bool, bytes, bytes]],
    pending: list[tuple[bool, bytes, bytes]],
    prefix: bytes,
    start: bytes | None,
    reverse: bool,
) -> None:
    db = LocalDB(tmp_path_factory.mktemp("db"))
    memory = MemoryKeyValue()
    tx = Transaction(db)
    for ops, write in ((committed, True), (pending, False)):
        for put, key, value in ops:
            for kv in (tx, memory):
                kv.put(key, value) if put else kv.delete(key)
        if write:
            db.write(tx.write_batch())
            tx = Transaction(db)
    assert list(tx.scan(prefix, start=start, reverse=reverse)) == list(
        memory.scan(prefix, start=start, reverse=reverse)
    )
    for _, key, _ in committed + pending:
        assert tx.get(key) == memory.get(key)
    db.close()


def test_scans_in_key_order_by_hand(tmp_path: Path) -> None:
    """The expectation is written out, not computed: keys sorted bytewise, prefix-bounded."""
    db = LocalDB(tmp_path / "db")
    tx = Transaction(db)
    for key in (b"a/2", b"a/10", b"b/1", b"a/1"):
        tx.put(key, key.upper())
    db.write(tx.write_batch())
    tx = Transaction(db)
    tx.delete(b"a/10")
    tx.put(b"a/0", b"new")
    assert [k for k, _ in tx.scan(b"a/")] == [b"a/0", b"a/1", b"a/2"]
    assert [k for k, _ in tx.scan(b"a/", reverse=True)] == [b"a/2", b"a/1", b"a/0"]
    assert [k for k, _ in tx.scan(b"a/", start=b"a/1")] == [b"a/1", b"a/2"]
    assert [k for k, _ in tx.scan(b"a/", start=b"a/15", reverse=True)] == [b"a/1", b"a/0"]
    assert tx.get(b"a/10") is None and tx.get(b"a/0") == b"new"
    db.close()


def test_the_stores_own_keys_are_refused_and_never_scanned(tmp_path: Path) -> None:
    store = ReplicaStore(tmp_path / "s")
    with pytest.raises(ValueError, match="reserved"):
        store.tx.put(b"\x00mine", b"x")
    store.tx.put(b"user", b"1")
    store.commit({TopicPartition("t", 0): 7})
    assert list(store.view.scan(b"")) == [(b"user", b"1")]
    store.close()


def test_positions_and_data_are_written_together_and_kept_across_a_reopen(tmp_path: Path) -> None:
    store = ReplicaStore(tmp_path / "s")
    store.tx.put(b"k", b"v")
    store.commit({TopicPartition("t", 0): 7, TopicPartition("t", 3): 2})
    store.tx.put(b"lost", b"x")
    store.abort()
    store.close()
    again = ReplicaStore(tmp_path / "s")
    assert again.positions() == {TopicPartition("t", 0): 7, TopicPartition("t", 3): 2}
    assert again.view.get(b"k") == b"v" and again.view.get(b"lost") is None
    again.reset()
    assert again.positions() == {} and again.view.get(b"k") is None
    again.close()


def test_one_worker_per_state_directory(tmp_path: Path) -> None:
    first, second = StateDir(tmp_path), StateDir(tmp_path)
    first.acquire()
    with pytest.raises(StateDirInUse, match="its own LINEAGE_DATA_DIR"):
        second.acquire()
    first.release()
    second.acquire()
    second.release()


def test_a_transaction_reads_its_own_writes_over_what_it_read_before(tmp_path: Path) -> None:
    """Reads of the database are remembered; a put or a delete after them is what is read."""
    store = ReplicaStore(tmp_path / "s")
    store.tx.put(b"a/1", b"stored")
    store.tx.put(b"a/2", b"stored")
    store.commit({})
    tx = store.tx
    assert tx.get(b"a/1") == b"stored" and tx.get(b"a/3") is None
    tx.put(b"a/1", b"mine")
    tx.delete(b"a/2")
    tx.put(b"a/3", b"new")
    assert (tx.get(b"a/1"), tx.get(b"a/2"), tx.get(b"a/3")) == (b"mine", None, b"new")
    assert list(tx.scan(b"a/")) == [(b"a/1", b"mine"), (b"a/3", b"new")]
    assert list(tx.scan(b"a/", reverse=True)) == [(b"a/3", b"new"), (b"a/1", b"mine")]
    store.abort()
    assert store.tx.get(b"a/1") == b"stored" and store.tx.get(b"a/3") is None
    store.close()


def test_a_transaction_reads_the_database_again_once_it_is_written(tmp_path: Path) -> None:
    store = ReplicaStore(tmp_path / "s")
    reader = Transaction(store.db)
    assert reader.get(b"k") is None and list(reader.scan(b"k")) == []
    store.tx.put(b"k", b"v")
    store.commit({})
    assert reader.get(b"k") == b"v" and list(reader.scan(b"k")) == [(b"k", b"v")]
    store.reset()
    assert reader.get(b"k") is None and list(reader.scan(b"k")) == []
    store.close()


@pytest.mark.parametrize("reverse", [False, True])
def test_a_scan_reads_the_keys_there_when_it_began_while_its_caller_writes(
    tmp_path: Path, reverse: bool
) -> None:
    """Keys put during a scan are not part of it; new values of its keys are read as it reaches them."""
    store = ReplicaStore(tmp_path / "s")
    for k in (b"a/2", b"a/6"):
        store.tx.put(k, b"stored")
    store.commit({})
    tx = store.tx
    for k in (b"a/4", b"a/8", b"a/0"):
        tx.put(k, b"pending")
    seen = []
    for k, value in tx.scan(b"a/", reverse=reverse):
        seen.append((k, value))
        for n in range(10):
            tx.put(b"a/%d%d" % (n, len(seen)), b"during")  # keys on both sides of k
        tx.put(b"a/4", b"rewritten")
    expected = [
        (b"a/0", b"pending"),
        (b"a/2", b"stored"),
        (b"a/4", b"rewritten"),
        (b"a/6", b"stored"),
        (b"a/8", b"pending"),
    ]
    assert seen == (expected[::-1] if reverse else expected)
    store.close()
