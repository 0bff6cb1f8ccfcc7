"""The knowledge base: typed objects loaded and validated from `knowledge/`."""

from bot.kb.loader import KnowledgeBaseError, load_knowledge
from bot.kb.model import LANGS, Committee, Contact, Fact, KnowledgeBase, Lang, Tag, Text

__all__ = [
    "LANGS",
    "Committee",
    "Contact",
    "Fact",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Lang",
    "Tag",
    "Text",
    "load_knowledge",
]
