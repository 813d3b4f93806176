"""From files to one tree: read the root file, expand `include:`, apply the `defaults:` levels.

Rules (the README's "Chains" section says the same):

- `include: path` or `include: [path, glob, …]` may stand in any mapping. Paths are relative
  to the file that names them; globs expand in sorted order. The included files' mappings are
  merged in order, then the including mapping's own keys on top. Included files lie inside
  the config directory, and globs are bounded (see include_paths.py).
- Merging is deep for mappings (key by key; new keys are appended, so order is kept); a list or
  a plain value replaces what it overrides; `null` (or an empty value) drops the key, so the
  model's default applies.
- `defaults:` at the top holds `account`, `database`, `clinic` and `provider` blocks; an
  account's `defaults:` holds `database`, `clinic` and `provider`; a clinic's holds `provider`.
  Each object is its defaults, nearest last, with its own keys on top.

Every node keeps its Mark, so the effective tree still says which line set each value.

The value budget the reader counts the files against (yaml12.MAX_NODES, aliases expanded)
also pays for what defaults add: a block applied to every provider adds its values to each,
and a config that grows past the budget that way stops at the block, not in the validator.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from reconciler.config.include_paths import IncludeRefused, display_path, include_files
from reconciler.config.values import Ref, Text
from reconciler.config.yaml12 import (
    MAX_DEPTH,
    MAX_NODES,
    Budget,
    Node,
    YamlProblems,
    parse,
    read_text,
)
from reconciler.errors import ConfigError, Mark, Problem, ReconcilerError

ROOT_FILE: Final = "reconciler.yaml"
MAX_FILES: Final = 2000
MAX_INCLUDE_DEPTH: Final = 32

ConfigPath = tuple[str | int, ...]

# The levels `defaults:` may name, and which of them each level may hold.
DEFAULT_LEVELS: Final = {
    "root": ("account", "database", "clinic", "provider"),
    "account": ("database", "clinic", "provider"),
    "clinic": ("provider",),
}


@dataclass
class Tree:
    """The config as written (includes expanded) and as in effect (defaults applied), and
    the `defaults:` blocks with their paths in the written tree."""

    written: Node
    root: Node
    files: list[str]
    defaults: list[tuple[ConfigPath, str, Node]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # found, but validation can go on


def find_root_file(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if p.is_dir():
        candidate = p / ROOT_FILE
        if not candidate.is_file():
            raise ReconcilerError(
                f"{p}: no {ROOT_FILE} here", f"give a config directory or its {ROOT_FILE}"
            )
        return candidate
    if not p.exists():
        raise ReconcilerError(f"{p}: no such file or directory", "check the path")
    return p


def load_tree(path: str | os.PathLike[str]) -> Tree:
    """Read, include and merge. Raises ConfigError with every problem found when content
    is missing; problems that leave the tree whole are kept in `Tree.problems`."""
    root_file = find_root_file(path)
    reader = _Reader(root_file.resolve().parent)
    root = reader.read_file(root_file.resolve(), (), None)
    if reader.problems:
        raise ConfigError(reader.problems + reader.soft)
    if root is None:
        raise ConfigError(
            [
                Problem(
                    Mark(display_path(root_file), 1, 1),
                    "file is empty; a config starts with version: 1",
                )
            ]
        )
    if not isinstance(root.value, dict):
        raise ConfigError([Problem(root.mark, _not_mapping("the top level", root))])
    tree = Tree(root, root, reader.files, problems=reader.soft)
    try:
        tree.root = _apply_defaults(root, tree, tree.problems, reader.budget)
    except OverBudget as e:
        raise ConfigError([*tree.problems, e.problem]) from None
    return tree


def _not_mapping(what: str, node: Node) -> str:
    kind = "a list" if isinstance(node.value, list) else "a single value"
    return f"{what} must be a mapping (key: value), not {kind}"


class _Reader:
    """Reads files and expands includes. `problems` leave content missing, so validation
    cannot go on; `soft` problems leave every value in place, and it can."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory  # the config directory: includes stay inside it
        self.problems: list[Problem] = []
        self.soft: list[Problem] = []
        self.files: list[str] = []
        self.budget = Budget()

    def read_file(
        self, path: Path, chain: tuple[Path, ...], by: Mark | None, at: int = 0
    ) -> Node | None:
        """The file's tree with its includes expanded; `at` is how many levels deep in the
        including tree its top level lands."""
        display = display_path(path)
        if path in chain:
            cycle = " → ".join(display_path(p) for p in (*chain[chain.index(path) :], path))
            self.problems.append(Problem(by, f"include cycle: {cycle}", "include"))
            return None
        if len(chain) >= MAX_INCLUDE_DEPTH:
            self.problems.append(
                Problem(by, f"includes nest deeper than {MAX_INCLUDE_DEPTH} files", "include")
            )
            return None
        if len(self.files) >= MAX_FILES:
            self.problems.append(Problem(by, f"more than {MAX_FILES} files included", "include"))
            return None
        self.files.append(display)
        try:
            node = parse(read_text(str(path), display), display, self.budget, self.soft)
        except YamlProblems as e:
            self.problems.extend(e.problems)
            return None
        if node is None:
            if chain:
                self.problems.append(
                    Problem(Mark(display, 1, 1), "included file is empty", "include")
                )
            return None
        if at + node.height > MAX_DEPTH:
            self.problems.append(
                Problem(
                    by, f"included here, the file nests deeper than {MAX_DEPTH} levels", "too-deep"
                )
            )
            return None
        return self.expand(node, path, (*chain, path), at)

    def expand(self, node: Node, path: Path, chain: tuple[Path, ...], at: int) -> Node:
        """Expand `include:` keys anywhere below `node` (which lies `at` levels deep);
        shared (aliased) nodes are copied, never changed in place."""
        if isinstance(node.value, list):
            items = [self.expand(item, path, chain, at + 1) for item in node.value]
            if all(a is b for a, b in zip(items, node.value, strict=True)):
                return node
            return _sequence(items, node.mark)
        if not isinstance(node.value, dict):
            return node
        children = {
            k: self.expand(v, path, chain, at + 1) for k, v in node.value.items() if k != "include"
        }
        if "include" not in node.value and all(children[k] is node.value[k] for k in children):
            return node
        own = _mapping(
            children, node.mark, {k: m for k, m in node.key_marks.items() if k != "include"}
        )
        if "include" not in node.value:
            return own
        included: Node | None = None
        for target, mark in self.include_targets(node.value["include"], path):
            sub = self.read_file(target, chain, mark, at)
            if sub is None:
                continue
            if not isinstance(sub.value, dict):
                self.problems.append(
                    Problem(sub.mark, _not_mapping("an included file", sub), "include")
                )
                continue
            sub = _drop_version(sub, self.soft)
            included = sub if included is None else merge(included, sub)
        return own if included is None else merge(included, own)

    def include_targets(self, spec: Node, path: Path) -> Iterator[tuple[Path, Mark]]:
        entries = spec.value if isinstance(spec.value, list) else [spec]
        for entry in entries:
            if not isinstance(entry.value, str) or not entry.value.strip():
                self.problems.append(
                    Problem(entry.mark, "include takes a file path or a list of paths", "include")
                )
                continue
            try:
                files = include_files(entry.value, path, self.directory)
            except IncludeRefused as e:
                self.problems.append(Problem(entry.mark, str(e), "include"))
                continue
            for file in files:
                yield file, entry.mark


