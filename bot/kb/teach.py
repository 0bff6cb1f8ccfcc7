"""Teach the knowledge base a question: add it as a phrasing of a fact, in the fact's own file.

The file is edited as text: one line is inserted after the last item of the fact's
phrasing list (found with PyYAML's marks), so comments, key order, quoting, trailing
spaces and document markers all stay as they were, and the result is checked to only
*add* a line. Before the file is replaced (atomically: a temporary file, then a
rename; through a symlink, the target is replaced) the whole knowledge base is
validated with the same loader `python -m bot check` uses, on a temporary copy; a
teach that would break it writes nothing. Teaches of one file are serialised, across
processes too (an `fcntl` lock on its folder), and an admin may have the file open in
an editor: if it changed on disk while we worked, we read it again and redo the
edit, and never overwrite their change.

`untaught()` removes a taught phrasing again: exactly the line the teach added, so
the file is restored byte for byte (and anything edited since is kept).
"""

from __future__ import annotations

import difflib
import fcntl
import os
import re
import shutil
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml as pyyaml

from bot.kb.loader import COMMITTEE_SUFFIXES, KnowledgeBaseError, load_knowledge
from bot.kb.messages import problem_lines, say
from bot.kb.model import KnowledgeBase, Lang, Text
from bot.yamlfile import say as say_yaml

MAX_PHRASING_CHARS = 200
"""The matcher reads no more of a question than this (Scoring.max_question_chars)."""
ATTEMPTS = 5
"""How often an edit is redone when someone else keeps saving the same file meanwhile."""
LOCK_WAIT = 10.0
"""Seconds a teach waits for another process's teach of a file in the same folder."""
_BOM = "\ufeff"
_lock = threading.Lock()  # one edit at a time in this process (Telegram runs handlers at once)


class TeachError(Exception):
    """A teach or undo that was refused; the message says why, for an admin. Nothing written."""

    def __init__(self, message: Text) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Taught:
    """What one teach did."""

    fact_id: str
    phrasing: str
    lang: Lang
    file: Path
    added: bool
    """False when the fact already had this phrasing: nothing was written."""
    by: str = ""


def teach(
    question: str,
    fact_id: str,
    knowledge_dir: Path | str,
    *,
    by: str = "",
    lang: Lang | None = None,
) -> Taught:
    """Add `question` as a phrasing of `fact_id` (in `lang`, else the question's language).

    Raises `TeachError` for an unknown fact, an empty or too long question, or an edit
    that would make the knowledge base invalid; nothing is written then.
    """
    phrasing = clean_phrasing(question)
    root = Path(knowledge_dir)
    kb = _load(root)
    path = fact_file(kb, fact_id, root)
    lang = lang or language_of(phrasing)
    fact = kb.fact(fact_id)
    assert fact is not None  # fact_file() refused unknown ids
    if _same(phrasing) in {_same(p) for p in fact.phrasings}:
        return Taught(fact_id, phrasing, lang, path, added=False, by=by)

    before = fact.phrasings_zh if lang == "zh" else fact.phrasings_en

    def add(text: str) -> str | None:
        return _with_phrasing(text, path, fact_id, lang, phrasing)

    def landed(new: KnowledgeBase) -> bool:
        """The phrasing is read back exactly, last, and no other phrasing was lost."""
        found = _phrasings(new, fact_id, lang)
        return found[-1:] == (phrasing,) and set(before) <= set(found[:-1])

    changed = _rewrite(root, path, add, landed, expect="insert")
    return Taught(fact_id, phrasing, lang, path, added=changed, by=by)


def untaught(fact_id: str, phrasing: str, lang: Lang, knowledge_dir: Path | str) -> bool:
    """Remove a taught phrasing: the one line its teach added. False when it is gone already."""
    root = Path(knowledge_dir)
    path = fact_file(_load(root), fact_id, root)

    def remove(text: str) -> str | None:
        return _without_phrasing(text, path, fact_id, lang, phrasing)

    def gone(new: KnowledgeBase) -> bool:
        return not _has(new, fact_id, lang, phrasing)

    return _rewrite(root, path, remove, gone, expect="delete")


# --- the question and the fact -----------------------------------------------------------


def clean_phrasing(question: str) -> str:
    """The question as a phrasing: one line, no control characters; refused if empty or long."""
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in question)
    text = " ".join(text.split())
    if not any(ch.isalnum() for ch in text):
        raise TeachError(say("teach_empty"))
    if len(text) > MAX_PHRASING_CHARS:
        raise TeachError(say("teach_too_long", length=len(text), limit=MAX_PHRASING_CHARS))
    return text


def language_of(text: str) -> Lang:
    """Chinese when Chinese characters are at least a third of the letters, else English.

    Front ends pass the matcher's own `detect_language()`; this is the fallback here,
    where the knowledge layer may not import the matcher."""
    cjk = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return "zh" if cjk and 3 * cjk >= latin else "en"


