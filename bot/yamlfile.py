"""Read YAML files while remembering the line of every value.

Admins edit YAML by hand, so an error has to say *where*: the file, the line and
the field. PyYAML's composer keeps a mark on every node; this module turns the
node tree into plain Python data plus a `{path: line}` table, and offers a small
checker that records problems instead of stopping at the first one.

Only plain YAML is accepted: no tags, no aliases, no key twice in one mapping, no
value that looks like a date or number but cannot be one. Whatever a file holds,
the answer is data or `file:line: what is wrong`, never a traceback, and the work
is bounded by the file size.
"""

from __future__ import annotations

import datetime
import difflib
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PathKey = tuple[str | int, ...]

# libyaml's parser when PyYAML was built with it: the same nodes and marks, faster.
_FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FILE_BYTES = 128 * 1024
"""The largest file read. Hand-written files here are under 10 kB; a file built to be
costly (a flow list of 60,000 one-letter items) takes 0.5 s and 31 MB at this size."""
MAX_DEPTH = 30
"""Deepest nesting accepted; the knowledge base needs 6 levels."""
MAX_NUMBER_CHARS = 30
"""Longer digit strings are refused before Python turns them into a (slow, huge) int."""

MESSAGES = {
    # reading a file
    "not_found": "file not found",
    "unreadable": "cannot read file ({reason})",
    "not_a_file": "is not a regular file (a folder, a pipe or a device)",
    "too_large": "file is larger than {limit:,} bytes; is it the right file?",
    "not_utf8": "file is not UTF-8 text; save it as UTF-8 and try again",
    "control_character": "invisible control character {code} is not allowed in YAML; delete it",
    "syntax": "YAML syntax error: {reason}",
    "empty": "file is empty",
    # what the file holds
    "alias": "aliases (*name) are not allowed; write the value out in full",
    "tag": "the tag '{tag}' is not allowed; remove it, or quote the value if the '!' is text",
    "too_deep": "nested more than {limit} levels deep",
    "key_not_text": "a key must be plain text",
    "duplicate_key": "duplicate key '{key}' (first at line {first}); keep only one",
    "long_number": "a number with {digits} digits is too long; quote it if it is meant as text",
    "bad_value": "'{value}' is not {kind}; correct it, or quote it if it is meant as text",
    # checking fields
    "not_mapping": "should be a mapping of fields, not {kind}",
    "unknown_field": "unknown field '{key}'{hint}",
    "did_you_mean": " (did you mean '{name}'?)",
    "allowed": " (allowed: {names})",
    "missing_field": "missing required field '{key}'",
    "empty_value": "must not be empty",
    "not_text": "should be text, not {kind}",
    "not_list": "should be a list, not {kind}",
    "too_few": "needs at least {least} entries, has {count}",
    "not_boolean": "should be true or false, not {kind}",
}
"""Every message this module gives an admin, in one table (so it can be translated)."""


def say(name: str, /, **values: Any) -> str:
    """The message `name` of `MESSAGES`, filled in."""
    return MESSAGES[name].format(**values)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of one file, in words an admin understands."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass
