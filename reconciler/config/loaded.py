"""A loaded config: the valid model, and the tree of where each of its values was written.

Its own module, so that what checks a config (lint, references, duplicates) can name it
without importing what loads one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reconciler.config.loader import ConfigPath, Tree, locate, mark_of
from reconciler.config.model import Config
from reconciler.config.yaml12 import Node
from reconciler.errors import Mark


@dataclass(frozen=True)
class LoadedConfig:
    """A valid config, and where each of its values was written."""

    config: Config
    tree: Tree
    root_dir: Path  # the directory holding reconciler.yaml, absolute
    _parents: dict[ConfigPath, tuple[Node | None, ConfigPath]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def root(self) -> Node:
        return self.tree.root

    @property
    def files(self) -> list[str]:
        return self.tree.files

    def mark_of(self, path: ConfigPath) -> Mark | None:
        """Where the value at `path` was set, or the nearest enclosing place."""
        return mark_of(self.tree.root, path)

    def source_of(self, path: ConfigPath) -> Mark | None:
        """Where the value at `path` was written; None when it is the model's default. The
        walk to its parent is remembered: a resource asks for each of its attributes."""
        parent = self._parents.get(path[:-1])
        if parent is None:
            node, _, walked = locate(self.tree.root, path[:-1])
            parent = self._parents[path[:-1]] = (node, walked)
        node, walked = parent
        if node is not None and path:
            node, _, last = locate(node, path[-1:])
            walked += last
        return node.mark if node is not None and walked == path else None
