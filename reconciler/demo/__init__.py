"""The embedded default: a demo workspace (Opus database, config) that runs on one machine."""
