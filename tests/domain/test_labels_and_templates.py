from __future__ import annotations

import pytest

from reconciler.domain.labels import subdomain_problem
from reconciler.domain.templates import merge_field_problems, render


@pytest.mark.parametrize("label", ["storgata", "smil-vest", "a", "tannlege24", "x" * 63])
def test_valid_subdomains(label: str) -> None:
    assert subdomain_problem(label) is None


@pytest.mark.parametrize(
    ("label", "fragment"),
    [
        ("", "empty"),
        ("x" * 64, "at most 63"),
        ("Storgata", "lower case"),
        ("-storgata", "hyphen"),
        ("storgata-", "hyphen"),
        ("stor_gata", "only the letters"),
        ("tannlege-æøå", "only the letters"),
        ("stor gata", "only the letters"),
        ("storgata.no", "without dots"),
        ("xn--storgata", "reserved"),
    ],
)
def test_invalid_subdomains(label: str, fragment: str) -> None:
    problem = subdomain_problem(label)
    assert problem is not None
    assert fragment in problem


def test_merge_fields_known_and_unknown() -> None:
    assert merge_field_problems("Hei {{patient_first_name}}, {{ date }} kl. {{time}}") == []
    [problem] = merge_field_problems("Hei {{patient_firstname}}! {{patient_firstname}}")
    assert "{{patient_firstname}}" in problem
    assert "did you mean {{patient_first_name}}" in problem
    assert "clinic_name" in problem  # names the known fields
    assert render("{{clinic_name}}: {{nope}}", {"clinic_name": "Storgata"}) == "Storgata: {{nope}}"
