"""Configuration-as-code for Opus Dental online booking."""

__version__ = "0.1.0"