def _drop_version(node: Node, problems: list[Problem]) -> Node:
    """An included file may say `version: 1` for editors; it must agree, and is then dropped."""
    assert isinstance(node.value, dict)
    version = node.value.get("version")
    if version is None:
        return node
    if version.value != 1:
        problems.append(
            Problem(version.mark, "an included file may only say version: 1", "version")
        )
    return _without(node, "version")


def merge(base: Node, over: Node) -> Node:
    """Deep merge: mappings key by key, anything else replaced by `over`. Never mutates."""
    if not (isinstance(base.value, dict) and isinstance(over.value, dict)):
        return over
    value = dict(base.value)
    marks = dict(base.key_marks)
    for key, child in over.value.items():
        value[key] = merge(value[key], child) if key in value else child
        marks[key] = over.key_marks[key]
    return _mapping(value, over.mark, marks)


def _without(node: Node, key: str) -> Node:
    assert isinstance(node.value, dict)
    if key not in node.value:
        return node
    return _mapping(
        {k: v for k, v in node.value.items() if k != key},
        node.mark,
        {k: m for k, m in node.key_marks.items() if k != key},
    )


def _with(node: Node, key: str, child: Node) -> Node:
    assert isinstance(node.value, dict)
    return _mapping({**node.value, key: child}, node.mark, dict(node.key_marks))


def _mapping(value: dict[str, Node], mark: Mark, key_marks: dict[str, Mark]) -> Node:
    """A new mapping node, with its size and height counted from its keys and children as
    the reader counts them, so that the values of the tree as expanded can be budgeted."""
    size, height = 1, 1
    for child in value.values():
        size += 1 + child.size
        if child.height >= height:
            height = child.height + 1
    return Node(value, mark, key_marks, size=size, height=height)


def _sequence(items: list[Node], mark: Mark) -> Node:
    size = 1 + sum(item.size for item in items)
    height = 1 + max((item.height for item in items), default=0)
    return Node(items, mark, size=size, height=height)


