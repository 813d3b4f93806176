"""`reconciler demo init`: a database and a config that agree, deterministic by seed."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

from support import RunCli

from reconciler.config import lint, load_config
from reconciler.demo import DEFAULT_SITE_URL
from reconciler.demo.address import free_site_url
from reconciler.demo.workspace import init
from reconciler.domain.national_id import parse


def dump(database: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as c:
        tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [row for t in sorted(tables) for row in c.execute(f"SELECT * FROM {t}")]


def test_init_writes_a_workspace_that_validates_and_lints_clean(
    cli: RunCli, tmp_path: Path
) -> None:
    result = cli("demo", "init", tmp_path / "demo", "--seed", "4")
    assert result.code == 0, result.err
    assert "3 clinics, 8 providers, 200 patients" in result.out
    config = tmp_path / "demo" / "config"
    loaded = load_config(config)
    assert lint(loaded) == []
    account = loaded.config.accounts["demo"]
    assert account.site_url == DEFAULT_SITE_URL  # where `site serve` and the demo run it
    assert account.key.reveal()  # the key file was written and is read by reference
    assert (config / "secrets" / "account-key").stat().st_mode & 0o077 == 0
    with sqlite3.connect(tmp_path / "demo" / "opus.db") as c:
        codes = {r[0] for r in c.execute("SELECT code FROM providers")}
        national_ids = [r[0] for r in c.execute("SELECT national_id FROM patients")]
        ebooking = {
            r[0] for r in c.execute("SELECT name FROM appointment_types WHERE use_in_ebooking")
        }
    assert codes == {code for clinic in account.clinics.values() for code in clinic.providers}
    assert set(account.databases["opus"].opus.appointment_types) == ebooking
    assert len(set(national_ids)) == len(national_ids) == 200
    assert all(parse(n).synthetic for n in national_ids)


def test_same_seed_same_data_other_seed_other_data(tmp_path: Path) -> None:
    start = date(2026, 11, 30)
    a = init(tmp_path / "a", seed=9, start=start)
    b = init(tmp_path / "b", seed=9, start=start)
    c = init(tmp_path / "c", seed=10, start=start)
    assert dump(a.database) == dump(b.database)
    assert dump(a.database) != dump(c.database)
    assert (a.config.parent / "clinics" / "0001.yaml").read_text() == (
        b.config.parent / "clinics" / "0001.yaml"
    ).read_text()


def test_clinics_scale_the_chain(tmp_path: Path) -> None:
    workspace = init(tmp_path / "big", clinics=12, start=date(2026, 11, 30))
    assert len(workspace.seed.providers) == 120
    loaded = load_config(workspace.config)
    assert len(loaded.config.accounts["demo"].clinics) == 12
    assert lint(loaded) == []


def test_init_refuses_to_overwrite_and_bad_counts(cli: RunCli, tmp_path: Path) -> None:
    assert cli("demo", "init", tmp_path / "w").code == 0
    again = cli("demo", "init", tmp_path / "w")
    assert again.code == 1
    assert "already holds a demo workspace" in again.err
    zero = cli("demo", "init", tmp_path / "z", "--clinics", "0")
    assert zero.code == 1
    assert zero.err.startswith("error: ")
    for url, why in (("notaurl", "not a web address"), ("http://example.com", "unencrypted")):
        refused = cli("demo", "init", tmp_path / "u", "--site-url", url)
        assert (refused.code, why in refused.err) == (1, True)
    assert not (tmp_path / "u").exists()
    one = cli("demo", "init", tmp_path / "one", "--clinics", "1")
    assert ": 1 clinic, " in one.out


def until_stopped(directory: Path) -> tuple[int, str, str]:
    """`reconciler demo` as a user runs it, stopped with Ctrl-C once the site is up."""
    demo = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "demo", "--dir", str(directory)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert demo.stdout is not None
    out = []
    for line in demo.stdout:
        out.append(line)
        if line.startswith("The patient page: "):
            demo.send_signal(signal.SIGINT)
            break
    try:
        rest, err = demo.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        demo.kill()
        rest, err = demo.communicate()
        raise AssertionError(
            f"the demo did not stop after Ctrl-C; it said:\n{err[-3000:]}"
        ) from None
    return demo.returncode, "".join(out) + rest, err


def test_the_demo_journey_runs_start_to_end_and_stops_cleanly(cli: RunCli, tmp_path: Path) -> None:
    url = free_site_url()
    root = init(tmp_path / "journey", site_url=url).config
    written = root.read_bytes()
    code, out, err = until_stopped(tmp_path / "journey")
    assert code == 0, err
    assert out.endswith("stopped\n") and "error" not in err
    assert "database: OK\ncertificate: OK\naccount: OK" in out
    assert "account demo: applied " in out
    assert out.count("No changes: the live systems match the config.") == 1
    assert "treatments: - Undersøkelse, - Tannrens, - Akutt" in out
    assert "bookings: 1 written, 0 rejected" in out  # the patient's booking, by the second sync
    assert "'s appointment book: " in out and "registered by ITB" in out
    # booked through the page's own forms: its confirmation page says where
    assert "patient books the first free time on the patient page" in out
    confirmed = next(line for line in out.splitlines() if line.startswith("confirmed on the "))
    assert "/sites/demo-tannlegene/bekreftet/" in confirmed
    assert f"listening on {url}\n" in out  # where the config says
    assert f"The booking site runs at {url} until Ctrl-C." in out
    assert f"The patient page: {url}/sites/demo-tannlegene/\n" in out
    assert root.read_bytes() == written  # the demo never edits its config
    again = cli("demo", "--once", "--dir", tmp_path / "journey")  # an existing workspace is reused
    assert again.code == 0
    assert "demo init" not in again.out


def test_a_taken_port_stops_the_demo_with_what_to_do(cli: RunCli, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        url = f"http://127.0.0.1:{taken.getsockname()[1]}"
        root = init(tmp_path / "w", site_url=url).config
        written = root.read_bytes()
        result = cli("demo", "--once", "--dir", tmp_path / "w")
    assert result.code == 1
    assert result.err.startswith(f"error: the booking site cannot listen on {url}: ")
    assert "another demo, or reconciler site serve, probably runs there: stop it" in result.err
    assert "reconciler demo init DIR --site-url http://127.0.0.1:PORT" in result.err
    assert "Traceback" not in result.err and len(result.err.splitlines()) == 1
    assert root.read_bytes() == written


def test_a_site_url_off_this_machine_is_refused_before_anything_runs(
    cli: RunCli, tmp_path: Path
) -> None:
    for name, url in (("remote", "https://booking.example"), ("portless", "http://127.0.0.1")):
        root = init(tmp_path / name, site_url=url).config
        result = cli("demo", "--once", "--dir", tmp_path / name)
        assert result.code == 1
        assert result.err.startswith(f"error: {root}:")
        assert "the demo runs its booking site on this machine" in result.err
        assert f"the account's site is {url} — " in result.err
        assert f'write site_url: "{DEFAULT_SITE_URL}"' in result.err
        assert "reconciler doctor" not in result.out