class YamlDocument:
    """Plain data from one YAML file, with the line number of every node."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


class YamlFileError(Exception):
    """A file that cannot be read as YAML data (missing, not UTF-8, bad syntax, empty, or
    holding something this loader refuses: tags, aliases, impossible values, duplicate keys)."""

    def __init__(self, problems: Problem | list[Problem]) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.problem = self.problems[0]
        super().__init__("\n".join(str(problem) for problem in self.problems))


def load_yaml(path: Path, display_name: str | None = None) -> YamlDocument:
    """Parse one YAML file; raise `YamlFileError` with readable problems on failure."""
    name = display_name or str(path)
    text = _read_text(path, name)
    node = _compose(text, name)
    document = YamlDocument(name, None)
    builder = _DataBuilder(name, document.lines)
    try:
        document.data = builder.build(node)
    except _AliasFound:
        raise YamlFileError(Problem(name, _first_alias_line(text), "", say("alias"))) from None
    if builder.problems:
        raise YamlFileError(builder.problems)
    return document


def _read_text(path: Path, name: str) -> str:
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a pipe would block the reload for ever
            raise YamlFileError(Problem(name, None, "", say("not_a_file")))
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise YamlFileError(Problem(name, None, "", say("not_found"))) from None
    except OSError as exc:
        raise YamlFileError(
            Problem(name, None, "", say("unreadable", reason=exc.strerror or exc))
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise YamlFileError(Problem(name, None, "", say("too_large", limit=MAX_FILE_BYTES)))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlFileError(Problem(name, line, "", say("not_utf8"))) from None
    if forbidden := _NOT_YAML_TEXT.search(text):
        line = text.count("\n", 0, forbidden.start()) + 1
        code = f"U+{ord(forbidden.group()):04X}"
        raise YamlFileError(Problem(name, line, "", say("control_character", code=code)))
    return text


def _compose(text: str, name: str) -> yaml.Node:
    try:
        node = yaml.compose(text, Loader=_FastLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or exc.context or "invalid YAML"
        line = mark.line + 1 if mark else None
        raise YamlFileError(Problem(name, line, "", say("syntax", reason=reason))) from None
    except yaml.reader.ReaderError as exc:  # libyaml counts bytes of the UTF-8 text
        line = text.encode("utf-8")[: exc.position].count(b"\n") + 1
        raise YamlFileError(Problem(name, line, "", say("syntax", reason=exc.reason))) from None
    except yaml.YAMLError as exc:
        raise YamlFileError(Problem(name, None, "", say("syntax", reason=exc))) from None
    if node is None:
        raise YamlFileError(Problem(name, 1, "", say("empty")))
    return node


class _AliasFound(Exception):
    """A node reached a second time: the document uses an alias (`*name`)."""


def _first_alias_line(text: str) -> int | None:
    for event in yaml.parse(text, Loader=_FastLoader):
        if isinstance(event, yaml.AliasEvent) and event.start_mark:
            return event.start_mark.line + 1
    return None


class _DataBuilder:
    """Turns a node tree into plain data, recording each node's line and every problem.

    Admins' files need nothing but mappings, lists and plain scalars, so anything else
    is refused here rather than half-understood: tags, aliases (which also stops the
    "billion laughs" from expanding), duplicate keys and values Python cannot build.
    """

    def __init__(self, file: str, lines: dict[PathKey, int]) -> None:
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []
        self._seen: set[int] = set()
        self._constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: PathKey = ()) -> Any:
        if id(node) in self._seen:
            raise _AliasFound
        self._seen.add(id(node))
        self.lines[path] = node.start_mark.line + 1
        if len(path) > MAX_DEPTH:
            self._refuse(node, say("too_deep", limit=MAX_DEPTH))
        elif node.tag not in _ALLOWED_TAGS[type(node)]:
            self._refuse(node, say("tag", tag=_tag_name(node.tag)))
        elif isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        elif isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        elif isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        return None

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            if key is None:
                continue
            first_line = self.lines.get((*path, key)) if key in result else None
            result[key] = self.build(value_node, (*path, key))
            self.lines[(*path, key)] = key_node.start_mark.line + 1
            if first_line is not None:
                self._refuse(key_node, say("duplicate_key", key=key, first=first_line))
        return result

    def _key(self, node: yaml.Node) -> str | None:
        if id(node) in self._seen:
            raise _AliasFound
        self._seen.add(id(node))
        known_problems = len(self.problems)
        value: Any = None
        if not isinstance(node, yaml.ScalarNode):
            self._refuse(node, say("key_not_text"))
        elif node.tag not in _ALLOWED_TAGS[yaml.ScalarNode]:
            self._refuse(node, say("tag", tag=_tag_name(node.tag)))
        else:
            value = self._scalar(node)
        return str(value) if len(self.problems) == known_problems else None

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == _INT_TAG and len(node.value) > MAX_NUMBER_CHARS:
            self._refuse(node, say("long_number", digits=len(node.value)))
            return None
        try:
            return self._constructor.construct_object(node)
        # PyYAML's constructors fail in many ways on odd input (`!!float ''` is an
        # IndexError, `!!timestamp x` an AttributeError): any failure means "not a value"
        except Exception:
            kind = _VALUE_KIND.get(node.tag, "a value")
            self._refuse(node, say("bad_value", value=_preview(node.value), kind=kind))
            return None

    def _refuse(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.file, node.start_mark.line + 1, "", message))


_YAML_TAG = "tag:yaml.org,2002:"
_INT_TAG = _YAML_TAG + "int"
_ALLOWED_TAGS: dict[type[yaml.Node], frozenset[str]] = {
    yaml.ScalarNode: frozenset(
        _YAML_TAG + kind for kind in ("str", "int", "float", "bool", "null", "timestamp")
    ),
    yaml.SequenceNode: frozenset({_YAML_TAG + "seq"}),
    yaml.MappingNode: frozenset({_YAML_TAG + "map"}),
}
_VALUE_KIND = {
    _INT_TAG: "a whole number",
    _YAML_TAG + "float": "a number",
    _YAML_TAG + "bool": "true or false",
    _YAML_TAG + "timestamp": "a real date",
}
# What YAML 1.1 allows in a stream; anything else (NUL, other control characters) is
# found here so the message can give a line rather than libyaml's byte position.
_NOT_YAML_TEXT = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _tag_name(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag


def _preview(value: str, limit: int = 30) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def format_path(path: PathKey) -> str:
    """`("facts", 1, "answer")` -> `facts[1].answer`, the way an admin reads a field."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class Checker:
    """Collects problems for one document; every check returns the value or None."""

    def __init__(self, document: YamlDocument, problems: list[Problem]) -> None:
        self.document = document
        self.problems = problems

    def report(self, path: PathKey, message: str) -> None:
        self.problems.append(
            Problem(self.document.file, self.document.line_of(path), format_path(path), message)
        )

    def mapping(
        self,
        value: Any,
        path: PathKey,
        *,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
    ) -> Mapping[str, Any] | None:
        """A mapping with exactly these keys; unknown keys get a did-you-mean."""
        if not isinstance(value, dict):
            self.report(path, say("not_mapping", kind=_kind(value)))
            return None
        known = required + optional
        for key in value:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = (
                    say("did_you_mean", name=close[0])
                    if close
                    else say("allowed", names=", ".join(known))
                )
                self.report((*path, key), say("unknown_field", key=key, hint=hint))
        for key in required:
            if key not in value:
                self.report(path, say("missing_field", key=key))
        return value

    def text(self, value: Any, path: PathKey, *, required: bool = True) -> str | None:
        """A non-empty string (numbers are accepted and turned into text)."""
        if value is None or value == "":
            if required:
                self.report(path, say("empty_value"))
            return None
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.report(path, say("not_text", kind=_kind(value)))
            return None
        return str(value).strip()

    def text_list(self, value: Any, path: PathKey, *, min_items: int = 0) -> tuple[str, ...]:
        if value is None:
            value = []
        if not isinstance(value, list):
            self.report(path, say("not_list", kind=_kind(value)))
            return ()
        items = [self.text(item, (*path, i)) for i, item in enumerate(value)]
        result = tuple(item for item in items if item)
        if len(result) < min_items:
            self.report(path, say("too_few", least=min_items, count=len(result)))
        return result

    def boolean(self, value: Any, path: PathKey, default: bool = False) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.report(path, say("not_boolean", kind=_kind(value)))
            return default
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)
