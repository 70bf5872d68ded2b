"""Where the server's database work runs, and how much of it at once.

No request holds the event loop for more than a couple of milliseconds: database work starts
there under a short deadline and, if it needs longer, runs again in a small pool of threads
with the request's whole budget, so a slow query delays its own answer, not every other
one. Expensive work (exports, live contact counts, wide full-text searches, large networks)
always runs in the pool and also takes one of a few slots; when they are all taken the
request is refused at once (`Busy`, answered 503 with Retry-After) instead of queueing behind
the others, so cheap pages keep their latency under abuse. A request that waits too long for a
thread is refused the same way: the server says it is busy, never hangs.

No web framework here: the API maps `Busy` to HTTP.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from .store import Lease, OverBudget, Reader, Snapshot, TooLarge, raise_budget_errors

T = TypeVar("T")

# Threads reading the database at once, per process. SQLite runs without the GIL, Python
# with it: on two cores more threads add waiting, not throughput.
DB_THREADS = 4
# Expensive requests at once, per process: fewer than the threads, so some are always left
# for cheap pages.
HEAVY_AT_ONCE = 2
# How long a request may wait for a thread before it is told the server is busy.
QUEUE_SECONDS = 5.0
RETRY_AFTER = 2  # seconds a refused client is asked to wait
# An export: each chunk's statements get CHUNK_SECONDS; the whole export EXPORT_SECONDS,
# however slowly its client reads. A chunk is at least CHUNK_BYTES, so an export crosses
# between its thread and the event loop a few times a megabyte, not once an event.
CHUNK_SECONDS = 1.0
EXPORT_SECONDS = 600.0
CHUNK_BYTES = 64 * 1024


# Most requests need well under a millisecond of database work: handing each to a thread
# and back cost more than the work (under uvicorn on one core, 40 % more CPU a request). So
# work starts on the event loop, where its connection stops it after INLINE_STEPS steps of
# SQLite's program or INLINE_SECONDS; work that needs more starts again in the pool with the
# whole budget. The pages of bench/run.py's mixed load take at most 6,000 steps (0.5 ms at
# the median); steps, unlike a clock, do not run out because the machine is busy.
INLINE_STEPS = 50_000
INLINE_SECONDS = 0.05
_inline = threading.local()


class _Offload(Exception):
    """Expensive work asked for on the event loop: it belongs in the pool."""


class Busy(Exception):
    """No room for this request now; `retry_after` seconds is a fair wait."""

    def __init__(self, what: str, retry_after: int = RETRY_AFTER) -> None:
        super().__init__(what)
        self.what, self.retry_after = what, retry_after


class Cut(Exception):
    """An export stopped by its budget after its first bytes were sent: too late for a status
    that says so, so the server ends the connection mid-body and the client sees the answer
    incomplete."""


class Slot:
    """One of the expensive-work slots, held until `release()` (safe to call twice)."""

    def __init__(self, gate: threading.BoundedSemaphore) -> None:
        self._gate: threading.BoundedSemaphore | None = gate

    def release(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.release()

    def __enter__(self) -> Slot:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class Capacity:
    """The thread pool's bound and the expensive-work slots of one server process."""

    def __init__(self, threads: int = DB_THREADS, heavy: int = HEAVY_AT_ONCE) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="chrono-db")
        self._heavy = threading.BoundedSemaphore(heavy)

    def heavy(self, what: str) -> Slot:
        """A slot for expensive work, or Busy at once when none is free. Expensive work
        never runs on the event loop: there, this sends it to the pool."""
        if getattr(_inline, "active", False):
            raise _Offload
        if not self._heavy.acquire(blocking=False):
            raise Busy(f"too many expensive requests ({what}) are running; ask again shortly")
        return Slot(self._heavy)

    async def run(self, fn: Callable[[], T]) -> T:
        """`fn()` in the database pool; Busy, without running it, if it waited for a thread
        longer than QUEUE_SECONDS (so a backlog drains at once instead of answering late)."""
        queued = time.monotonic()

        def job() -> T:
            if time.monotonic() - queued > QUEUE_SECONDS:
                raise Busy("every database thread stayed busy; ask again shortly")
            return fn()

        return await asyncio.get_running_loop().run_in_executor(self._pool, job)

    async def read(self, snapshot: Snapshot, work: Callable[[Reader], T]) -> T:
        """`work(reader)` on a reader leased for it alone: first on the event loop for at
        most INLINE_SECONDS, then, if it needs longer or is expensive work, in the pool with
        the request's whole budget, reading the file without the memory map (work that
        outgrew the loop's leash reads many pages once: through the connection's bounded
        cache they leave the server's RSS when done, mapped they would stay in it)."""
        _inline.active = True
        try:
            with snapshot.lease(INLINE_SECONDS, steps=INLINE_STEPS) as reader:
                return work(reader)
        except (OverBudget, _Offload):
            pass
        finally:
            _inline.active = False

        def job() -> T:
            with snapshot.lease(mapped=False) as reader:
                return work(reader)

        return await self.run(job)

    async def stream(
        self, snapshot: Snapshot, produce: Callable[[Reader], Iterator[str | bytes]], what: str
    ) -> AsyncIterator[bytes]:
        """An export: a slot, a reader leased for the whole stream, and the chunks of
        `produce(reader)` pulled in the pool, one pull at a time. The first chunk is read
        before this returns, so a bad parameter is a 4xx, not a broken stream."""
        slot = self.heavy(what)
        # An export reads every matching document once: through read() and the connection's
        # bounded cache rather than the memory map, whose pages would stay in the server's
        # RSS (the whole file, at a million events 2 GB).
        until = time.monotonic() + EXPORT_SECONDS
        lease = Lease(snapshot, CHUNK_SECONDS, until=until, mapped=False)
        chunks: Iterator[str | bytes] | None = None
        # Held while a thread works on the connection. A stream cancelled mid-pull (the
        # client gone) gives the connection back only once that pull is over, in the pool:
        # never while a thread still uses it.
        working = threading.Lock()

        def finish() -> None:
            with working:
                _end(lease, slot)

        def pull() -> bytes:
            with working:
                return _pull(chunks, lease)  # type: ignore[arg-type]

        def begin() -> bytes:
            with working:
                return start()

        def start() -> bytes:
            nonlocal chunks
            reader = lease.__enter__()
            try:
                chunks = produce(reader)
            except Exception as exc:
                raise_budget_errors(exc, CHUNK_SECONDS)
                raise
            return _pull(chunks, lease)

        try:
            first = await self.run(begin)
        except Exception:
            # The thread is done with the connection (a bad parameter, a budget): the slot
            # is free before the client reads the 4xx, so its next request finds it free.
            finish()
            raise
        except BaseException:
            # Cancelled while a thread may still work on the connection.
            self._pool.submit(finish)
            raise

        if len(first) < CHUNK_BYTES:
            # The whole export fits its first chunk (_pull stops early only at CHUNK_BYTES):
            # the slot is free before the client sees the headers.
            finish()

            async def whole() -> AsyncIterator[bytes]:
                if first:
                    yield first

            return whole()

        async def rest() -> AsyncIterator[bytes]:
            pulling = False  # a pool thread may be working on the connection
            sent = 0
            try:
                block = first
                while block:
                    yield block
                    sent += len(block)
                    pulling = True
                    try:
                        block = await self.run(pull)
                    except Exception as exc:  # the thread is done with the connection
                        pulling = False
                        if isinstance(exc, (OverBudget, TooLarge, Busy)):
                            raise Cut(f"{what} cut after {sent:,} bytes: {exc}") from None
                        raise
                    pulling = False
            finally:
                # With no pull running (read to its end, cut, or closed between chunks) the
                # slot is free before the client sees the end, so its next export finds it
                # free. One cancelled mid-pull gives it back once the thread is done.
                if pulling:
                    self._pool.submit(finish)
                else:
                    finish()

        return rest()


def _pull(chunks: Iterator[str | bytes], lease: Lease) -> bytes:
    """The next CHUNK_BYTES or so of an export (b"" at its end), under the export's deadlines."""
    assert lease.conn is not None and lease.until is not None
    now = time.monotonic()
    if now > lease.until:
        raise OverBudget(EXPORT_SECONDS)
    lease.conn.deadline = min(now + CHUNK_SECONDS, lease.until)
    parts: list[bytes] = []
    size = 0
    try:
        for chunk in chunks:
            data = chunk.encode() if isinstance(chunk, str) else chunk
            parts.append(data)
            size += len(data)
            if size >= CHUNK_BYTES:
                break
    except Exception as exc:
        raise_budget_errors(exc, CHUNK_SECONDS)
        raise
    return b"".join(parts)


def _end(lease: Lease, slot: Slot) -> None:
    """Give the export's connection and slot back."""
    try:
        lease.__exit__(None, None, None)
    finally:
        slot.release()