class OverBudget(Exception):
    """The config, as expanded by its defaults, holds more values than the budget."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class _Defaults:
    """The default blocks in force at one level, by the level they apply to, each with the
    place of the nearest `defaults.<level>` that set it. Every value a block adds to an
    object is taken from the budget the reader counted the files against."""

    def __init__(self, budget: Budget, blocks: dict[str, tuple[Node, Mark]] | None = None):
        self.budget = budget
        self.blocks = blocks or {}

    def nested(
        self, owner: Node, level: str, path: ConfigPath, tree: Tree, problems: list[Problem]
    ) -> _Defaults:
        """These defaults, with `owner`'s own `defaults:` (if any) merged on top."""
        assert isinstance(owner.value, dict)
        spec = owner.value.get("defaults")
        if spec is None or spec.value is None:
            return self
        if not isinstance(spec.value, dict):
            problems.append(Problem(spec.mark, _not_mapping("defaults", spec)))
            return self
        allowed = DEFAULT_LEVELS[level]
        blocks = dict(self.blocks)
        for name, block in spec.value.items():
            if name not in allowed:
                problems.append(
                    Problem(spec.key_marks[name], _unknown_level(name, allowed), "extra_forbidden")
                )
                continue
            if block.value is None:
                continue
            if not isinstance(block.value, dict):
                problems.append(Problem(block.mark, _not_mapping(f"defaults.{name}", block)))
                continue
            tree.defaults.append(((*path, "defaults", name), name, block))
            merged = merge(blocks[name][0], block) if name in blocks else block
            blocks[name] = (merged, spec.key_marks[name])
        return _Defaults(self.budget, blocks)

    def apply(self, level: str, node: Node) -> Node:
        if level not in self.blocks:
            return node
        block, mark = self.blocks[level]
        merged = merge(block, node)
        self.budget.left -= merged.size - node.size
        if self.budget.left < 0:
            raise OverBudget(
                Problem(
                    mark,
                    f"the config holds more than {MAX_NODES:,} values once defaults are "
                    f"applied: this defaults.{level} block adds up to {block.size - 1} values "
                    f"to every {level} below it; that is far beyond any real config",
                    "too-large",
                )
            )
        return merged


def _unknown_level(name: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown key 'defaults.{name}'; {hint}defaults here may hold: {', '.join(allowed)}"


def _mapping_children(node: Node, key: str) -> dict[str, Node] | None:
    assert isinstance(node.value, dict)
    child = node.value.get(key)
    if child is None or not isinstance(child.value, dict):
        return None
    return child.value


def _apply_defaults(root: Node, tree: Tree, problems: list[Problem], budget: Budget) -> Node:
    top = _Defaults(budget).nested(root, "root", (), tree, problems)
    root = _without(root, "defaults")

    def account(name: str, node: Node) -> Node:
        path: ConfigPath = ("accounts", name)
        inherited = top.nested(node, "account", path, tree, problems)
        node = top.apply("account", _without(node, "defaults"))
        node = _map_children(node, "databases", lambda _, db: inherited.apply("database", db))

        def clinic(cid: str, clinic: Node) -> Node:
            here = inherited.nested(clinic, "clinic", (*path, "clinics", cid), tree, problems)
            clinic = inherited.apply("clinic", _without(clinic, "defaults"))
            return _map_children(clinic, "providers", lambda _, p: here.apply("provider", p))

        return _map_children(node, "clinics", clinic)

    return _map_children(root, "accounts", account)


def _map_children(node: Node, key: str, fn: Callable[[str, Node], Node]) -> Node:
    """`node` with `fn` applied to each mapping under `node[key]` (others left as they are)."""
    children = _mapping_children(node, key)
    if children is None:
        return node
    assert isinstance(node.value, dict)
    original = node.value[key]
    mapped = {k: fn(k, v) if isinstance(v.value, dict) else v for k, v in children.items()}
    return _with(node, key, _mapping(mapped, original.mark, dict(original.key_marks)))


def to_data(node: Node) -> Any:
    """The plain data pydantic validates: strings become `Text` (or `Ref`) knowing their
    Mark; keys whose value is null are dropped, so the model's default applies."""
    value = node.value
    if isinstance(value, dict):
        return {k: to_data(v) for k, v in value.items() if v.value is not None}
    if isinstance(value, list):
        return [to_data(v) for v in value]
    if isinstance(value, str):
        return Ref.parse(value, node.mark) or Text.at(value, node.mark)
    return value


def locate(root: Node, loc: ConfigPath) -> tuple[Node | None, Mark | None, ConfigPath]:
    """Follow `loc` down the tree: the node reached, the Mark of the last key passed, and
    the parts of `loc` that named real keys and indexes (others, such as union members,
    are skipped)."""
    node: Node | None = root
    key_mark: Mark | None = None
    walked: list[str | int] = []
    for part in loc:
        if node is None:
            break
        if isinstance(node.value, dict) and isinstance(part, str) and part in node.value:
            key_mark = node.key_marks[part]
            node = node.value[part]
            walked.append(part)
        elif isinstance(node.value, list) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            key_mark = None
            walked.append(part)
        elif part == "[key]":
            return None, key_mark, tuple(walked)
        # anything else names no key (a union member, a validator): skip it
    return node, key_mark, tuple(walked)


def mark_of(root: Node, path: ConfigPath) -> Mark | None:
    """Where the value at `path` was set: its own line, or the nearest enclosing one."""
    node, key_mark, _ = locate(root, path)
    if node is not None:
        return (
            node.mark if not isinstance(node.value, dict | list) or key_mark is None else key_mark
        )
    return key_mark
