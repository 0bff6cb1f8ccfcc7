"""Configuration: a YAML file, then environment variables (which win), then defaults.

Every setting is documented in `config.example.yaml`. The bot token is read
only from the environment (`TELEGRAM_BOT_TOKEN`) and never from a file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.kb.model import LANGS, Lang
from bot.match.types import MatcherSettings
from bot.yamlfile import Checker, PathKey, Problem, YamlFileError, load_yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_KNOWLEDGE = PROJECT_ROOT / "knowledge"
DEFAULT_CONFIG_FILE = Path("config.yaml")

ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_BASE_URL = "TELEGRAM_BASE_URL"
ENV_KNOWLEDGE_DIR = "BOT_KNOWLEDGE_DIR"
ENV_DB = "BOT_DB"
ENV_ADMIN_IDS = "BOT_ADMIN_IDS"


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
        raise ConfigError([exc.problem]) from None
    problems: list[Problem] = []
    check = Checker(document, problems)
    base = path.resolve().parent
    top = check.mapping(
        document.data,
        (),
        optional=(
            "knowledge_dir",
            "db_path",
            "admin_ids",
            "default_language",
            "matcher",
            "telegram",
        ),
    )
    if top is None:
        raise ConfigError(problems)
    if "token" in top:
        # replace the generic "unknown field" with the advice that matters
        problems[:] = [problem for problem in problems if problem.field != "token"]
        check.report(("token",), f"never put the token in a file; set {ENV_TOKEN} instead")
    config = Config(
        knowledge_dir=_path(check, top, "knowledge_dir", base, Config.knowledge_dir),
        db_path=_path(check, top, "db_path", base, Config.db_path),
        admin_ids=_admin_ids(check, top.get("admin_ids"), ("admin_ids",)),
        default_language=_language(check, top.get("default_language")),
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
    candidate = Path(text).expanduser()
    return candidate if candidate.is_absolute() else base / candidate


def _admin_ids(check: Checker, value: Any, path: PathKey) -> frozenset[int]:
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        check.report(path, "should be a list of Telegram user ids (numbers)")
        return frozenset()
    ids = set()
    for i, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, int) or item <= 0:
            check.report((*path, i), f"'{item}' is not a Telegram user id (a positive number)")
        else:
            ids.add(item)
    return frozenset(ids)


def _language(check: Checker, value: Any) -> Lang:
    if value is None:
        return "zh"
    if value not in LANGS:
        check.report(("default_language",), f"should be one of {', '.join(LANGS)}")
        return "zh"
    return value


def _number(
    check: Checker, value: Any, path: PathKey, default: Any, low: float, high: float
) -> Any:
    """A number within bounds, or `default` (which may be None: "not set") when absent."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        check.report(path, f"should be a number from {low:g} to {high:g}")
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
        check.report((*path, "clarify_confidence"), "must not be above answer_confidence")
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
    if base_url and not base_url.startswith(("http://", "https://")):
        check.report((*path, "base_url"), "should start with http:// or https://")
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


def _apply_env(config: Config, env: Mapping[str, str]) -> Config:
    problems: list[Problem] = []
    changes: dict[str, Any] = {"token": env.get(ENV_TOKEN, "").strip() or None}
    if env.get(ENV_KNOWLEDGE_DIR):
        changes["knowledge_dir"] = Path(env[ENV_KNOWLEDGE_DIR]).expanduser()
    if env.get(ENV_DB):
        changes["db_path"] = Path(env[ENV_DB]).expanduser()
    if env.get(ENV_ADMIN_IDS):
        ids = set()
        for part in env[ENV_ADMIN_IDS].split(","):
            if part.strip().isdigit():
                ids.add(int(part.strip()))
            elif part.strip():
                problems.append(
                    Problem(ENV_ADMIN_IDS, None, "", f"'{part.strip()}' is not a Telegram user id")
                )
        changes["admin_ids"] = frozenset(ids)
    if env.get(ENV_BASE_URL):
        changes["telegram"] = replace(config.telegram, base_url=env[ENV_BASE_URL].strip())
    if problems:
        raise ConfigError(problems)
    return replace(config, **changes)
