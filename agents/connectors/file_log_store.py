"""The file log store: every OpenLineage event as a file, laid out as Egeria lays it out.

`<directory>/<namespace>/<job>/<runId>-<time>-<eventType>.openlineageevent`, holding the
event's JSON exactly as the producer sent it. `<time>` is the event's own `eventTime`
written as Egeria writes it (`2024-1-31:12-0-5:123000000`: year-month-day, hour-minute-
second, nanoseconds), so the same event always gets the same name: a redelivered event
(after a crash or a rebalance) rewrites its own file and never makes a second one.

Differences from Egeria, each for a reason:
- Path parts are escaped (`/` becomes `%2F`, `..` is never a part), so a namespace such as
  `postgres://db:5432` is one directory and no event can write outside the store.
- Files are written to `<directory>/.tmp/` and renamed into place, so a reader (or a
  worker killed mid-write) never sees half a file under a final name.
- Files are written on a background thread (`FileWriter`), not on the event loop: creating
  a file per event costs the kernel more than handling the event does (benchmarks/README.md),
  and on the loop's thread it would hold back every stream of the worker. The stream commits
  an event's offset only after `flush()` saw its file written.
- JobEvents are stored under their job as `job-<time>-JOB...`, DatasetEvents under
  `<dataset namespace>/<dataset name>/` as `dataset-<time>-DATASET...` (Egeria stores
  run events only); a run event without eventType says `UNKNOWN`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import hashlib
import itertools
import os
import re
import time
import uuid
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from agents.connectors.base import Connector
from agents.connectors.context import ConnectorContext
from schemas.openlineage import DatasetEvent, JobEvent, OpenLineageEvent, RunEvent

SUFFIX = ".openlineageevent"
DEFAULT_SUBDIRECTORY = "open-lineage-log"
TMP_DIRECTORY = ".tmp"

_CHUNK_FILES = 64  # files handed to the writer thread at a time (flush hands over the rest)
_CHUNK_BYTES = 4 * 1024 * 1024
_STALE_TMP_S = 600.0
_MAX_KNOWN_DIRS = 10_000  # directories remembered as made (one per job); forgotten past this
_MAX_PART_BYTES = 200  # file systems allow 255 bytes per name; leave room for the suffix
_ESCAPED = re.compile(r"[%/\\\x00-\x1f\x7f]")  # what `escape_part` escapes
_DATE_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?")


class FileLogStoreSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    directory: Path | None = None
    """Where the store lives; default `<LINEAGE_DATA_DIR>/open-lineage-log`."""


def egeria_timestamp(event_time: str) -> str:
    """`eventTime` as Egeria's file log store writes it: `Y-M-D:h-m-s:nanos`, unpadded,
    in the event's own time zone (the producer's clock, as the producer wrote it)."""
    match = _DATE_TIME.match(event_time)
    if match is None:  # validated events always match; keep a usable name regardless
        return escape_part(event_time)
    year, month, day, hour, minute, second, fraction = match.groups()
    nanos = int((fraction or "0")[:9].ljust(9, "0"))
    return f"{int(year)}-{int(month)}-{int(day)}:{int(hour)}-{int(minute)}-{int(second or 0)}:{nanos}"


@functools.lru_cache(maxsize=4096)
def escape_part(text: str) -> str:
    """One safe path component: `%`, `/`, `\\` and control characters escaped, never `.`/`..`
    or empty, at most _MAX_PART_BYTES bytes (a long one keeps a hash of the whole).

    Remembered: the namespaces and job names of a store's events repeat, and escaping is
    character by character."""
    if _ESCAPED.search(text) is None and text not in ("", ".", "..") and len(text) * 4 <= _MAX_PART_BYTES:
        return text  # nothing to escape, and short enough whatever its characters' sizes
    out = []
    for ch in text:
        if ch in "%/\\" or ord(ch) < 32 or ch == "\x7f":
            out.append("".join(f"%{b:02X}" for b in ch.encode()))
        else:
            out.append(ch)
    part = "".join(out)
    if part in ("", ".", ".."):
        part = part.replace(".", "%2E") or "%00"
    encoded = part.encode()
    if len(encoded) > _MAX_PART_BYTES:
        digest = hashlib.sha256(encoded).hexdigest()[:16]
        part = encoded[: _MAX_PART_BYTES - 17].decode(errors="ignore") + "~" + digest
    return part


def relative_path(event: OpenLineageEvent) -> Path:
    """Where an event is stored, relative to the store's directory."""
    return Path(_relative_name(event))


def _relative_name(event: OpenLineageEvent) -> str:
    """`relative_path` as text (the per-event path: no Path objects built)."""
    stamp = egeria_timestamp(event.eventTime)
    if isinstance(event, RunEvent):
        kind = event.eventType or "UNKNOWN"
        folder = os.path.join(escape_part(event.job.namespace), escape_part(event.job.name))
        name = f"{event.run.runId}-{stamp}-{kind}"
    elif isinstance(event, JobEvent):
        folder = os.path.join(escape_part(event.job.namespace), escape_part(event.job.name))
        name = f"job-{stamp}-JOB"
    else:
        assert isinstance(event, DatasetEvent)
        folder = os.path.join(escape_part(event.dataset.namespace), escape_part(event.dataset.name))
        name = f"dataset-{stamp}-DATASET"
    file_name = escape_part(name + SUFFIX) if len(name.encode()) > _MAX_PART_BYTES else name + SUFFIX
    return os.path.join(folder, file_name)


_TMP_PREFIX = uuid.uuid4().hex[:12]  # per process: replicas sharing a directory never collide
_tmp_numbers = itertools.count()


