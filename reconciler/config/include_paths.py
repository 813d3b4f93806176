"""Where `include:` may read from: files inside the config directory, found by a bounded walk.

The config directory (the one holding reconciler.yaml) is a trust boundary: an include that
names a file outside it — by `../`, by an absolute path, or through a symlink that points out
— is refused, so that a config cannot pull in (and show in its messages) whatever the
machine running it holds. Globs (`clinics/*.yaml`, `clinics/**/*.yaml`) are expanded here,
not by the standard library: they never descend into a symlinked directory (a link back into
the tree would loop forever), skip hidden names as shell globs do, and stop with a problem
after MAX_GLOB_DEPTH directory levels or MAX_GLOB_ENTRIES directory entries.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Final

MAX_GLOB_DEPTH: Final = 16
MAX_GLOB_ENTRIES: Final = 20_000


INSIDE: Final = "included files must lie inside the directory that holds reconciler.yaml"


class IncludeRefused(Exception):
    """Why an include cannot be read; the message is the problem's text."""


def include_files(written: str, including: Path, root: Path) -> list[Path]:
    """The files `written` (an include entry of the file `including`) names, resolved and
    checked to lie inside `root` (resolved); globs in sorted order. Raises IncludeRefused."""
    if Path(written).is_absolute() or written.startswith("~"):
        raise IncludeRefused(
            f"include '{written}' is an absolute path; include paths are relative to the "
            "including file and stay inside the config directory"
        )
    if not glob.has_magic(written):
        target = including.parent / written
        if not target.is_file():
            raise IncludeRefused(
                f"included file {display_path(target)} does not exist "
                "(paths are relative to the including file)"
            )
        return [_inside(target, written, root)]
    matches = _Walk(written).run(including.parent, root)
    if not matches:
        raise IncludeRefused(f"include pattern '{written}' matches no file")
    return [_inside(m, written, root) for m in matches]


def _inside(path: Path, written: str, root: Path) -> Path:
    real = path.resolve()
    if not real.is_relative_to(root):
        link = " through a symlink" if real != Path(os.path.abspath(path)) else ""
        raise IncludeRefused(
            f"include '{written}' reaches {display_path(real)}{link}, outside the config "
            f"directory; {INSIDE}"
        )
    return real


def display_path(path: Path) -> str:
    """How a file is named in messages: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


class _Walk:
    """One glob, matched part by part below a start directory."""

    def __init__(self, written: str) -> None:
        self.written = written
        self.parts = PurePosixPath(written).parts
        self.entries = 0

    def run(self, start: Path, root: Path) -> list[Path]:
        literal = 0
        while literal < len(self.parts) and not glob.has_magic(self.parts[literal]):
            literal += 1
        base = start.joinpath(*self.parts[:literal])
        if not base.resolve().is_relative_to(root):
            raise IncludeRefused(
                f"include pattern '{self.written}' starts outside the config directory; {INSIDE}"
            )
        found = dict.fromkeys(self._match(base, self.parts[literal:], 0))
        return sorted(p for p in found if p.is_file())

    def _match(self, directory: Path, parts: tuple[str, ...], depth: int) -> Iterator[Path]:
        if not parts:
            yield directory
            return
        part, rest = parts[0], parts[1:]
        if not glob.has_magic(part):
            yield from self._match(directory / part, rest, depth)
            return
        if part == "**":
            yield from self._match(directory, rest, depth)
        for name, is_dir in self._scan(directory, depth):
            if part == "**":
                if is_dir and name[0] != ".":
                    yield from self._match(directory / name, parts, depth + 1)
            elif fnmatch.fnmatchcase(name, part) and (part.startswith(".") or name[0] != "."):
                if not rest:
                    yield directory / name
                elif is_dir:
                    yield from self._match(directory / name, rest, depth + 1)

    def _scan(self, directory: Path, depth: int) -> list[tuple[str, bool]]:
        """The entries of `directory` that a glob may match: (name, whether it is a real
        directory, not a symlink to one). Hidden names are left to the caller."""
        if depth > MAX_GLOB_DEPTH:
            raise IncludeRefused(
                f"include pattern '{self.written}' goes more than {MAX_GLOB_DEPTH} directories "
                "deep; name the directories to include"
            )
        try:
            with os.scandir(directory) as it:
                entries = [(e.name, e.is_dir(follow_symlinks=False)) for e in it]
        except (NotADirectoryError, FileNotFoundError):
            return []
        except OSError as e:
            raise IncludeRefused(
                f"include pattern '{self.written}': cannot read directory "
                f"{display_path(directory)} ({e.strerror or 'unreadable'})"
            ) from None
        self.entries += len(entries)
        if self.entries > MAX_GLOB_ENTRIES:
            raise IncludeRefused(
                f"include pattern '{self.written}' looks through more than "
                f"{MAX_GLOB_ENTRIES:,} directory entries; narrow it"
            )
        return sorted(entries)
