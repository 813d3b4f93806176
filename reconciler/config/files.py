"""Reading the files a config names, safely: regular files only (a named pipe or a device
would block or never end), at most a given size."""

from __future__ import annotations

import os
import stat


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
