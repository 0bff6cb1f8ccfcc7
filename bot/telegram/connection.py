"""What the Bot API answers, watched: outages reach the log, a rejected token stops the bot.

PTB retries an unreachable Bot API quietly (its retry loops log at DEBUG), so a wrong
or dead base URL used to leave no trace at all; and a token revoked while polling
ended the polling task but not the process. `WatchedRequest` sits between PTB and its
HTTP client and reports every outcome to one `ConnectionWatch`, which logs the first
failure at once, then one line a minute while the outage lasts, and one line when
the API answers again; a 401 (or 404: a malformed token or a wrong base URL) calls
`on_rejected`, which the runner turns into a prompt exit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

logger = logging.getLogger(__name__)

REMIND_EVERY = 60.0
"""Seconds between log lines while the Bot API stays unreachable."""
REJECTED = frozenset({HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND})
"""Statuses PTB turns into InvalidToken: retrying cannot help."""


class ConnectionWatch:
    """Counts failed Bot API requests and logs them sparingly; spots a rejected token."""

    def __init__(
        self,
        base_url: str,
        *,
        on_rejected: Callable[[int], None] | None = None,
        remind_every: float = REMIND_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url
        """Where requests go, without the token (safe to log)."""
        self.on_rejected = on_rejected
        self.remind_every = remind_every
        self.clock = clock
        self.rejected_status: int | None = None
        self._failures = 0
        self._since: float | None = None
        self._last_line: float | None = None

    def failed(self, reason: str) -> None:
        now = self.clock()
        self._failures += 1
        if self._since is None:
            self._since = now
        if self._last_line is not None and now - self._last_line < self.remind_every:
            return
        self._last_line = now
        if self._failures == 1:
            logger.warning("cannot reach the Bot API at %s: %s; retrying", self.base_url, reason)
        else:
            logger.warning(
                "still cannot reach the Bot API at %s after %.0fs (%d failed requests): %s",
                self.base_url,
                now - self._since,
                self._failures,
                reason,
            )

    def answered(self, status: int) -> None:
        if status in REJECTED:
            self._rejected(status)
        elif status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            self.failed(f"HTTP {status}")
        elif self._failures:
            assert self._since is not None
            logger.info(
                "the Bot API answers again after %.0fs (%d failed requests)",
                self.clock() - self._since,
                self._failures,
            )
            self._failures, self._since, self._last_line = 0, None, None

    def _rejected(self, status: int) -> None:
        first = self.rejected_status is None
        self.rejected_status = status
        if first and self.on_rejected is not None:
            self.on_rejected(status)


class WatchedRequest(BaseRequest):
    """A `BaseRequest` that forwards to another and reports each outcome to a watch."""

    def __init__(self, inner: BaseRequest, watch: ConnectionWatch) -> None:
        self.inner = inner
        self.watch = watch

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        try:
            status, payload = await self.inner.do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except NetworkError as exc:  # time-outs included; the message carries no URL
            self.watch.failed(str(exc))
            raise
        self.watch.answered(status)
        return status, payload
