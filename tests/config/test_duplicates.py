"""Names Opus sees as one row, and selections that would overwrite each other, are refused at
validate, each at the later place and naming the earlier one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import BASE, WriteConfig

from reconciler.config import load_config
from reconciler.errors import ConfigError

SECOND_CLINIC = """\
      nord:
        opus_id: 2
        providers:
          HAN: {}
"""


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(directory)
    return [f"{p.mark}: {p.message} [{p.code}]" for p in info.value.problems]


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_a_provider_selected_in_two_clinics_of_one_database(write_config: WriteConfig) -> None:
    text = BASE + SECOND_CLINIC
    [problem] = problems_of(write_config(text))
    first, second = line_of(text, "          HAN:\n"), text.count("\n")
    assert re.match(rf"\S*reconciler\.yaml:{second}:\d+: ", problem), problem
    assert "providers.HAN: provider 'HAN' is also selected in clinic 'sentrum'" in problem
    assert "the second would replace the first's publishing" in problem
    assert re.search(rf"first at \S*reconciler\.yaml:{first}:\d+\)", problem), problem


def test_one_provider_code_may_be_selected_in_clinics_of_two_databases(
    write_config: WriteConfig,
) -> None:
    text = BASE.replace(
        "    clinics:\n",
        "      other:\n        url: sqlite:///other.db\n    clinics:\n",
    ).replace("        opus_id: 1\n", "        opus_id: 1\n        database: main\n")
    text += SECOND_CLINIC + "        database: other\n"
    load_config(write_config(text))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "          HAN:\n",
            "          han: {}\n          HAN:\n",
            "providers.HAN: 'HAN' and 'han' are one provider to Opus",
        ),
        (
            SECOND_CLINIC,
            SECOND_CLINIC.replace("HAN", "han"),
            "provider 'han' is also selected in clinic 'sentrum' as 'HAN' (Opus compares",
        ),
        (
            '            "- Tannrens": {duration: 45, category: Tannrens}\n',
            '            "- undersøkelse ": {duration: 45, category: Tannrens}\n',
            "'- undersøkelse ' and '- Undersøkelse' are one appointment type to Opus",
        ),
        (
            "            Internett: {",
            '            "INTERNETT": {kind: normal}\n            Internett: {',
            "preblock_types.Internett: 'Internett' and 'INTERNETT' are one preblock type",
        ),
    ],
)
def test_names_that_differ_only_in_case_are_one_row_in_opus(
    write_config: WriteConfig, old: str, new: str, expected: str
) -> None:
    text = (BASE + SECOND_CLINIC if old == SECOND_CLINIC else BASE).replace(old, new)
    problems = problems_of(write_config(text))
    assert any(expected in p and "[duplicate]" in p for p in problems), problems
    assert all("first at " in p for p in problems if "[duplicate]" in p), problems


LISTS = """\
          registration_lists:
            Nett:
              appointment_types: ["- Undersøkelse", "- Tannrens", "- undersøkelse"]
              linked_to: {organisation: true, providers: [HAN]}
            nett2:
              appointment_types: ["- Tannrens"]
              linked_to: {organisation: true, providers: [han]}
          access:
            preblock_for_internet: [Resepsjon, resepsjon]
"""


def test_lists_hold_an_item_once_and_targets_link_one_list(write_config: WriteConfig) -> None:
    text = BASE.replace("          appointment_types:\n", LISTS + "          appointment_types:\n")
    problems = problems_of(write_config(text))
    expected = [
        "registration_lists.Nett.appointment_types[2]: 'Nett' names '- undersøkelse' twice "
        "(as '- Undersøkelse': Opus compares",
        "registration_lists.nett2.linked_to.organisation: registration list 'nett2' is linked "
        "to the organisation, and so is registration list 'Nett'",
        "registration_lists.nett2.linked_to.providers[0]: registration list 'nett2' is linked "
        "to provider 'han', and so is registration list 'Nett'",
        "access.preblock_for_internet[1]: 'preblock_for_internet' names 'resepsjon' twice",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
