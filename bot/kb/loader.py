"""Load `knowledge/` into a `KnowledgeBase`, reporting every problem at once.

Layout: `street.yaml`, `synonyms.yaml` and `committees/*.yaml` (one file per
committee; the file name is the committee's id); or, for several streets, the shared
files beside `streets/<street>/` folders (see `bot.kb.streets`). Knowledge must never vanish
silently: a committee file with another suffix is read (`.yml`, `.YAML`), any other
file in `committees/` is an error, and the number of committee files must match
`street.committee_count`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.kb.asking import AskingWords, load_shipped_asking, parse_asking
from bot.kb.build import Builder
from bot.kb.calibration import DecisionModel, parse_calibration
from bot.kb.colloquial import Colloquial, parse_colloquial
from bot.kb.emergency import EmergencyNumbers, EmergencyWords, parse_numbers, parse_words
from bot.kb.handoff import HandoffWords, parse_handoff
from bot.kb.messages import say
from bot.kb.model import KnowledgeBase
from bot.yamlfile import Checker, Problem, YamlDocument, YamlFileError, load_yaml

COMMITTEE_SUFFIXES = (".yaml", ".yml")
"""Committee files end in one of these, in any case (`.YAML` too)."""


class KnowledgeBaseError(Exception):
    """The knowledge base is invalid; `problems` lists everything found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{len(problems)} problem(s) in the knowledge base:\n{lines}")


STREETS_FOLDER = "streets"
"""A knowledge folder holding this is several streets, one folder each inside it."""


@dataclass
class _Documents:
    """The parsed files of one knowledge folder (None where a file could not be read)."""

    street: YamlDocument | None
    synonyms: YamlDocument | None
    colloquial: YamlDocument | None
    calibration: YamlDocument | None
    committees: list[YamlDocument]
    committee_files: int
    emergency: YamlDocument | None = None
    handoff: YamlDocument | None = None


def load_knowledge(directory: Path | str) -> KnowledgeBase:
    """Read and validate a knowledge directory; raise `KnowledgeBaseError` on any problem."""
    root = Path(directory)
    if not root.is_dir():
        raise KnowledgeBaseError([Problem(str(root), None, "", say("no_directory"))])
    if (root / STREETS_FOLDER).is_dir():
        from bot.kb.streets import load_streets  # it builds on this module's readers

        return load_streets(root)
    problems: list[Problem] = []
    documents = _read_all(root, problems)
    builder = Builder(problems)
    street_parts = builder.street(documents.street) if documents.street else None
    synonyms = builder.synonyms(documents.synonyms) if documents.synonyms else ()
    committees = [builder.committee(doc, Path(doc.file).stem) for doc in documents.committees]
    builder.check_cross_references(street_parts)
    colloquial, decision = _optional_parts(documents, problems)
    asking = read_asking(root, problems)
    conversation = conversation_parts(
        documents.street, documents.emergency, documents.handoff, problems
    )
    if street_parts is None:
        raise KnowledgeBaseError(problems)
    _check_count(documents, street_parts[0].committee_count, problems)
    if problems:
        raise KnowledgeBaseError(problems)
    street, fallback, themes, tags, street_facts = street_parts
    return KnowledgeBase(
        street=street,
        fallback=fallback,
        themes=themes,
        tags=tags,
        committees=tuple(c for c in committees if c is not None),
        street_facts=street_facts,
        synonym_groups=synonyms,
        related_topics=builder.related_topics,
        sources=builder.sources,
        colloquial=colloquial,
        decision=decision,
        asking=asking,
        emergency_numbers=conversation.emergency_numbers,
        emergency_words=conversation.emergency_words,
        handoff_words=conversation.handoff_words,
    )


def read_asking(root: Path, problems: list[Problem]) -> AskingWords:
    """details.yaml of the folder; a folder without one uses the shipped asking words."""
    document = _read_optional(root / "details.yaml", root, problems)
    return parse_asking(document, problems) if document else load_shipped_asking()


def _optional_parts(
    documents: _Documents, problems: list[Problem]
) -> tuple[Colloquial, DecisionModel | None]:
    """Dialect words and the fitted decision, from the files a knowledge base may lack."""
    colloquial = documents.colloquial
    calibration = documents.calibration
    return (
        parse_colloquial(colloquial, problems) if colloquial else Colloquial(),
        parse_calibration(calibration, problems) if calibration else None,
    )


