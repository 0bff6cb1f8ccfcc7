"""The built index saved to a file, so that a restart does not segment every text again.

A city's knowledge base takes minutes to read and index; loading the saved index
takes seconds. The file is keyed by a digest of everything the index depends on:
the knowledge files, the code that reads and indexes them, the dictionaries'
versions (jieba, pypinyin, opencc) and the scoring. A file whose key differs, whose
content digest fails (a truncated write, a flipped bit) or that holds anything but
the index's own classes is ignored and rebuilt: the unpickler below can construct
only those classes, so a planted file cannot run code.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import importlib.metadata
import io
import logging
import os
import pickle
import sys
import tempfile
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import bot
from bot.kb import KnowledgeBase, load_knowledge
from bot.kb.asking import AskingWords, Kind, KindWords
from bot.kb.calibration import DecisionModel, LogisticModel
from bot.kb.colloquial import Colloquial
from bot.kb.emergency import EmergencyKind, EmergencyNumber, EmergencyNumbers, EmergencyWords
from bot.kb.handoff import HandoffWords
from bot.kb.model import (
    Committee,
    Contact,
    Fact,
    Source,
    SourceDocument,
    Street,
    Tag,
    Text,
)
from bot.match.index import Document, Index, build_index
from bot.match.names import CommitteeNames, SoundAlikeNames
from bot.match.scoring import Scoring
from bot.match.tokenize import PinyinKeys, Tokenizer

logger = logging.getLogger(__name__)

INDEX_FORMAT = 1
"""Raise when the file layout changes (code changes are caught by the source digest)."""
ENV_CACHE_DIR = "BOT_CACHE_DIR"
"""Where index files go; `off` disables the cache. Default: ~/.cache/huaihai-bot/index."""
_MAGIC = b"huaihai-bot index\n"
_DIGEST_SIZE = hashlib.sha256().digest_size
_CODE = ("kb", "match")  # the packages whose code shapes the index (plus yamlfile.py)
_DICTIONARIES = ("jieba", "pypinyin", "OpenCC")

_ALLOWED: dict[tuple[str, str], type] = {
    (cls.__module__, cls.__qualname__): cls
    for cls in (
        Committee, CommitteeNames, Colloquial, Contact, DecisionModel, Document, Fact, Index,
        KnowledgeBase, LogisticModel, Scoring, Source, SourceDocument, Street, Tag, Text,
        PinyinKeys, SoundAlikeNames, Tokenizer, array, EmergencyNumber, EmergencyNumbers,
        EmergencyKind, EmergencyWords, HandoffWords, AskingWords, KindWords, Kind,
    )
}  # fmt: skip
# how pickle rebuilds an array (of the one allowed class, array.array)
_ALLOWED[("array", "_array_reconstructor")] = sys.modules["array"]._array_reconstructor


def load_index(directory: Path | str, scoring: Scoring | None = None) -> Index:
    """The index of the knowledge in `directory`: from the cache when it fits, else
    built (raising `KnowledgeBaseError` for invalid knowledge) and saved.

    A cached index is of files that validated with this very code (both are in the
    key), so loading it is as good as validating them again."""
    scoring = scoring or Scoring()
    folder = cache_directory()
    if folder is None:
        return build_index(load_knowledge(directory), scoring)
    key = cache_key(directory, scoring)
    path = folder / f"index-{_directory_tag(directory)}-{key[:32]}.pickle"
    index = read_index(path, key)
    if index is not None:
        index.tokenizer.register_words()
        return index
    index = build_index(load_knowledge(directory), scoring)
    gc.collect()  # the build's garbage (the YAML's nodes), not to be frozen with it
    gc.freeze()  # see _collector_paused
    if cache_key(directory, scoring) == key:  # not edited while we were building
        write_index(path, key, index)
    return index


def cache_directory() -> Path | None:
    """Where index files go, or None when the cache is off."""
    configured = os.environ.get(ENV_CACHE_DIR, "").strip()
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "huaihai-bot" / "index"


def cache_key(directory: Path | str, scoring: Scoring) -> str:
    """A digest of everything the index depends on."""
    digest = hashlib.sha256()
    digest.update(f"format {INDEX_FORMAT}\n{_environment()}\n{scoring!r}\n".encode())
    root = Path(directory)
    for path in sorted(_knowledge_files(root)):
        digest.update(f"\0{path.relative_to(root).as_posix()}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _knowledge_files(root: Path) -> list[Path]:
    """Every file of the knowledge directory, less hidden ones (an editor's swap file)."""
    return [
        path
        for path in root.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts)
    ]


