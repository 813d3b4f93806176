"""Reading the files a config names, safely: regular files only (a named pipe or a device
would block or never end), at most a given size, and only from where the config may read."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn


class FileProblem(ValueError):
    """A file could not be read; the message says why, in words for the user."""


def read_limited(path: str | os.PathLike[str], limit: int) -> bytes:
    """The file's bytes; FileProblem if it is not a readable regular file or holds more
    than `limit` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise FileProblem("is a directory, not a file") from None
    except OSError as e:
        raise FileProblem(f"cannot be read: {e.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise FileProblem("is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise FileProblem("is not a regular file (a pipe or a device?)")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise FileProblem(f"is larger than {_size(limit)}")
    return data


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit // (1024 * 1024)} MB"
    return f"{limit // 1024} KB"


ALLOWED_DIRS_VARIABLE = "RECONCILER_FILE_DIRS"


class FileAccess:
    """Where the files a config names may lie: inside the config's own directory (the one
    holding reconciler.yaml), or in a directory the operator allows by listing it in the
    environment variable RECONCILER_FILE_DIRS (absolute paths, separated by `:`), such as
    /run/secrets. Symbolic links are followed first, so a link cannot lead out.

    A config is input that a pull request can change; without this, `${file:/proc/self/environ}`
    would send the runner's environment to whatever site the config names."""

    def __init__(self, root: str | os.PathLike[str], allowed: tuple[Path, ...] = ()) -> None:
        self.root = Path(os.path.realpath(root))
        self.allowed = tuple(Path(os.path.realpath(d)) for d in allowed)

    @classmethod
    def for_config(
        cls, root: str | os.PathLike[str], environ: Mapping[str, str] = os.environ
    ) -> FileAccess:
        """The config's directory and the directories listed in RECONCILER_FILE_DIRS."""
        listed = [d for d in environ.get(ALLOWED_DIRS_VARIABLE, "").split(os.pathsep) if d]
        relative = [d for d in listed if not os.path.isabs(d)]
        if relative:
            raise FileProblem(
                f"{ALLOWED_DIRS_VARIABLE} lists {relative[0]!r}, which is not an absolute path"
            )
        return cls(root, tuple(Path(d) for d in listed))

    def check(self, path: str | os.PathLike[str]) -> Path:
        """The file's real path; FileProblem if it lies outside every allowed directory."""
        real = Path(os.path.realpath(path))
        for directory in (self.root, *self.allowed):
            if real.is_relative_to(directory):
                return real
        return self._refuse(path, real)

    def _refuse(self, path: str | os.PathLike[str], real: Path) -> NoReturn:
        through = f" (through a link, to {real})" if Path(os.path.abspath(path)) != real else ""
        raise FileProblem(
            f"is outside the config's directory{through}; files a config names must lie in "
            f"{self.root} or in a directory listed in {ALLOWED_DIRS_VARIABLE}"
        )
