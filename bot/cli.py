"""Command line: python -m bot {check, ask, eval, calibrate, chat, report, run}.

Each subcommand is one row of `SUBCOMMANDS` (its name, help and arguments) and
one `cmd_<name>(args, config) -> exit code`. `main()` loads the
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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.admin.language import LANG_OPTION, command_language
from bot.admin.streets import PER_STREET_OPTIONS
from bot.admin.texts import INVALID_CONFIG, NO_TOKEN, TEACH_USAGE
from bot.config import ENV_TOKEN, Config, ConfigError, load_config
from bot.numbers import whole_number
from bot.store import StoreError, reset_damaged_database

EXIT_PROBLEMS = 1  # invalid knowledge or configuration
EXIT_USAGE = 2  # the command cannot start as asked (no token, missing extra, unusable database)
MAX_REPORT_DAYS = 3650
"""Ten years: longer than the question log can be, and far from where dates overflow."""
MAX_REPORT_ROWS = 1000

Command = Callable[[argparse.Namespace, Config], int]


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
    for command in SUBCOMMANDS:
        sub = subparsers.add_parser(
            command.name, help=command.help, description=command.description
        )
        for flags, options in (*SHARED_ARGUMENTS, *command.arguments):
            sub.add_argument(*flags, **options)
        sub.set_defaults(func=command.run)
    return parser


def _load_config(args: argparse.Namespace) -> Config | None:
    """The configuration, or None after printing every problem to stderr."""
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        lang = command_language(args, None)
        for line in (INVALID_CONFIG.in_lang(lang), *(p.in_lang(lang) for p in exc.problems)):
            print(line, file=sys.stderr)
        return None
    if args.knowledge:
        config = replace(config, knowledge_dir=Path(args.knowledge))
    return config


def _reset_db(path: Path) -> None:
    moved = reset_damaged_database(path)
    if moved is not None:
        print(f"the damaged database was moved to {moved}; starting an empty one", file=sys.stderr)


# -- the commands ----------------------------------------------------------------------


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    from bot.admin.check import run_check

    lang = command_language(args, config.admin_language)
    return run_check(config, quiet=args.quiet, fast=args.fast, lang=lang, street=args.street)


def cmd_ask(args: argparse.Namespace, config: Config) -> int:
    from bot.admin.ask import run_ask

    return run_ask(config, args.question, as_json=args.json, dialogue=args.dialogue)


def cmd_eval(args: argparse.Namespace, config: Config) -> int:
    from bot.admin.evaluate import EvalError, parse_minimums, run_eval

    lang = command_language(args, config.admin_language)
    try:
        minimums = parse_minimums(args.min)
    except EvalError as exc:
        print(exc.message.in_lang(lang), file=sys.stderr)
        return 2
    paths, misses = [Path(file) for file in args.files], not args.no_misses
    options = {"as_json": args.json, "show_misses": misses, "lang": lang, "street": args.street}
    return run_eval(config, paths, minimums=minimums, **options)


def cmd_calibrate(args: argparse.Namespace, config: Config) -> int:
    from bot.admin.calibrate import run_calibrate

    out = Path(args.out) if args.out else None
    return run_calibrate(config, [Path(f) for f in args.files], folds=args.folds, out=out)


def cmd_chat(args: argparse.Namespace, config: Config) -> int:
    from bot.console import run_console

    return run_console(config, args.user)


def cmd_report(args: argparse.Namespace, config: Config) -> int:
    lang = command_language(args, config.admin_language)
    if args.html and args.street:
        print("✗ --html 还不能按街道分开(--street):请去掉其中一个", file=sys.stderr)
        return EXIT_USAGE
    if args.html:
        from bot.web.report_html import run_html_report

        return run_html_report(config, Path(args.html))
    if args.teach:
        from bot.admin.teach_console import run_teach_walk

        return run_teach_walk(config, args.days, by=_console_user(), lang=lang)
    from bot.report import run_report

    options = {"as_json": args.json, "limit": args.limit, "lang": lang, "street": args.street}
    return run_report(config, args.days, **options)


def cmd_teach(args: argparse.Namespace, config: Config) -> int:
    from bot.admin.teach_console import run_teach, run_undo

    lang = command_language(args, config.admin_language)
    if args.undo:
        return run_undo(config, by=_console_user(), lang=lang)
    if not (args.question and args.fact_id):
        print(TEACH_USAGE.in_lang(lang), file=sys.stderr)
        return EXIT_USAGE
    return run_teach(config, args.question, args.fact_id, by=_console_user(), lang=lang)


def cmd_admin(args: argparse.Namespace, config: Config) -> int:
    from bot.admin.staff import run_staff

    return run_staff(
        config,
        args.action,
        args.name,
        password_stdin=args.password_stdin,
        generate=args.generate,
    )


def _console_user() -> str:
    """Who teaches from the command line, for the audit log."""
    import getpass

    return f"console:{getpass.getuser()}"


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    if not config.token:
        lang = command_language(args, config.admin_language)
        print(NO_TOKEN.fill(env=ENV_TOKEN).in_lang(lang), file=sys.stderr)
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
    return run_bot(
        config,
        webhook_url=args.webhook,
        listen=args.listen,
        port=args.port,
        poll_timeout=args.poll_timeout,
    )


def cmd_web(args: argparse.Namespace, config: Config) -> int:
    from bot.web.server import run_web

    return run_web(config, args.config, host=args.host, port=args.port, workers=args.workers)


def cmd_wechat_menu(args: argparse.Namespace, config: Config) -> int:
    from bot.wechat.menu import run_menu

    return run_menu(config, dict(os.environ), print_only=args.print_only)


def cmd_qr(args: argparse.Namespace, config: Config) -> int:
    from bot.kb.loader import KnowledgeBaseError, load_knowledge
    from bot.web.qr import PAPER_MM, run_qr

    try:  # the poster's example questions and 12345 line come from the knowledge base
        kb = load_knowledge(config.knowledge_dir)
    except KnowledgeBaseError as exc:
        print(exc, file=sys.stderr)
        return EXIT_PROBLEMS
    papers = tuple(PAPER_MM) if args.paper == "both" else (args.paper,)
    return run_qr(args.url, Path(args.out), kb, papers)


def cmd_import(args: argparse.Namespace, config: Config) -> int:
    from bot.admin import importing

    if args.publish:
        return importing.run_publish(config.knowledge_dir, args.publish)
    if args.article is None:
        return importing.run_list_drafts(config.knowledge_dir)
    return importing.run_import(config.knowledge_dir, Path(args.article), args.street)


# -- the table of subcommands ------------------------------------------------------------

Argument = tuple[tuple[str, ...], dict[str, Any]]
"""The positional and keyword arguments of one `ArgumentParser.add_argument()` call."""


def arg(*flags: str, **options: Any) -> Argument:
    return flags, options


@dataclass(frozen=True)
class Subcommand:
    name: str
    run: Command
    help: str
    description: str
    arguments: tuple[Argument, ...] = ()


SHARED_ARGUMENTS: tuple[Argument, ...] = (
    arg("--config", metavar="FILE", help="YAML settings (default: ./config.yaml if present)"),
    arg("--knowledge", metavar="DIR", help="knowledge directory (default: from the config)"),
)

RESET_DB = arg(
    "--reset-db",
    action="store_true",
    help="if the database is damaged, move it aside (the new name is printed) and start "
    "an empty one",
)

SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "check",
        cmd_check,
        help="validate the knowledge base (and the config file) after an edit",
        description="Validate knowledge/ and print a summary; exit 1 with every problem found.",
        arguments=(
            arg("--quiet", action="store_true", help="print only problems and warnings"),
            arg(
                "--fast",
                action="store_true",
                help="skip the lint that asks the matcher every phrasing (large bases)",
            ),
            *PER_STREET_OPTIONS,
        ),
    ),
    Subcommand(
        "ask",
        cmd_ask,
        help="show the answer to a question and why it matched",
        description="Answer one question, or (without one) each line of standard input.",
        arguments=(
            arg("question", nargs="?", help="the question; omit to read lines from stdin"),
            arg("--json", action="store_true", help="print one JSON object per question"),
            arg(
                "--dialogue",
                action="store_true",
                help='read JSON lines {"user": ID, "text": QUESTION} and keep one '
                "conversation per user, as the chat does",
            ),
        ),
    ),
    Subcommand(
        "eval",
        cmd_eval,
        help="score the matcher on a question set (YAML: q / expect / lang / contains)",
        description="Print the share of questions answered from the expected committee, "
        "of out-of-scope questions declined, and of English questions answered in English.",
        arguments=(
            arg("files", nargs="+", metavar="FILE", help="question sets (YAML)"),
            arg("--json", action="store_true", help="print the figures as JSON"),
            arg(
                "--min",
                default="",
                metavar="FIGURE=PERCENT,…",
                help="exit 1 when a figure falls short, e.g. first=90,within2=98,wrong=1 "
                "(wrong is a maximum)",
            ),
            arg("--no-misses", action="store_true", help="print the figures only"),
            *PER_STREET_OPTIONS,
        ),
    ),
    Subcommand(
        "calibrate",
        cmd_calibrate,
        help="fit the answer / did-you-mean / decline decision on labelled question sets",
        description="Fit the matcher's decision on question sets (the eval format), print "
        "cross-validated figures and write knowledge/calibration.yaml.",
        arguments=(
            arg("files", nargs="+", metavar="FILE", help="question sets (YAML)"),
            arg(
                "--folds",
                type=whole_number(2, 20),
                default=5,
                help="cross-validation folds (2-20)",
            ),
            arg("--out", help="where to write (default: KNOWLEDGE/calibration.yaml)"),
        ),
    ),
    Subcommand(
        "chat",
        cmd_chat,
        help="chat with the bot in the terminal (no token, no network)",
        description="One message per line on standard input (piping works); buttons are "
        "shown as numbered options, type the number to press one. End with Ctrl-D.",
        arguments=(
            arg("--user", metavar="NAME", help="who is chatting (default: your login)"),
            RESET_DB,
        ),
    ),
    Subcommand(
        "report",
        cmd_report,
        help="questions the bot could not answer, grouped, and feedback per fact",
        description='Unanswered and "did you mean" questions of the last N days, similar '
        "ones grouped with the nearest fact; the facts asked most; 👍/👎 per fact.",
        arguments=(
            arg(
                "--days",
                type=whole_number(1, MAX_REPORT_DAYS),
                default=7,
                metavar="N",
                help=f"period (default 7, at most {MAX_REPORT_DAYS})",
            ),
            arg(
                "--limit",
                type=whole_number(1, MAX_REPORT_ROWS),
                default=10,
                metavar="N",
                help="rows per table",
            ),
            arg("--json", action="store_true", help="print the whole report as JSON"),
            arg(
                "--teach",
                action="store_true",
                help="walk the unanswered groups and teach each to a fact (s skip, u undo)",
            ),
            arg(
                "--html",
                metavar="FILE",
                help="write the admin page (figures and charts) as one HTML file, "
                "for e-mail or print",
            ),
            *PER_STREET_OPTIONS,
        ),
    ),
    Subcommand(
        "admin",
        cmd_admin,
        help="staff accounts of the web admin page: add, list, remove, passwd",
        description="Manage who can log in at /admin/login. Passwords are typed twice, "
        "generated (--generate, shown once) or read from standard input (--password-stdin); "
        "only a memory-hard hash is stored.",
        arguments=(
            arg("action", choices=("add", "list", "remove", "passwd")),
            arg("name", nargs="?", metavar="NAME", help="the account's name"),
            arg(
                "--password-stdin",
                action="store_true",
                help="read the password from the first line of standard input (scripts)",
            ),
            arg("--generate", action="store_true", help="make a password and show it once"),
        ),
    ),
    Subcommand(
        "teach",
        cmd_teach,
        help="teach the bot a question: add it as a phrasing of a fact",
        description="Add QUESTION as a phrasing of FACT_ID in the fact's own YAML file "
        "(only lines are added; the knowledge base is checked before the file is replaced). "
        "Exit 0 when taught (or already known), 1 when refused. "
        "`teach --undo` reverts your last teach (from any front end run as this user).",
        arguments=(
            arg("question", nargs="?", help="the question as residents ask it"),
            arg(
                "fact_id",
                nargs="?",
                metavar="FACT_ID",
                help="the fact's id, e.g. xiaohe-fresh-market",
            ),
            arg("--undo", action="store_true", help="revert your last teach"),
            LANG_OPTION,
        ),
    ),
    Subcommand(
        "run",
        cmd_run,
        help="run the Telegram bot (long polling, or a webhook with --webhook)",
        description="Run the Telegram bot until Ctrl-C / SIGTERM. "
        f"The token is read from {ENV_TOKEN}.",
        arguments=(
            arg(
                "--webhook", metavar="URL", help="public HTTPS URL Telegram should post updates to"
            ),
            arg("--listen", metavar="HOST", default="127.0.0.1", help="webhook listen address"),
            arg("--port", type=int, default=8443, help="webhook listen port (default 8443)"),
            arg(
                "--poll-timeout",
                type=float,
                default=10.0,
                metavar="SECONDS",
                help="long-polling timeout (default 10)",
            ),
            RESET_DB,
        ),
    ),
    Subcommand(
        "web",
        cmd_web,
        help="serve the web chat (a phone page for residents without Telegram)",
        description="Serve the chat page and its JSON API until Ctrl-C. Put it behind an "
        "HTTPS reverse proxy for the public; see the README.",
        arguments=(
            arg("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)"),
            arg("--port", type=whole_number(1, 65535), default=8080, help="listen port"),
            arg("--workers", type=whole_number(1, 64), default=1, metavar="N", help="processes"),
            RESET_DB,
        ),
    ),
    Subcommand(
        "wechat-menu",
        cmd_wechat_menu,
        help="post the WeChat Official Account's custom menu (the topic menu, committees)",
        description="Build the custom menu from the knowledge base's menu tags (3 buttons, "
        "5 entries each) and post it with WECHAT_APPID and WECHAT_SECRET; --print only shows "
        "its JSON.",
        arguments=(
            arg("--print", dest="print_only", action="store_true", help="print, do not post"),
        ),
    ),
    Subcommand(
        "qr",
        cmd_qr,
        help="a print-ready QR code poster (A5 and A4, 300 dpi, PNG and PDF) for the web chat",
        description="Write a poster with a QR code for URL: the title, what the assistant "
        "does, 微信扫一扫,直接提问, three example questions from the topic menu and the 12345 "
        "line, as OUT-A5.png/.pdf and OUT-A4.png/.pdf; print the code in the terminal.",
        arguments=(
            arg("url", help="the address residents open, e.g. https://chat.example.org/"),
            arg("--out", metavar="OUT", default="poster", help="file name start (default poster)"),
            arg("--paper", choices=("A5", "A4", "both"), default="both", help="(default both)"),
        ),
    ),
    Subcommand(
        "import",
        cmd_import,
        help="a new article as draft facts for review (knowledge/drafts/); publish them",
        description="Split ARTICLE.txt into one paragraph per committee the knowledge base "
        "knows and write draft facts to knowledge/drafts/ (never served). With no ARTICLE, "
        "list the drafts; --publish ID moves a reviewed draft into its committee file.",
        arguments=(
            arg("article", nargs="?", metavar="ARTICLE.txt", help="the article, UTF-8 text"),
            arg("--street", metavar="STREET", help="only this street's committees"),
            arg("--publish", metavar="DRAFT_ID", help="publish one reviewed draft"),
        ),
    ),
)
