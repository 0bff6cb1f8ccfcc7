"""Wiring: one `build_application()` that registers every handler, plus logging set-up."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sys
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.admin.teaching import Teaching
from bot.dialogue.types import Reply
from bot.kb.model import Lang, Text
from bot.store import user_log_key
from bot.telegram import texts
from bot.telegram.admin import BUTTON_PATTERN as ADMIN_BUTTONS
from bot.telegram.admin import Admin
from bot.telegram.connection import ConnectionWatch, WatchedRequest
from bot.telegram.flood import FloodGate
from bot.telegram.followups import owed_sender
from bot.telegram.handlers import Residents, language_of, send_reply
from bot.telegram.handoffs import BUTTON_PATTERN as HANDOFF_BUTTONS
from bot.telegram.handoffs import StaffDesk, TextHandler
from bot.telegram.reloading import Reloader, admin_language

if TYPE_CHECKING:
    from bot.config import Config
    from bot.dialogue import Dialogue
    from bot.match.live import LiveKnowledge
    from bot.store import Store

logger = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 3
"""How often AIORateLimiter retries a request Telegram answered with 429 retry_after."""
CONCURRENT_UPDATES = 64
"""Updates handled at once. PTB's `concurrent_updates(True)` means 256, but httpcore's
connection pool scans every connection for every request, so CPU per update grows with
the number in flight: measured with benchmarks/telegram_throughput.py, 64 handles
a quarter more updates per second than 256, and still fills Telegram's 30 messages/s
with 2 s round trips."""
POOL_HEADROOM = 8
"""Connections beyond one per update in flight: admin notices, callback answers."""
_POOL_SIZE = CONCURRENT_UPDATES + POOL_HEADROOM


def build_application(
    config: Config,
    knowledge: LiveKnowledge,
    store: Store,
    dialogue: Dialogue,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    watch_knowledge: bool = True,
    watch: ConnectionWatch | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The whole bot. `request`, `get_updates_request` and `rate_limiter` exist for tests
    and benchmarks; by default PTB's HTTPX client and an `AIORateLimiter` are used.
    With a `watch`, every Bot API request reports to it (outages, a rejected token)."""
    if not config.token:
        raise ValueError("no bot token configured")
    builder = (
        ApplicationBuilder()
        .token(config.token)
        .rate_limiter(rate_limiter or AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(_post_init)
        .post_stop(_post_stop)
    )
    if config.telegram.base_url:
        builder = builder.base_url(config.telegram.base_url).base_file_url(
            _file_url(config.telegram.base_url)
        )
    if watch is not None:
        # PTB's defaults for the two clients, spelt out so that they can be wrapped
        request = WatchedRequest(request or HTTPXRequest(_POOL_SIZE), watch)
        get_updates_request = WatchedRequest(
            get_updates_request or HTTPXRequest(connection_pool_size=1), watch
        )
    builder = builder.request(request) if request else builder.connection_pool_size(_POOL_SIZE)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    application = builder.build()

    async def notify_admins(notice: Text) -> None:
        for admin_id in sorted(config.admin_ids):  # each admin in their own language
            lang = await asyncio.to_thread(admin_language, store, admin_id, config.default_language)
            await tell_admins(application, frozenset({admin_id}), notice.in_lang(lang))

    reloader = Reloader(knowledge, notify_admins, store)
    residents = Residents(
        config=config,
        dialogue=dialogue,
        flood=FloodGate(
            config.telegram.user_rate_limit.messages, config.telegram.user_rate_limit.seconds
        ),
    )
    teaching = Teaching(knowledge, store, dialogue.journal)
    admin = Admin(config, knowledge, store, reloader, teaching)
    staff = _staff_desk(config, knowledge, store, dialogue)
    on_text = _text_handler(residents, staff)
    errors = ErrorReporter(config.admin_ids, config.telegram.error_notify_seconds)

    new_messages = filters.UpdateType.MESSAGE
    application.add_handlers(
        [
            CommandHandler("reload", admin.reload, filters=new_messages),
            CommandHandler("unanswered", admin.unanswered, filters=new_messages),
            CommandHandler("stats", admin.stats, filters=new_messages),
            CommandHandler("undo", admin.undo, filters=new_messages),
            CommandHandler("wording", admin.wording, filters=new_messages),
            CallbackQueryHandler(admin.on_button, pattern=ADMIN_BUTTONS),
            *_handoff_buttons(staff),
            MessageHandler(new_messages & filters.TEXT, on_text),
            MessageHandler(
                new_messages & ~filters.TEXT & ~filters.StatusUpdate.ALL, residents.on_non_text
            ),
            CallbackQueryHandler(residents.on_button),
        ]
    )
    _commands_cancel_answers(application, staff)
    application.add_error_handler(errors.handle)
    owed = owed_sender(application.bot, dialogue.journal, knowledge)
    handing = _handoff_round(staff, application)
    application.bot_data["lifecycle"] = Lifecycle(
        config, reloader if watch_knowledge else None, owed, handing
    )
    return application


def _staff_desk(
    config: Config, knowledge: LiveKnowledge, store: Store, dialogue: Dialogue
) -> StaffDesk | None:
    """The admins' side of hand-offs, when the dialogue has a queue."""
    if dialogue.handoffs is None:
        return None
    return StaffDesk(config, dialogue.handoffs, knowledge, store)


def _commands_cancel_answers(
    application: Application[Any, Any, Any, Any, Any, Any], staff: StaffDesk | None
) -> None:
    """An admin's command cancels the hand-off answer they chose; group -1 runs before
    every command's own handler, which still runs."""
    if staff is not None:
        commands = filters.UpdateType.MESSAGE & filters.COMMAND
        application.add_handler(MessageHandler(commands, staff.on_command), group=-1)


def _handoff_round(
    staff: StaffDesk | None, application: Application[Any, Any, Any, Any, Any, Any]
) -> Background | None:
    """The background round of hand-offs opened or answered elsewhere."""
    return functools.partial(staff.keep_going, application.bot) if staff else None


def _text_handler(residents: Residents, staff: StaffDesk | None) -> TextHandler:
    """Residents' text, after an admin's answer to a hand-off when there is a queue."""
    if staff is None:
        return residents.on_text
    residents.handoff_opened = staff.opened
    return staff.or_else(residents.on_text)


def _handoff_buttons(staff: StaffDesk | None) -> list[CallbackQueryHandler[Any, Any]]:
    """The admins' reply button of a hand-off notice (none without a queue)."""
    if staff is None:
        return []
    return [CallbackQueryHandler(staff.on_button, pattern=HANDOFF_BUTTONS)]


class Lifecycle:
    """What starts with the application and stops with it: commands menu, file watcher,
    the sender of follow-ups owed from teaches made elsewhere (command line, web), and the
    round of hand-offs opened or answered elsewhere (web, console, /admin)."""

    def __init__(
        self,
        config: Config,
        reloader: Reloader | None,
        followups: Background | None = None,
        handoffs: Background | None = None,
    ) -> None:
        self.config = config
        self.reloader = reloader
        self.followups = followups
        self.handoffs = handoffs
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await set_commands(application, self.config.admin_ids)
        self._stop.clear()
        if self.reloader is not None:
            self._tasks.append(asyncio.create_task(self.reloader.watch(self._stop)))
        for background in (self.followups, self.handoffs):
            if background is not None:
                self._tasks.append(asyncio.create_task(background(self._stop)))

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            # a watcher stuck in a reload is cancelled after 5 s; stopping must not fail
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, timeout=5)
        self._tasks = []


