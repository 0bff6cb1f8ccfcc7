"""`/healthz`: which knowledge is serving and whether the store answers."""

from __future__ import annotations

import hashlib
import logging
import threading

from bot.kb.model import KnowledgeBase
from bot.match import LiveKnowledge
from bot.store import Store

logger = logging.getLogger(__name__)

_last: tuple[KnowledgeBase, str] | None = None
_lock = threading.Lock()


def knowledge_version(kb: KnowledgeBase) -> str:
    """A short digest of the loaded knowledge: it changes exactly when a reload changed it.

    Computed once per snapshot (a reload swaps in a new object), not per probe.
    """
    global _last
    with _lock:
        if _last is None or _last[0] is not kb:
            digest = hashlib.sha256(repr(kb).encode()).hexdigest()[:12]
            _last = (kb, digest)
        return _last[1]


def report(knowledge: LiveKnowledge, store: Store) -> dict[str, object]:
    kb = knowledge.current.kb
    try:
        store_status: dict[str, object] = {"ok": True, "schema_version": store.schema_version}
    except store.database_errors as exc:
        logger.warning("health check: the store does not answer: %s", exc)
        store_status = {"ok": False, "error": type(exc).__name__}
    return {
        "status": "ok" if store_status["ok"] else "degraded",
        "knowledge": {
            "version": knowledge_version(kb),
            "committees": len(kb.committees),
            "facts": len(kb.facts),
            "phrasings": kb.phrasing_count,
        },
        "store": store_status,
    }
