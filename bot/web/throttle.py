"""Slowing down wrong passwords at /admin/login, per account name and per client address.

The first few mistakes are free (a typo); after that each further one makes the name
(or the address) wait twice as long before its next try, up to `MAX_WAIT`. A try
during the wait is refused without looking at the password, so guessing costs time and
no CPU. The waits live in this process's memory: with several workers each keeps its
own, which multiplies the rate by the number of workers at most.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

FREE_PER_NAME = 3
FREE_PER_ADDRESS = 10
"""An office's staff may share one address (and one NAT): more room before it waits."""
FIRST_WAIT = 2.0
MAX_WAIT = 300.0
FORGET_AFTER = 3600.0
"""A name or address with no mistake for an hour starts afresh."""
REMEMBERED = 10_000
"""At most this many names and addresses are tracked (the oldest are dropped)."""


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0
    refused: int = 0
    """Tries refused while waiting since the last counted failure."""


@dataclass
class LoginThrottle:
    clock: Callable[[], float] = time.monotonic
    _records: OrderedDict[str, _Record] = field(default_factory=OrderedDict)

    def wait_left(self, name: str, address: str) -> float:
        """Seconds before this name from this address may try again (0: now)."""
        now = self.clock()
        return max(
            self._wait(f"name:{name}", FREE_PER_NAME, now),
            self._wait(f"address:{address}", FREE_PER_ADDRESS, now),
        )

    def refused(self, name: str, address: str) -> int:
        """Count a try refused while waiting; how many for this name (or address) so far."""
        counts = []
        for key in (f"name:{name}", f"address:{address}"):
            record = self._records.get(key)
            if record is not None:
                record.refused += 1
                counts.append(record.refused)
        return max(counts, default=0)

    def failed(self, name: str, address: str) -> int:
        """Count a wrong password; how many in a row this name has now."""
        self._fail(f"address:{address}")
        return self._fail(f"name:{name}")

    def succeeded(self, name: str) -> None:
        self._records.pop(f"name:{name}", None)

    def _wait(self, key: str, free: int, now: float) -> float:
        record = self._records.get(key)
        if record is None or now - record.last > FORGET_AFTER or record.failures < free:
            return 0.0
        wait = min(MAX_WAIT, FIRST_WAIT * 2 ** (record.failures - free))
        return max(0.0, record.last + wait - now)

    def _fail(self, key: str) -> int:
        now = self.clock()
        record = self._records.pop(key, None) or _Record()
        if now - record.last > FORGET_AFTER:
            record = _Record()
        record.failures += 1
        record.last = now
        record.refused = 0
        self._records[key] = record
        while len(self._records) > REMEMBERED:
            self._records.popitem(last=False)
        return record.failures
