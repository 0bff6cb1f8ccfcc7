"""Related words beyond the hand-made synonyms: a Chinese near-synonym list.

The list (bot/match/data/thesaurus.txt) is the small groups of the Cilin-style
word list that the PyPI package cnsyn ships (Apache-2.0): 看书 sits with 读书 and
阅读, 脚 with 足. A question word the knowledge base never uses is read as its
heaviest known neighbour, at reduced credit — a bridge for everyday paraphrase,
never as strong as the word itself. Large groups were left out when the file was
made: they mix senses (阅览室 with 浴室 and 手术室).
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path

THESAURUS_FILE = Path(__file__).parent / "data" / "thesaurus.txt"


@lru_cache(maxsize=1)
def neighbours() -> dict[str, tuple[str, ...]]:
    """word -> every word that shares a group with it (loaded once per process)."""
    related: dict[str, set[str]] = defaultdict(set)
    with THESAURUS_FILE.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            group = line.split()
            for word in group:
                related[word].update(w for w in group if w != word)
    return {word: tuple(sorted(others)) for word, others in related.items()}
