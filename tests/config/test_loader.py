"""Includes, merging and the defaults cascade — and that values keep their places."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import BASE, REPO, WriteConfig

from reconciler.config import include_paths, load_config, loader, yaml12
from reconciler.config.loader import load_tree, merge, to_data
from reconciler.config.values import Text
from reconciler.config.yaml12 import Budget, parse
from reconciler.errors import ConfigError, ReconcilerError


def messages(error: ConfigError) -> list[str]:
    return [f"{p.mark}: {p.message}" for p in error.problems]


def test_merge_is_deep_for_mappings_and_replaces_lists() -> None:
    base = parse("a: {x: 1, y: [1, 2]}\nb: 1\n", "base")
    over = parse("a: {y: [3], z: 2}\nc: 3\n", "over")
    assert base is not None and over is not None
    merged = to_data(merge(base, over))
    assert merged == {"a": {"x": 1, "y": [3], "z": 2}, "b": 1, "c": 3}
    assert list(merged) == ["a", "b", "c"]
    assert list(merged["a"]) == ["x", "y", "z"]
    assert to_data(base) == {"a": {"x": 1, "y": [1, 2]}, "b": 1}  # never mutated


def test_null_drops_the_key_so_the_default_applies() -> None:
    base = parse("group: Oslo\nname: A\n", "base")
    over = parse("group: null\nname:\n", "over")
    assert base is not None and over is not None
    assert to_data(merge(base, over)) == {}


def test_strings_remember_where_they_were_written() -> None:
    node = parse("a:\n  - hello\n", "f.yaml")
    assert node is not None
    text = to_data(node)["a"][0]
    assert isinstance(text, Text) and str(text.mark) == "f.yaml:2:5"


def test_include_in_any_mapping_relative_to_the_including_file(write_config: WriteConfig) -> None:
    directory = write_config(
        root="""\
        version: 1
        accounts:
          a:
            include: accounts/a.yaml
            subdomain: overridden
        """,
        accounts__a_yaml="""\
        version: 1
        subdomain: from-include
        key: ${env:TEST_ACCOUNT_KEY}
        databases: {include: ../dbs/*.yaml}
        """,
        dbs__one_yaml="one: {url: 'sqlite://'}\n",
        dbs__two_yaml="two: {url: 'sqlite://'}\n",
    )
    loaded = load_config(directory)
    account = loaded.config.accounts["a"]
    assert account.subdomain == "overridden"
    assert list(account.databases) == ["one", "two"]
    assert str(loaded.mark_of(("accounts", "a", "key"))).endswith("accounts/a.yaml:3:6")
    assert str(loaded.mark_of(("accounts", "a", "databases", "two", "url"))).endswith(
        "dbs/two.yaml:1:12"
    )


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"reconciler_yaml": "version: 1\ninclude: missing.yaml\n"}, "missing.yaml does not exist"),
        ({"reconciler_yaml": "version: 1\ninclude: 'x/*.yaml'\n"}, "matches no file"),
        ({"reconciler_yaml": "version: 1\ninclude: [12]\n"}, "include takes a file path"),
        (
            {
                "reconciler_yaml": "version: 1\ninclude: a.yaml\n",
                "a_yaml": "include: reconciler.yaml\n",
            },
            "include cycle: reconciler.yaml → a.yaml → reconciler.yaml",
        ),
        (
            {"reconciler_yaml": "version: 1\ninclude: a.yaml\n", "a_yaml": "- x\n"},
            "must be a mapping",
        ),
        (
            {"reconciler_yaml": "version: 1\ninclude: a.yaml\n", "a_yaml": ""},
            "included file is empty",
        ),
        (
            {"reconciler_yaml": "version: 1\ninclude: a.yaml\n", "a_yaml": "version: 2\n"},
            "may only say version: 1",
        ),
        (
            {"reconciler_yaml": "version: 1\ninclude: a.yaml\n", "a_yaml": "a: [\n"},
            "a.yaml:2:1: YAML",
        ),
    ],
)
def test_include_problems(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], expected: str
) -> None:
    directory = write_config(root=None, **files)
    monkeypatch.chdir(directory)
    with pytest.raises(ConfigError) as info:
        load_config(directory)
    assert any(expected in m for m in messages(info.value)), messages(info.value)


def test_defaults_cascade_nearest_last(write_config: WriteConfig) -> None:
    directory = write_config(
        root="""\
        version: 1
        defaults:
          account: {country: SE}
          database: {user: reader}
          clinic: {group: Chain}
          provider: {title: Tannlege, consent: {title: true}}
        accounts:
          a:
            key: ${env:TEST_ACCOUNT_KEY}
            subdomain: a
            databases: {main: {url: 'sqlite://'}}
            defaults:
              clinic: {group: West}
              provider: {title: Tannpleier}
            clinics:
              one:
                opus_id: 1
                defaults:
                  provider: {consent: {photo: true}}
                providers:
                  HAN: {}
                  KJO: {title: Kjeveortoped}
              two:
                opus_id: 2
                group: Own
                providers: {MIA: {}}
        """
    )
    loaded = load_config(directory)
    account = loaded.config.accounts["a"]
    assert account.country == "SE"
    assert account.databases["main"].user == "reader"
    one, two = account.clinics["one"], account.clinics["two"]
    assert (one.group, two.group) == ("West", "Own")
    han, kjo, mia = one.providers["HAN"], one.providers["KJO"], two.providers["MIA"]
    assert (han.title, kjo.title, mia.title) == ("Tannpleier", "Kjeveortoped", "Tannpleier")
    assert han.consent.title and han.consent.photo
    assert mia.consent.title and not mia.consent.photo
    # the value's place is the defaults block that set it
    assert str(loaded.mark_of(("accounts", "a", "clinics", "one", "group"))).endswith(
        "reconciler.yaml:13:23"
    )


def test_unknown_defaults_level(write_config: WriteConfig) -> None:
    directory = write_config(BASE_WITH_DEFAULTS.replace("clinic:", "clinc:"))
    with pytest.raises(ConfigError) as info:
        load_config(directory)
    assert any(
        "unknown key 'defaults.clinc'; did you mean 'clinic'?" in m for m in messages(info.value)
    )


BASE_WITH_DEFAULTS = """\
version: 1
defaults:
  clinic: {group: A}
accounts: {}
"""


def test_a_problem_in_a_defaults_block_is_reported_once_at_its_place(
    write_config: WriteConfig,
) -> None:
    text = BASE.replace(
        "version: 1\n", "version: 1\ndefaults:\n  provider:\n    titel: Tannlege\n"
    ).replace(
        "      sentrum:", "      other: {opus_id: 2, providers: {X: {}, Y: {}}}\n      sentrum:"
    )
    with pytest.raises(ConfigError) as info:
        load_config(write_config(text))
    found = [m for m in messages(info.value) if "titel" in m]
    assert len(found) == 1
    assert (
        "reconciler.yaml:4:5: defaults.provider: unknown key 'titel'; did you mean 'title'?"
        in found[0]
    )


def test_a_directory_without_the_root_file(tmp_path: Path) -> None:
    with pytest.raises(ReconcilerError, match=r"no reconciler\.yaml"):
        load_tree(tmp_path)
    with pytest.raises(ReconcilerError, match="no such file"):
        load_tree(tmp_path / "nope")


def test_a_duplicate_key_does_not_hide_the_other_problems(write_config: WriteConfig) -> None:
    text = BASE.replace("    subdomain: testklinikken\n", "    subdomain: a\n    subdomain: b\n")
    text = text.replace("opus_id: 1", "opus_id: x")
    with pytest.raises(ConfigError) as info:
        load_config(write_config(text))
    found = messages(info.value)
    assert any("duplicate key 'subdomain'" in m for m in found)
    assert any("opus_id: must be a whole number" in m for m in found)


def test_nesting_is_bounded_across_includes(write_config: WriteConfig) -> None:
    deep = "".join("  " * i + f"k{i}:\n" for i in range(40)) + "  " * 40 + "leaf: 1\n"
    files = {f"part{i}_yaml": f"{'  ' * 39}include: part{i + 1}.yaml\n" for i in range(3)}
    directory = write_config(
        root="version: 1\nx:\n  include: part0.yaml\n",
        **{k: deep.replace("leaf: 1\n", v) for k, v in files.items()},
        part3_yaml=deep,
    )
    with pytest.raises(ConfigError) as info:
        load_config(directory)
    assert any("nests deeper than 64 levels" in m for m in messages(info.value))


def load_problems(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(directory)
    return messages(info.value)


def test_includes_may_not_leave_the_config_directory(
    write_config: WriteConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("texts: {heading: Hei}\n", encoding="utf-8")
    directory = write_config(
        BASE.replace(
            "    clinics:\n",
            "    site:\n"
            f"      include: [../outside.yaml, {outside}, '../*.yaml', linked.yaml, 'parts/*']\n"
            "    clinics:\n",
        )
    )
    (directory / "linked.yaml").symlink_to(outside)
    (directory / "parts").symlink_to(tmp_path)
    monkeypatch.chdir(directory)
    located = load_problems(directory)
    assert all(p.startswith("reconciler.yaml:16:") for p in located), located
    problems = [p.split(": ", 1)[1] for p in located]
    inside = "included files must lie inside the directory that holds reconciler.yaml"
    assert problems == [
        f"include '../outside.yaml' reaches {outside}, outside the config directory; " + inside,
        f"include '{outside}' is an absolute path; include paths are relative to the "
        "including file and stay inside the config directory",
        f"include pattern '../*.yaml' starts outside the config directory; {inside}",
        f"include 'linked.yaml' reaches {outside} through a symlink, outside the config "
        f"directory; {inside}",
        f"include pattern 'parts/*' starts outside the config directory; {inside}",
    ]


def test_includes_may_go_up_and_through_symlinks_that_stay_inside(
    write_config: WriteConfig,
) -> None:
    directory = write_config(
        BASE.replace("    clinics:\n", "    site: {include: shared/site.yaml}\n    clinics:\n"),
        shared__texts_yaml="texts: {heading: Hei}\n",
        shared__site_yaml="include: ../common/link.yaml\n",
    )
    (directory / "common").mkdir()
    (directory / "common" / "link.yaml").symlink_to(directory / "shared" / "texts.yaml")
    loaded = load_config(directory)
    assert loaded.config.accounts["clinic"].site.texts.heading == "Hei"


def clinic_file(name: str, opus_id: int) -> str:
    return f"{name}:\n  opus_id: {opus_id}\n"


def test_recursive_globs_do_not_follow_symlinked_directories(write_config: WriteConfig) -> None:
    directory = write_config(
        BASE.replace("      sentrum:\n", "      include: 'clinics/**/*.yaml'\n      sentrum:\n"),
        clinics__nord_yaml=clinic_file("nord", 2),
        clinics__vest__bergen_yaml=clinic_file("bergen", 3),
        clinics__dot__skjult__x_yaml=clinic_file("skjult", 4),
    )
    (directory / "clinics" / "dot").rename(directory / "clinics" / ".dot")
    (directory / "clinics" / "loop").symlink_to(directory / "clinics")
    (directory / "clinics" / "vest" / "up").symlink_to(directory)
    loaded = load_config(directory)
    assert list(loaded.config.accounts["clinic"].clinics) == ["nord", "bergen", "sentrum"]


