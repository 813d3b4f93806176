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


@pytest.mark.parametrize(
    ("template", "shown", "fix"),
    [
        (
            "Hei {{patient_first_name}, velkommen",
            "'{{patient_first_name}'",
            "{{patient_first_name}}",
        ),
        (
            "Hei {patient_first_name}}, velkommen",
            "'{patient_first_name}}'",
            "{{patient_first_name}}",
        ),
        ("Hei {patient_first_name}, velkommen", "'{patient_first_name}'", "{{patient_first_name}}"),
        ("Hei {{{patient_first_name}}}", "'{{{patient_first_name}}}'", "{{patient_first_name}}"),
        ("Time {{ date } kl. {{time}}", "'{{ date }'", "{{date}}"),
        ("Time kl. time}} hos oss", "'time}}'", "{{time}}"),
        ("{{ a {b} }}", "'{{ a'", "{{name}}"),
    ],
)
def test_malformed_merge_fields_are_problems(template: str, shown: str, fix: str) -> None:
    problems = merge_field_problems(template)
    assert problems, template
    assert f"malformed merge field {shown}" in problems[0]
    assert f"write {fix}" in problems[0]


@pytest.mark.parametrize(
    "template",
    [
        "Hei {{patient_first_name}}{{date}}",
        "Svar {JA} for å bekrefte",  # single braces around a word that is no merge field
        "p {color: red}",
        "Pris {50 kr}",
        "Ta med legitimasjon {",
    ],
)
def test_braces_that_are_not_merge_fields_are_text(template: str) -> None:
    assert merge_field_problems(template) == []


def test_an_unknown_merge_field_with_spaces_is_a_problem() -> None:
    [problem] = merge_field_problems("Hei {{ unknown }}")
    assert problem.startswith("unknown merge field {{unknown}}")