def _read_all(root: Path, problems: list[Problem]) -> _Documents:
    committee_files = _committee_files(root / "committees", root, problems)
    return _Documents(
        street=_read(root / "street.yaml", root, problems),
        synonyms=_read(root / "synonyms.yaml", root, problems),
        colloquial=_read_optional(root / "colloquial.yaml", root, problems),
        calibration=_read_optional(root / "calibration.yaml", root, problems),
        committees=[doc for path in committee_files if (doc := _read(path, root, problems))],
        committee_files=len(committee_files),
        emergency=_read_optional(root / "emergency.yaml", root, problems),
        handoff=_read_optional(root / "handoff.yaml", root, problems),
    )


@dataclass(frozen=True)
class Conversation:
    """The words and numbers of the dialogue's first steps: emergencies and hand-offs."""

    emergency_numbers: EmergencyNumbers | None = None
    emergency_words: EmergencyWords | None = None
    handoff_words: HandoffWords | None = None


def conversation_parts(
    street: YamlDocument | None,
    emergency: YamlDocument | None,
    handoff: YamlDocument | None,
    problems: list[Problem],
) -> Conversation:
    """street.yaml's emergency numbers, emergency.yaml and handoff.yaml (each optional)."""
    numbers = street_numbers(street, problems)
    return conversation_words(numbers, emergency, handoff, problems, street_read=street is not None)


def street_numbers(street: YamlDocument | None, problems: list[Problem]) -> EmergencyNumbers | None:
    """The `emergency:` block of a street.yaml (None without one)."""
    if street is None or not isinstance(street.data, dict):
        return None
    return parse_numbers(street, street.data.get("emergency"), problems)


def conversation_words(
    numbers: EmergencyNumbers | None,
    emergency: YamlDocument | None,
    handoff: YamlDocument | None,
    problems: list[Problem],
    *,
    street_read: bool = True,
) -> Conversation:
    """emergency.yaml (its kinds checked against `numbers`) and handoff.yaml."""
    words = (
        parse_words(emergency, problems, numbers, street_read=street_read) if emergency else None
    )
    return Conversation(
        numbers,
        words,
        parse_handoff(handoff, problems) if handoff else None,
    )


def _committee_files(folder: Path, root: Path, problems: list[Problem]) -> list[Path]:
    """One YAML file per committee; anything else in the folder is reported."""
    by_id: dict[str, Path] = {}
    for path in _listing(folder, root, problems):
        if _is_editor_file(path.name):
            continue
        if not (path.suffix.lower() in COMMITTEE_SUFFIXES and path.is_file()):
            problems.append(Problem(_display(path, root), None, "", say("not_committee_file")))
        elif path.stem in by_id:
            first = by_id[path.stem].name
            message = say("committee_twice", committee=path.stem, first=first)
            problems.append(Problem(_display(path, root), None, "", message))
        else:
            by_id[path.stem] = path
    if not by_id:
        problems.append(Problem(_display(folder, root), None, "", say("no_committees")))
    return list(by_id.values())


def _listing(folder: Path, root: Path, problems: list[Problem]) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except FileNotFoundError:
        return []
    except OSError as exc:
        reason = exc.strerror or str(exc)
        problems.append(
            Problem(_display(folder, root), None, "", say("unreadable_directory", reason=reason))
        )
        return []


def _is_editor_file(name: str) -> bool:
    """Swap, lock and backup files editors leave beside the file being edited."""
    return name.startswith((".", "#")) or name.endswith("~")


def _check_count(documents: _Documents, expected: int, problems: list[Problem]) -> None:
    """A deleted or renamed committee file must not leave the bot quietly short of one."""
    found = documents.committee_files
    if documents.street is not None and expected and found != expected:
        Checker(documents.street, problems).report(
            ("street", "committee_count"), say("committee_count", expected=expected, found=found)
        )


def _display(path: Path, root: Path) -> str:
    """A path as the admin sees it: relative to the knowledge dir's parent."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _read(path: Path, root: Path, problems: list[Problem]) -> YamlDocument | None:
    try:
        return load_yaml(path, _display(path, root))
    except YamlFileError as exc:
        problems.extend(exc.problems)
        return None


def _read_optional(path: Path, root: Path, problems: list[Problem]) -> YamlDocument | None:
    """A file a knowledge base may do without (dialect words, a fitted calibration)."""
    return _read(path, root, problems) if path.exists() else None
