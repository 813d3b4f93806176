"""The desired state: YAML files in, a validated model out, every value with its place."""

from reconciler.config.lint import RULES, lint
from reconciler.config.loaded import LoadedConfig
from reconciler.config.validation import load_config

__all__ = ["RULES", "LoadedConfig", "lint", "load_config"]