@pytest.mark.parametrize(
    ("bound", "value", "expected"),
    [
        ("MAX_GLOB_DEPTH", 2, "goes more than 2 directories deep; name the directories to include"),
        ("MAX_GLOB_ENTRIES", 3, "looks through more than 3 directory entries; narrow it"),
    ],
)
def test_recursive_globs_are_bounded(
    write_config: WriteConfig,
    monkeypatch: pytest.MonkeyPatch,
    bound: str,
    value: int,
    expected: str,
) -> None:
    monkeypatch.setattr(include_paths, bound, value)
    directory = write_config(
        BASE.replace("      sentrum:\n", "      include: 'clinics/**/*.yaml'\n      sentrum:\n"),
        clinics__a__b__c__d_yaml=clinic_file("d", 2),
        clinics__e_yaml=clinic_file("e", 3),
        clinics__f_yaml=clinic_file("f", 4),
    )
    [problem] = load_problems(directory)
    assert problem.endswith(
        f"reconciler.yaml:16:16: include pattern 'clinics/**/*.yaml' {expected}"
    )


def test_the_readme_states_the_glob_bounds() -> None:
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert f"more than {include_paths.MAX_GLOB_DEPTH} directories deep" in readme
    assert f"more than {include_paths.MAX_GLOB_ENTRIES:,} entries" in readme
    assert f"at most {yaml12.MAX_NODES:,} values counted as expanded" in readme
    assert f"a file at most {yaml12.MAX_FILE_BYTES // 1024**2} MB" in readme


