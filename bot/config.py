"""Configuration: a YAML file, then environment variables (which win), then defaults.

Every setting is documented in `config.example.yaml`. The bot token is read
only from the environment (`TELEGRAM_BOT_TOKEN`) and never from a file.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.kb.model import LANGS, Lang, Text
from bot.match.types import MatcherSettings
from bot.store.privacy import RETENTION_DAYS
from bot.yamlfile import Checker, PathKey, Problem, YamlFileError, load_yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_KNOWLEDGE = PROJECT_ROOT / "knowledge"
DEFAULT_CONFIG_FILE = Path("config.yaml")

ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_BASE_URL = "TELEGRAM_BASE_URL"
ENV_KNOWLEDGE_DIR = "BOT_KNOWLEDGE_DIR"
ENV_DB = "BOT_DB"
ENV_ADMIN_IDS = "BOT_ADMIN_IDS"

MAX_USER_ID = 2**52 - 1
"""Telegram user ids are positive and have at most 52 significant bits."""

MESSAGES = {
    "token_in_file": Text(
        zh="绝不要把令牌写进文件;请改用环境变量 {env}",
        en="never put the token in a file; set {env} instead",
    ),
    "not_id_list": Text(
        zh="应该是 Telegram 用户 id(数字)的列表",
        en="should be a list of Telegram user ids (numbers)",
    ),
    "not_user_id": Text(
        zh="'{value}' 不是 Telegram 用户 id(应该是正整数)",
        en="'{value}' is not a Telegram user id (a positive whole number)",
    ),
    "not_language": Text(zh="应该是 {languages} 之一", en="should be one of {languages}"),
    "out_of_range": Text(
        zh="应该是 {low:g} 到 {high:g} 之间的数字", en="should be a number from {low:g} to {high:g}"
    ),
    "clarify_above_answer": Text(
        zh="不能比 answer_confidence 大", en="must not be above answer_confidence"
    ),
    "unknown_home": Text(
        zh="'{path}' 开头是一个这台电脑上没有的用户的主目录",
        en="'{path}' starts with the home directory of a user this machine lacks",
    ),
    "bad_base_url": Text(
        zh="应该是以 http:// 或 https:// 开头、带主机名的网址,例如 http://127.0.0.1:8081/bot",
        en="should be an http:// or https:// address with a host, e.g. http://127.0.0.1:8081/bot",
    ),
}
"""Every message about the configuration, in Chinese and English."""


def say(name: str, /, **values: Any) -> Text:
    """The message `name` of `MESSAGES`, filled in, in both languages."""
    return MESSAGES[name].fill(**values)


class ConfigError(Exception):
    """The configuration is invalid; `problems` lists everything found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class RateLimit:
    messages: int = 10
    seconds: float = 10.0


@dataclass(frozen=True)
class TelegramSettings:
    base_url: str | None = None
    """A self-hosted Bot API server, e.g. http://127.0.0.1:8081/bot (token appended)."""
    user_rate_limit: RateLimit = field(default_factory=RateLimit)
    """Per-user flood limit: more messages than this in the window are dropped."""
    error_notify_seconds: float = 60.0
    """Admins hear about errors at most once in this many seconds."""


