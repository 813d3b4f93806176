"""Test helpers shared by the test modules (fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# A small valid config; tests change it with str.replace or add files beside it.
BASE = """\
version: 1
accounts:
  clinic:
    key: ${env:TEST_ACCOUNT_KEY}
    subdomain: testklinikken
    databases:
      main:
        url: sqlite:///opus.db
        opus:
          preblock_types:
            Internett: {kind: internet, color: "#D6F5D6"}
          appointment_types:
            "- Undersøkelse": {duration: 30, category: Undersøkelse}
            "- Tannrens": {duration: 45, category: Tannrens}
    clinics:
      sentrum:
        opus_id: 1
        providers:
          HAN:
            title: Tannlege
            consent: {photo: false, title: true}
            working_hours:
              - days: [mon-fri]
                hours: ["08:00-12:00", "12:30-16:00"]
            publishing:
              - days: [mon-thu]
                hours: ["08:00-11:30", "12:30-15:00"]
"""

ACCOUNT_KEY = "k3y-Zq8-never-shown"


WriteConfig = Callable[..., Path]


@dataclass
class Result:
    code: int
    out: str
    err: str


RunCli = Callable[..., Result]
