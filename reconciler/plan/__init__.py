"""Desired against live: diff, Plan and Change, fingerprints, renderers."""
