"""`python -m bot ask` bounds its work by the length of a question, as the bot does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ask(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "ask", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_an_overlong_line_is_refused_unmatched_and_the_next_is_answered() -> None:
    result = ask("--json", stdin="买菜" * 3000 + "\n哪里可以买菜\n")
    assert result.returncode == 0, result.stderr
    refused, answered = (json.loads(line) for line in result.stdout.splitlines())
    assert refused["outcome"] == "too_long" and not refused["answered"]
    assert refused["length"] == 6000
    assert len(refused["question"]) < 50  # not echoed in full
    assert answered["committee"] == "孝和" and "食行生鲜" in answered["answer"]


def test_an_overlong_question_is_explained_to_an_admin() -> None:
    result = ask("字" * 501)
    assert result.returncode == 0, result.stderr
    assert "too long (501 characters)" in result.stdout
    assert "at most 500 characters" in result.stdout
    assert "top candidates" not in result.stdout
