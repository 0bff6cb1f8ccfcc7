"""Console chat over the same `Dialogue` the Telegram bot uses (no token, no network).

Reads one message per line (works piped), prints each reply followed by its
buttons as numbered options and a blank line; typing a number presses that
button of the last reply. End of input ends the chat.
"""

from __future__ import annotations

import getpass
import io
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.config import Config
from bot.dialogue import ButtonPress, Dialogue, Incoming, Reply, TextMessage, User
from bot.dialogue.followups import due_replies
from bot.handoffs import HandoffDesk
from bot.kb import KnowledgeBaseError
from bot.match import LiveKnowledge
from bot.numbers import parse_whole
from bot.store import Store
from bot.teachlog import TeachJournal


def render(reply: Reply) -> str:
    """A reply as the console shows it: text, numbered buttons, then a blank line."""
    lines = [reply.text]
    lines += [f"  {n}) {button.label}" for n, button in enumerate(reply.flat_buttons, start=1)]
    return "\n".join(lines) + "\n\n"


def to_incoming(line: str, last: Reply | None) -> Incoming:
    """A typed line: the number of one of the last reply's buttons presses it."""
    buttons = last.flat_buttons if last is not None else ()
    number = parse_whole(line, low=1, high=len(buttons))  # "²" is no number to press
    if number is not None:
        return ButtonPress(buttons[number - 1].payload)
    return TextMessage(line.rstrip("\r\n"))


def run_chat(
    dialogue: Dialogue, user: User, lines: Iterable[str], out: TextIO, *, prompt: str = ""
) -> None:
    last: Reply | None = None
    for followup in due_replies(dialogue, user):  # answers taught since the user last asked
        out.write(render(followup))
    if prompt:
        out.write(prompt)
        out.flush()
    for line in lines:
        last = dialogue.handle(user, to_incoming(line, last))
        for followup in due_replies(dialogue, user):
            out.write(render(followup))
        out.write(render(last))
        if prompt:
            out.write(prompt)
        out.flush()


def run_console(config: Config, user_name: str | None = None) -> int:
    """`python -m bot chat`: chat on stdin/stdout with the configured knowledge and database."""
    try:
        knowledge = LiveKnowledge(config.knowledge_dir, config.matcher)
    except KnowledgeBaseError as exc:
        print(f"error: the knowledge base is invalid:\n{exc}", file=sys.stderr)
        return 1
    for stream in (sys.stdin, sys.stdout):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(encoding="utf-8", errors="replace")
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
        user = User(id=f"console:{user_name or getpass.getuser()}")
        prompt = "> " if sys.stdin.isatty() else ""
        run_chat(dialogue, user, sys.stdin, sys.stdout, prompt=prompt)
    finally:
        journal.close()
        store.close()
    return 0