def test_merged_trees_count_their_values_as_if_written_out() -> None:
    base = parse("a: {x: 1, y: [1, 2]}\nb: 1\n", "base")
    over = parse("a: {y: [3], z: {deep: [1]}}\nc: 3\n", "over")
    written = parse("a: {x: 1, y: [3], z: {deep: [1]}}\nb: 1\nc: 3\n", "written")
    assert base is not None and over is not None and written is not None
    merged = merge(base, over)
    assert (merged.size, merged.height) == (written.size, written.height)


PROVIDERS = "".join(f"P{i}: {{}}\n" for i in range(100))


@pytest.mark.parametrize("level", ["root", "clinic"])
def test_the_value_budget_counts_what_defaults_add(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch, level: str
) -> None:
    block = "provider: {title: Tannlege, consent: {title: true}}"
    root = BASE.replace("          HAN:", "          include: many.yaml\n          HAN:")
    directory = write_config(root, many_yaml=PROVIDERS)
    parsed = load_tree(directory).root.size
    monkeypatch.setattr(loader, "Budget", lambda: Budget(left=parsed + 100))
    load_config(directory)  # 100 values to spare: valid
    if level == "root":
        root = root.replace("accounts:\n", f"defaults:\n  {block}\naccounts:\n")
    else:
        root = root.replace(
            "        providers:\n", f"        defaults:\n          {block}\n        providers:\n"
        )
    [problem] = load_problems(write_config(root, many_yaml=PROVIDERS))
    assert "more than 500,000 values once defaults are applied" in problem
    assert "this defaults.provider block adds up to 6 values to every provider" in problem
