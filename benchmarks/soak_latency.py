"""Reply delays of the Telegram bot under a soak, with the database locked for 10 s.

    .venv/bin/python benchmarks/soak_latency.py

Runs the soak of tests/test_soak.py (the real `python -m bot run` over the fake Bot API,
2,000 questions from 200 residents at 25 a second, another process holding the SQLite
database exclusively for 10 s) and prints the reply delays: all updates, and those sent
while the lock held. The target is a slowest reply of 2 s on an idle 2-core machine;
the test asserts only what does not depend on the machine's load.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_soak import LOCK_FOR, run_soak  # noqa: E402


def figures(delays: list[float]) -> str:
    p50 = delays[len(delays) // 2]
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    return f"{len(delays)} replies, p50 {p50:.3f} s, p99 {p99:.3f} s, max {delays[-1]:.3f} s"


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        soak = run_soak(Path(home))
    print(f"all updates:         {figures(soak.delays())}")
    locked = soak.delays(soak.locked_at, soak.locked_at + LOCK_FOR)
    print(f"sent during the lock: {figures(locked)}")
    print(f"questions logged: {soak.logged}; stopped in {soak.stopped_in:.1f} s")


if __name__ == "__main__":
    main()
