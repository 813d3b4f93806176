"""reconciler preview: the site after apply, from the config (and the Opus database, read
only), served on a loopback port, rebuilt on change, its problems at the page's address."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support import REPO, RunCli, served

from reconciler.demo.address import free_site_url
from reconciler.demo.workspace import init
from reconciler.errors import ConfigError
from reconciler.preview.server import Preview
from reconciler.preview.state import FROM_DATABASE, FROM_RULES

EXAMPLE = REPO / "examples" / "single-clinic"


@pytest.fixture
def single_clinic(tmp_path: Path) -> Path:
    """A copy of examples/single-clinic, to edit."""
    return Path(shutil.copytree(EXAMPLE, tmp_path / "single-clinic"))


@pytest.fixture
def preview(single_clinic: Path) -> Iterator[Preview]:
    with Preview(single_clinic, port=0) as running:
        yield running


def rows(database: Path) -> list[str]:
    """Every row of a SQLite file, as SQL."""
    with sqlite3.connect(database) as db:
        return list(db.iterdump())


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    stat = path.stat()  # a later change time whatever the file system's resolution
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_single_clinic_from_the_rules_alone(preview: Preview) -> None:
    built = preview.build
    assert built is not None
    assert built.sources == {"opus": FROM_RULES}  # its SQL Server is not reachable here
    assert built.free_times > 0
    assert preview.page_url == f"{preview.url}/sites/storgata-tannlegene/"
    assert preview.page_url.startswith("http://127.0.0.1:")
    page = httpx.get(preview.page_url)
    assert page.status_code == 200
    assert "Tannlegene i Storgata" in page.text  # the page's first step: the clinics
    clinicians = httpx.get(preview.page_url + "api/public/v1/clinicians").json()
    assert "Hanne Nilsen" in {c["Name"] for c in clinicians}
    root = httpx.get(preview.url + "/", follow_redirects=True)
    assert root.status_code == 200
    assert "Tannlegene i Storgata" in root.text
    clinics = httpx.get(preview.page_url + "api/public/v1/clinics").json()
    assert [c["Name"] for c in clinics] == ["Tannlegene i Storgata"]


def test_an_edit_shows_after_reload(preview: Preview, single_clinic: Path) -> None:
    assert "Tannlegene i Storgata" in httpx.get(preview.page_url).text
    edit(
        single_clinic / "reconciler.yaml",
        "heading: Bestill time hos Tannlegene i Storgata",
        "heading: Bestill time i Storgata <i>nå</i>",
    )
    page = httpx.get(preview.page_url)
    assert page.status_code == 200
    assert "Bestill time i Storgata &lt;i&gt;nå&lt;/i&gt;" in page.text
    assert preview.build is not None
    assert preview.build.number == 2
    unchanged = httpx.get(preview.page_url)  # nothing changed: no new build
    assert unchanged.status_code == 200
    assert preview.build.number == 2


def test_an_invalid_edit_shows_its_problem_with_file_and_line(
    preview: Preview, single_clinic: Path
) -> None:
    root = single_clinic / "reconciler.yaml"
    edit(root, "deadline_hours: 24", "deadline_hours: many")
    line = next(
        n for n, text in enumerate(root.read_text().splitlines(), 1) if "deadline_hours" in text
    )
    page = httpx.get(preview.page_url)
    assert "The config has problems" in page.text
    assert f"reconciler.yaml:{line}:" in page.text
    assert "deadline_hours" in page.text
    assert "last good build (1" in page.text
    # the site keeps the last good build meanwhile
    clinics = httpx.get(preview.page_url + "api/public/v1/clinics")
    assert clinics.status_code == 200
    edit(root, "deadline_hours: many", "deadline_hours: 12")
    fixed = httpx.get(preview.page_url)
    assert "The config has problems" not in fixed.text
    assert "Tannlegene i Storgata" in fixed.text


def test_a_demo_workspace_reads_its_database_without_changing_anything(tmp_path: Path) -> None:
    workspace = init(tmp_path / "demo", site_url=free_site_url())
    live_site = served(workspace)  # the account's own site: the preview must not reach it
    try:
        before = (rows(workspace.database), rows(workspace.site))
        with Preview(workspace.config, port=0) as preview:
            built = preview.build
            assert built is not None
            assert built.sources == {"opus": FROM_DATABASE}
            assert built.free_times > 0
            page = httpx.get(preview.page_url)
            assert page.status_code == 200
            assert workspace.seed.clinics[0]["name"] in page.text
            times = httpx.get(preview.page_url + "api/public/v1/clinics").json()
            assert len(times) == len(workspace.seed.clinics)
        assert (rows(workspace.database), rows(workspace.site)) == before
    finally:
        live_site.stop()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("ignored", [False, True], ids=["", "started-as-a-background-job"])
def test_the_command_serves_until_ctrl_c(single_clinic: Path, stop: int, ignored: bool) -> None:
    """Ctrl-C or SIGTERM stops it cleanly, even when it started with SIGINT ignored (as a
    shell starts a background job)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "reconciler", "preview", str(single_clinic), "--port", "0"]
    if ignored:
        command = ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *command]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                break
        said = "".join(lines)
        assert "free time of database 'opus': from the publishing rules alone" in said
        url = next(w for w in said.split() if w.startswith("http://127.0.0.1:"))
        assert url.endswith("/sites/storgata-tannlegene/")
        assert httpx.get(url).status_code == 200
        process.send_signal(stop)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "stopped" in out
    assert "Traceback" not in err


def test_errors_before_the_first_build(cli: RunCli, single_clinic: Path, tmp_path: Path) -> None:
    missing = cli("preview", tmp_path / "nowhere")
    assert missing.code == 1
    assert "no such file or directory" in missing.err
    assert "Traceback" not in missing.err
    edit(single_clinic / "reconciler.yaml", "deadline_hours: 24", "deadline_hours: many")
    invalid = cli("preview", single_clinic, "--port", "0")
    assert invalid.code == 1
    assert "reconciler.yaml:" in invalid.err
    assert "deadline_hours" in invalid.err
    assert "Traceback" not in invalid.err
    unknown = cli("preview", EXAMPLE, "--account", "nobody", "--port", "0")
    assert unknown.code == 1
    assert "no account nobody" in unknown.err


def test_what_the_site_cannot_take_is_a_problem_with_its_place(single_clinic: Path) -> None:
    (single_clinic / "media" / "han.png").write_bytes(b"\x89PNG" + bytes(2000))
    preview = Preview(single_clinic, port=0)
    with pytest.raises(ConfigError) as raised:
        preview.start()
    [problem] = raised.value.problems
    assert problem.mark is not None
    line = next(
        n
        for n, text in enumerate((single_clinic / "reconciler.yaml").read_text().splitlines(), 1)
        if "photo: media/han.png" in text
    )
    assert (Path(problem.mark.file).name, problem.mark.line) == ("reconciler.yaml", line)
    assert "profile image holds at most 1000" in problem.message
    assert not preview.directory.exists()  # nothing left behind