@dataclass(frozen=True)
class Config:
    knowledge_dir: Path = SHIPPED_KNOWLEDGE
    db_path: Path = Path("data/bot.sqlite3")
    admin_ids: frozenset[int] = frozenset()
    default_language: Lang = "zh"
    admin_language: Lang | None = None
    """The language of check, report, eval and teach; None: the locale's, else zh."""
    question_retention_days: int = RETENTION_DAYS
    """Days the text of residents' questions is kept in the log (then only the counts)."""
    matcher: MatcherSettings = field(default_factory=MatcherSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    token: str | None = field(default=None, repr=False)
    """From TELEGRAM_BOT_TOKEN only; repr=False keeps it out of logs."""


def load_config(path: Path | str | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read the config file (or `config.yaml` if present), then apply the environment."""
    env = os.environ if env is None else env
    if path is not None:
        config = _read_file(Path(path))
    elif DEFAULT_CONFIG_FILE.exists():
        config = _read_file(DEFAULT_CONFIG_FILE)
    else:
        config = Config()
    return _apply_env(config, env)


def _read_file(path: Path) -> Config:
    try:
        document = load_yaml(path)
    except YamlFileError as exc:
        raise ConfigError(exc.problems) from None
    problems: list[Problem] = []
    check = Checker(document, problems)
    base = path.absolute().parent  # not resolved: relative paths follow a symlinked folder
    top = check.mapping(
        document.data,
        (),
        optional=(
            "knowledge_dir",
            "db_path",
            "admin_ids",
            "default_language",
            "admin_language",
            "question_retention_days",
            "matcher",
            "telegram",
        ),
    )
    if top is None:
        raise ConfigError(problems)
    if "token" in top:
        # replace the generic "unknown field" with the advice that matters
        problems[:] = [problem for problem in problems if problem.field != "token"]
        check.report(("token",), say("token_in_file", env=ENV_TOKEN))
    config = Config(
        knowledge_dir=_path(check, top, "knowledge_dir", base, Config.knowledge_dir),
        db_path=_path(check, top, "db_path", base, Config.db_path),
        admin_ids=_admin_ids(check, top.get("admin_ids"), ("admin_ids",)),
        default_language=_language(check, top.get("default_language")),
        admin_language=_admin_language(check, top.get("admin_language")),
        question_retention_days=int(
            _number(
                check,
                top.get("question_retention_days"),
                ("question_retention_days",),
                RETENTION_DAYS,
                1,
                3650,
            )
        ),
        matcher=_matcher(check, top.get("matcher")),
        telegram=_telegram(check, top.get("telegram")),
    )
    if problems:
        raise ConfigError(problems)
    return config


def _path(check: Checker, top: Mapping[str, Any], key: str, base: Path, default: Path) -> Path:
    if top.get(key) is None:
        return default
    text = check.text(top[key], (key,))
    if text is None:
        return default
    candidate = _expand_user(text)
    if candidate is None:
        check.report((key,), say("unknown_home", path=text))
        return default
    return candidate if candidate.is_absolute() else base / candidate


def _expand_user(text: str) -> Path | None:
    """`~/x` or `~name/x` made absolute; None if that home directory is unknown."""
    try:
        return Path(text).expanduser()
    except RuntimeError:  # "Could not determine home directory"
        return None


def _admin_ids(check: Checker, value: Any, path: PathKey) -> frozenset[int]:
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        check.report(path, say("not_id_list"))
        return frozenset()
    ids = set()
    for i, item in enumerate(value):
        if (user_id := _user_id(item)) is None:
            check.report((*path, i), _not_user_id(item))
        else:
            ids.add(user_id)
    return frozenset(ids)


def _user_id(value: Any) -> int | None:
    """A Telegram user id from YAML or the environment; None if it is not one.

    Only ASCII digits count: `str.isdigit` accepts "²", which `int` then refuses.
    """
    if isinstance(value, str):
        text = value.strip()
        digits_only = text.isascii() and text.isdecimal() and len(text) <= len(str(MAX_USER_ID))
        value = int(text) if digits_only else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_USER_ID:
        return None
    return value


def _not_user_id(value: Any) -> Text:
    shown = str(value)  # YAML numbers are at most 30 digits (bot.yamlfile.MAX_NUMBER_CHARS)
    shown = shown if len(shown) <= 30 else shown[:30] + "…"
    return say("not_user_id", value=shown)


def _language(check: Checker, value: Any, path: PathKey = ("default_language",)) -> Lang:
    if value is None:
        return "zh"
    if value not in LANGS:
        check.report(path, say("not_language", languages=", ".join(LANGS)))
        return "zh"
    return value


def _admin_language(check: Checker, value: Any) -> Lang | None:
    if value is None:
        return None
    return _language(check, value, ("admin_language",))


def _number(
    check: Checker, value: Any, path: PathKey, default: Any, low: float, high: float
) -> Any:
    """A number within bounds, or `default` (which may be None: "not set") when absent."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        check.report(path, say("out_of_range", low=low, high=high))
        return default
    return float(value)


def _matcher(check: Checker, value: Any) -> MatcherSettings:
    path: PathKey = ("matcher",)
    defaults = MatcherSettings()
    if value is None:
        return defaults
    bounds = {  # field: (lowest, highest)
        "answer_confidence": (0, 1),
        "clarify_confidence": (0, 1),
        "clarify_threshold": (0, 100),
        "clarify_margin": (0, 100),
        "max_alternatives": (1, 5),
    }
    if check.mapping(value, path, optional=tuple(bounds)) is None:
        return defaults
    numbers = {
        key: _number(check, value.get(key), (*path, key), getattr(defaults, key), low, high)
        for key, (low, high) in bounds.items()
    }
    numbers["max_alternatives"] = int(numbers["max_alternatives"])
    settings = MatcherSettings(**numbers)
    answer_at, clarify_at = settings.answer_confidence, settings.clarify_confidence
    if answer_at is not None and clarify_at is not None and clarify_at > answer_at:
        check.report((*path, "clarify_confidence"), say("clarify_above_answer"))
    return settings


def _telegram(check: Checker, value: Any) -> TelegramSettings:
    path: PathKey = ("telegram",)
    defaults = TelegramSettings()
    if value is None:
        return defaults
    keys = ("base_url", "user_rate_limit", "error_notify_seconds")
    if check.mapping(value, path, optional=keys) is None:
        return defaults
    base_url = check.text(value.get("base_url"), (*path, "base_url"), required=False)
    if base_url and not _is_base_url(base_url):
        check.report((*path, "base_url"), say("bad_base_url"))
    limit = defaults.user_rate_limit
    limit_value = value.get("user_rate_limit")
    limit_path: PathKey = (*path, "user_rate_limit")
    if limit_value is not None and check.mapping(
        limit_value, limit_path, optional=("messages", "seconds")
    ):
        limit = RateLimit(
            messages=int(
                _number(
                    check,
                    limit_value.get("messages"),
                    (*limit_path, "messages"),
                    limit.messages,
                    1,
                    1000,
                )
            ),
            seconds=_number(
                check, limit_value.get("seconds"), (*limit_path, "seconds"), limit.seconds, 1, 3600
            ),
        )
    notify = _number(
        check,
        value.get("error_notify_seconds"),
        (*path, "error_notify_seconds"),
        defaults.error_notify_seconds,
        0,
        86400,
    )
    return TelegramSettings(base_url=base_url, user_rate_limit=limit, error_notify_seconds=notify)


def _is_base_url(url: str) -> bool:
    """An http(s) URL with a host and nothing a URL cannot hold (spaces, a bad port)."""
    try:
        parts = urllib.parse.urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # a bad port or a broken IPv6 address
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and port_ok
        and not any(char.isspace() for char in url)
    )


def _apply_env(config: Config, env: Mapping[str, str]) -> Config:
    """Environment variables win over the file; they are checked the same way."""
    problems: list[Problem] = []
    changes: dict[str, Any] = {"token": env.get(ENV_TOKEN, "").strip() or None}
    for name, field_name in ((ENV_KNOWLEDGE_DIR, "knowledge_dir"), (ENV_DB, "db_path")):
        if text := env.get(name, "").strip():
            if (path := _expand_user(text)) is None:
                problems.append(Problem(name, None, "", say("unknown_home", path=text)))
            changes[field_name] = path
    if env.get(ENV_ADMIN_IDS):
        changes["admin_ids"] = _admin_ids_from_env(env[ENV_ADMIN_IDS], problems)
    if base_url := env.get(ENV_BASE_URL, "").strip():
        if not _is_base_url(base_url):
            problems.append(Problem(ENV_BASE_URL, None, "", say("bad_base_url")))
        changes["telegram"] = replace(config.telegram, base_url=base_url)
    if problems:
        raise ConfigError(problems)
    return replace(config, **changes)


def _admin_ids_from_env(value: str, problems: list[Problem]) -> frozenset[int]:
    ids = set()
    for part in filter(None, (part.strip() for part in value.split(","))):
        if (user_id := _user_id(part)) is None:
            problems.append(Problem(ENV_ADMIN_IDS, None, "", _not_user_id(part)))
        else:
            ids.add(user_id)
    return frozenset(ids)
