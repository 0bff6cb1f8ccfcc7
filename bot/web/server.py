"""`python -m bot web`: the chat served by uvicorn, in one or several worker processes.

Worker processes are started by uvicorn and build their own application through
`app_from_environment`, so everything a worker needs travels in the environment:
the knowledge directory and database (the variables the config already reads),
the config file, and the CSRF secret that every worker must share.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from bot.config import ENV_DB, ENV_KNOWLEDGE_DIR, Config, load_config
from bot.dialogue import Dialogue
from bot.dialogue.flood import FloodGate
from bot.handoffs import HandoffDesk
from bot.kb import KnowledgeBaseError
from bot.match import LiveKnowledge
from bot.match.cache import load_index
from bot.store import Store, StoreError, location
from bot.teachlog import TeachJournal
from bot.web.admin import ENV_ADMIN_TOKEN
from bot.web.app import create_app
from bot.web.connections import ConnectionLimits, GuardedHttpProtocol
from bot.web.guard import RateLimits
from bot.wechat.endpoint import wechat_front
from bot.wechat.settings import WeChatConfigError, settings_from_env

ENV_SECRET = "BOT_WEB_SECRET"
"""Optional: keeps CSRF tokens valid across restarts; made at random when unset."""
ENV_CONFIG_FILE = "BOT_WEB_CONFIG_FILE"
"""Set by `run_web` for its workers: the --config file the command was given."""


def build_app(config: Config, csrf_secret: str, env: Mapping[str, str] | None = None) -> Starlette:
    knowledge = LiveKnowledge(config.knowledge_dir, config.matcher)
    store = Store(config.db_path, retention_days=config.question_retention_days)
    journal = TeachJournal(store)  # audit, undo, follow-ups
    dialogue = Dialogue(
        knowledge,
        store,
        default_language=config.default_language,
        journal=journal,
        handoffs=HandoffDesk(store),  # messages to staff, answered on /admin or in Telegram
    )
    flood = config.telegram.user_rate_limit  # the same rule as a Telegram user's
    limits = RateLimits(flood.messages, flood.seconds)
    wechat = wechat_front(
        dialogue,
        settings_from_env(os.environ if env is None else env),
        FloodGate(flood.messages, flood.seconds),
    )
    return create_app(
        dialogue,
        limits=limits,
        csrf_secret=csrf_secret,
        admin_token=os.environ.get(ENV_ADMIN_TOKEN) or None,
        watch=True,
        wechat=wechat,
    )


def app_from_environment() -> Starlette:
    """The uvicorn factory each worker calls."""
    config = load_config(os.environ.get(ENV_CONFIG_FILE) or None)
    return build_app(config, os.environ[ENV_SECRET])


def run_web(config: Config, config_file: str | None, *, host: str, port: int, workers: int) -> int:
    import uvicorn

    try:  # refuse bad settings, a broken knowledge base or store here, once, not in every worker
        wechat = settings_from_env(os.environ)
        load_index(config.knowledge_dir)  # and index it once for every worker
        Store(
            config.db_path, retention_days=config.question_retention_days
        ).close()  # also creates the schema before the workers race
    except KnowledgeBaseError as exc:
        print(f"error: the knowledge base is invalid:\n{exc}", file=sys.stderr)
        return 1
    except (StoreError, WeChatConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # paths as given, made absolute but not resolved: a deploy that swaps a symlink
    # (`ln -sfn v2 knowledge`) must reach the workers' watchers and reloads
    os.environ[ENV_KNOWLEDGE_DIR] = str(Path(config.knowledge_dir).absolute())
    # a PostgreSQL URL as it is (a Path would fold its "//"), a file as an absolute path
    os.environ[ENV_DB] = location.postgres_url(config.db_path) or str(
        Path(config.db_path).absolute()
    )
    if config_file:
        os.environ[ENV_CONFIG_FILE] = str(Path(config_file).absolute())
    os.environ.setdefault(ENV_SECRET, secrets.token_hex(32))
    print(f"web chat on http://{host}:{port}/ ({workers} worker(s)); Ctrl-C stops it", flush=True)
    if wechat.token is not None:
        mode = "safe mode on" if wechat.aes_key else "plain mode only"
        print(f"WeChat Official Account callback on http://{host}:{port}/wechat ({mode})")
    uvicorn.run(
        "bot.web.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **serving_options(),
    )
    return 0


def serving_options(limits: ConnectionLimits = GuardedHttpProtocol.limits) -> dict[str, Any]:
    """uvicorn's settings for the chat (`bot.web.connections` says why the protocol)."""
    return {
        # by name, so that worker processes import it; it carries the request deadlines
        # and the connection cap that uvicorn lacks
        "http": f"{GuardedHttpProtocol.__module__}:{GuardedHttpProtocol.__qualname__}",
        "timeout_keep_alive": limits.keep_alive_seconds,
        "ws": "none",  # the chat has no websockets: no upgrade to guard
        "proxy_headers": True,  # trusts X-Forwarded-For/-Proto from 127.0.0.1 (the proxy) only
        "server_header": False,
        "access_log": False,  # addresses are personal data; the question log is what admins read
        "log_level": "warning",
    }