Background = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
"""A task that runs until the event is set."""


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await application.bot_data["lifecycle"].start(application)


async def _post_stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await application.bot_data["lifecycle"].stop()


async def set_commands(
    application: Application[Any, Any, Any, Any, Any, Any], admin_ids: frozenset[int]
) -> None:
    """The command menu in Chinese (everyone) and English; admins also see theirs.

    Failing here is not fatal: the bot answers without a menu.
    """
    bot = application.bot
    try:
        await bot.set_my_commands(_menu(texts.COMMANDS, "zh"))
        await bot.set_my_commands(_menu(texts.COMMANDS, "en"), language_code="en")
    except TelegramError as exc:
        logger.warning("could not set the command menu: %s", exc)
    for admin_id in sorted(admin_ids):
        try:
            await bot.set_my_commands(
                _menu(texts.COMMANDS + texts.ADMIN_COMMANDS, "zh"),
                scope=BotCommandScopeChat(admin_id),
            )
        except TelegramError as exc:  # "chat not found" until the admin has started the bot
            logger.info("no admin command menu for %s: %s", user_log_key(f"tg:{admin_id}"), exc)


def _menu(commands: tuple[tuple[str, Text], ...], lang: Lang) -> list[BotCommand]:
    return [BotCommand(name, description.in_lang(lang)) for name, description in commands]


