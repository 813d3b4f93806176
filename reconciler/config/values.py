"""Value types that carry what plain strings cannot: where they were written (`Text`), a
reference to a secret (`Ref` → `Secret`), and files named relative to the config (`LocalFile`).

Secrets are given by reference only — `${env:NAME}` or `${file:path}` — and held in `Secret`,
whose `str()` and `repr()` never show the value. Every file a config names (a `${file:}`
reference, a logo, a photo, a certificate) must be a regular file inside the config's
directory or in a directory the operator allows (`FileAccess`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Final, get_args

from pydantic import BaseModel, PlainSerializer, PlainValidator, ValidationInfo, WithJsonSchema

from reconciler.config.files import FileAccess, FileProblem, read_limited
from reconciler.domain.secrets import Secret, control_character
from reconciler.errors import Mark

MAX_SECRET_FILE_BYTES: Final = 64 * 1024
REFERENCE = re.compile(r"\$\{(env|file):([^{}]+)\}")
REFERENCE_PATTERN: Final = r"^\$\{(env|file):[^{}]+\}$"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Invalid(ValueError):
    """A validation failure with a stable code, for validators inside the model."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class Text(str):
    """A string read from a config file, knowing where it was written."""

    mark: Mark | None = None

    @classmethod
    def at(cls, value: str, mark: Mark) -> Text:
        text = cls(value)
        text.mark = mark
        return text


class Ref(Text):
    """A whole-value reference `${env:NAME}` or `${file:path}`."""

    kind: str
    name: str

    @classmethod
    def parse(cls, value: str, mark: Mark) -> Ref | None:
        m = REFERENCE.fullmatch(value.strip())
        if m is None:
            return None
        ref = cls(value)
        ref.mark = mark
        ref.kind, ref.name = m.group(1), m.group(2).strip()
        return ref

    @property
    def label(self) -> str:
        return f"${{{self.kind}:{self.name}}}"


def _base_dir(value: str) -> Path:
    mark = getattr(value, "mark", None)
    return Path(mark.file).parent if mark is not None else Path()


def _access(info: ValidationInfo | None) -> FileAccess | None:
    context = (info.context if info is not None else None) or {}
    access = context.get("files")
    return access if isinstance(access, FileAccess) else None


def resolve(ref: Ref, access: FileAccess | None = None) -> str:
    """The value a reference points at. ValueError names the variable or file, never a value.

    A `${file:}` secret is read whole; exactly one final line break (`\n` or `\r\n`) is
    dropped, as editors and `echo` add one. `access`, when given, says which directories
    the file may lie in."""
    if ref.kind == "env":
        if not _ENV_NAME.fullmatch(ref.name):
            raise ValueError(
                "${env:…} takes an environment variable name (letters, digits and _); "
                "the value itself never belongs in the config"
            )
        value = os.environ.get(ref.name)
        if value is None:
            raise ValueError(
                f"environment variable {ref.name} is not set; export it "
                "(or run validate with --no-secrets to check the rest)"
            )
        if value == "":
            raise ValueError(f"environment variable {ref.name} is empty")
        return value
    path = _base_dir(ref) / ref.name
    try:
        if access is not None:
            access.check(path)
        data = read_limited(path, MAX_SECRET_FILE_BYTES)
    except FileProblem as e:
        raise ValueError(f"secret file {path} {e}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"secret file {path} is not UTF-8 text") from None
    text = text.removesuffix("\n").removesuffix("\r") if text.endswith("\n") else text
    if not text:
        raise ValueError(f"secret file {path} is empty")
    return text


def _should_resolve(info: ValidationInfo) -> bool:
    context = info.context or {}
    return bool(context.get("resolve_secrets", True))


def _validate_secret(value: Any, info: ValidationInfo) -> Secret:
    if isinstance(value, Secret):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a reference like ${env:NAME} or ${file:path}")
    ref = value if isinstance(value, Ref) else Ref.parse(value, Mark("", 0, 0))
    if ref is None:
        if "${" in value:
            raise Invalid(
                "must be exactly one reference like ${env:NAME}, with nothing around it", "secret"
            )
        raise Invalid(
            "secrets are never written into the config; "
            "give a reference like ${env:NAME} or ${file:path}",
            "secret",
        )
    file = Path(os.path.normpath(_base_dir(ref) / ref.name)) if ref.kind == "file" else None
    if not _should_resolve(info):
        return Secret(ref.label, None, file)
    try:
        return Secret(ref.label, resolve(ref, _access(info)), file)
    except ValueError as e:  # SecretProblem included
        raise Invalid(str(e), "secret") from None


SecretRef = Annotated[
    Secret,
    PlainValidator(_validate_secret),
    PlainSerializer(lambda s: s.reference, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": REFERENCE_PATTERN,
            "description": "A reference, never the value: ${env:NAME} or ${file:path}.",
            "x-kind": "secret reference",
        }
    ),
]


