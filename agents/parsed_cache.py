"""Events parsed once per worker, found again by their exact bytes.

Parsing an event (pydantic `model_validate_json`) is the largest single cost of the hot
paths, and one worker often holds the same bytes several times: a door (REST, the Kafka
intake, the cohort intake) validates an event and publishes it unchanged to an internal
topic, and an agent of the same worker reads those bytes back and needs the parsed event
again (the connector streams, the cohort stages, the lineage graph). `ParsedCache` lets
the first reader's parse serve the others.

Why the bytes are the key: parsing is a pure function of them, so a hit is the event
those bytes hold, whoever put it there, and there is nothing to invalidate. A miss only
costs the parse the caller would have done anyway, so the cache is bounded (oldest out
first: insertion order) and never needs to be right, only often.

Why readers `take` their entry instead of leaving it to age out: a parsed event is some
50-70 objects the garbage collector tracks, and each one that lives long enough to reach
the oldest generation costs more collector time than a parse. The sooner an entry goes,
the fewer do. Whoever remembers an entry says how many readers are still to come
(`readers`); each `take` counts one off and the last one removes it. When several readers
race for the same bytes (the lineage graph tails the cohort instance topic the intake
reads), the one that parses counts the others in, so whichever order they read in, the
bytes are parsed once. A count that is wrong (a reader on another replica) only leaves an
entry to age out.

Whole-topic readers that follow a topic live (the lineage graph) say so with `tail`, so
that whoever parses a record of that topic first can count them in (`is_tailed`).

Parsed models are shared between readers: whoever takes one from the cache must not
mutate it (`model_copy` gives a changed copy).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    from app.service import LineageService

T = TypeVar("T")

_MISSING: Any = object()

DEFAULT_SIZE = 4096
"""Entries per cache: the events in flight between the first reader and the last one when a
worker drains a backlog (fetches of 2000-5000 records); a parsed 1-3 KB event holds 8-20 KB."""


class ParsedCache(Generic[T]):
    """A bounded map from the exact bytes of an event to what `parse` makes of them."""

    __slots__ = ("_items", "_parse", "_readers", "_size", "_tailed", "readers")

    def __init__(self, parse: Callable[[bytes], T], size: int = DEFAULT_SIZE) -> None:
        self._parse = parse
        self._size = size
        # OrderedDict, not dict: dropping a dict's oldest entry (`del d[next(iter(d))]`) slows
        # down as deleted slots pile up at its front (5-9 µs per call measured); popitem is O(1).
        self._items: OrderedDict[bytes, T] = OrderedDict()
        # Readers still to come, for the entries that have more than one (most have one).
        self._readers: dict[bytes, int] = {}
        self._tailed: dict[str, int] = {}
        self.readers = 1
        """How many readers an entry is remembered for unless told (0: nobody reads back,
        so nothing is remembered). Set by whoever knows: the connector host."""

    def __len__(self) -> int:
        return len(self._items)

    def remember(self, raw: bytes, parsed: T, readers: int | None = None) -> None:
        """Keep what these bytes parse to for `readers` more `take`s (the cache's `readers`
        unless told; the oldest entry goes when the cache is full). Remembering bytes again
        replaces the entry and its count."""
        if readers is None:
            readers = self.readers
            if readers <= 0:
                return
        items = self._items
        items[raw] = parsed
        if readers > 1:
            self._readers[raw] = readers
        elif self._readers:
            self._readers.pop(raw, None)
        if len(items) > self._size:
            oldest, _ = items.popitem(last=False)
            if self._readers:
                self._readers.pop(oldest, None)

    def find(self, raw: bytes) -> T | None:
        """What these bytes parse to if remembered, else None (nothing is parsed)."""
        return self._items.get(raw)

    def take(self, raw: bytes) -> T | None:
        """`find`, counting this reader off: the entry goes with its last reader."""
        found = self._take(raw)
        return None if found is _MISSING else cast(T, found)

    def take_or_parse(self, raw: bytes) -> T:
        """`take`, else parse (and remember nothing: a reader that missed is the last one).

        An exception from `parse` propagates."""
        found = self._take(raw)
        return self._parse(raw) if found is _MISSING else cast(T, found)

    def _take(self, raw: bytes) -> Any:
        left = self._readers.pop(raw, 1) - 1 if self._readers else 0
        if left > 0:
            self._readers[raw] = left
            return self._items.get(raw, _MISSING)
        return self._items.pop(raw, _MISSING)

    def tail(self, topics: Iterable[str]) -> None:
        """A whole-topic reader now follows these topics live (`untail` when it stops)."""
        for topic in topics:
            self._tailed[topic] = self._tailed.get(topic, 0) + 1

    def untail(self, topics: Iterable[str]) -> None:
        for topic in topics:
            left = self._tailed.pop(topic, 0) - 1
            if left > 0:
                self._tailed[topic] = left

    def is_tailed(self, topic: str) -> bool:
        """Whether a whole-topic reader follows `topic` live: it will read its records too."""
        return topic in self._tailed


def worker_cache(service: LineageService, name: str, parse: Callable[[bytes], T]) -> ParsedCache[T]:
    """The worker's cache called `name` (made on first use): one per worker, shared by its agents."""
    key = f"parsed_cache:{name}"
    cache: Any = service.extensions.get(key)
    if cache is None:
        cache = service.extensions[key] = ParsedCache(parse)
    return cast(ParsedCache[T], cache)
