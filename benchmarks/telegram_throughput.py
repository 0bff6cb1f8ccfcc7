"""How many updates per second the Telegram front end handles, end to end over HTTP.

    .venv/bin/python benchmarks/telegram_throughput.py [--updates 2000] [--limiter none|telegram]

Starts the fake Bot API server of the tests (tests/fakebotapi.py) in this
process and the real application (knowledge, matcher, store, dialogue,
handlers) in a child process that long-polls it. Each update is a question
from a different resident in a private chat; the clock runs from queueing the
updates to the last sendMessage arriving.

`--limiter none` (the default) replaces AIORateLimiter's throttling by a
retry-only one, to measure the bot itself; `--limiter telegram` keeps the
production limiter, which holds the bot to Telegram's ~30 messages/second.
CPU seconds of the bot process are printed too: on a busy machine they say more
than the wall clock. To profile the bot, set BENCH_CHILD_ARGS="-m cProfile -o prof.out".
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakebotapi import FakeBotApi, message_update  # noqa: E402

TOKEN = "555555:BENCH-secret-token-value"
QUESTIONS = [
    "哪里可以买菜",
    "有没有法律咨询",
    "老人助餐在哪里",
    "孝和居委电话多少",
    "小朋友暑假有什么活动",
    "where can I buy vegetables",
    "垃圾分类怎么弄",
    "火星上的停车场怎么收费",
]


def serve(config_path: str, limiter: str) -> None:
    """The child: the production application, polling the fake server."""
    from datetime import timedelta

    from telegram.ext import AIORateLimiter

    from bot.config import load_config
    from bot.dialogue import Dialogue
    from bot.match.live import LiveKnowledge
    from bot.store import Store
    from bot.telegram.app import build_application, configure_logging

    config = load_config(config_path)
    configure_logging(config.token)
    knowledge = LiveKnowledge(config.knowledge_dir, config.matcher)
    store = Store(config.db_path)
    rate_limiter = (
        AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)
        if limiter == "none"
        else None
    )
    application = build_application(
        config, knowledge, store, Dialogue(knowledge, store), rate_limiter=rate_limiter
    )
    try:
        application.run_polling(timeout=timedelta(seconds=1))
    finally:
        store.close()


def measure(updates: int, limiter: str) -> None:
    api = FakeBotApi(TOKEN).start()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        config.write_text(
            f"db_path: {tmp}/bench.sqlite3\ntelegram:\n  base_url: {api.base_url}\n",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
        env["TELEGRAM_BOT_TOKEN"] = TOKEN
        child = subprocess.Popen(
            [
                sys.executable,
                *os.environ.get("BENCH_CHILD_ARGS", "").split(),
                __file__,
                "--serve",
                str(config),
                "--limiter",
                limiter,
            ],
            env=env,
            stderr=subprocess.DEVNULL,
        )
        try:
            api.wait_for(lambda call: call.method == "getUpdates", timeout=60)
            warm = 20
            for i in range(warm):  # jieba, matcher caches, connection pool
                api.push(message_update(10_000 + i, QUESTIONS[i % len(QUESTIONS)]))
            _wait_for_messages(api, warm, timeout=60)

            start = time.perf_counter()
            cpu_start = time.process_time()
            bot_cpu_start = _cpu_seconds(child.pid)
            for i in range(updates):
                api.push(message_update(100_000 + i, QUESTIONS[i % len(QUESTIONS)]))
            _wait_for_messages(api, warm + updates, timeout=600)
            elapsed = time.perf_counter() - start
            server_cpu = time.process_time() - cpu_start
            bot_cpu = _cpu_seconds(child.pid) - bot_cpu_start
        finally:
            child.terminate()
            child.wait(30)
            api.stop()
    print(f"limiter={limiter} cores={os.cpu_count()} updates={updates}")
    print(f"elapsed {elapsed:.2f} s, {updates / elapsed:.0f} updates handled per second")
    print(
        f"CPU: bot {bot_cpu:.2f} s ({1000 * bot_cpu / updates:.2f} ms per update, "
        f"{updates / bot_cpu:.0f}/s on one free core), fake server {server_cpu:.2f} s"
    )


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux), to see past a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_for_messages(api: FakeBotApi, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(api.sent("sendMessage")) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(api.sent('sendMessage'))} of {count} answers arrived")
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--limiter", choices=("none", "telegram"), default="none")
    parser.add_argument("--serve", metavar="CONFIG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.limiter)
    else:
        measure(args.updates, args.limiter)


if __name__ == "__main__":
    main()
