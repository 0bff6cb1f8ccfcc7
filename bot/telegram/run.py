"""Running the bot: long polling (default) or a webhook, until SIGINT/SIGTERM.

The lifecycle is ours rather than PTB's `run_polling`, for what that one does not do:
it lets a start-up `InvalidToken` escape with the token in its message; when the token
is revoked while polling, the polling task dies and the process lingers, answering
nothing; and it retries an unreachable Bot API without a word. Here the connection is
watched (`bot.telegram.connection`): a rejected token ends the run with one line and
exit code 2, outages are logged, and SIGTERM stops the bot cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.config import ENV_TOKEN, Config
from bot.telegram.app import build_application
from bot.telegram.connection import ConnectionWatch

if TYPE_CHECKING:
    from bot.dialogue import Dialogue
    from bot.match.live import LiveKnowledge
    from bot.store import Store

logger = logging.getLogger(__name__)

EXIT_STOPPED = 0
"""Stopped by SIGTERM/SIGINT."""
EXIT_TOKEN_REJECTED = 2
"""The Bot API refused the token, at start-up or later: restarting cannot help."""
EXIT_CRASHED = 3
"""An unexpected error ended the run (logged, with the token masked)."""

ALLOWED_UPDATES = ["message", "callback_query"]
FOREVER = -1
"""bootstrap_retries: keep retrying deleteWebhook/setWebhook while Telegram is unreachable."""
OFFICIAL_API = "https://api.telegram.org/bot"
FIRST_RETRY = 1.0
LAST_RETRY = 30.0
"""Seconds between attempts to reach the Bot API at start-up: doubling up to this."""

SHOWN_TAIL_FROM = 16
"""Tokens at least this long (real ones have 45 characters) are named by their last 4."""

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
StartUpdates = Callable[[AnyApplication], Awaitable[Any]]


def run_bot(
    config: Config,
    *,
    webhook_url: str | None = None,
    listen: str = "127.0.0.1",
    port: int = 8443,
    poll_timeout: float = 10.0,
) -> int:
    """Serve until stopped and return the exit code; the store is closed on the way out."""
    # imported here so that `python -m bot run` without a token fails fast, before
    # the knowledge base and the matcher are built
    from bot.dialogue import Dialogue
    from bot.handoffs import HandoffDesk
    from bot.match.live import LiveKnowledge
    from bot.store import Store
    from bot.teachlog import TeachJournal

    knowledge = LiveKnowledge(config.knowledge_dir, config.matcher)
    store = Store(config.db_path, retention_days=config.question_retention_days)
    journal = TeachJournal(store)
    try:
        dialogue = Dialogue(
            knowledge,
            store,
            default_language=config.default_language,
            journal=journal,
            handoffs=HandoffDesk(store),
        )
        start = _webhook(webhook_url, listen, port) if webhook_url else _polling(poll_timeout)
        return asyncio.run(serve(config, knowledge, store, dialogue, start))
    except Exception:
        # the token filter on the log handler masks the token in this traceback; Python's
        # own last-resort printing would not
        logger.critical("the bot stopped on an unexpected error", exc_info=True)
        return EXIT_CRASHED
    finally:
        journal.close()
        store.close()
        logger.info("stopped; store closed")


async def serve(
    config: Config,
    knowledge: LiveKnowledge,
    store: Store,
    dialogue: Dialogue,
    start_updates: StartUpdates,
) -> int:
    """Connect, serve until a stop signal or a rejected token, shut down; the exit code."""
    stopping = asyncio.Event()
    watch = ConnectionWatch(
        config.telegram.base_url or OFFICIAL_API, on_rejected=lambda status: stopping.set()
    )
    application = build_application(config, knowledge, store, dialogue, watch=watch)
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop_signal, stopping.set)
    refused = False
    try:
        if await connect(application, stopping):
            await start_serving(application, start_updates)
            await stopping.wait()
    except InvalidToken:
        refused = True  # reported below: the exception's own message holds the token
    finally:
        await shut_down(application)
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(stop_signal)
    if refused or watch.rejected_status is not None:
        logger.critical("%s", rejection_message(config, watch.rejected_status))
        return EXIT_TOKEN_REJECTED
    return EXIT_STOPPED


async def connect(application: AnyApplication, stopping: asyncio.Event) -> bool:
    """`initialize()` (getMe), retried while the Bot API is unreachable; the watch logs
    the failures. False when a stop came first; InvalidToken when the token is refused."""
    delay = FIRST_RETRY
    while not stopping.is_set():
        try:
            await application.initialize()
            return True
        except RetryAfter as exc:
            after = exc.retry_after
            wait = after.total_seconds() if isinstance(after, timedelta) else after
        except BadRequest:
            raise  # retrying the same request cannot help
        except NetworkError:
            wait = delay
            delay = min(delay * 2, LAST_RETRY)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), float(wait))
    return False


async def start_serving(application: AnyApplication, start_updates: StartUpdates) -> None:
    logger.info("connected as @%s", application.bot.username)
    if application.post_init is not None:
        await application.post_init(application)
    await start_updates(application)
    await application.start()


async def shut_down(application: AnyApplication) -> None:
    """Stop whatever was started, in reverse order, and release the HTTP clients."""
    updater = application.updater
    if updater is not None and updater.running:
        # a polling task that died (on a revoked token) re-raises here; already reported
        with contextlib.suppress(TelegramError):
            await updater.stop()
    if application.running:
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    await application.shutdown()


def rejection_message(config: Config, status: int | None) -> str:
    """One line that names the token by its last characters only."""
    token = config.token or ""
    tail = token[-4:] if len(token) >= SHOWN_TAIL_FROM else ""
    hint = f"check {ENV_TOKEN}"
    if status == 404 and config.telegram.base_url:
        hint += f" and the Bot API URL {config.telegram.base_url}"
    return f"Telegram rejected the token (…{tail}); {hint}"


def _polling(poll_timeout: float) -> StartUpdates:
    async def start(application: AnyApplication) -> None:
        assert application.updater is not None
        logger.info("long polling (timeout %gs)", poll_timeout)
        await application.updater.start_polling(
            timeout=timedelta(seconds=poll_timeout),
            allowed_updates=ALLOWED_UPDATES,
            bootstrap_retries=FOREVER,
            error_callback=_polling_failed,
        )

    return start


def _polling_failed(error: TelegramError) -> None:
    """getUpdates failed; PTB retries with a growing pause (at most 30 s)."""
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        return  # the connection watch logs outages, once a minute
    logger.warning("getUpdates failed: %s", error)  # e.g. Conflict: another instance polls


def _webhook(webhook_url: str, listen: str, port: int) -> StartUpdates:
    async def start(application: AnyApplication) -> None:
        assert application.updater is not None
        path = urlsplit(webhook_url).path.lstrip("/")
        logger.info("serving a webhook on %s:%d/%s", listen, port, path)
        await application.updater.start_webhook(
            listen=listen,
            port=port,
            url_path=path,
            webhook_url=webhook_url,
            # Telegram echoes this header, so requests from anyone else are refused
            secret_token=secrets.token_urlsafe(32),
            allowed_updates=ALLOWED_UPDATES,
            bootstrap_retries=FOREVER,
        )

    return start