def _write_new_file(path: str, data: bytes) -> None:
    """Create `path` and write `data` to it with plain system calls (mode as `open()`: 0o666 less the umask).

    Not `open()`: its buffered file object costs about as much again as the kernel's file
    creation (benchmarks/README.md), and the store writes a file per event.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def write_atomically(
    directory: Path | str, relative: Path | str, data: bytes, known_dirs: set[str] | None = None
) -> str:
    """Write `data` to `directory/relative` through a temporary file and a rename; returns the path.

    `known_dirs`: directories already made by this writer, so an event costs no `mkdir`
    (one is made again if it disappeared meanwhile).
    """
    target = os.path.join(directory, relative)
    parent = os.path.dirname(target)
    if known_dirs is None or parent not in known_dirs:
        os.makedirs(parent, exist_ok=True)
        if known_dirs is not None:
            if len(known_dirs) >= _MAX_KNOWN_DIRS:
                known_dirs.clear()
            known_dirs.add(parent)
    tmp = os.path.join(directory, TMP_DIRECTORY, f"{_TMP_PREFIX}-{next(_tmp_numbers)}.tmp")
    try:
        _write_new_file(tmp, data)
        try:
            os.replace(tmp, target)
        except FileNotFoundError:  # the directory was removed since it was made
            os.makedirs(parent, exist_ok=True)
            os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


class _Lane:
    """One writer thread and the chunk of files it is given next."""

    def __init__(self, name: str) -> None:
        self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.known_dirs: set[str] = set()  # touched by this lane's thread only
        self.chunk: list[tuple[str, bytes]] = []
        self.chunk_bytes = 0


class FileWriter:
    """Writes files under one directory on background threads, in chunks.

    Why threads: the system calls of a file per event (create, write, rename, directory
    updates) release the GIL, so the event loop goes on handling the next events while the
    files of the previous ones are written, and `lanes` threads write to different job
    directories at once. A directory always goes to the same lane, written in the order
    given, so a file written twice ends with the content written last. `flush()` waits
    until everything handed over so far is on disk, and raises the first error (the caller
    then delivers those events again).
    """

    def __init__(self, root: str, lanes: int = 2) -> None:
        self.root = root
        self._lanes = [_Lane(f"file-log-store-{i}") for i in range(max(1, lanes))]
        self._in_flight: list[concurrent.futures.Future[None]] = []

    def write(self, relative: str, data: bytes) -> None:
        """Queue one file; it is written soon, and surely by the end of the next `flush()`."""
        lane = self._lanes[hash(os.path.dirname(relative)) % len(self._lanes)]
        lane.chunk.append((relative, data))
        lane.chunk_bytes += len(data)
        if len(lane.chunk) >= _CHUNK_FILES or lane.chunk_bytes >= _CHUNK_BYTES:
            self._hand_over(lane)

    def _hand_over(self, lane: _Lane) -> None:
        if lane.chunk:
            chunk, lane.chunk, lane.chunk_bytes = lane.chunk, [], 0
            self._in_flight.append(lane.executor.submit(self._write_all, chunk, lane.known_dirs))

    def _write_all(self, chunk: list[tuple[str, bytes]], known_dirs: set[str]) -> None:
        for relative, data in chunk:
            write_atomically(self.root, relative, data, known_dirs)

    async def flush(self) -> None:
        """Wait for every file queued so far; raise the first write error, if any."""
        for lane in self._lanes:
            self._hand_over(lane)
        in_flight, self._in_flight = self._in_flight, []
        first_error: BaseException | None = None
        for future in in_flight:  # all of them, so none is still writing when the events come again
            try:
                await asyncio.wrap_future(future)
            except Exception as exc:
                first_error = first_error or exc
        if first_error is not None:
            raise first_error

    def close(self) -> None:
        for lane in self._lanes:
            lane.executor.shutdown(wait=True)


class FileLogStoreConnector(Connector[FileLogStoreSettings]):
    """Keeps every OpenLineage event as a file (Egeria's FileBasedOpenLineageLogStoreConnector)."""

    settings_model = FileLogStoreSettings
    description = (
        "Writes each OpenLineage event to <dir>/<namespace>/<job>/<runId>-<time>-<eventType>.openlineageevent"
    )

    def __init__(self, context: ConnectorContext) -> None:
        super().__init__(context)
        self._writer: FileWriter | None = None

    @property
    def directory(self) -> Path:
        return self.settings.directory or self.context.data_root / DEFAULT_SUBDIRECTORY

    async def start(self) -> None:
        tmp = self.directory / TMP_DIRECTORY
        tmp.mkdir(parents=True, exist_ok=True)
        _remove_stale(tmp)
        self.context.register_openlineage_listener(self.store)
        self.context.log.info("File log store in %s", self.directory)

    def writer(self) -> FileWriter:
        if self._writer is None:
            self._writer = FileWriter(str(self.directory))
        return self._writer

    async def store(self, event: OpenLineageEvent, raw: bytes) -> None:
        """Queue the event's file; it is on disk once `flush()` returns."""
        self.writer().write(_relative_name(event), raw)

    async def flush(self) -> None:
        if self._writer is not None:
            await self._writer.flush()

    async def stop(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            try:
                await writer.flush()
            finally:
                writer.close()


def _remove_stale(tmp: Path) -> None:
    """Temporary files a killed worker left behind (none is younger than a write takes)."""
    cutoff = time.time() - _STALE_TMP_S
    for leftover in tmp.glob("*.tmp"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            pass
