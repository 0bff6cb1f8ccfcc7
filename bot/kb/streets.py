"""Load a knowledge base of several streets: `streets/<street>/` beside the shared files.

    knowledge/
      synonyms.yaml  colloquial.yaml  calibration.yaml     shared by every street
      streets/
        huaihai/   street.yaml  committees/*.yaml          one folder per street
        ruijin/    street.yaml  committees/*.yaml

Each street folder is read as a one-street base is (its own tags, themes, sources and
committee count), so committee names need only be unique within their street: the
committees' ids become `<street>/<file stem>` and their facts carry the street. Fact
ids stay unique across the whole base, since logs and buttons name facts by id.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from bot.kb.build import Builder, StreetParts
from bot.kb.calibration import DecisionModel, parse_calibration
from bot.kb.colloquial import Colloquial, parse_colloquial
from bot.kb.emergency import EmergencyNumbers
from bot.kb.loader import (
    STREETS_FOLDER,
    Conversation,
    KnowledgeBaseError,
    _check_count,
    _committee_files,
    _display,
    _Documents,
    _is_editor_file,
    _listing,
    _read,
    _read_optional,
    conversation_words,
    read_asking,
    street_numbers,
)
from bot.kb.messages import say
from bot.kb.model import Committee, KnowledgeBase, SourceDocument, Tag, Text
from bot.yamlfile import Problem

SHARED_FILES = (
    "synonyms.yaml",
    "colloquial.yaml",
    "calibration.yaml",
    "details.yaml",
    "emergency.yaml",
    "handoff.yaml",
)
"""Files that apply to every street and so live at the top of the knowledge folder."""
_STREET_FILES = ("street.yaml", "committees")


@dataclass
class _StreetPart:
    """One street folder, built."""

    parts: StreetParts
    committees: tuple[Committee, ...]
    sources: dict[str, SourceDocument]
    emergency_numbers: EmergencyNumbers | None = None


def load_streets(root: Path) -> KnowledgeBase:
    """Read and validate a several-streets knowledge folder; raise `KnowledgeBaseError`."""
    problems: list[Problem] = []
    _misplaced(root, root, _STREET_FILES, "top_level_street", problems)
    shared = Builder(problems)
    synonyms_doc = _read(root / "synonyms.yaml", root, problems)
    synonyms = shared.synonyms(synonyms_doc) if synonyms_doc else ()
    colloquial_doc = _read_optional(root / "colloquial.yaml", root, problems)
    calibration_doc = _read_optional(root / "calibration.yaml", root, problems)
    colloquial = parse_colloquial(colloquial_doc, problems) if colloquial_doc else Colloquial()
    decision = parse_calibration(calibration_doc, problems) if calibration_doc else None
    asking = read_asking(root, problems)
    builders: list[Builder] = []
    streets = [
        part
        for folder in _street_folders(root, problems)
        if (part := _load_street(folder, root, builders, problems)) is not None
    ]
    every_fact = Builder(problems)
    every_fact.fact_refs = [ref for builder in builders for ref in builder.fact_refs]
    every_fact.check_unique_ids()
    conversation = _conversation(root, streets, problems)
    if problems or not streets:
        raise KnowledgeBaseError(problems)
    return replace(
        _merged(streets, synonyms, colloquial, decision),
        related_topics=shared.related_topics,
        asking=asking,
        emergency_numbers=conversation.emergency_numbers,
        emergency_words=conversation.emergency_words,
        handoff_words=conversation.handoff_words,
    )


def _conversation(root: Path, streets: list[_StreetPart], problems: list[Problem]) -> Conversation:
    """The shared emergency and hand-off words; the numbers are national, so the first
    street that lists them gives them for all."""
    numbers = next((p.emergency_numbers for p in streets if p.emergency_numbers), None)
    return conversation_words(
        numbers,
        _read_optional(root / "emergency.yaml", root, problems),
        _read_optional(root / "handoff.yaml", root, problems),
        problems,
        street_read=bool(streets),
    )


def _street_folders(root: Path, problems: list[Problem]) -> list[Path]:
    folders = []
    for path in _listing(root / STREETS_FOLDER, root, problems):
        if _is_editor_file(path.name):
            continue
        if path.is_dir():
            folders.append(path)
        else:
            problems.append(Problem(_display(path, root), None, "", say("not_street_folder")))
    if not folders:
        where = _display(root / STREETS_FOLDER, root)
        problems.append(Problem(where, None, "", say("no_streets")))
    return folders


def _load_street(
    folder: Path, root: Path, builders: list[Builder], problems: list[Problem]
) -> _StreetPart | None:
    """One street's files, built with its own Builder: names, tags and themes are
    checked within the street."""
    _misplaced(folder, root, SHARED_FILES, "shared_in_street", problems)
    committee_files = _committee_files(folder / "committees", root, problems)
    documents = _Documents(
        street=_read(folder / "street.yaml", root, problems),
        synonyms=None,
        colloquial=None,
        calibration=None,
        committees=[doc for path in committee_files if (doc := _read(path, root, problems))],
        committee_files=len(committee_files),
    )
    builder = Builder(problems, street=folder.name)
    builders.append(builder)
    parts = builder.street(documents.street) if documents.street else None
    committees = tuple(
        committee
        for doc in documents.committees
        if (committee := builder.committee(doc, builder.qualified(Path(doc.file).stem)))
    )
    builder.check_street_references(parts)
    if parts is None:
        return None
    _check_count(documents, parts[0].committee_count, problems)
    street = replace(parts[0], id=folder.name)
    sources = {builder.qualified(key): doc for key, doc in builder.sources.items()}
    numbers = street_numbers(documents.street, problems)
    return _StreetPart((street, *parts[1:]), committees, sources, numbers)


def _misplaced(
    folder: Path, root: Path, names: tuple[str, ...], message: str, problems: list[Problem]
) -> None:
    """Files left where this layout does not read them: say so, never ignore them."""
    for name in names:
        if (folder / name).exists():
            problems.append(Problem(_display(folder / name, root), None, "", say(message)))


def _union(streets: list[_StreetPart]) -> tuple[dict[str, Text], tuple[Tag, ...]]:
    """Every street's themes and tags, the first street's spelling kept."""
    themes: dict[str, Text] = {}
    tags: dict[str, Tag] = {}
    for part in streets:
        for key, text in part.parts[2].items():
            themes.setdefault(key, text)
        for tag in part.parts[3]:
            tags.setdefault(tag.name, tag)
    return themes, tuple(tags.values())


def _merged(
    streets: list[_StreetPart],
    synonyms: tuple[tuple[str, ...], ...],
    colloquial: Colloquial,
    decision: DecisionModel | None,
) -> KnowledgeBase:
    """One base of every street: the first street's name and fallback stand for the
    base where one is needed; tags and themes are the union, the first spelling kept."""
    first = streets[0].parts
    themes, tags = _union(streets)
    return KnowledgeBase(
        street=first[0],
        fallback=first[1],
        themes=themes,
        tags=tags,
        committees=tuple(c for part in streets for c in part.committees),
        street_facts=tuple(f for part in streets for f in part.parts[4]),
        synonym_groups=synonyms,
        sources={key: doc for part in streets for key, doc in part.sources.items()},
        colloquial=colloquial,
        decision=decision,
        streets=tuple(part.parts[0] for part in streets),
    )
