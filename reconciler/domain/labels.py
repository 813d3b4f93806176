"""Names that must follow outside rules: the booking site's subdomain (a DNS label)."""

from __future__ import annotations

import re

SITE_DOMAIN = "opusdentalonline.com"

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def subdomain_problem(label: str) -> str | None:
    """Why `label` cannot be a subdomain of the booking site, or None if it can."""
    if not label:
        return "the subdomain is empty"
    if len(label) > 63:
        return f"the subdomain has {len(label)} characters; a DNS label holds at most 63"
    if "." in label:
        return "the subdomain is one label without dots; the site adds ." + SITE_DOMAIN
    if label.startswith("-") or label.endswith("-"):
        return "the subdomain cannot start or end with a hyphen"
    if label != label.lower() and _LABEL.fullmatch(label.lower()):
        return f"the subdomain must be lower case: write '{label.lower()}'"
    if not _LABEL.fullmatch(label):
        return (
            "the subdomain may hold only the letters a-z, digits and hyphens "
            "(no spaces, underscores or æøå)"
        )
    if label[2:4] == "--":
        return "a subdomain with '--' in the third and fourth place is reserved for IDN names"
    return None
