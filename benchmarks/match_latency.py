"""Matcher speed: per-question latency p50/p99 and start-up time.

    python benchmarks/match_latency.py            # shipped base and a generated 5,000-fact one
    python benchmarks/match_latency.py --facts 0  # shipped base only

Targets (issue 3): shipped base p50 <= 1 ms, p99 <= 5 ms; 5,000 facts p50 <= 10 ms;
start-up (import, load, index, first answer) <= 2 s. A benchmark, not a test: the
figures depend on the machine and its load, so it prints them instead of asserting.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"

# Questions in the shapes residents use: plain, typo, traditional, pinyin, English,
# committee-named, and out of scope.
QUESTIONS = [
    "哪里可以买菜", "麦菜的地方在哪", "哪裡可以買菜", "maicai", "where can I buy vegetables",
    "独居老人有人帮忙打扫卫生吗", "想学毛笔字", "shufa ban", "家里为动迁吵架了找谁调解",
    "物业纠纷可以咨询律师吗", "孝和居委有什么服务", "tell me about the Ruihua committee",
    "暑假孩子有什么活动", "垃圾分类哪个居委做得好", "今天天气怎么样", "哪里可以买手机",
    "what is the price of bitcoin", "社区有没有女性的兴趣团体", "楼道里堆满杂物怎么办",
]

STARTUP_SNIPPET = """
import time
start = time.perf_counter()
from bot.kb import load_knowledge
from bot.match import Matcher
matcher = Matcher(load_knowledge({directory!r}))
matcher.match("哪里可以买菜")
print(time.perf_counter() - start)
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure_latency(directory: Path, rounds: int) -> tuple[float, float, int]:
    from bot.kb import load_knowledge
    from bot.match import Matcher

    kb = load_knowledge(directory)
    matcher = Matcher(kb)
    for question in QUESTIONS:  # warm caches the way a running bot has them
        matcher.match(question)
    timings = []
    for round_number in range(rounds):
        for question in QUESTIONS:
            # a fresh suffix defeats the normalisation cache, as new questions would
            text = f"{question} {round_number}" if round_number % 2 else question
            start = time.perf_counter()
            matcher.match(text)
            timings.append(time.perf_counter() - start)
    return percentile(timings, 0.5), percentile(timings, 0.99), len(kb.facts)


def measure_startup(directory: Path, runs: int = 3) -> float:
    """Median cold start in a fresh interpreter (includes jieba's cached dictionary load)."""
    code = STARTUP_SNIPPET.format(directory=str(directory))
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        )
        results.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(results)


def generate_knowledge(target: Path, wanted_facts: int) -> Path:
    """The shipped committees repeated under new names until there are `wanted_facts`."""
    shutil.copytree(KNOWLEDGE, target)
    sources = sorted((KNOWLEDGE / "committees").glob("*.yaml"))
    per_copy = sum(len(yaml.safe_load(p.read_text(encoding="utf-8"))["facts"]) for p in sources)
    copies = max(0, (wanted_facts - per_copy) // per_copy + 1)
    for number in range(1, copies + 1):
        for path in sources:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            committee = data["committee"]
            suffix = f"{number}号"
            committee["name"] = committee["name"].replace("居委", f"{suffix}居委")
            committee["short_name"] += suffix
            committee["english_name"] += str(number)
            committee["aliases"] = [alias + suffix for alias in committee.get("aliases") or []]
            for fact in data["facts"]:
                fact["id"] = f"{fact['id']}-{number}"
            out = target / "committees" / f"{path.stem}{number}.yaml"
            out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


def report(label: str, directory: Path, rounds: int) -> None:
    p50, p99, facts = measure_latency(directory, rounds)
    startup = measure_startup(directory)
    print(
        f"{label:<22} facts={facts:>5}  p50={p50 * 1000:6.2f} ms  p99={p99 * 1000:6.2f} ms  "
        f"start-up={startup:5.2f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--facts", type=int, default=5000, help="size of the generated base")
    parser.add_argument("--rounds", type=int, default=50, help="passes over the question list")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    report("shipped knowledge", KNOWLEDGE, args.rounds)
    if args.facts:
        with tempfile.TemporaryDirectory() as scratch:
            generated = generate_knowledge(Path(scratch) / "knowledge", args.facts)
            report("generated knowledge", generated, max(3, args.rounds // 10))


if __name__ == "__main__":
    main()
