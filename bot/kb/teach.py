"""Teach the knowledge base a question: add it as a phrasing of a fact, in the fact's own file.

The file is edited with ruamel.yaml's round-trip mode, so comments, key order and
quoting survive, and the result is checked to only *add* lines to what was there.
Before the file is replaced (atomically: a temporary file, then a rename) the whole
knowledge base is validated with the same loader `python -m bot check` uses, on a
temporary copy; a teach that would break it writes nothing. An admin may have the
file open in an editor: if it changed on disk while we worked, we read it again
and redo the edit, and never overwrite their change.

`untaught()` removes a taught phrasing again: exactly the line the teach added, so
the file is restored byte for byte (and anything edited since is kept).
"""

from __future__ import annotations

import difflib
import io
import os
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import SingleQuotedScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from bot.kb.loader import KnowledgeBaseError, load_knowledge
from bot.kb.messages import problem_lines, say
from bot.kb.model import KnowledgeBase, Lang, Text
from bot.yamlfile import say as say_yaml

MAX_PHRASING_CHARS = 200
"""The matcher reads no more of a question than this (Scoring.max_question_chars)."""
ATTEMPTS = 5
"""How often an edit is redone when someone else keeps saving the same file meanwhile."""
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

    def add(text: str) -> str | None:
        return _with_phrasing(text, path, fact_id, lang, phrasing)

    def landed(new: KnowledgeBase) -> bool:
        return _has(new, fact_id, lang, phrasing)

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
    return folder / "committees" / f"{fact.committee_id.rpartition('/')[2]}.yaml"


def _has(kb: KnowledgeBase, fact_id: str, lang: Lang, phrasing: str) -> bool:
    fact = kb.fact(fact_id)
    found = (fact.phrasings_zh if lang == "zh" else fact.phrasings_en) if fact else ()
    return _same(phrasing) in {_same(p) for p in found}


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
    replace atomically; redo it if the file changed meanwhile. True when it changed."""
    with _lock:
        for _ in range(ATTEMPTS):
            original = path.read_bytes()
            text, encoding = _decode(original, path)
            edited = edit(text)
            if edited is None:
                return False
            _check_lines(text, edited, expect, path)
            new = _encode(edited, encoding)
            if not done(_validate(root, path, new)):
                raise TeachError(say("teach_not_read_back", file=path.name))
            if _replace_if_unchanged(path, original, new):
                return True
    raise TeachError(say("teach_kept_changing", file=path.name))


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


# --- the YAML edits ---------------------------------------------------------------------


def _yaml(text: str) -> tuple[YAML, Any]:
    """A round-trip YAML set to the file's own layout, and the file's data.

    ruamel.yaml writes one indentation throughout, so the layout is the one in which
    the file, loaded and written back untouched, comes out byte for byte the same."""
    try:
        _, sequence, offset = load_yaml_guess_indent(text)
        for layout in dict.fromkeys(((2, sequence or 4, offset or 2), *_LAYOUTS)):
            yaml = _round_trip(*layout)
            data = yaml.load(text)
            if _dumped(yaml, data) == text:
                return yaml, data
    except YAMLError as exc:
        raise TeachError(say("teach_not_yaml", reason=exc)) from None
    raise TeachError(say("teach_unusual_layout"))


_LAYOUTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0))
"""(mapping indent, sequence indent, dash offset) as editors commonly write them."""


def _round_trip(mapping: int, sequence: int, offset: int) -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line that was one line
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _dumped(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _phrasing_list(data: Any, path: Path, fact_id: str, lang: Lang) -> CommentedSeq:
    facts = data.get("facts") if isinstance(data, CommentedMap) else None
    fact = next(
        (f for f in facts or () if isinstance(f, CommentedMap) and f.get("id") == fact_id), None
    )
    phrasings = fact.get("phrasings") if fact is not None else None
    found = phrasings.get(lang) if isinstance(phrasings, CommentedMap) else None
    if not isinstance(found, CommentedSeq):
        raise TeachError(say("teach_no_phrasings", file=path.name, fact_id=fact_id, lang=lang))
    if found.fa.flow_style():
        raise TeachError(say("teach_one_line", file=path.name, fact_id=fact_id, lang=lang))
    return found


def _with_phrasing(text: str, path: Path, fact_id: str, lang: Lang, phrasing: str) -> str | None:
    yaml, data = _yaml(text)
    phrasings = _phrasing_list(data, path, fact_id, lang)
    if _same(phrasing) in {_same(str(p)) for p in phrasings}:
        return None  # added meanwhile, by someone else
    phrasings.append(_scalar(phrasing))
    return _dumped(yaml, data)


def _scalar(phrasing: str) -> str:
    """The phrasing, quoted when the loader (PyYAML, YAML 1.1) would read it bare as
    something else: ruamel.yaml (YAML 1.2) writes `yes` and `12:30` unquoted."""
    try:
        bare_is_text = pyyaml.safe_load(phrasing) == phrasing
    except pyyaml.YAMLError:
        bare_is_text = False
    return phrasing if bare_is_text else SingleQuotedScalarString(phrasing)


def _without_phrasing(text: str, path: Path, fact_id: str, lang: Lang, phrasing: str) -> str | None:
    """The text without the line holding `phrasing`, which a teach wrote as one line."""
    data = _round_trip(2, 4, 2).load(text)  # reading only: any layout will do
    phrasings = _phrasing_list(data, path, fact_id, lang)
    indexes = [i for i, p in enumerate(phrasings) if _same(str(p)) == _same(phrasing)]
    if not indexes:
        return None
    index = indexes[-1]
    line = phrasings.lc.item(index)[0]
    lines = text.splitlines(keepends=True)
    remaining = lines[:line] + lines[line + 1 :]
    expected = [str(p) for i, p in enumerate(phrasings) if i != index]
    if _phrasings_in(remaining, fact_id, lang, path) != expected:
        raise TeachError(say("teach_multiline", file=path.name, phrasing=phrasing))
    return "".join(remaining)


def _phrasings_in(lines: list[str], fact_id: str, lang: Lang, path: Path) -> list[str]:
    """The phrasings the edited text holds, read back (a check that one line was one item)."""
    try:
        data = _round_trip(2, 4, 2).load("".join(lines))
        return [str(p) for p in _phrasing_list(data, path, fact_id, lang)]
    except (TeachError, YAMLError):
        return []
