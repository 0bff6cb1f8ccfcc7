"""How long the bot takes on the worst inputs and under a locked database: the figures that
tests used to assert and now only bound against a hang (a busy 2-core machine runs them
at a third of the speed).

    python benchmarks/worst_inputs.py

Prints, each the slowest of a few runs (seconds):
  a megabyte /committee line in the console chat and as one dialogue turn (it was 107 s)
  a 40,000-letter word in the matcher (split_syllables once took 2 GB)
  YAML files at the size limit, and the billion laughs, read or refused
  the store's calls under another process's write lock (target: reads within 0.25 s,
  writes queued at once) and its close with writes it cannot make (gives up after 5 s)
  Telegram: a resident's wait while three others send ten 480-character questions each
  (the test asserted under 1 s), and two forged megabyte messages refused
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bot.config import SHIPPED_KNOWLEDGE
from bot.console import run_chat
from bot.dialogue import Dialogue, TextMessage, User
from bot.match import LiveKnowledge, MatcherSettings
from bot.store import Store
from bot.yamlfile import MAX_FILE_BYTES, YamlFileError, load_yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the tests' recording Bot API request and updates
RUNS = 3
LIMIT = MAX_FILE_BYTES - 10
BOMB = "l0: &l0 [lol]\n" + "".join(
    f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]\n" for level in range(1, 10)
)
LARGEST_YAML = {
    "flow list": "[" + "a," * (LIMIT // 2) + "a]",
    "block list": "- a\n" * (LIMIT // 4),
    "mapping": "".join(f"k{i}: v\n" for i in range(LIMIT // 10)),
    "Chinese list": "- 孝和居委有什么服务\n" * (LIMIT // 32),
    "deep": "[" * 900 + "]" * 900,
    "billion laughs": BOMB,
}


def slowest(action: Callable[[], object], runs: int = RUNS) -> float:
    spent = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        spent.append(time.perf_counter() - began)
    return max(spent)


def show(label: str, seconds: float, note: str = "") -> None:
    print(f"{label:<58} {seconds * 1000:9.1f} ms  {note}", flush=True)


def inputs(scratch: Path, knowledge: LiveKnowledge) -> None:
    store = Store(scratch / "inputs.sqlite3")
    try:
        dialogue = Dialogue(knowledge, store)
        user = User("console:benchmark")
        line = "/committee " + "孝和" * 500_000 + "\n/committee 孝和\n"
        console = slowest(lambda: run_chat(dialogue, user, io.StringIO(line), io.StringIO()))
        show("console: a megabyte /committee line, then a short one", console, "(was 107 s)")
        turn = TextMessage("/committee " + "孝和居委" * 250_000)
        show(
            "dialogue: a megabyte /committee command", slowest(lambda: dialogue.handle(user, turn))
        )
        word = "a" * 20_000 + " 书法班 " + "zhang" * 4_000
        matcher = knowledge.current.matcher
        show(
            "matcher: a 40,000-letter word around a question", slowest(lambda: matcher.match(word))
        )
    finally:
        store.close()


def yaml_files(scratch: Path) -> None:
    for name, text in LARGEST_YAML.items():
        path = scratch / f"{name.replace(' ', '-')}.yaml"
        path.write_text(text, encoding="utf-8")

        def read(path: Path = path) -> None:
            with contextlib.suppress(YamlFileError):
                load_yaml(path)

        show(f"YAML at the size limit, read or refused: {name}", slowest(read))


@contextlib.contextmanager
def locked(db: Path) -> Iterator[None]:
    """Another process's write lock on the database until the block ends."""
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def locked_store(scratch: Path) -> None:
    db = scratch / "locked.sqlite3"
    store = Store(db)
    user = "tg:1"
    store.set_home_committee(user, "xiaohe")
    store.close()
    store = Store(db)
    question = {"question": "哪里可以买菜", "normalized": "哪里可以买菜", "outcome": "answered",
                "fact_id": "xiaohe-fresh-market", "score": 88.0, "lang": "zh"}  # fmt: skip
    with locked(db):
        show(
            "store under a lock: read a resident's settings",
            slowest(lambda: store.preferences(user)),
        )
        show("store under a lock: save a language", slowest(lambda: store.set_language(user, "en")))
        show(
            "store under a lock: log a question",
            slowest(lambda: store.log_question(user, **question)),
        )
        began = time.perf_counter()
        store.close()
        show(
            "store: close with writes the lock refuses",
            time.perf_counter() - began,
            "(gives up at 5 s)",
        )


def long_question(rng: random.Random) -> str:
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(480))


async def telegram_flood(scratch: Path, knowledge: LiveKnowledge) -> None:
    from fakebotapi import message_update
    from telegram import Update
    from tgsupport import RecordingRequest

    from bot.config import Config, RateLimit, TelegramSettings
    from bot.telegram.app import build_application

    store = Store(scratch / "telegram.sqlite3")
    config = Config(
        db_path=scratch / "telegram.sqlite3",
        token="123456:BENCH-secret-token",
        telegram=TelegramSettings(user_rate_limit=RateLimit(messages=10, seconds=60)),
    )
    request = RecordingRequest()
    app = build_application(
        config, knowledge, store, Dialogue(knowledge, store), request=request,
        get_updates_request=request, watch_knowledge=False,
    )  # fmt: skip
    await app.initialize()
    rng = random.Random(10)

    async def say(user_id: int, text: str) -> None:
        await app.process_update(Update.de_json(message_update(user_id, text), app.bot))

    try:
        began = time.perf_counter()
        flood = [
            asyncio.create_task(say(user_id, long_question(rng)))
            for _ in range(10)
            for user_id in (5001, 5002, 5003)
        ]
        await say(5004, "哪里可以买菜")
        show(
            "Telegram: a resident's wait during a flood of long questions",
            time.perf_counter() - began,
        )
        await asyncio.gather(*flood)
        began = time.perf_counter()
        await say(5005, "/committee " + "孝" * 1_000_000)
        await say(5005, "哪里" * 500_000)
        show("Telegram: two forged megabyte messages refused", time.perf_counter() - began)
    finally:
        await app.shutdown()
        store.close()


def main() -> None:
    logging.getLogger("bot").setLevel(logging.CRITICAL)  # the store's retries: figures only
    knowledge = LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings())
    knowledge.current.matcher.match("哪里可以买菜")  # warm, as a running bot is
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        inputs(scratch, knowledge)
        yaml_files(scratch)
        locked_store(scratch)
        asyncio.run(telegram_flood(scratch, knowledge))


if __name__ == "__main__":
    main()
