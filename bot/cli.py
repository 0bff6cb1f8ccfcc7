"""Command line: python -m bot {check, ask, eval, chat, report, run}.

Each subcommand is one `_add_<name>(subparsers)` that declares its arguments and
points `func` at a `cmd_<name>(args, config) -> exit code`. `main()` loads the
configuration once for all of them (a bad config ends the run with its problems
listed) and dispatches. Heavy imports happen inside the commands, so `check`
stays quick and `chat` never imports telegram.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ENV_TOKEN, Config, ConfigError, load_config
from bot.store import StoreError, reset_damaged_database

EXIT_PROBLEMS = 1  # invalid knowledge or configuration
EXIT_USAGE = 2  # the command cannot start as asked (no token, missing extra, unusable database)

Command = Callable[[argparse.Namespace, Config], int]
if TYPE_CHECKING:  # argparse's class is not subscriptable at run time
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    config = _load_config(args)
    if config is None:
        return EXIT_PROBLEMS
    command: Command = args.func
    try:
        if getattr(args, "reset_db", False):
            _reset_db(config.db_path)
        return command(args, config)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`| head`): stop quietly, and keep Python's exit-time
        # flush of stdout from raising the same error again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="淮海家 resident bot for Huaihai Middle Road Street"
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_check(subparsers)
    _add_ask(subparsers)
    _add_eval(subparsers)
    _add_chat(subparsers)
    _add_report(subparsers)
    _add_run(subparsers)
    return parser


def _subcommand(
    subparsers: Subparsers, name: str, func: Command, *, help: str, description: str
) -> argparse.ArgumentParser:
    """A subcommand with the options every command shares (--config, --knowledge)."""
    parser = subparsers.add_parser(name, help=help, description=description)
    parser.add_argument(
        "--config", metavar="FILE", help="YAML settings (default: ./config.yaml if present)"
    )
    parser.add_argument(
        "--knowledge", metavar="DIR", help="knowledge directory (default: from the config)"
    )
    parser.set_defaults(func=func)
    return parser


def _add_reset_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reset-db",
        action="store_true",
        help="if the database is damaged, move it aside (the new name is printed) and start "
        "an empty one",
    )


def _reset_db(path: Path) -> None:
    moved = reset_damaged_database(path)
    if moved is not None:
        print(f"the damaged database was moved to {moved}; starting an empty one", file=sys.stderr)


def _load_config(args: argparse.Namespace) -> Config | None:
    """The configuration, or None after printing every problem to stderr."""
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"error: invalid configuration:\n{exc}", file=sys.stderr)
        return None
    if args.knowledge:
        config = replace(config, knowledge_dir=Path(args.knowledge))
    return config


# -- check -------------------------------------------------------------------------------


def _add_check(subparsers: Subparsers) -> None:
    check = _subcommand(
        subparsers,
        "check",
        cmd_check,
        help="validate the knowledge base (and the config file) after an edit",
        description="Validate knowledge/ and print a summary; exit 1 with every problem found.",
    )
    check.add_argument("--quiet", action="store_true", help="print only problems and warnings")


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    from bot.admin.check import run_check

    return run_check(config, quiet=args.quiet)


# -- ask ---------------------------------------------------------------------------------


def _add_ask(subparsers: Subparsers) -> None:
    ask = _subcommand(
        subparsers,
        "ask",
        cmd_ask,
        help="show the answer to a question and why it matched",
        description="Answer one question, or (without one) each line of standard input.",
    )
    ask.add_argument("question", nargs="?", help="the question; omit to read lines from stdin")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")


def cmd_ask(args: argparse.Namespace, config: Config) -> int:
    from bot.admin.ask import run_ask

    return run_ask(config, args.question, as_json=args.json)


# -- eval --------------------------------------------------------------------------------


def _add_eval(subparsers: Subparsers) -> None:
    evaluate = _subcommand(
        subparsers,
        "eval",
        cmd_eval,
        help="score the matcher on a question set (YAML: q / expect / lang / contains)",
        description="Print the share of questions answered from the expected committee, "
        "of out-of-scope questions declined, and of English questions answered in English.",
    )
    evaluate.add_argument("file", help="the question set")
    evaluate.add_argument("--json", action="store_true", help="print the figures as JSON")


def cmd_eval(args: argparse.Namespace, config: Config) -> int:
    from bot.admin.evaluate import run_eval

    return run_eval(config, Path(args.file), as_json=args.json)


# -- chat --------------------------------------------------------------------------------


def _add_chat(subparsers: Subparsers) -> None:
    chat = _subcommand(
        subparsers,
        "chat",
        cmd_chat,
        help="chat with the bot in the terminal (no token, no network)",
        description="One message per line on standard input (piping works); buttons are "
        "shown as numbered options, type the number to press one. End with Ctrl-D.",
    )
    chat.add_argument("--user", metavar="NAME", help="who is chatting (default: your login)")
    _add_reset_db(chat)


def cmd_chat(args: argparse.Namespace, config: Config) -> int:
    from bot.console import run_console

    return run_console(config, args.user)


# -- report ------------------------------------------------------------------------------


def _add_report(subparsers: Subparsers) -> None:
    report = _subcommand(
        subparsers,
        "report",
        cmd_report,
        help="questions the bot could not answer, grouped, and feedback per fact",
        description='Unanswered and "did you mean" questions of the last N days, similar '
        "ones grouped with the nearest fact; the facts asked most; 👍/👎 per fact.",
    )
    report.add_argument("--days", type=int, default=7, metavar="N", help="period (default 7)")
    report.add_argument("--limit", type=int, default=10, metavar="N", help="rows per table")
    report.add_argument("--json", action="store_true", help="print the whole report as JSON")


def cmd_report(args: argparse.Namespace, config: Config) -> int:
    from bot.report import run_report

    return run_report(config, args.days, as_json=args.json, limit=args.limit)


# -- run ---------------------------------------------------------------------------------


def _add_run(subparsers: Subparsers) -> None:
    run = _subcommand(
        subparsers,
        "run",
        cmd_run,
        help="run the Telegram bot (long polling, or a webhook with --webhook)",
        description="Run the Telegram bot until Ctrl-C / SIGTERM. "
        f"The token is read from {ENV_TOKEN}.",
    )
    run.add_argument(
        "--webhook", metavar="URL", help="public HTTPS URL Telegram should post updates to"
    )
    run.add_argument("--listen", metavar="HOST", default="127.0.0.1", help="webhook listen address")
    run.add_argument("--port", type=int, default=8443, help="webhook listen port (default 8443)")
    run.add_argument(
        "--poll-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="long-polling timeout (default 10)",
    )
    _add_reset_db(run)


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    if not config.token:
        print(
            f"error: no bot token; set {ENV_TOKEN} (e.g. export {ENV_TOKEN}=123:ABC), "
            "or try the bot without Telegram: python -m bot chat",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.webhook and importlib.util.find_spec("tornado") is None:
        print(
            "error: webhook mode needs the webhooks extra: pip install -e '.[webhooks]' "
            "(or run without --webhook to use long polling)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from bot.telegram.app import configure_logging
    from bot.telegram.run import run_bot

    configure_logging(config.token)
    run_bot(
        config,
        webhook_url=args.webhook,
        listen=args.listen,
        port=args.port,
        poll_timeout=args.poll_timeout,
    )
    return 0
