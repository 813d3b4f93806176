#!/usr/bin/env python3
"""A reconciler plan as one sticky pull-request (or merge-request) comment. Standard library
only: a config repository's CI copies this file and runs it with any Python >= 3.11.

    plan_comment.py accounts < validate.json        the accounts, one a line (--json: a list)
    plan_comment.py body --account A [--plan F] [--failed] [--details-url URL]
                                                    print the comment for account A
    plan_comment.py github --account A …            post it, or update the one posted before
    plan_comment.py gitlab --account A …            the same as a merge-request note

The comment starts with the hidden marker <!-- reconciler-plan:A -->; an earlier comment with
that marker is updated, so each account has one comment that always shows its latest plan.
A plan longer than the host allows is cut at a line, with a note pointing to the whole plan
(--details-url: the run's artifacts). `github` reads GITHUB_TOKEN, GITHUB_REPOSITORY,
PR_NUMBER and GITHUB_API_URL; `gitlab` reads GITLAB_TOKEN, CI_API_V4_URL, CI_PROJECT_ID and
CI_MERGE_REQUEST_IID. Tokens are sent only in the request headers, never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from pathlib import Path
from typing import Any

GITHUB_LIMIT = 65536  # characters in an issue or pull-request comment
GITLAB_LIMIT = 1_000_000  # characters in a note


def marker(account: str) -> str:
    return f"<!-- reconciler-plan:{account} -->"


def body(
    plan: str,
    account: str,
    *,
    limit: int = GITHUB_LIMIT,
    details_url: str | None = None,
    failed: bool = False,
) -> str:
    """The comment: the marker, then the plan (the markdown of `reconciler plan --format
    markdown`), cut at a line to fit in `limit` characters with a note when it is longer."""
    head = marker(account) + "\n"
    where = f" ([the run]({details_url}))" if details_url else ""
    if failed:
        return (
            f"{head}### reconciler plan: `{account}` failed\n\n"
            f"The plan could not be made: see the job's log{where}. "
            "Nothing shown here before still holds.\n"
        )
    text = head + plan
    if len(text) <= limit:
        return text
    lines = plan.splitlines(keepends=True)
    note = (
        f"\n**The plan is too long for a comment and is cut here** (after {{kept}} of "
        f"{len(lines)} lines). The whole plan is the artifact `plan-{account}`{where}; "
        f"`reconciler show plan.json` prints it.\n"
    )
    budget = limit - len(head) - len(note.format(kept=len(lines))) - 64  # 64: closings
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) > budget:
            break
        kept.append(line)
        used += len(line)
    return head + "".join(kept) + _closings(kept) + note.format(kept=len(kept))


def _closings(lines: list[str]) -> str:
    """What closes the code fence and <details> blocks left open at the cut."""
    fences = sum(1 for line in lines if line.lstrip().startswith("```"))
    opened = sum(line.count("<details>") for line in lines)
    closed = sum(line.count("</details>") for line in lines)
    text = "" if not lines or lines[-1].endswith("\n") else "\n"
    if fences % 2:
        text += "```\n"
    return text + "</details>\n" * max(0, opened - closed)


def accounts(validate_json: str) -> list[str]:
    """The accounts named in the output of `reconciler validate --format json`."""
    document = json.loads(validate_json)
    if not document.get("ok"):
        raise SystemExit("plan_comment.py: the config is not valid; run reconciler validate")
    names = document.get("accounts")
    if not isinstance(names, list):
        raise SystemExit("plan_comment.py: no accounts in the input; pipe validate --format json")
    return [str(n) for n in names]


def _request(method: str, url: str, headers: dict[str, str], data: Any = None) -> Any:
    payload = None if data is None else json.dumps(data).encode("utf-8")
    request = urllib.request.Request(url, data=payload, method=method, headers=headers)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"plan_comment.py: set {name}")
    return value


def post_github(text: str, account: str) -> str:
    api = os.environ.get("GITHUB_API_URL", "https://api.github.com")
    issue = f"{api}/repos/{_env('GITHUB_REPOSITORY')}/issues/{_env('PR_NUMBER')}"
    headers = {
        "Authorization": f"Bearer {_env('GITHUB_TOKEN')}",
        "Accept": "application/vnd.github+json",
    }
    page = 1
    while True:
        comments = _request("GET", f"{issue}/comments?per_page=100&page={page}", headers)
        for comment in comments:
            if str(comment.get("body", "")).startswith(marker(account)):
                _request("PATCH", comment["url"], headers, {"body": text})
                return f"updated {comment['html_url']}"
        if len(comments) < 100:
            break
        page += 1
    made = _request("POST", f"{issue}/comments", headers, {"body": text})
    return f"posted {made['html_url']}"


def post_gitlab(text: str, account: str) -> str:
    project = f"{_env('CI_API_V4_URL')}/projects/{_env('CI_PROJECT_ID')}"
    notes = f"{project}/merge_requests/{_env('CI_MERGE_REQUEST_IID')}/notes"
    headers = {"PRIVATE-TOKEN": _env("GITLAB_TOKEN")}
    page = 1
    while True:
        found = _request("GET", f"{notes}?per_page=100&page={page}", headers)
        for note in found:
            if str(note.get("body", "")).startswith(marker(account)):
                _request("PUT", f"{notes}/{note['id']}", headers, {"body": text})
                return f"updated note {note['id']}"
        if len(found) < 100:
            break
        page += 1
    made = _request("POST", notes, headers, {"body": text})
    return f"posted note {made['id']}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="plan_comment.py", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("accounts", help="the accounts of validate --format json")
    listing.add_argument("--json", action="store_true", help="print one JSON list")
    for name in ("body", "github", "gitlab"):
        command = commands.add_parser(name)
        command.add_argument("--account", required=True)
        command.add_argument("--plan", type=Path, default=Path("plan.md"))
        command.add_argument("--failed", action="store_true", help="say the plan failed")
        command.add_argument("--details-url", help="where the run and its artifacts are")
    args = parser.parse_args(argv)

    if args.command == "accounts":
        names = accounts(sys.stdin.read())
        print(json.dumps(names) if args.json else "\n".join(names))
        return 0
    plan = "" if args.failed else args.plan.read_text(encoding="utf-8")
    limit = GITLAB_LIMIT if args.command == "gitlab" else GITHUB_LIMIT
    text = body(plan, args.account, limit=limit, details_url=args.details_url, failed=args.failed)
    if args.command == "body":
        sys.stdout.write(text)
    elif args.command == "github":
        print(post_github(text, args.account))
    else:
        print(post_gitlab(text, args.account))
    return 0


if __name__ == "__main__":
    sys.exit(main())