async def tell_admins(
    application: Application[Any, Any, Any, Any, Any, Any], admin_ids: frozenset[int], text: str
) -> None:
    for admin_id in sorted(admin_ids):
        try:
            await send_reply(application.bot, admin_id, Reply(text))
        except TelegramError as exc:
            logger.warning("could not notify admin %s: %s", user_log_key(f"tg:{admin_id}"), exc)


class ErrorReporter:
    """Logs every error; tells admins at most once per `interval` seconds."""

    def __init__(
        self,
        admin_ids: frozenset[int],
        interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.admin_ids = admin_ids
        self.interval = interval
        self.clock = clock
        self._last_notice: float | None = None

    async def handle(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        where = _describe(update)
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            # Telegram unreachable, 5xx, time-outs: nothing an admin can fix, and nothing
            # we could send them now anyway
            logger.warning("network trouble while handling %s: %r", where, error)
            return
        logger.error("error while handling %s", where, exc_info=error)
        if isinstance(update, Update):
            await self._apologise(update, context)
        if self.admin_ids and self._may_notify():
            await tell_admins(
                context.application,
                self.admin_ids,
                texts.BOT_ERROR.zh.format(error=f"{type(error).__name__}: {error}")[:1000],
            )

    def _may_notify(self) -> bool:
        now = self.clock()
        if self._last_notice is not None and now - self._last_notice < self.interval:
            return False
        self._last_notice = now
        return True

    async def _apologise(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        try:
            await send_reply(
                context.bot,
                chat.id,
                Reply(texts.APOLOGY.in_lang(language_of(update.effective_user))),
            )
        except TelegramError as exc:
            # a private chat's id is the user's id: log it hashed, as the store keeps it
            logger.warning("could not apologise in chat %s: %s", user_log_key(f"tg:{chat.id}"), exc)


def _describe(update: object) -> str:
    if isinstance(update, Update):
        user = update.effective_user
        who = user_log_key(f"tg:{user.id}") if user else "unknown"
        return f"update {update.update_id} from {who}"
    return repr(update)


def _file_url(base_url: str) -> str:
    """https://host/bot -> https://host/file/bot, the Bot API's file download prefix."""
    head, sep, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}" if sep else base_url


# -- logging ----------------------------------------------------------------------------


class TokenFilter(logging.Filter):
    """Masks the bot token (and its secret half) in every record, tracebacks included.

    Attach it to a *handler*: handler filters also see records propagated from other
    loggers (httpx prints request URLs, which contain the token).
    """

    MASK = "<TOKEN>"

    def __init__(self, token: str | None) -> None:
        super().__init__()
        secrets = [token] if token else []
        if token and ":" in token:
            secret = token.split(":", 1)[1]
            if len(secret) >= 8:  # too short a fragment would mask innocent text
                secrets.append(secret)
        self.secrets = secrets

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, self.MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        masked = self.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


class OneLineFormatter(logging.Formatter):
    """One event, one line: tracebacks are folded with ' | ' so log tools keep them together."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", " | ")


class ReportedElsewhere(logging.Filter):
    """Drops tracebacks of a rejected token (PTB's, asyncio's, the error handler's): the
    runner reports it in one line and stops."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, InvalidToken):
            return False
        return not (record.name.startswith("telegram") and "Invalid token" in str(record.msg))


def configure_logging(token: str | None, level: int = logging.INFO) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(TokenFilter(token))
    handler.addFilter(ReportedElsewhere())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    return handler
