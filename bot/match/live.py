"""The knowledge base and its matcher as one swappable snapshot.

Reloading builds a complete new snapshot first and replaces the old one in a
single assignment, so a question is always answered by one consistent
knowledge base, and a failed reload leaves the old one serving. A reload that changed
the knowledge calls `announce` (other processes reload too: bot.reloads); a digest of
the files tells whether they changed since they were loaded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.kb import Committee, Fact, KnowledgeBase, KnowledgeBaseError
from bot.match.cache import cache_key, load_index
from bot.match.matcher import Matcher
from bot.match.scoring import Scoring
from bot.match.types import MatcherSettings
from bot.yamlfile import Problem

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
    problems: tuple[Problem, ...] = ()
    """The errors as the loader found them, to tell an admin in either language."""
    lost_committees: tuple[str, ...] = ()
    """Ids of committees the previous knowledge had and this one has not."""
    lost_facts: tuple[str, ...] = ()
    """Ids of facts the previous knowledge had and this one has not (lost committees' too)."""


class LiveKnowledge:
    """Holds the current snapshot; `reload()` validates, builds, then swaps."""

    def __init__(self, directory: Path, settings: MatcherSettings) -> None:
        self.directory = Path(directory)
        self.settings = settings
        self.announce: Callable[[], object] | None = None
        """Called after a reload that changed the knowledge, to tell other processes (the
        store's notice); it must not block."""
        self._reload_lock = threading.Lock()
        self._loaded = self._files_digest()
        self._refused: str | None = None
        self.current = load_snapshot(self.directory, settings)

    def _files_digest(self) -> str | None:
        """A digest of the knowledge files (read, not parsed); taken before they are
        loaded, so an edit during a load makes it differ next time."""
        try:
            return cache_key(self.directory, Scoring())
        except OSError:  # a file went away while being read: "unknown", so reload
            return None

    def changed_on_disk(self) -> bool:
        """Whether the files differ from the knowledge serving and from the last ones
        refused (no need to read them again); blocking: call it in a thread."""
        digest = self._files_digest()
        return digest is None or digest not in (self._loaded, self._refused)

    def reload(self) -> ReloadResult:
        """Load and swap in the files as they are now; never raises for bad files."""
        with self._reload_lock:
            digest = self._files_digest()
            try:
                snapshot = load_snapshot(self.directory, self.settings)
            except KnowledgeBaseError as exc:
                self._refused = digest
                logger.warning("reload refused, old knowledge keeps serving: %s", exc)
                errors = tuple(str(p) for p in exc.problems)
                return ReloadResult(ok=False, errors=errors, problems=tuple(exc.problems))
            except Exception as exc:  # a bug must not take the serving knowledge with it
                logger.exception("reload failed, old knowledge keeps serving")
                return ReloadResult(ok=False, errors=(f"{self.directory}: {exc!r}",))
            previous, self.current = self.current.kb, snapshot  # the one swap
            changed, self._loaded = digest != self._loaded, digest
        if changed and self.announce is not None:
            self.announce()
        kb = snapshot.kb
        return ReloadResult(
            ok=True,
            committees=len(kb.committees),
            facts=len(kb.facts),
            phrasings=kb.phrasing_count,
            lost_committees=_missing((c.id for c in previous.committees), kb.committees),
            lost_facts=_missing((f.id for f in previous.facts), kb.facts),
        )


def _missing(before: Iterable[str], now: Iterable[Committee | Fact]) -> tuple[str, ...]:
    kept = {item.id for item in now}
    return tuple(item_id for item_id in before if item_id not in kept)


def load_snapshot(directory: Path, settings: MatcherSettings) -> Snapshot:
    """The knowledge in `directory` with its index, from the index cache when it fits."""
    index = load_index(directory)
    return Snapshot(kb=index.kb, matcher=Matcher(index.kb, settings, index=index))
