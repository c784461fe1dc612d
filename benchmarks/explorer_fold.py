"""`python -m benchmarks.explorer_fold`: the CPU the explorer read model's fold takes per event.

Folds N RunEvents made by the worker scenarios' generator (`harness.OpenLineageRecords`: ~1 KB,
a run per event, one input and one output dataset, 64 jobs) into a real `runtime.state`
ReplicaStore on a temporary directory (/dev/shm when there is one), the way the explorer
follower does: each record read as the internal topic's bytes are read
(`read_accepted_event`, outside the timing), folded with `agents.explorer.apply` into the
store's transaction, and the transaction committed with the positions every `--checkpoint`
events. Prints the CPU time (`time.process_time`) per event of the fold and the commits,
best of `--repeat` runs, and a digest of everything the store holds at the end, so two
versions of the fold can be checked to write the same bytes. `--shuffle SEED` folds the same
events in another order (the digest must not change: the fold is order-independent).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from aiokafka import TopicPartition

from agents.explorer import apply
from benchmarks.harness import OpenLineageRecords
from runtime.state import ReplicaStore
from schemas.openlineage import read_accepted_event

SENT_NS = 1_767_225_600_000_000_000
"""The `benchSentNs` mark of event 0 (fixed, so the same N events have the same bytes)."""
TOPIC = TopicPartition("explorer-bench", 0)


def make_events(count: int) -> list[Any]:
    """`count` parsed RunEvents, as the explorer follower reads them off the internal topic."""
    records = OpenLineageRecords()
    return [read_accepted_event(records.make(seq, SENT_NS + seq)[1]) for seq in range(count)]


def store_digest(store: ReplicaStore) -> tuple[str, int]:
    """A digest of every user key and value the store holds, and how many there are."""
    h = hashlib.blake2b(digest_size=16)
    entries = 0
    for key, value in store.view.scan(b""):
        h.update(len(key).to_bytes(4, "big") + key + len(value).to_bytes(4, "big") + value)
        entries += 1
    return h.hexdigest(), entries


def fold_once(events: list[Any], root: Path, checkpoint: int) -> tuple[float, str, int]:
    """Fold the events into a new store: CPU seconds, the store's digest and entry count."""
    path = Path(tempfile.mkdtemp(prefix="explorer-fold-", dir=root))
    store = ReplicaStore(path / "explorer")
    try:
        gc.collect()
        started = time.process_time()
        for at in range(0, len(events), checkpoint):
            for event in events[at : at + checkpoint]:
                apply(store.tx, event)
            store.commit({TOPIC: at + checkpoint})
        spent = time.process_time() - started
        found, entries = store_digest(store)
        return spent, found, entries
    finally:
        store.close()
        shutil.rmtree(path, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--checkpoint", type=int, default=2_000, help="events per commit")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    parser.add_argument("--shuffle", type=int, default=None, metavar="SEED", help="fold in a shuffled order")
    args = parser.parse_args()
    events = make_events(args.events)
    if args.shuffle is not None:
        random.Random(args.shuffle).shuffle(events)
    root = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    runs = []
    digests = set()
    for i in range(args.repeat):
        spent, found, entries = fold_once(events, root, args.checkpoint)
        runs.append(spent)
        digests.add(found)
        print(
            f"run {i + 1}: {spent * 1e6 / args.events:.1f} µs CPU per event, {entries} entries, digest {found}"
        )
    best = min(runs)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"best of {args.repeat}: {best * 1e6 / args.events:.1f} µs CPU per event "
        f"({args.events / best:,.0f} events per CPU-second), {args.events} events, "
        f"a commit every {args.checkpoint}{', shuffled' if args.shuffle is not None else ''}"
    )
    if len(digests) != 1:
        raise SystemExit(f"the runs left different stores: {sorted(digests)}")
    print(f"store digest: {digests.pop()}")


if __name__ == "__main__":
    main()
