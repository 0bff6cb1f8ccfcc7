"""Fuzzing the YAML loader: whatever an admin saves, the answer is data or problems with
a place, never a traceback, and each file costs bounded time and memory."""

from __future__ import annotations

import contextlib
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import ConfigError, load_config
from bot.kb import KnowledgeBaseError, load_knowledge
from bot.yamlfile import MAX_FILE_BYTES, YamlFileError, load_yaml

ROOT = Path(__file__).resolve().parent.parent

# Pieces of YAML that have hurt loaders: tags, anchors and aliases, merge keys, values
# that resolve to dates and numbers (some impossible), flow and block syntax, control
# characters, byte-order marks and documents.
FRAGMENTS = [
    "- ",
    ": ",
    "\n",
    "  ",
    "    ",
    "? ",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: ",
    "!NEW ",
    "!!str ",
    "!!binary ",
    "!!python/object:os.system ",
    "!!set ",
    "!!omap ",
    "!!int ",
    "!!float ",
    "!!timestamp ",
    "2019-02-30",
    "2019-02-15",
    "2019-02-15 25:61:00",
    "9" * 40,
    "9" * 5000,
    "1e999",
    ".nan",
    "-.inf",
    "0x1F",
    "0o17",
    "190:20:30",
    "1_000",
    "~",
    "null",
    "yes",
    "no",
    "{",
    "}",
    "[",
    "]",
    ",",
    "'",
    '"',
    "|",
    ">-",
    "#",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
    "\x00",
    "\x07",
    "\ufeff",
    "\t",
    "answer",
    "zh",
    "facts",
    "id",
    "孝和",
    "\\u0000",
]
yaml_like = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=60).map(
    "".join
)

FUZZ_SECONDS = 30.0  # per small fuzzed file, while tracing memory: a hang bound
LARGEST_SECONDS = 30.0  # per file at the size limit: a hang bound (benchmarks/worst_inputs.py)
PER_FILE_BYTES = 40_000_000


def load_bounded(path: Path, seconds: float = FUZZ_SECONDS) -> None:
    """load_yaml, asserting it only ever raises YamlFileError, within time and memory."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        load_yaml(path)
    except YamlFileError as exc:
        assert exc.problems and all(str(p).startswith(str(path)) for p in exc.problems)
    finally:
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < seconds, elapsed
    assert peak < PER_FILE_BYTES, peak


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=yaml_like)
def test_any_text_loads_or_gives_problems(text: str, tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "file.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    load_bounded(path)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300))
def test_any_bytes_load_or_give_problems(data: bytes, tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "file.yaml"
    path.write_bytes(data)
    load_bounded(path)


LIMIT = MAX_FILE_BYTES - 10


@pytest.mark.parametrize(
    "text",
    [
        "[" + "a," * (LIMIT // 2) + "a]",  # the most nodes that fit in the size limit
        "- a\n" * (LIMIT // 4),
        "".join(f"k{i}: v\n" for i in range(LIMIT // 10)),
        "- 孝和居委有什么服务\n" * (LIMIT // 32),
        "[" * 900 + "]" * 900,
        "a: &a [" + ", ".join(["x"] * 100) + "]\n" + "b: [" + ", ".join(["*a"] * 5000) + "]\n",
    ],
    ids=["flow list", "block list", "mapping", "Chinese list", "deep", "wide alias"],
)
def test_the_largest_files_stay_within_time_and_memory(text: str, tmp_path: Path) -> None:
    assert len(text.encode()) <= MAX_FILE_BYTES
    path = tmp_path / "big.yaml"
    path.write_text(text)
    start = time.perf_counter()
    with contextlib.suppress(YamlFileError):
        load_yaml(path)
    assert time.perf_counter() - start < LARGEST_SECONDS
    load_bounded(path, seconds=2 * LARGEST_SECONDS)  # tracing memory slows it down


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("a: " + "x" * MAX_FILE_BYTES + "\n")
    with pytest.raises(YamlFileError, match="larger than"):
        load_yaml(path)


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("kb") / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    return target


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragment=yaml_like, where=st.floats(0, 1))
def test_any_edit_of_a_committee_file_gives_a_knowledge_base_or_problems(
    knowledge: Path, fragment: str, where: float
) -> None:
    path = knowledge / "committees" / "xiaohe.yaml"
    original = (ROOT / "knowledge" / "committees" / "xiaohe.yaml").read_text(encoding="utf-8")
    cut = int(len(original) * where)
    path.write_text(original[:cut] + fragment + original[cut:], encoding="utf-8", errors="replace")
    start = time.perf_counter()
    try:
        load_knowledge(knowledge)
    except KnowledgeBaseError as exc:
        assert all(str(p).startswith("knowledge/") for p in exc.problems), exc.problems
    assert time.perf_counter() - start < LARGEST_SECONDS


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=yaml_like)
def test_any_config_file_gives_a_config_or_problems(text: str, tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("cfg") / "config.yaml"
    path.write_text(text, encoding="utf-8", errors="replace")
    try:
        load_config(path, env={})
    except ConfigError as exc:
        assert exc.problems
