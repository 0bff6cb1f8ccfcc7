"""Publish a reviewed draft: move it from `knowledge/drafts/` into its committee's file.

Drafts come from `python -m bot import` (bot/admin/importing.py). Publishing is the same
kind of edit as a teach (bot/kb/teach.py's `_rewrite`: validated on a copy, lines only
added, locked, through a symlink to its target, replaced atomically), but a fact is a
whole block, so ruamel.yaml's round trip appends it to the committee file's `facts:`
(comments, order and quoting kept). A draft
that is not ready (no English, too few phrasings, an unknown tag or source) is refused
with the loader's own file-and-line messages, and nothing is written. Only then is the
draft taken out of its drafts file.
"""

from __future__ import annotations

import difflib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from bot.kb.messages import say
from bot.kb.model import KnowledgeBase
from bot.kb.teach import TeachError, _load, _rewrite
from bot.yamlfile import say as say_yaml

DRAFTS_FOLDER = "drafts"
_NOT_PART_OF_A_FACT = ("committee", "draft")


@dataclass(frozen=True)
class Draft:
    """One entry of a drafts file, as the admin left it."""

    id: str
    committee_id: str
    record: dict[str, Any]
    file: Path


@dataclass(frozen=True)
class Published:
    fact_id: str
    file: Path


def drafts(knowledge_dir: Path | str) -> list[Draft]:
    """Every draft waiting for review, file by file."""
    folder = Path(knowledge_dir) / DRAFTS_FOLDER
    found: list[Draft] = []
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else ():
        for entry in _entries(path):
            if isinstance(entry, dict) and "id" in entry:
                found.append(Draft(str(entry["id"]), str(entry.get("committee")), entry, path))
    return found


def _entries(path: Path) -> list[Any]:
    try:
        data = pyyaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, pyyaml.YAMLError) as exc:
        raise TeachError(say("publish_unreadable", file=path.name, reason=exc)) from None
    entries = data.get("drafts") if isinstance(data, dict) else None
    return entries if isinstance(entries, list) else []


def publish(knowledge_dir: Path | str, draft_id: str) -> Published:
    """Move draft `draft_id` into its committee file; `TeachError` says why not."""
    root = Path(knowledge_dir)
    draft = _find(drafts(root), draft_id)
    kb = _load(root)
    if kb.fact(draft.id) is not None:
        raise TeachError(say("publish_id_taken", draft_id=draft.id))
    path = committee_file(kb, draft, root)
    fact = {k: v for k, v in draft.record.items() if k not in _NOT_PART_OF_A_FACT}

    def append(text: str) -> str | None:
        yaml, data = _yaml(text, path)
        data["facts"].append(CommentedMap(fact))
        return _dumped(yaml, data)

    def landed(new: KnowledgeBase) -> bool:
        return new.fact(draft.id) is not None

    _rewrite(root, path, append, landed, expect="insert")
    _remove_draft(draft)
    return Published(draft.id, path)


# --- the round trip (a teach inserts one line as text; a fact is a whole block) ----------


def _yaml(text: str, path: Path) -> tuple[YAML, Any]:
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
    raise TeachError(say("publish_unusual_layout", file=path.name))


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


def _find(found: list[Draft], draft_id: str) -> Draft:
    match = next((d for d in found if d.id == draft_id), None)
    if match is None:
        close = difflib.get_close_matches(draft_id, [d.id for d in found], n=1)
        hint = say_yaml("did_you_mean", name=close[0]) if close else ""
        raise TeachError(say("publish_unknown_draft", draft_id=draft_id, hint=hint))
    return match


def committee_file(kb: KnowledgeBase, draft: Draft, root: Path) -> Path:
    committee = kb.committee(draft.committee_id)
    if committee is None:
        raise TeachError(
            say("publish_unknown_committee", draft_id=draft.id, committee=draft.committee_id)
        )
    folder = root / "streets" / committee.street if committee.street else root
    stem = committee.id.rpartition("/")[2]  # <street>/<file stem> in a base of several
    candidates = [folder / "committees" / f"{stem}{suffix}" for suffix in (".yaml", ".yml")]
    return next((path for path in candidates if path.exists()), candidates[0])


def _remove_draft(draft: Draft) -> None:
    """Take the published entry out of its drafts file, keeping the file's header."""
    text = draft.file.read_text(encoding="utf-8-sig")
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    rest = [
        e for e in _entries(draft.file) if not (isinstance(e, dict) and e.get("id") == draft.id)
    ]
    if not rest:
        draft.file.unlink()
        return
    body = pyyaml.safe_dump({"drafts": rest}, allow_unicode=True, sort_keys=False, width=100)
    draft.file.write_text(header + body, encoding="utf-8")
