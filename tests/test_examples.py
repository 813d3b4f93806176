"""The examples validate and lint clean — strictly — as a user would run them."""

from __future__ import annotations

import pytest
from support import REPO, RunCli

from reconciler.config import load_config


@pytest.mark.parametrize("example", ["single-clinic", "chain"])
def test_example_validates_and_lints_clean(cli: RunCli, example: str) -> None:
    path = REPO / "examples" / example
    result = cli("validate", path)
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith("valid: ")
    result = cli("lint", path, "--strict")
    assert result.code == 0, result.err
    assert "no findings" in result.out


def test_chain_example_is_a_chain() -> None:
    loaded = load_config(REPO / "examples" / "chain")
    accounts = loaded.config.accounts
    assert len(accounts) >= 2
    assert sum(len(a.clinics) for a in accounts.values()) >= 5
    assert len(loaded.files) > 5  # includes are used