def fact_file(kb: KnowledgeBase, fact_id: str, root: Path) -> Path:
    """The YAML file that defines `fact_id`; `TeachError` for an unknown id."""
    fact = kb.fact(fact_id)
    if fact is None:
        hint = difflib.get_close_matches(fact_id, [f.id for f in kb.facts], n=1)
        suffix = say_yaml("did_you_mean", name=hint[0]) if hint else ""
        raise TeachError(say("teach_unknown_fact", fact_id=fact_id, hint=suffix))
    folder = root / "streets" / fact.street if fact.street else root
    if fact.committee_id is None:
        return folder / "street.yaml"
    # in a base of several streets a committee's id is <street>/<file stem>
    return committee_file(folder / "committees", fact.committee_id.rpartition("/")[2])


def committee_file(folder: Path, stem: str) -> Path:
    """The committee's file as the loader found it: `.yaml`, `.yml` (any case)."""
    for path in sorted(folder.iterdir()):
        if path.stem == stem and path.suffix.lower() in COMMITTEE_SUFFIXES:
            return path
    return folder / f"{stem}.yaml"


def _phrasings(kb: KnowledgeBase, fact_id: str, lang: Lang) -> tuple[str, ...]:
    fact = kb.fact(fact_id)
    return (fact.phrasings_zh if lang == "zh" else fact.phrasings_en) if fact else ()


def _has(kb: KnowledgeBase, fact_id: str, lang: Lang, phrasing: str) -> bool:
    return _same(phrasing) in {_same(p) for p in _phrasings(kb, fact_id, lang)}


def _same(phrasing: str) -> str:
    return " ".join(phrasing.split()).casefold()


def _load(root: Path) -> KnowledgeBase:
    try:
        return load_knowledge(root)
    except KnowledgeBaseError as exc:
        problems = problem_lines(exc.problems)
        raise TeachError(say("teach_invalid_already", problems=problems)) from None


# --- one safe rewrite of one file ------------------------------------------------------------

Edit = Callable[[str], "str | None"]
"""The file's text → the edited text, or None when there is nothing to change."""


def _rewrite(
    root: Path,
    path: Path,
    edit: Edit,
    done: Callable[[KnowledgeBase], bool],
    *,
    expect: Literal["insert", "delete"],
) -> bool:
    """Apply `edit` to `path`, validate (`done` says the loaded result shows the edit),
    replace atomically; redo it if the file changed meanwhile. True when it changed.

    A symlinked file is edited in its target (the link stays a link)."""
    target = path.resolve()
    with _lock, _folder_lock(target.parent, path):
        for _ in range(ATTEMPTS):
            original = target.read_bytes()
            text, encoding = _decode(original, path)
            edited = edit(text)
            if edited is None:
                return False
            _check_lines(text, edited, expect, path)
            new = _encode(edited, encoding)
            if not done(_validate(root, path, new)):
                raise TeachError(say("teach_not_read_back", file=path.name))
            if _replace_if_unchanged(target, original, new):
                return True
    raise TeachError(say("teach_kept_changing", file=path.name))


@contextmanager
def _folder_lock(folder: Path, path: Path) -> Iterator[None]:
    """Hold an exclusive `flock` on `folder` (the file's, after symlinks): two processes'
    read-modify-write of one file never interleave. The folder, not the file, because a
    teach replaces the file: a lock on the old file would not hold the new one."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TeachError(say("teach_busy", file=path.name)) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


@dataclass(frozen=True)
class _Encoding:
    bom: bool
    newline: str


def _decode(raw: bytes, path: Path) -> tuple[str, _Encoding]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TeachError(say("teach_not_utf8", file=path.name)) from None
    bom = text.startswith(_BOM)
    text = text.removeprefix(_BOM)
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.replace("\r\n", "\n"), _Encoding(bom, newline)


def _encode(text: str, encoding: _Encoding) -> bytes:
    text = text.replace("\n", encoding.newline)
    return ((_BOM if encoding.bom else "") + text).encode("utf-8")


def _check_lines(before: str, after: str, expect: str, path: Path) -> None:
    """Every line of the file stays as it was: a teach only inserts lines, an undo only
    deletes them."""
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), False)
    changes = {tag for tag, *_ in matcher.get_opcodes() if tag != "equal"}
    if changes - {expect}:
        raise TeachError(say("teach_other_lines", file=path.name))


def _validate(root: Path, path: Path, content: bytes) -> KnowledgeBase:
    """Load the knowledge base as it would be after the edit, in a temporary copy."""
    with tempfile.TemporaryDirectory(prefix="teach-") as scratch:
        copy = Path(scratch) / root.name
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".*"))  # not editor swap files
        (copy / path.relative_to(root)).write_bytes(content)
        try:
            return load_knowledge(copy)
        except KnowledgeBaseError as exc:
            problems = problem_lines(exc.problems)
            raise TeachError(say("teach_would_be_invalid", problems=problems)) from None


def _replace_if_unchanged(path: Path, original: bytes, content: bytes) -> bool:
    """Write `content` over `path` atomically, unless the file is no longer `original`."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        shutil.copymode(path, temporary)
        if path.read_bytes() != original:  # saved by someone else meanwhile: redo on theirs
            return False
        os.replace(temporary, path)
        return True
    finally:
        temporary.unlink(missing_ok=True)


