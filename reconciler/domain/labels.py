"""Names that must follow outside rules: the booking site's subdomain (a DNS label) and its
address."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

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


def site_url_problem(url: str) -> str | None:
    """Why `url` cannot be the booking site's address, or None if it can. The account key
    and patients' data go there: https, but for a site on this machine; no credentials."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"'{url}' is not a web address; give https://host (or http://127.0.0.1:port)"
    if parts.username is not None or parts.password is not None:
        return "a site address holds no user or password"
    host = parts.hostname
    loopback = host in ("localhost", "::1") or host.startswith("127.")
    if parts.scheme == "http" and not loopback:
        return (
            "the account key would travel unencrypted: use https:// (http:// only for a "
            "site on this machine, such as the reference site)"
        )
    return None
