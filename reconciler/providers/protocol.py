"""What the planner and apply see of a live system, and of an account's bookkeeping: two
protocols, so that neither holds SQL nor HTTP. Opus databases (providers/opus/provider.py)
and the booking site (providers/site/provider.py) are Providers; the account's lead Opus
database keeps its Ledger (providers/opus/ledger.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from reconciler.config.loader import ConfigPath
from reconciler.domain.resources import Change, Resource
from reconciler.errors import Mark, Severity

# Where in the config a value was written (LoadedConfig.source_of), for plans to show.
SourceOf = Callable[[ConfigPath], Mark | None]

# What a provider finds the config asks of it that it cannot give: where in the config,
# what, a code (as lint's) and how grave.
Finding = tuple[ConfigPath, str, str, Severity]


@dataclass(frozen=True)
class Entry:
    """One step of an apply as the account's journal records it."""

    account: str
    plan_id: str
    number: int
    label: str
    changes: tuple[Change, ...]


class Provider(Protocol):
    """One live system of an account, read for a plan."""

    @property
    def name(self) -> str:
        """How messages name it ("database 'main'", "the booking site")."""
        ...

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of resource it holds, in the order they are created."""
        ...

    @property
    def desired(self) -> list[Resource]:
        """What the config wants it to hold."""
        ...

    @property
    def live(self) -> list[Resource]:
        """What it holds."""
        ...

    def wanted(self) -> list[Resource]:
        """What of `desired` can be planned now (not what hangs on what it lacks)."""
        ...

    def holds(self, change: Change) -> bool:
        """Whether the change is to this provider's resources."""
        ...

    def findings(self, changes: Sequence[Change]) -> list[Finding]:
        """What it cannot give of what the config asks; `changes` are its planned ones."""
        ...

    def drift_from_sources(self, applied: dict[str, Resource]) -> list[Change]:
        """What it takes from another system that now holds it otherwise than `applied`."""
        ...

    def step_key(self, change: Change) -> str:
        """Changes with the same key, next to each other, are applied as one step."""
        ...

    def apply(self, step: Sequence[Change], now: datetime, ledger: Ledger, entry: Entry) -> None:
        """Carry out one step, and record it in `ledger` as done — in the step's own
        transaction where the ledger lives in the same database."""
        ...

    def close(self) -> None: ...


class Ledger(Protocol):
    """An account's lock, journal and applied state."""

    def lock(self, plan_id: str) -> AbstractContextManager[None]:
        """Hold the account's lock (LockHeld when another apply has it)."""
        ...

    def unlock(self) -> str | None:
        """Clear a lock an apply that died left; who held it (None when none did)."""
        ...

    def journal(self, entry: Entry, status: str, detail: str = "") -> None: ...

    def done(self, entry: Entry) -> None:
        """Journal the step applied and remember what it made the state."""
        ...

    def applied_state(self) -> dict[str, Resource]:
        """What the applies so far made each address, by address."""
        ...
