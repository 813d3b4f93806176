"""One Opus database of an account, as read for a plan: what the planner, the site side and
apply share about it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from reconciler.config.loader import ConfigPath
from reconciler.config.model import Database
from reconciler.domain.resources import Resource
from reconciler.errors import Mark
from reconciler.providers.opus import OpusSchema
from reconciler.providers.opus.live import Live
from reconciler.providers.opus.resources import Scope

SourceOf = Callable[[ConfigPath], Mark | None]


@dataclass
class DatabaseSide:
    """One Opus database of an account, as read for this plan."""

    name: str
    db: Database
    engine: sa.Engine
    schema: OpusSchema
    scope: Scope
    live: Live
    desired: list[Resource]
    unheld: list[tuple[int, datetime, datetime]] = field(default_factory=list)  # see queries
