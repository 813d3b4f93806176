"""The YAML 1.2 reader: resolution, places, and bounded, safe handling of hostile input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.config import yaml12
from reconciler.config.yaml12 import Node, YamlProblems, parse, read_text, resolve_plain


def plain(node: Node | None) -> Any:
    assert node is not None
    if isinstance(node.value, dict):
        return {k: plain(v) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [plain(v) for v in node.value]
    return node.value


def problems(text: str) -> list[str]:
    with pytest.raises(YamlProblems) as info:
        parse(text, "f.yaml")
    return [f"{p.mark.line}:{p.mark.col} {p.message}" for p in info.value.problems if p.mark]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("NO", "NO"),
        ("no", "no"),
        ("on", "on"),
        ("yes", "yes"),
        ("Off", "Off"),
        ("true", True),
        ("False", False),
        ("~", None),
        ("null", None),
        ("", None),
        ("10", 10),
        ("-3", -3),
        ("0", 0),
        ("010", "010"),
        ("0150", "0150"),
        ("0o17", "0o17"),
        ("0x1A", "0x1A"),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        (".inf", float("inf")),
        ("08:00", "08:00"),
        ("2026-12-24", "2026-12-24"),
        ("1" * 30, "1" * 30),
    ],
)
def test_plain_scalars_resolve_by_yaml_12_without_surprises(text: str, value: object) -> None:
    assert resolve_plain(text) == value
    assert type(resolve_plain(text)) is type(value)


def test_quoted_and_tagged_scalars_are_text() -> None:
    tree = plain(parse('a: "true"\nb: \'010\'\nc: !!str 12\nd: !!int "7"\ne: !!float 2\n', "f"))
    assert tree == {"a": "true", "b": "010", "c": "12", "d": 7, "e": 2.0}


def test_keys_are_the_text_written() -> None:
    tree = plain(parse("NO: a\n1: b\ntrue: c\n010: d\n", "f"))
    assert list(tree) == ["NO", "1", "true", "010"]


def test_every_value_knows_its_place() -> None:
    root = parse("top:\n  child: [1, two]\n  other: x\n", "f.yaml")
    assert root is not None and isinstance(root.value, dict)
    top = root.value["top"]
    assert root.key_marks["top"].line == 1
    assert isinstance(top.value, dict)
    assert (top.key_marks["other"].line, top.key_marks["other"].col) == (3, 3)
    child = top.value["child"]
    assert isinstance(child.value, list)
    assert (child.value[1].mark.line, child.value[1].mark.col) == (2, 14)
    assert str(child.value[1].mark) == "f.yaml:2:14"


def test_anchors_aliases_and_merge_keys() -> None:
    tree = plain(parse("base: &b {x: 1, y: 2}\ncopy: *b\nm:\n  <<: *b\n  y: 3\n", "f"))
    assert tree["copy"] == {"x": 1, "y": 2}
    assert tree["m"] == {"y": 3, "x": 1}
    merged = plain(parse("a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: [*a, *b]\n", "f"))
    assert merged["c"] == {"x": 1, "y": 2}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\na: 2\n", "2:1 duplicate key 'a' (first set at line 1)"),
        ("a:\n  b: 1\n  c: 2\n  b: 3\n", "4:3 duplicate key 'b'"),
        ("a:\n\t- b\n", "2:1 YAML syntax: a tab character"),
        ("{a: b", "YAML syntax"),
        ("a: b\n c: d\n", "YAML syntax"),
        ("a: 1\n---\nb: 2\n", "a second YAML document"),
        ("a: !!python/object:os.system x\n", "tag !!python/object:os.system is not allowed"),
        ("a: !!python/object/apply:os.system [ls]\n", "is not allowed"),
        ("a: !custom x\n", "tag !custom is not allowed"),
        ("a: !!int abc\n", "not a valid !!int"),
        ("a: *nowhere\n", "alias *nowhere has no anchor"),
        ("a: &x [*x]\n", "refers to its own anchor"),
        ("? [a, b]\n: c\n", "mapping key must be plain text"),
        ("a:\n  <<: 5\n", "merge key '<<' takes a mapping"),
    ],
)
def test_problems_are_placed_and_worded(text: str, expected: str) -> None:
    found = problems(text)
    assert any(expected in p for p in found), found


def test_all_duplicate_keys_are_reported_together() -> None:
    assert len(problems("a: 1\na: 2\nb: 1\nb: 2\n")) == 2


def test_empty_and_comment_only_documents_are_none() -> None:
    assert parse("", "f") is None
    assert parse("# nothing here\n", "f") is None


def test_alias_bomb_stops_early() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 12):
        refs = ",".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    assert any("an alias bomb?" in p for p in problems("\n".join(lines) + "\n"))


def test_merge_key_bomb_stops_early() -> None:
    lines = ["m0: &m0 {" + ", ".join(f"k{j}: {j}" for j in range(50)) + "}"]
    for i in range(1, 9):
        lines.append(
            f"m{i}: &m{i}\n  <<: *m{i - 1}\n  x{i}: [" + ",".join([f"*m{i - 1}"] * 8) + "]"
        )
    assert any("an alias bomb?" in p for p in problems("\n".join(lines) + "\n"))


def test_deep_nesting_is_refused_without_recursion() -> None:
    assert any("nesting" in p for p in problems("[" * 100_000))
    assert any(
        "nesting deeper than" in p
        for p in problems("a:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 200)))
    )


def test_long_scalar_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml12, "MAX_SCALAR_CHARS", 1000)
    assert any("longer than" in p for p in problems("a: " + "x" * 2000 + "\n"))


def test_files_that_are_not_yaml_text(tmp_path: Path) -> None:
    cases = {
        "nul.yaml": b"a: 1\n\x00\x01\x02",
        "png.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "latin1.yaml": "a: blåbær\n".encode("latin-1"),
        "utf16.yaml": "a: 1\n".encode("utf-16"),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(YamlProblems) as info:
            read_text(str(tmp_path / name), name)
        [problem] = info.value.problems
        assert problem.mark is not None and problem.mark.file == name
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_text(str(tmp_path / "bom.yaml"), "bom.yaml") == "a: 1\n"


def test_large_files_are_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yaml12, "MAX_FILE_BYTES", 100)
    (tmp_path / "big.yaml").write_text("a: " + "x" * 200 + "\n")
    with pytest.raises(YamlProblems, match="larger than"):
        read_text(str(tmp_path / "big.yaml"), "big.yaml")
