"""The knowledge base and its matcher as one swappable snapshot.

Reloading builds a complete new snapshot first and replaces the old one in a
single assignment, so a question is always answered by one consistent
knowledge base, and a failed reload leaves the old one serving.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from bot.kb import KnowledgeBase, KnowledgeBaseError
from bot.match.cache import load_index
from bot.match.matcher import Matcher
from bot.match.types import MatcherSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    kb: KnowledgeBase
    matcher: Matcher


@dataclass(frozen=True)
class ReloadResult:
    ok: bool
    committees: int = 0
    facts: int = 0
    phrasings: int = 0
    errors: tuple[str, ...] = ()


class LiveKnowledge:
    """Holds the current snapshot; `reload()` validates, builds, then swaps."""

    def __init__(self, directory: Path, settings: MatcherSettings) -> None:
        self.directory = Path(directory)
        self.settings = settings
        self._reload_lock = threading.Lock()
        self.current = load_snapshot(self.directory, settings)

    def reload(self) -> ReloadResult:
        with self._reload_lock:
            try:
                snapshot = load_snapshot(self.directory, self.settings)
            except KnowledgeBaseError as exc:
                logger.warning("reload refused, old knowledge keeps serving: %s", exc)
                return ReloadResult(ok=False, errors=tuple(str(p) for p in exc.problems))
            self.current = snapshot  # the one swap
        kb = snapshot.kb
        return ReloadResult(
            ok=True,
            committees=len(kb.committees),
            facts=len(kb.facts),
            phrasings=kb.phrasing_count,
        )


def build_snapshot(kb: KnowledgeBase, settings: MatcherSettings) -> Snapshot:
    return Snapshot(kb=kb, matcher=Matcher(kb, settings))


def load_snapshot(directory: Path, settings: MatcherSettings) -> Snapshot:
    """The knowledge in `directory` with its index, from the index cache when it fits."""
    index = load_index(directory)
    return Snapshot(kb=index.kb, matcher=Matcher(index.kb, settings, index=index))
