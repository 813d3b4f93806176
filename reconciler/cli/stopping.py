"""Commands that run until they are stopped (demo, preview): Ctrl-C or SIGTERM ends them
cleanly, whatever this process inherited — a shell's background job starts with SIGINT
ignored, and Python then never raises KeyboardInterrupt."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from reconciler.cli.report import echo


@contextmanager
def stoppable() -> Iterator[None]:
    """Within the block, Ctrl-C (SIGINT) and SIGTERM raise KeyboardInterrupt in the main
    thread; the handlers before it are restored after it."""
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before[0])
        signal.signal(signal.SIGTERM, before[1])


def until_stopped(*lines: str) -> None:
    """Say `lines`, then wait until Ctrl-C or SIGTERM (inside `stoppable`) — the way to stop,
    a clean end, whenever it comes — and say so."""
    try:
        for line in lines:
            echo(line)
        threading.Event().wait()
    except KeyboardInterrupt:
        echo("stopped")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
