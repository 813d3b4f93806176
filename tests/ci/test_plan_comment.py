"""The config repository's pipeline (examples/ci), its steps run here: a plan on a pull
request becomes one comment (marker, truncation, updated rather than duplicated), and the
reviewed plan applies from another checkout after the merge."""

from __future__ import annotations

import importlib.util
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from support import RunCli

from reconciler.demo.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "plan_comment", REPO / "examples" / "ci" / "plan_comment.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


plan_comment = _script()


def _secrets(workspace: Workspace) -> list[str]:
    folder = workspace.config.parent / "secrets"
    return [p.read_text(encoding="utf-8").strip() for p in folder.iterdir()]


def test_a_pull_requests_plan_as_its_comment(
    workspace: Workspace, cli: RunCli, tmp_path: Path
) -> None:
    listed = cli("validate", workspace.config.parent, "--no-secrets", "--format", "json")
    assert plan_comment.accounts(listed.out) == ["demo"]

    result = cli(
        "plan", workspace.config.parent, "--format", "markdown", "--detailed-exitcode",
        "--out", tmp_path / "plan.json",
    )  # fmt: skip
    assert result.code == 2, result.err  # changes
    body = plan_comment.body(result.out, "demo", details_url="https://ci.example/run/1")
    assert body.startswith("<!-- reconciler-plan:demo -->\n### reconciler plan: ")
    assert result.out in body and "too long" not in body
    for secret in _secrets(workspace):  # plans never hold secrets
        assert secret not in body

    cut = plan_comment.body(result.out, "demo", limit=3000, details_url="https://ci.example/r")
    assert len(cut) <= 3000
    assert cut.startswith("<!-- reconciler-plan:demo -->\n")
    assert "**The plan is too long for a comment and is cut here** (after " in cut
    assert "the artifact `plan-demo` ([the run](https://ci.example/r))" in cut
    shown = cut.split("\n**The plan is too long")[0]
    assert shown.count("```") % 2 == 0  # the diff block is closed
    assert shown.count("<details>") == shown.count("</details>")
    kept = shown.removeprefix("<!-- reconciler-plan:demo -->\n").splitlines()
    assert kept[: len(kept) - 2] == result.out.splitlines()[: len(kept) - 2]


def test_a_failed_plan_replaces_the_last_one() -> None:
    body = plan_comment.body("", "oslo", failed=True, details_url="https://ci.example/run/2")
    assert body.startswith("<!-- reconciler-plan:oslo -->\n### reconciler plan: `oslo` failed")
    assert "(https://ci.example/run/2)" in body


def test_accounts_needs_a_valid_config() -> None:
    with pytest.raises(SystemExit, match="not valid"):
        plan_comment.accounts(json.dumps({"ok": False, "problems": []}))
    assert plan_comment.accounts(json.dumps({"ok": True, "accounts": ["a", "b"]})) == ["a", "b"]


class _GitHub(BaseHTTPRequestHandler):
    """Just enough of GitHub's issue comments API: list, create, update."""

    comments: list[dict[str, Any]]
    tokens: list[str]

    def _reply(self, document: Any, status: int = 200) -> None:
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _json(self) -> Any:
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

    def do_GET(self) -> None:
        self.tokens.append(self.headers["Authorization"])
        self._reply(self.comments if "page=1" in self.path else [])

    def do_POST(self) -> None:
        n = len(self.comments) + 1
        url = f"http://{self.headers['Host']}/repos/o/r/issues/comments/{n}"
        comment = {"url": url, "html_url": f"{url}#html", "body": self._json()["body"]}
        self.comments.append(comment)
        self._reply(comment, 201)

    def do_PATCH(self) -> None:
        comment = next(c for c in self.comments if c["url"].endswith(self.path))
        comment["body"] = self._json()["body"]
        self._reply(comment)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_GitHub]]:
    handler = type("Handler", (_GitHub,), {"comments": [], "tokens": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    monkeypatch.setenv("PR_NUMBER", "7")
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    yield handler
    server.shutdown()
    server.server_close()


def test_the_comment_is_updated_not_duplicated(
    github: type[_GitHub], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.comments.append({"url": "x", "html_url": "x", "body": "a reviewer's comment"})
    plan = tmp_path / "plan.md"
    for n, account in [(1, "oslo"), (2, "oslo"), (3, "bergen")]:
        plan.write_text(f"### reconciler plan: {n}\n", encoding="utf-8")
        assert plan_comment.main(["github", "--account", account, "--plan", str(plan)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("posted ") and out.splitlines()[1].startswith("updated ")
    assert "t0ken" not in out
    assert [c["body"] for c in github.comments] == [
        "a reviewer's comment",
        "<!-- reconciler-plan:oslo -->\n### reconciler plan: 2\n",
        "<!-- reconciler-plan:bergen -->\n### reconciler plan: 3\n",
    ]
    assert set(github.tokens) == {"Bearer t0ken"}


def test_the_reviewed_plan_applies_from_another_checkout(
    workspace: Workspace, cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pull request's job plans in its checkout; the job after the merge applies the
    saved plan from its own checkout, elsewhere, against the same live systems."""
    root = workspace.config
    database = (root.parent / "../opus.db").resolve()
    text = root.read_text(encoding="utf-8")
    assert "sqlite:///../opus.db" in text
    root.write_text(text.replace("sqlite:///../opus.db", f"sqlite:///{database}"), "utf-8")
    pull_request, merged = tmp_path / "pr-checkout", tmp_path / "main-checkout"
    shutil.copytree(root.parent, pull_request / "config")
    shutil.copytree(root.parent, merged / "config")

    monkeypatch.chdir(pull_request)
    result = cli("plan", "config", "--out", "plan.json", "--detailed-exitcode")
    assert result.code == 2, result.err
    shutil.copy(pull_request / "plan.json", merged / "plan.json")  # the artifact
    shutil.rmtree(pull_request)  # another runner: the first checkout is gone

    monkeypatch.chdir(merged)
    applied = cli("apply", "plan.json")
    assert applied.code == 0, applied.err
    assert cli("plan", "config", "--detailed-exitcode").code == 0  # nothing left