def _validate_resolvable(value: Any, info: ValidationInfo) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    if isinstance(value, Ref):
        if not _should_resolve(info):
            return value.label
        text = resolve(value, _access(info))
        found = control_character(text)
        if found is not None:
            raise Invalid(f"{value.label} holds {found}; remove it", "reference")
        return text
    return str(value)


Resolvable = Annotated[
    str,
    PlainValidator(_validate_resolvable),
    WithJsonSchema(
        {
            "type": "string",
            "x-kind": "text or reference",
            "description": "Text, or a reference ${env:NAME}.",
        }
    ),
]
"""A connection setting: written plainly or given as `${env:NAME}` / `${file:path}`."""


def _validate_url(value: Any, info: ValidationInfo) -> str:
    url = _validate_resolvable(value, info)
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise Invalid("is not a URL like sqlite:///opus.db or postgresql://host/db", "url")
    if ":" in rest.split("/", 1)[0].rpartition("@")[0] or re.search(r"(?i)pwd(=|%3d)", url):
        raise Invalid(
            "the url holds a password; take it out and give it as password: ${env:NAME}", "url"
        )
    path = rest.removeprefix("/")
    if (
        scheme.startswith("sqlite")
        and rest.startswith("/")
        and path
        and not path.startswith(("/", ":memory:"))
    ):
        return f"{scheme}:///{Path(os.path.normpath(_base_dir(value) / path)).resolve()}"
    return url


DatabaseUrl = Annotated[
    str,
    PlainValidator(_validate_url),
    WithJsonSchema(
        {
            "type": "string",
            "x-kind": "URL or reference",
            "description": "A SQLAlchemy database URL, or a reference ${env:NAME}.",
        }
    ),
]
"""A database URL; a relative SQLite path is made relative to the YAML file."""


@dataclass(frozen=True, slots=True)
class LocalFile:
    """A file named in the config, relative to the file that names it."""

    written: str
    path: Path

    def __str__(self) -> str:
        return self.written


def local_file(max_bytes: int, kinds: tuple[str, ...] = ()) -> Any:
    """An annotated type for a file that must exist, be at most `max_bytes`, and (when
    `kinds` is given) end in one of those suffixes."""

    def check(value: Any, info: ValidationInfo) -> LocalFile:
        if isinstance(value, LocalFile):
            return value
        if not isinstance(value, str) or not value.strip():
            raise ValueError("must be a file path")
        path = Path(value)
        if not path.is_absolute():
            path = Path(os.path.normpath(_base_dir(value) / path))
        if kinds and path.suffix.lower() not in kinds:
            raise Invalid(f"'{value}' must be a {', '.join(kinds)} file", "file")
        access = _access(info)
        if access is not None:
            try:
                access.check(path)
            except FileProblem as e:
                raise Invalid(f"file {path} {e}", "file") from None
        try:
            size = path.stat().st_size
        except OSError:
            raise Invalid(
                f"file {path} does not exist; paths are relative to this YAML file", "file"
            ) from None
        if not path.is_file():
            raise Invalid(f"{path} is not a file", "file")
        if size > max_bytes:
            raise Invalid(f"file {path} is larger than {max_bytes // 1024} KB", "file")
        return LocalFile(str(value), path)

    return Annotated[
        LocalFile,
        PlainValidator(check),
        PlainSerializer(lambda f: f.written, return_type=str),
        WithJsonSchema(
            {
                "type": "string",
                "x-kind": "file path",
                "description": "A file path relative to this YAML file.",
            }
        ),
    ]


def named_files(value: Any) -> Iterator[tuple[str, Path]]:
    """Every file a loaded config (or part of it) names, as (kind, path): `file` for a logo,
    photo or certificate, `secret` for a `${file:}` secret. In model order."""
    if isinstance(value, LocalFile):
        yield "file", value.path
    elif isinstance(value, Secret):
        if value.file is not None:
            yield "secret", value.file
    elif isinstance(value, BaseModel):
        for name in _naming_fields(type(value)):
            yield from named_files(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from named_files(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from named_files(item)


@cache
def _naming_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of `model` whose type can hold a named file: the walk above skips the
    others (publishing rules, hours, texts), which are most of a large chain's config."""
    return tuple(
        name for name, info in model.model_fields.items() if _can_name_files(info.annotation)
    )


def _can_name_files(annotation: Any) -> bool:
    if annotation in (LocalFile, Secret, Any):
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return bool(_naming_fields(annotation))
    return any(_can_name_files(arg) for arg in get_args(annotation))
