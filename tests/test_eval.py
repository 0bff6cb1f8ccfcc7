"""`python -m bot eval`: the five figures per set and per category, and --min as a gate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

QUESTIONS = """\
# --- a service by its own name ---
- {q: "食行生鲜", expect: [孝和], lang: zh}
- {q: "how do I book the resident lawyer", expect: [新天地], lang: en}
# --- not in the knowledge base ---
- {q: "明天会下雨吗", expect: [], lang: zh}
- {q: "护照在哪里办", expect: [], lang: zh}
"""


def run_eval(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    questions = tmp_path / "mine.yaml"
    questions.write_text(QUESTIONS, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "bot", "eval", str(questions), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_eval_prints_the_five_figures_per_set_and_category(tmp_path: Path) -> None:
    done = run_eval(tmp_path, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)["sets"]["mine"]
    assert set(report) >= {"first", "within2", "wrong", "declined", "english"}
    assert report["declined"]["total"] == 2
    assert report["english"]["total"] == 1
    categories = report["categories"]
    assert set(categories) == {"a service by its own name", "not in the knowledge base"}
    assert categories["a service by its own name"]["first"]["total"] == 2


def test_min_fails_the_run_when_a_figure_falls_short(tmp_path: Path) -> None:
    assert run_eval(tmp_path, "--no-misses", "--min", "declined=100,wrong=0").returncode == 0
    impossible = run_eval(tmp_path, "--no-misses", "--min", "first=101")
    assert impossible.returncode == 1
    assert "first" in impossible.stderr
    unknown = run_eval(tmp_path, "--min", "speed=9")
    assert unknown.returncode == 2 and "unknown figure" in unknown.stderr
