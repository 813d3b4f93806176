"""A safe YAML 1.2 reader that keeps the place of every value.

Built on libyaml's event parser (PyYAML), with a composer of our own so that:

- plain scalars resolve by the YAML 1.2 core schema, stricter still: `NO`, `on` and `yes` stay
  strings; numbers with a leading zero (`010`, `0150`) stay strings; only `true`/`false` are
  booleans; there are no timestamps and no octals;
- mapping keys are always the text written (`NO:` is the key "NO", `1:` is the key "1");
- duplicate keys, unknown tags, recursive aliases and non-text keys are problems, never guesses;
- nothing is ever constructed from a tag (`!!python/object` is refused, not executed);
- input is bounded before it costs anything: file size, nesting depth, scalar length and the
  number of nodes after alias and merge-key expansion (so alias bombs stop early).

The result is a tree of `Node`s, each holding its `Mark` (file:line:col).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

import yaml
import yaml.events as ev
import yaml.reader

from reconciler.config.files import FileProblem, read_limited
from reconciler.errors import Mark, Problem

MAX_FILE_BYTES: Final = 4 * 1024 * 1024
MAX_SCALAR_CHARS: Final = 1024 * 1024
MAX_DEPTH: Final = 64
MAX_NODES: Final = 500_000

Scalar = str | int | float | bool | None

_BaseLoader: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)

_CORE: Final = "tag:yaml.org,2002:"
_NULL = re.compile(r"~|null|Null|NULL|")
_TRUE = re.compile(r"true|True|TRUE")
_FALSE = re.compile(r"false|False|FALSE")
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,17})")
_FLOAT = re.compile(
    r"[-+]?(?:0|[1-9][0-9]*)?(?:\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?(?:0|[1-9][0-9]*)[eE][-+]?[0-9]+"
)
_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)")


@dataclass(eq=False, slots=True)
class Node:
    """A value read from YAML with its place. Mappings keep the place of each key too."""

    value: dict[str, Node] | list[Node] | Scalar
    mark: Mark
    key_marks: dict[str, Mark] = field(default_factory=dict)
    size: int = 1  # values in the subtree, counting what aliases repeat
    height: int = 1  # levels in the subtree, counting what aliases repeat
    raw: str | None = None  # a scalar's text as written, for mapping keys

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_sequence(self) -> bool:
        return isinstance(self.value, list)


class YamlProblems(Exception):
    """Raised when a file cannot be read at all; carries the problems found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message if problems else "unreadable YAML")
        self.problems = problems


def read_text(path: str, display: str) -> str:
    """Read a config file as UTF-8 text, refusing what is too large or not text."""
    try:
        data = read_limited(path, MAX_FILE_BYTES)
    except FileProblem as e:
        hint = "; split the config with include:" if "larger" in str(e) else ""
        code = "too-large" if hint else "io"
        raise YamlProblems([Problem(Mark(display, 1, 1), f"file {e}{hint}", code)]) from None
    return decode_text(data, display)


