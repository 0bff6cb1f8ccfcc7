"""Turn latency with a conversation's context: the matcher reading follow-ups, and whole
chat turns over the store (read the context, match, queue the new context).

    python benchmarks/dialogue_latency.py                 # shipped and 5,000 facts
    python benchmarks/dialogue_latency.py --facts 0       # shipped only

The conversations are our own (tests/data/dialogues/follow-ups.yaml), each asked turn by
turn as one resident; rounds alternate plain text with a fresh suffix, so the caches of
normalisation do not flatter the figures.
  alone   the same questions matched one by one, without context (for comparison)
  match   Matcher.match(question, context=…) plus choose() and the next context: p50/p99
  turn    Dialogue.handle() over a SQLite store in a temporary folder: p50/p99

Targets (the matcher's, issue 13): shipped p50 <= 1 ms, p99 <= 5 ms per turn with context.
A benchmark, not a test: the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from match_latency import generate_knowledge  # noqa: E402

from bot.admin.dialogues import read_conversations  # noqa: E402
from bot.context import NO_CONTEXT  # noqa: E402
from bot.dialogue import Dialogue, TextMessage, User  # noqa: E402
from bot.dialogue.choice import choose  # noqa: E402
from bot.dialogue.context import after_question  # noqa: E402
from bot.dialogue.settings import DEFAULT  # noqa: E402
from bot.match import LiveKnowledge, Matcher, MatcherSettings  # noqa: E402
from bot.store import ENV_SECRET, Store  # noqa: E402

CONVERSATIONS = ROOT / "tests" / "data" / "dialogues" / "follow-ups.yaml"


def conversations(rounds: int) -> list[list[str]]:
    """The conversations' questions, `rounds` times, every other round with a suffix."""
    talks = [[turn.question for turn in c.turns] for c in read_conversations(CONVERSATIONS)]
    return [
        [f"{q} {number}" if number % 2 else q for q in talk]
        for number in range(rounds)
        for talk in talks
    ]


def percentiles(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return timings[len(timings) // 2], timings[min(len(timings) - 1, int(0.99 * len(timings)))]


def time_matching(
    matcher: Matcher, talks: list[list[str]], *, in_context: bool = True
) -> list[float]:
    """Seconds per turn; `in_context=False`: each question alone (what context adds)."""
    timings = []
    for talk in talks:
        context = NO_CONTEXT
        for question in talk:
            began = time.perf_counter()
            result = matcher.match(question, context=context if in_context else None)
            choice = choose(result, None, DEFAULT)
            context = after_question(context, result, choice, result.lang, time.time())
            timings.append(time.perf_counter() - began)
    return timings


def time_turns(live: LiveKnowledge, talks: list[list[str]], folder: Path) -> list[float]:
    store = Store(folder / "bench.sqlite3")
    dialogue = Dialogue(live, store)
    timings = []
    try:
        for number, talk in enumerate(talks):
            user = User(f"bench:{number}")
            for question in talk:
                began = time.perf_counter()
                dialogue.handle(user, TextMessage(question))
                timings.append(time.perf_counter() - began)
    finally:
        store.close()
    return timings


def report(label: str, directory: Path, rounds: int) -> None:
    live = LiveKnowledge(directory, MatcherSettings())
    talks = conversations(rounds)
    # warm the caches the way a running bot has them (each conversation once)
    time_matching(live.current.matcher, talks[: len(talks) // max(1, rounds)])
    alone_p50, alone_p99 = percentiles(time_matching(live.current.matcher, talks, in_context=False))
    match_p50, match_p99 = percentiles(time_matching(live.current.matcher, talks))
    with tempfile.TemporaryDirectory() as folder:
        turn_p50, turn_p99 = percentiles(time_turns(live, talks, Path(folder)))
    turns = sum(len(t) for t in talks)
    print(
        f"{label:>14}: {len(live.current.kb.facts):6d} facts, {turns} turns  "
        f"alone p50={alone_p50 * 1000:5.2f} ms p99={alone_p99 * 1000:5.2f} ms  "
        f"match p50={match_p50 * 1000:5.2f} ms p99={match_p99 * 1000:5.2f} ms  "
        f"turn p50={turn_p50 * 1000:5.2f} ms p99={turn_p99 * 1000:5.2f} ms",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, nargs="*", default=[5000])
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    os.environ.setdefault(ENV_SECRET, secrets.token_hex(32))  # a throwaway store's key
    report("shipped", ROOT / "knowledge", args.rounds)
    for wanted in [n for n in args.facts if n > 0]:
        with tempfile.TemporaryDirectory() as folder:
            directory = generate_knowledge(Path(folder) / "knowledge", wanted)
            report(f"{wanted:,} facts", directory, max(2, args.rounds // 4))


if __name__ == "__main__":
    main()
