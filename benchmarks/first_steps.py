"""What the dialogue's first steps add to each turn: the emergency check (emergency.yaml)
and the hand-off check (handoff.yaml), run on every message before any matching.

    python benchmarks/first_steps.py

Prints p50/p99 in milliseconds of each check alone over the test set's emergencies and
near misses plus the regression questions (tests/data/*.yaml), and of a whole dialogue
turn with them, so the share they take of a turn is visible. The matcher's targets
(issue 13, shipped: p50 <= 1 ms, p99 <= 5 ms per question) are the yardstick. A
benchmark, not a test: the figures depend on the machine and its load.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.dialogue import Dialogue, TextMessage, User  # noqa: E402
from bot.dialogue.emergency import recognise  # noqa: E402
from bot.dialogue.handoff import asks_for_person  # noqa: E402
from bot.match import LiveKnowledge, MatcherSettings  # noqa: E402
from bot.store import Store  # noqa: E402

ROUNDS = 5


def messages() -> list[str]:
    data = ROOT / "tests" / "data"
    cases = yaml.safe_load((data / "emergencies" / "cases.yaml").read_text(encoding="utf-8"))
    found = [case["q"] for case in cases["emergencies"]] + list(cases["near_misses"])
    for path in sorted(data.glob("realistic-*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        found += [entry["q"] for entry in entries if isinstance(entry, dict) and "q" in entry]
    return found


def timed(action: Callable[[str], object], texts: list[str]) -> tuple[float, float]:
    """p50 and p99 in milliseconds over ROUNDS passes, after one pass to warm up."""
    for text in texts:
        action(text)
    times = []
    for _ in range(ROUNDS):
        for text in texts:
            start = time.perf_counter()
            action(text)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def main() -> None:
    knowledge = LiveKnowledge(ROOT / "knowledge", MatcherSettings())
    kb = knowledge.current.kb
    words, handoff = kb.emergency_words, kb.handoff_words
    assert words is not None and handoff is not None
    texts = messages()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.sqlite3")
        dialogue = Dialogue(knowledge, store)
        user = User("bench:one")
        rows = [
            ("emergency check", timed(lambda t: recognise(words, t), texts)),
            ("hand-off check", timed(lambda t: asks_for_person(handoff, t), texts)),
            ("whole turn", timed(lambda t: dialogue.handle(user, TextMessage(t)), texts)),
        ]
        store.close()
    print(f"{len(texts)} messages x {ROUNDS} rounds")
    for name, (p50, p99) in rows:
        print(f"  {name:16} p50 {p50:6.3f} ms   p99 {p99:6.3f} ms")


if __name__ == "__main__":
    main()
