"""Memory for finished /api answers, replayed while their build serves.

A build never changes once swapped in, so for one build the same URL always gets the same
JSON: the page an embedded timeline loads for every visitor of a site, or the contacts of an
actor in the news, need not touch the database twice. Litestar's response cache does the
replaying (handlers marked `cache=True`); this module gives it a store bounded in bytes,
least recently used out first, so that many distinct URLs cannot grow the server.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta

from litestar.stores.base import Store

DEFAULT_CACHE_MB = 64


class BoundedMemoryStore(Store):
    """At most `max_bytes` of values, each at most an eighth of that (one huge answer cannot
    flush everything else). Entries do not expire: answers are keyed by build, and those of
    an older build are never asked for again, so they are the first to go."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_value = max_bytes // 8
        self.size = 0
        self.hits = 0
        self._values: OrderedDict[str, bytes] = OrderedDict()

    @property
    def count(self) -> int:
        return len(self._values)

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        data = value.encode() if isinstance(value, str) else value
        await self.delete(key)
        if len(data) > self.max_value:
            return
        self._values[key] = data
        self.size += len(data)
        while self.size > self.max_bytes:
            _, evicted = self._values.popitem(last=False)
            self.size -= len(evicted)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        data = self._values.get(key)
        if data is not None:
            self._values.move_to_end(key)
            self.hits += 1
        return data

    async def delete(self, key: str) -> None:
        if (data := self._values.pop(key, None)) is not None:
            self.size -= len(data)

    async def delete_all(self) -> None:
        self._values.clear()
        self.size = 0

    async def exists(self, key: str) -> bool:
        return key in self._values

    async def expires_in(self, key: str) -> int | None:
        return None
