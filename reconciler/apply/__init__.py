"""Carrying out plans: lock, re-read, check, execute in order, journal, report."""
