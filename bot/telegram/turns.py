"""Dialogue turns off the event loop: each user's in order, different users side by side.

Matching a long question costs CPU for a noticeable while. Run on the event loop, one
resident's flood of long questions held up every other resident's reply (issue 10:
three users sending ten each delayed an unrelated reply from 0.01 s to 9.8 s). Here
each turn runs on a worker thread, and each user has a lane that admits one turn at a
time: a flooding user occupies one worker, never all of them, so anyone else finds a
free worker at once. The lane also keeps one user's messages answered in the order
they came, which `concurrent_updates` alone does not promise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.dialogue.types import ButtonPress, Incoming, Reply, TextMessage, User

MAX_INPUT_CHARS = 1000
"""Text beyond this is cut before the dialogue sees it. Twice what the dialogue answers
(500 characters), so an overlong question is still told "too long" rather than being
answered from a fragment, while no message costs more work than this much text.
Telegram itself allows 4,096; only a forged update brings more."""
MAX_PAYLOAD_CHARS = 64
"""Telegram limits callback_data to 64 bytes, so a longer payload can only be forged."""


def bounded(incoming: Incoming) -> Incoming:
    """The message cut to what any entry point passes on to the dialogue."""
    if isinstance(incoming, TextMessage) and len(incoming.text) > MAX_INPUT_CHARS:
        return TextMessage(incoming.text[:MAX_INPUT_CHARS])
    if isinstance(incoming, ButtonPress) and len(incoming.payload) > MAX_PAYLOAD_CHARS:
        return ButtonPress(incoming.payload[:MAX_PAYLOAD_CHARS])
    return incoming


@dataclass
class Turns:
    """Runs `handle` on the event loop's default executor, one turn per user at a time."""

    handle: Callable[[User, Incoming], Reply]
    _lanes: dict[str, asyncio.Lock] = field(default_factory=dict)
    _queued: dict[str, int] = field(default_factory=dict)

    async def run(self, user: User, incoming: Incoming) -> Reply:
        lane = self._lanes.setdefault(user.id, asyncio.Lock())
        self._queued[user.id] = self._queued.get(user.id, 0) + 1
        try:
            async with lane:
                return await asyncio.to_thread(self.handle, user, bounded(incoming))
        finally:
            self._queued[user.id] -= 1
            if not self._queued[user.id]:  # memory follows active users only
                del self._queued[user.id], self._lanes[user.id]

    def __len__(self) -> int:
        """How many users have a turn running or waiting."""
        return len(self._lanes)