# --- the edits, as text ------------------------------------------------------------------

_ITEM_PREFIX = re.compile(r" *- +")
"""What comes before a phrasing on its line: the indentation and the dash."""


def _phrasing_list(text: str, path: Path, fact_id: str, lang: Lang) -> pyyaml.SequenceNode:
    """The node of the fact's `phrasings.<lang>` list, with the marks of its items."""
    try:
        root = pyyaml.compose(text, Loader=pyyaml.SafeLoader)  # Python marks count characters
    except pyyaml.YAMLError as exc:
        raise TeachError(say("teach_not_yaml", reason=exc)) from None
    facts = _child(root, "facts")
    fact = next(
        (
            f
            for f in (facts.value if isinstance(facts, pyyaml.SequenceNode) else ())
            if _scalar_value(_child(f, "id")) == fact_id
        ),
        None,
    )
    found = _child(_child(fact, "phrasings"), lang)
    if not isinstance(found, pyyaml.SequenceNode) or not found.value:
        raise TeachError(say("teach_no_phrasings", file=path.name, fact_id=fact_id, lang=lang))
    if found.flow_style:
        raise TeachError(say("teach_one_line", file=path.name, fact_id=fact_id, lang=lang))
    return found


def _child(node: pyyaml.Node | None, key: str) -> pyyaml.Node | None:
    if not isinstance(node, pyyaml.MappingNode):
        return None
    return next((value for name, value in node.value if _scalar_value(name) == key), None)


def _scalar_value(node: pyyaml.Node | None) -> str | None:
    return node.value if isinstance(node, pyyaml.ScalarNode) else None


def _item_lines(item: pyyaml.Node) -> tuple[int, int]:
    """The first and last line (0-based) an item's text takes."""
    end = item.end_mark
    # a block scalar (`|`) ends at the start of the line after it
    last = end.line - 1 if end.column == 0 and end.line > item.start_mark.line else end.line
    return item.start_mark.line, last


def _prefix(lines: list[str], item: pyyaml.Node, path: Path) -> str:
    """The indentation and dash before `item`; refused (with the line) when the item does
    not start its own line."""
    line = item.start_mark.line
    prefix = lines[line][: item.start_mark.column]
    if not _ITEM_PREFIX.fullmatch(prefix):
        raise TeachError(say("teach_unusual_layout", file=path.name, line=line + 1))
    return prefix


def _with_phrasing(text: str, path: Path, fact_id: str, lang: Lang, phrasing: str) -> str | None:
    """The text with one line more: `phrasing` after the list's last item, dashed alike."""
    phrasings = _phrasing_list(text, path, fact_id, lang)
    if _same(phrasing) in {_same(str(_scalar_value(p))) for p in phrasings.value}:
        return None  # added meanwhile, by someone else
    last = phrasings.value[-1]
    lines = text.splitlines(keepends=True)
    new_line = _prefix(lines, last, path) + _scalar(phrasing)
    after = _item_lines(last)[1]
    if lines[after].endswith("\n"):
        lines.insert(after + 1, new_line + "\n")
    else:  # the file's last line, without a line end: the new one takes its place as last
        lines[after] += "\n" + new_line
    return "".join(lines)


def _scalar(phrasing: str) -> str:
    """The phrasing as YAML text: bare when the loader (PyYAML, YAML 1.1) reads it back as
    typed, else single-quoted (`yes`, `12:30`, `#1`)."""
    try:
        bare_is_text = pyyaml.safe_load(phrasing) == phrasing
    except pyyaml.YAMLError:
        bare_is_text = False
    except ValueError:  # 2019-02-30: a date to YAML, but no day of the calendar
        raise TeachError(say("teach_impossible_value", phrasing=phrasing)) from None
    return phrasing if bare_is_text else "'" + phrasing.replace("'", "''") + "'"


def _without_phrasing(text: str, path: Path, fact_id: str, lang: Lang, phrasing: str) -> str | None:
    """The text without the line holding `phrasing`, which a teach wrote as one line."""
    phrasings = _phrasing_list(text, path, fact_id, lang)
    items = [p for p in phrasings.value if _same(str(_scalar_value(p))) == _same(phrasing)]
    if not items:
        return None
    item = items[-1]
    first, last = _item_lines(item)
    lines = text.splitlines(keepends=True)
    if first != last:
        raise TeachError(say("teach_multiline", file=path.name, phrasing=phrasing))
    _prefix(lines, item, path)
    removed = lines.pop(first)
    if not removed.endswith("\n") and lines:  # it was the last line, without a line end
        lines[-1] = lines[-1].removesuffix("\n")
    return "".join(lines)
