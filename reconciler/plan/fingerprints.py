"""What a plan was computed from, as short hashes: the config (its YAML files and every file
they name whose content reaches a live system) and each account's live state.

A saved plan carries both; apply recomputes them, so that a changed logo, photo or
certificate makes the plan stale just as a changed line of YAML does. Names are taken
relative to the config's directory, so that a plan made in one checkout can be applied from
another (a CI job on another runner).

Secrets are not part of the fingerprint: they are credentials, not content. A plan may be
made with read-only credentials and applied with others; what a secret selects (the account
at the site, the database) is checked by the live state, which apply reads again under the
account's lock and must find exactly as planned.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from operator import itemgetter
from pathlib import Path

from reconciler.config import LoadedConfig
from reconciler.config.files import read_limited
from reconciler.config.values import named_files
from reconciler.domain.resources import Resource
from reconciler.errors import ReconcilerError

_MAX_NAMED_FILE = 64 * 1024 * 1024


def config_fingerprint(loaded: LoadedConfig) -> str:
    """One hash over the config's files and the files it names (content and name)."""
    root = loaded.root_dir
    digest = hashlib.blake2b(digest_size=16)
    named = sorted({path for kind, path in named_files(loaded.config) if kind == "file"})
    for what, files in (("yaml", sorted(Path(f) for f in loaded.files)), ("file", named)):
        for path in files:
            digest.update(f"{what}\0{_relative(path, root)}\0".encode())
            digest.update(hashlib.blake2b(_read(path)).digest())
    return digest.hexdigest()


def live_fingerprint(resources: Iterable[Resource]) -> str:
    """One hash for a set of resources: their addresses and attributes, in address order.
    (Providers build attributes in a fixed order, so their repr is stable; one repr of the
    whole is much cheaper than JSON, or than a repr per resource.)"""
    pairs = sorted(((res.address, res.attrs) for res in resources), key=itemgetter(0))
    return hashlib.blake2b(repr(pairs).encode(), digest_size=16).hexdigest()


def _relative(path: Path, root: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(path), root)).as_posix()


def _read(path: Path) -> bytes:
    try:
        return read_limited(path, _MAX_NAMED_FILE)
    except ValueError as e:
        raise ReconcilerError(
            f"{path} {e}", "it was read a moment ago; check that nothing is changing it"
        ) from None
