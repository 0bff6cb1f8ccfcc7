"""The index cache: a restart loads the saved index instead of reading everything again,
and a stale, damaged or planted file is never trusted."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from bot.kb import KnowledgeBaseError
from bot.match import LiveKnowledge, Matcher, MatcherSettings
from bot.match import cache as index_cache
from bot.match.cache import ENV_CACHE_DIR, load_index

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
QUESTIONS = ["哪里可以买菜", "maicai", "想学毛笔字", "孝和居委有什么服务", "今天天气怎么样"]


@pytest.fixture
def knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped knowledge with an empty cache of its own."""
    monkeypatch.setenv(ENV_CACHE_DIR, str(tmp_path / "cache"))
    return Path(shutil.copytree(KNOWLEDGE, tmp_path / "knowledge"))


def _no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the index was built, not loaded from the cache")

    monkeypatch.setattr(index_cache, "build_index", refuse)


def _answers(index: index_cache.Index) -> list[tuple[str, str | None, float | None]]:
    matcher = Matcher(index.kb, index=index)
    results = [matcher.match(question) for question in QUESTIONS]
    return [(r.outcome, r.best.fact.id if r.best else None, r.confidence) for r in results]


def _cache_files(knowledge: Path) -> list[Path]:
    return sorted((knowledge.parent / "cache").glob("index-*.pickle"))


def test_a_restart_loads_the_saved_index_and_answers_the_same(
    knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = load_index(knowledge)
    _no_build(monkeypatch)
    loaded = load_index(knowledge)
    assert _answers(loaded) == _answers(built)
    assert len(loaded.kb.facts) == len(built.kb.facts)


def test_an_edited_knowledge_file_is_read_again(
    knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_index(knowledge)
    path = knowledge / "committees" / "xiaohe.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("孝和", "孝和和"), encoding="utf-8")
    index = load_index(knowledge)
    assert index.kb.committee("xiaohe").short_name == "孝和和"  # type: ignore[union-attr]
    assert len(_cache_files(knowledge)) == 1  # the stale file is gone, not piling up


def test_invalid_knowledge_is_refused_even_with_a_cache(knowledge: Path) -> None:
    load_index(knowledge)
    (knowledge / "street.yaml").write_text("street: [unclosed", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError):
        load_index(knowledge)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # a write cut short
        lambda data: data[:-10] + bytes(10),  # bytes changed
        lambda data: b"not an index at all",
    ],
)
def test_a_damaged_cache_file_is_ignored_and_rebuilt(knowledge: Path, damage) -> None:
    expected = _answers(load_index(knowledge))
    [path] = _cache_files(knowledge)
    path.write_bytes(damage(path.read_bytes()))
    assert _answers(load_index(knowledge)) == expected
    assert index_cache.read_index(path, path.read_bytes().split(b"\n")[1].decode()) is not None


class _Planted:
    """What an attacker would put in a pickle: a call of their choosing on load."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_file_with_a_valid_checksum_runs_no_code(knowledge: Path) -> None:
    expected = _answers(load_index(knowledge))
    [path] = _cache_files(knowledge)
    header = path.read_bytes().split(b"\n", 2)
    marker = knowledge.parent / "pwned"
    payload = pickle.dumps(_Planted(marker))
    path.write_bytes(b"\n".join(header[:2]) + b"\n" + payload + hashlib.sha256(payload).digest())
    assert _answers(load_index(knowledge)) == expected
    assert not marker.exists()


def test_the_cache_can_be_turned_off(knowledge: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_CACHE_DIR, "off")
    load_index(knowledge)
    assert not (knowledge.parent / "cache").exists()


JIEBA_STATE = """
import json, sys, jieba
from bot.match.cache import load_index
index = load_index(sys.argv[1])
words = index.tokenizer.registered
print(json.dumps({
    "total": jieba.dt.total,
    "freq": [jieba.dt.FREQ.get(w) for w in words],
    "cut": jieba.lcut("孝和居委的食行生鲜在哪里"),
}))
"""


def test_a_cache_hit_leaves_jieba_as_a_build_does(tmp_path: Path) -> None:
    """jieba learns the knowledge base's words while the index is built; a process that
    loads the index instead must teach it the same words, or questions split differently."""
    env = {**os.environ, ENV_CACHE_DIR: str(tmp_path / "cache")}

    def state() -> dict[str, object]:
        run = subprocess.run(
            [sys.executable, "-c", JIEBA_STATE, str(KNOWLEDGE)],
            capture_output=True, text=True, check=True, cwd=ROOT, env=env,
        )  # fmt: skip
        return json.loads(run.stdout)

    built = state()
    assert list((tmp_path / "cache").glob("index-*.pickle"))
    assert state() == built


def test_a_reload_frees_the_old_index(knowledge: Path) -> None:
    """Loaded indexes are hidden from the cyclic collector (gc.freeze), so an old one
    is freed only if nothing in it points back into it: a cycle would keep every
    reloaded knowledge base in memory."""
    live = LiveKnowledge(knowledge, MatcherSettings())
    old = weakref.ref(live.current.matcher.index)
    path = knowledge / "synonyms.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert live.reload().ok
    assert old() is None