def decode_text(data: bytes, display: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlProblems(
            [Problem(Mark(display, 1, 1), "file is UTF-16; save it as UTF-8", "encoding")]
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise YamlProblems(
            [
                Problem(
                    _byte_mark(data, nul, display),
                    "binary content (NUL byte); not a YAML text file",
                    "encoding",
                )
            ]
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise YamlProblems(
            [
                Problem(
                    _byte_mark(data, e.start, display),
                    "not valid UTF-8 text; save the file as UTF-8",
                    "encoding",
                )
            ]
        ) from None


def _byte_mark(data: bytes, offset: int, display: str) -> Mark:
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return Mark(display, line, col)


@dataclass
class Budget:
    """How many more values (counting alias and merge-key expansion) may be read; one
    budget can be shared by all the files of a config."""

    left: int = MAX_NODES


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large acyclic trees: it would
    only rescan them, again and again, and make loading grow faster than the input."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def parse(
    text: str, display: str, budget: Budget | None = None, soft: list[Problem] | None = None
) -> Node | None:
    """Parse one YAML document; None for an empty document. Raises YamlProblems.

    Problems that leave the tree whole (a duplicate key: the first one counts) go to
    `soft` when it is given, so that the caller can go on and find the rest."""
    with paused_gc():
        composer = _Composer(text, display, budget or Budget())
        node = composer.compose()
    if composer.problems:
        if soft is None:
            raise YamlProblems(composer.problems)
        soft.extend(composer.problems)
    return node


class _Composer:
    def __init__(self, text: str, display: str, budget: Budget) -> None:
        self.display = display
        self.budget = budget
        self.text = text
        self.loader = _BaseLoader(text)
        self.anchors: dict[str, Node] = {}
        self.open_anchors: set[str] = set()
        self.problems: list[Problem] = []

    def mark(self, event: ev.Event) -> Mark:
        m = event.start_mark
        return Mark(self.display, m.line + 1, m.column + 1) if m else Mark(self.display, 1, 1)

    def fail(self, mark: Mark, message: str, code: str = "yaml") -> YamlProblems:
        return YamlProblems([*self.problems, Problem(mark, message, code)])

    def compose(self) -> Node | None:
        try:
            return self._compose_stream()
        except yaml.MarkedYAMLError as e:
            raise self._syntax(e) from None
        except yaml.reader.ReaderError as e:
            raise self._unreadable(e) from None
        except yaml.YAMLError:
            raise self.fail(Mark(self.display, 1, 1), "YAML: unreadable input") from None
        finally:
            self.loader.dispose()

    def _syntax(self, e: yaml.MarkedYAMLError) -> YamlProblems:
        m = e.problem_mark or e.context_mark
        mark = Mark(self.display, m.line + 1, m.column + 1) if m else Mark(self.display, 1, 1)
        problem = (e.problem or "").strip()
        message = f"YAML syntax: {problem}" if problem else "YAML syntax error"
        if e.context:
            message += f" ({e.context.strip()})"
        if m is not None and self._is_tab(m.line, m.column):
            message = "YAML syntax: a tab character here; YAML is indented with spaces"
        return self.fail(mark, message)

    def _unreadable(self, e: yaml.reader.ReaderError) -> YamlProblems:
        before = self.text[: e.position]
        line = before.count("\n") + 1
        col = e.position - (before.rfind("\n") + 1) + 1
        code = e.character if isinstance(e.character, int) else ord(str(e.character)[:1] or " ")
        return self.fail(
            Mark(self.display, line, col),
            f"YAML: a control character (U+{code:04X}) is not allowed in YAML text; remove it",
        )

    def _is_tab(self, line: int, column: int) -> bool:
        lines = self.text.split("\n", line + 1)
        return line < len(lines) and lines[line][column : column + 1] == "\t"

    def _compose_stream(self) -> Node | None:
        get = self.loader.get_event
        get()  # StreamStart
        if self.loader.check_event(ev.StreamEndEvent):
            return None
        get()  # DocumentStart
        root = self._compose_document()
        get()  # DocumentEnd
        if not self.loader.check_event(ev.StreamEndEvent):
            extra = self.loader.peek_event()
            raise self.fail(
                self.mark(extra), "a second YAML document ('---'); a config file holds one"
            )
        return root

    def _compose_document(self) -> Node | None:
        """Build the tree iteratively (no recursion), so depth costs no stack."""
        stack: list[tuple[Node, list[tuple[str, Mark]] | None, list[Node]]] = []
        pending_key: list[tuple[str, Mark] | None] = []
        anchors_of: list[str | None] = []
        root: Node | None = None
        loader = self.loader
        while True:
            event = loader.get_event()
            node: Node | None = None
            kind = type(event)
            if kind is ev.ScalarEvent:
                node = self._scalar(event)
                if event.anchor:
                    self.anchors[event.anchor] = node
            elif kind is ev.AliasEvent:
                node = self._alias(event, len(stack))
            elif kind is ev.MappingStartEvent or kind is ev.SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise self.fail(
                        self.mark(event), f"nesting deeper than {MAX_DEPTH} levels", "too-deep"
                    )
                self._check_tag(event)
                is_map = kind is ev.MappingStartEvent
                container = Node({} if is_map else [], self.mark(event))
                if event.anchor:
                    self.open_anchors.add(event.anchor)
                anchors_of.append(event.anchor)
                stack.append((container, [] if is_map else None, []))
                pending_key.append(None)
                continue
            elif kind is ev.MappingEndEvent or kind is ev.SequenceEndEvent:
                container, _, merges = stack.pop()
                pending_key.pop()
                if merges:
                    self._apply_merges(container, merges)
                anchor = anchors_of.pop()
                if anchor:
                    self.open_anchors.discard(anchor)
                    self.anchors[anchor] = container
                node = container
            else:  # DocumentEnd cannot come before the root closes
                raise self.fail(self.mark(event), "unexpected YAML event")

            if not stack:
                root = node
                break
            self._attach(stack[-1], pending_key, node)
        return root

    def _attach(
        self,
        top: tuple[Node, list[tuple[str, Mark]] | None, list[Node]],
        pending_key: list[tuple[str, Mark] | None],
        node: Node,
    ) -> None:
        container, _, merges = top
        container.size += node.size
        if node.height >= container.height:
            container.height = node.height + 1
        if isinstance(container.value, list):
            container.value.append(node)
            return
        assert isinstance(container.value, dict)
        key = pending_key[-1]
        if key is None:
            if node.raw is None:
                raise self.fail(node.mark, "a mapping key must be plain text, not a collection")
            pending_key[-1] = (node.raw, node.mark)
            return
        pending_key[-1] = None
        name, key_mark = key
        if name == "<<":
            merges.extend(self._merge_sources(node))
            return
        if name in container.value:
            first = container.key_marks[name]
            self.problems.append(
                Problem(
                    key_mark,
                    f"duplicate key '{name}' (first set at line {first.line})",
                    "duplicate-key",
                )
            )
            return
        container.value[name] = node
        container.key_marks[name] = key_mark

    def _merge_sources(self, node: Node) -> list[Node]:
        sources = node.value if isinstance(node.value, list) else [node]
        if not all(isinstance(s.value, dict) for s in sources):
            raise self.fail(node.mark, "a merge key '<<' takes a mapping or a list of mappings")
        return sources

    def _apply_merges(self, container: Node, merges: list[Node]) -> None:
        assert isinstance(container.value, dict)
        for source in merges:
            assert isinstance(source.value, dict)
            for name, child in source.value.items():
                if name not in container.value:
                    container.value[name] = child
                    container.key_marks[name] = source.key_marks[name]
                    self._count(child.size, container.mark)
                    container.size += child.size
                    container.height = max(container.height, child.height + 1)

    def _count(self, n: int, mark: Mark) -> None:
        self.budget.left -= n
        if self.budget.left < 0:
            raise self.fail(
                mark,
                f"the config holds more than {MAX_NODES:,} values (counting what aliases "
                "repeat); that is far beyond any real config — an alias bomb?",
                "too-large",
            )

    def _alias(self, event: ev.AliasEvent, depth: int) -> Node:
        name = event.anchor or ""
        if name in self.open_anchors:
            raise self.fail(self.mark(event), f"alias *{name} refers to its own anchor")
        target = self.anchors.get(name)
        if target is None:
            raise self.fail(self.mark(event), f"alias *{name} has no anchor &{name} before it")
        self._count(target.size, self.mark(event))
        if depth + target.height > MAX_DEPTH:
            raise self.fail(
                self.mark(event),
                f"nesting deeper than {MAX_DEPTH} levels, counting what the alias repeats",
                "too-deep",
            )
        return target

    def _check_tag(self, event: ev.CollectionStartEvent) -> None:
        tag = event.tag
        if tag and tag not in ("!", _CORE + "map", _CORE + "seq", _CORE + "omap"):
            raise self.fail(self.mark(event), _bad_tag(tag), "unsafe-tag")

    def _scalar(self, event: ev.ScalarEvent) -> Node:
        mark = self.mark(event)
        self.budget.left -= 1
        if self.budget.left < 0:
            self._count(0, mark)
        text: str = event.value
        if len(text) > MAX_SCALAR_CHARS:
            raise self.fail(
                mark,
                f"a value longer than {MAX_SCALAR_CHARS // 1024} KB; "
                "large content belongs in a file the config names",
                "too-large",
            )
        tag = event.tag
        plain = event.implicit[0] and not tag
        if tag and tag != "!":
            value: Scalar = self._tagged(tag, text, mark)
        elif plain:
            value = resolve_plain(text)
        else:
            value = text
        return Node(value, mark, raw=text)

    def _tagged(self, tag: str, text: str, mark: Mark) -> Scalar:
        kind = tag.removeprefix(_CORE) if tag.startswith(_CORE) else None
        if kind == "str":
            return text
        if kind in ("int", "float", "bool", "null"):
            value = resolve_plain(text)
            wanted = {"int": int, "float": float, "bool": bool, "null": type(None)}[kind]
            if kind == "float" and type(value) is int:
                return float(value)
            if type(value) is wanted:
                return value
            raise self.fail(mark, f"'{text}' is not a valid !!{kind}")
        raise self.fail(mark, _bad_tag(tag), "unsafe-tag")


def _bad_tag(tag: str) -> str:
    shown = "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag
    return f"tag {shown} is not allowed; config values are plain data (nothing is constructed)"


def resolve_plain(text: str) -> Scalar:
    """Resolve an unquoted scalar by YAML 1.2's core schema, with no octals and no
    leading-zero numbers (`0150` stays the text "0150"). Dispatches on the first
    character, since most values are plain text."""
    first = text[:1]
    if first.isdigit() or first in ("-", "+", "."):
        if _INT.fullmatch(text):
            return int(text)
        if _FLOAT.fullmatch(text):
            return float(text)
        if _INF.fullmatch(text):
            return float("-inf") if first == "-" else float("inf")
        if _NAN.fullmatch(text):
            return float("nan")
        return text
    if first in ("", "~", "n", "N"):
        return None if _NULL.fullmatch(text) else text
    if first in ("t", "T"):
        return True if _TRUE.fullmatch(text) else text
    if first in ("f", "F"):
        return False if _FALSE.fullmatch(text) else text
    return text
