"""Load a config and validate all of it: YAML, shape and types, then cross-references.
Every problem is collected and reported together, each at its file:line:col."""

from __future__ import annotations

import os
from typing import Final

from pydantic import BaseModel, ValidationError

from reconciler.config.diagnostics import problems_from
from reconciler.config.duplicates import duplicate_problems
from reconciler.config.files import FileAccess, FileProblem
from reconciler.config.loaded import LoadedConfig
from reconciler.config.loader import find_root_file, load_tree, to_data
from reconciler.config.model import Account, Clinic, Config, Database, Provider
from reconciler.config.references import reference_problems
from reconciler.config.yaml12 import paused_gc
from reconciler.errors import ConfigError, Mark, Problem, ReconcilerError

LEVEL_MODELS: Final[dict[str, type[BaseModel]]] = {
    "account": Account,
    "database": Database,
    "clinic": Clinic,
    "provider": Provider,
}


def load_config(path: str | os.PathLike[str], *, resolve_secrets: bool = True) -> LoadedConfig:
    """Load, validate and cross-check the config at `path` (a directory or a file).

    With `resolve_secrets` false, references are checked for form but not looked up, so a
    config can be validated where its secrets are not available (e.g. in CI)."""
    with paused_gc():
        return _load(path, resolve_secrets)


def _load(path: str | os.PathLike[str], resolve_secrets: bool) -> LoadedConfig:
    tree = load_tree(path)
    root_dir = find_root_file(path).resolve().parent
    try:
        files = FileAccess.for_config(root_dir)
    except FileProblem as e:
        raise ReconcilerError(str(e), "list absolute directories, separated by ':'") from None
    context = {"resolve_secrets": resolve_secrets, "files": files}
    problems: list[Problem] = list(tree.problems)
    for block_path, level, node in tree.defaults:
        model = LEVEL_MODELS[level]
        try:
            model.model_validate(to_data(node), context=context)
        except ValidationError as e:
            problems += problems_from(e, tree.written, model, block_path, partial=True)
    try:
        config = Config.model_validate(to_data(tree.root), context=context)
    except ValidationError as e:
        problems += problems_from(e, tree.root, Config)
        raise ConfigError(_first_per_place(problems)) from None
    loaded = LoadedConfig(config, tree, root_dir)
    problems += reference_problems(loaded)
    problems += duplicate_problems(loaded)
    if problems:
        raise ConfigError(_first_per_place(problems))
    return loaded


def _first_per_place(problems: list[Problem]) -> list[Problem]:
    """One problem per place and kind: a bad value in a defaults block reaches every object
    that inherits it, and should be reported once, under the defaults block's own path."""
    seen: set[tuple[Mark | None, str]] = set()
    kept = []
    for p in problems:
        if (p.mark, p.code) not in seen:
            seen.add((p.mark, p.code))
            kept.append(p)
    return kept
