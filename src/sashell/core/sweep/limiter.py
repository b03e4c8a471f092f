"""How many requests a sweep keeps in flight per provider.

The embedded models share this machine's CPU, so they get one generation at a time. A remote
endpoint gets the configured limit, which adapts the way Inspect AI's does: halve it when the
server answers 429, pause new requests for the Retry-After it asks for, and grow back by one after
a run of successes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time


class AdaptiveLimiter:
    GROW_AFTER = 8  # successes in a row before the limit grows by one

    def __init__(self, limit: int) -> None:
        self.maximum = max(1, limit)
        self.limit = self.maximum
        self.active = 0
        self.rate_limited = 0  # 429 answers seen
        self._paused_until = 0.0
        self._streak = 0
        self._changed = asyncio.Event()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def acquire(self) -> None:
        while True:
            wait = self._paused_until - time.monotonic()
            if wait <= 0 and self.active < self.limit:
                self.active += 1
                return
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=wait if wait > 0 else None)

    def release(self, ok: bool) -> None:
        self.active -= 1
        if ok:
            self._streak += 1
            if self._streak >= self.GROW_AFTER and self.limit < self.maximum:
                self.limit += 1
                self._streak = 0
        else:
            self._streak = 0
        self._notify()

    def on_rate_limited(self, retry_after: float | None) -> None:
        """A 429 was seen (the request itself is retried by the provider)."""
        self.rate_limited += 1
        self._streak = 0
        self.limit = max(1, self.limit // 2)
        if retry_after:
            self._paused_until = max(self._paused_until, time.monotonic() + min(retry_after, 60.0))
        self._notify()

    async def __aenter__(self) -> AdaptiveLimiter:
        await self.acquire()
        return self

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.release(exc_type is None)
