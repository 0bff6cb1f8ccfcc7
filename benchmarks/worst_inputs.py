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
"""

from __future__ import annotations

import contextlib
import io
import logging
import sqlite3
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


def main() -> None:
    logging.getLogger("bot").setLevel(logging.CRITICAL)  # the store's retries: figures only
    knowledge = LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings())
    knowledge.current.matcher.match("哪里可以买菜")  # warm, as a running bot is
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        inputs(scratch, knowledge)
        yaml_files(scratch)
        locked_store(scratch)


if __name__ == "__main__":
    main()
