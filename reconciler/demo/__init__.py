"""The embedded default: a demo workspace (Opus database, config) that runs on one machine."""

DEFAULT_SITE_URL = "http://127.0.0.1:8443"  # where reconciler site serve listens
