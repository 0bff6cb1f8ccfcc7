"""Read YAML files while remembering the line of every value.

Admins edit YAML by hand, so an error has to say *where*: the file, the line and
the field. PyYAML's composer keeps a mark on every node; this module turns the
node tree into plain Python data plus a `{path: line}` table, and offers a small
checker that records problems instead of stopping at the first one.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.text import Lang, Text

PathKey = tuple[str | int, ...]

# libyaml's parser when PyYAML was built with it: the same nodes and marks, faster.
_FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of one file, in words an admin understands."""

    file: str
    line: int | None
    field: str
    message: Text | str

    def in_lang(self, lang: Lang) -> str:
        """`file:line: field.path: message`, the message in `lang` (the rest is what an
        editor jumps to, so it stays as it is)."""
        message = self.message.in_lang(lang) if isinstance(self.message, Text) else self.message
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {message}" if self.field else f"{where}: {message}"

    def __str__(self) -> str:
        return self.in_lang("en")


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
    """A file that cannot be read as YAML at all (missing, not UTF-8, bad syntax, empty)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def load_yaml(path: Path, display_name: str | None = None) -> YamlDocument:
    """Parse one YAML file; raise `YamlFileError` with a readable problem on failure."""
    name = display_name or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise YamlFileError(Problem(name, None, "", "file not found")) from None
    except OSError as exc:
        raise YamlFileError(Problem(name, None, "", f"cannot read file ({exc.strerror})")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlFileError(
            Problem(name, line, "", "file is not UTF-8 text; save it as UTF-8 and try again")
        ) from None
    try:
        node = yaml.compose(text, Loader=_FastLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        syntax_line = mark.line + 1 if mark else None
        reason = exc.problem or exc.context or "invalid YAML"
        raise YamlFileError(
            Problem(name, syntax_line, "", f"YAML syntax error: {reason}")
        ) from None
    except yaml.YAMLError as exc:
        raise YamlFileError(Problem(name, None, "", f"YAML syntax error: {exc}")) from None
    if node is None:
        raise YamlFileError(Problem(name, 1, "", "file is empty"))
    document = YamlDocument(name, None)
    document.data = _to_python(node, (), document.lines, yaml.SafeLoader(""))
    return document


def _to_python(
    node: yaml.Node, path: PathKey, lines: dict[PathKey, int], loader: yaml.SafeLoader
) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node))
            result[key] = _to_python(value_node, (*path, key), lines, loader)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*path, i), lines, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node)


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
            self.report(path, f"should be a mapping of fields, not {_kind(value)}")
            return None
        known = required + optional
        for key in value:
            if key not in known:
                hint = difflib.get_close_matches(key, known, n=1)
                extra = (
                    f" (did you mean '{hint[0]}'?)" if hint else f" (allowed: {', '.join(known)})"
                )
                self.report((*path, key), f"unknown field '{key}'{extra}")
        for key in required:
            if key not in value:
                self.report(path, f"missing required field '{key}'")
        return value

    def text(self, value: Any, path: PathKey, *, required: bool = True) -> str | None:
        """A non-empty string (numbers are accepted and turned into text)."""
        if value is None or value == "":
            if required:
                self.report(path, "must not be empty")
            return None
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.report(path, f"should be text, not {_kind(value)}")
            return None
        return str(value).strip()

    def text_list(self, value: Any, path: PathKey, *, min_items: int = 0) -> tuple[str, ...]:
        if value is None:
            value = []
        if not isinstance(value, list):
            self.report(path, f"should be a list, not {_kind(value)}")
            return ()
        items = [self.text(item, (*path, i)) for i, item in enumerate(value)]
        result = tuple(item for item in items if item)
        if len(result) < min_items:
            self.report(path, f"needs at least {min_items} entries, has {len(result)}")
        return result

    def boolean(self, value: Any, path: PathKey, default: bool = False) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.report(path, f"should be true or false, not {_kind(value)}")
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