@functools.lru_cache(maxsize=1)
def _environment() -> str:
    """Python, the dictionaries' versions and a digest of the indexing code and data."""
    package = Path(bot.__file__).parent
    sources = [package / "yamlfile.py"]
    for name in _CODE:
        sources += sorted(p for p in (package / name).rglob("*") if _is_source(p, package / name))
    code = hashlib.sha256()
    for path in sources:
        code.update(path.read_bytes())
    versions = " ".join(f"{name}={importlib.metadata.version(name)}" for name in _DICTIONARIES)
    return f"python {sys.version_info[:2]} {versions} code {code.hexdigest()}"


def _is_source(path: Path, root: Path) -> bool:
    """Code and data files (bot/match/data/…), not compiled bytecode."""
    return path.is_file() and "__pycache__" not in path.relative_to(root).parts


def _directory_tag(directory: Path | str) -> str:
    """A short name for the knowledge directory: its older index files are replaced. The
    path as given, not resolved: a symlink deploy (`ln -sfn v2 knowledge`) keeps one file."""
    return hashlib.sha256(str(Path(directory).absolute()).encode()).hexdigest()[:12]


def read_index(path: Path, key: str) -> Index | None:
    """The index saved at `path` under `key`, or None if absent, stale or not trusted."""
    try:
        content = path.read_bytes()
    except OSError:
        return None
    header = _MAGIC + key.encode() + b"\n"
    payload, checksum = content[len(header) : -_DIGEST_SIZE], content[-_DIGEST_SIZE:]
    if not content.startswith(header) or hashlib.sha256(payload).digest() != checksum:
        logger.warning("ignoring index cache %s: not this knowledge's, or damaged", path)
        return None
    try:
        with _collector_paused():
            index = _OnlyIndexClasses(io.BytesIO(payload)).load()
    except Exception as exc:  # any failure means: do not trust it, rebuild
        logger.warning("ignoring index cache %s: %s", path, exc)
        return None
    return index if isinstance(index, Index) else None


def write_index(path: Path, key: str, index: Index) -> None:
    """Save the index atomically (a reader sees the old file or the new, never half),
    then remove this knowledge directory's older index files. Failure only logs."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as out:
            out.write(_MAGIC + key.encode() + b"\n")
            digest = _Digesting(out)
            pickle.dump(index, digest, protocol=pickle.HIGHEST_PROTOCOL)  # streamed: no copy
            out.write(digest.sha256.digest())
        os.replace(out.name, path)
    except OSError as exc:
        logger.warning("could not save the index cache to %s: %s", path, exc)
        return
    tag = path.name.rsplit("-", 1)[0]
    for older in path.parent.glob(f"{tag}-*.pickle"):
        if older != path:
            older.unlink(missing_ok=True)


class _Digesting:
    """A file that also hashes what is written to it."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.sha256 = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        return self.out.write(data)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Make an index out of the cyclic collector's way. It would walk the millions of
    new objects again and again while they are made, and again in its first
    collections after (pauses of tenths of a second between questions at 50,000 facts).
    An index holds no reference cycles, so reference counting alone frees it: the
    collector may pause while it is unpickled, and never look at it after (`gc.freeze`)."""
    gc.collect()  # leave no garbage of before to be frozen with it
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()


class _OnlyIndexClasses(pickle.Unpickler):
    """An unpickler that constructs the index's own classes and nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        allowed = _ALLOWED.get((module, name))
        if allowed is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of an index")
        return allowed
