"""Fuzzing `Dialogue.handle` with hypothesis: whatever a resident sends, no error escapes,
the reply is one Telegram can send, and time and memory per message stay bounded.

Texts go up to `MAX_INPUT_CHARS`, the most any entry point passes on (the Telegram
layer cuts longer ones). They mix random unicode (lone surrogates, controls, emoji),
the knowledge base's own words, commands with odd arguments, and the costliest kind of
question: hundreds of random Chinese characters. Button payloads are random or forged
from the real payload kinds with odd arguments.
"""

from __future__ import annotations

import logging
import resource
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import SHIPPED_KNOWLEDGE
from bot.dialogue import MAX_PAYLOAD_BYTES, ButtonPress, Dialogue, Incoming, NonText, TextMessage
from bot.dialogue import User as DialogueUser
from bot.kb import load_knowledge
from bot.match.live import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.store import Store
from bot.telegram.turns import MAX_INPUT_CHARS

MAX_SECONDS = 30.0  # a hang bound; the worst case is timed by benchmarks/match_latency.py
"""Per message; the costliest questions take about 0.2 s (on a loaded 2-core machine)."""
MAX_GROWTH_KB = 64 * 1024
"""How much one message may raise the process's peak memory (issue 10 saw 2 GB)."""
MAX_REPLY_CHARS = 4096

KB = load_knowledge(SHIPPED_KNOWLEDGE)
WORDS = sorted({w for fact in KB.facts for p in fact.phrasings for w in (p, p[:2], p[-3:])})
FACT_IDS = [fact.id for fact in KB.facts]
COMMITTEE_IDS = [committee.id for committee in KB.committees]
COMMANDS = ["start", "help", "committees", "committee", "mycommittee", "lang", "ask", "reload"]
PAYLOAD_KINDS = ["m", "cs", "t", "f", "c", "home", "lang", "n", "p", "fb", "x", ""]

anything = st.text(st.characters(exclude_categories=()), max_size=80)  # lone surrogates too
cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
texts = st.one_of(
    anything,
    st.lists(st.one_of(st.sampled_from(WORDS), anything), max_size=8).map("".join),
    st.text(cjk, min_size=300, max_size=MAX_INPUT_CHARS),
    st.builds(
        lambda name, suffix, arg: f"/{name}{suffix} {arg}",
        st.sampled_from(COMMANDS) | st.text(max_size=10),
        st.sampled_from(["", "@huaihai_test_bot", "@other"]),
        st.one_of(anything, st.sampled_from(["zh", "en", "孝和", "Xiaohe", "²", "-1"])),
    ),
    st.text(st.sampled_from("/ \n\t\u200b\ufeff0²"), max_size=MAX_INPUT_CHARS),
)
arguments = st.one_of(
    st.sampled_from(FACT_IDS + COMMITTEE_IDS + ["+", "-", "zh", "en", "auto"]),
    st.integers(-(2**70), 2**70).map(str),
    st.text(max_size=20),
)
payloads = st.one_of(
    st.text(max_size=100),
    st.builds(
        lambda kind, args: ":".join([kind, *args]),
        st.sampled_from(PAYLOAD_KINDS),
        st.lists(arguments, max_size=3),
    ),
)
incomings: st.SearchStrategy[Incoming] = st.one_of(
    texts.map(TextMessage),
    payloads.map(ButtonPress),
    st.text(max_size=20).map(NonText),
)
users = st.builds(
    DialogueUser,
    id=st.sampled_from(["tg:1", "tg:2", "console:alice"]),
    language_code=st.sampled_from([None, "zh-hans", "en", "fr", ""]),
    is_admin=st.booleans(),
)


class Errors(logging.Handler):
    """Records logged at ERROR or above: the dialogue logs an escaped exception there."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def dialogue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dialogue]:
    store = Store(Path(tmp_path_factory.mktemp("fuzz")) / "bot.sqlite3")
    yield Dialogue(LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings()), store)
    store.close()


@pytest.fixture(scope="module")
def errors() -> Iterator[Errors]:
    handler = Errors()
    logging.getLogger("bot").addHandler(handler)
    yield handler
    logging.getLogger("bot").removeHandler(handler)


@settings(
    max_examples=150,
    deadline=None,  # timed below, per message, with a bound that says what it means
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(conversation=st.lists(st.tuples(users, incomings), min_size=1, max_size=4))
def test_any_message_gets_a_sendable_reply_in_bounded_time_and_memory(
    dialogue: Dialogue, errors: Errors, conversation: list[tuple[DialogueUser, Incoming]]
) -> None:
    for user, incoming in conversation:
        peak_before = peak_rss_kb()
        started = time.perf_counter()
        reply = dialogue.handle(user, incoming)
        seconds = time.perf_counter() - started
        growth = peak_rss_kb() - peak_before
        assert not errors.records, errors.records[0].getMessage()
        assert reply.text.strip() and len(reply.text) <= MAX_REPLY_CHARS
        assert all(len(b.payload.encode()) <= MAX_PAYLOAD_BYTES for b in reply.flat_buttons)
        assert seconds < MAX_SECONDS, f"{seconds:.2f}s for {incoming!r:.80}"
        assert growth < MAX_GROWTH_KB, f"{growth / 1024:.0f} MB more for {incoming!r:.80}"


def peak_rss_kb() -> int:
    """The process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
