"""Exceptions raised by ingestion.

Row-level problems never raise: they go to the `quarantine` table and the rest of the file loads.
These exceptions are for problems with a *whole file or configuration*, where loading anything
would be wrong: a layout that does not match its mapping, a re-delivery that would double rows,
a file that cannot be read at all. Each message names the file so an operator can act on it
without reading a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from skiptrace.errors import CONFIG, INPUT, REFUSED, ConfigError, SkiptraceError
from skiptrace.masking import mask_shape, mask_ssn_runs, mask_text
from skiptrace.ssn_shapes import ssn_shaped


class IngestError(SkiptraceError):
    """Base class: the file was not loaded and nothing from it was written.

    A `SkiptraceError`: the command line prints the message as one line and exits with the
    class's code (input file error unless a subclass says otherwise), without a traceback.
    """

    exit_code = INPUT


class MissingColumnsError(IngestError):
    """The file lacks columns its mapping requires; raised before any row is loaded.

    The message lists the columns the file has, masked as a log line is. When a file arrives
    without its header line, that "header" is a debtor's row (name, date of birth, address,
    phone, email), and the message goes to stderr, the logs, Prefect's database, the run
    summary, the report and an inbox file's reason: then no value is shown, only the count and
    shape of the fields (letters '*', digits '#', as `skiptrace rejects` masks a raw line) and
    the missing names.
    """

    def __init__(self, path: Path | str, missing: Sequence[str], available: Sequence[str]) -> None:
        self.path = Path(path)
        self.missing = list(missing)
        self.looks_like_data = looks_like_data(available)
        self.available = header_names(available, self.looks_like_data)
        if self.looks_like_data:
            problem = (
                f"its first line is not a header but looks like a data row ({len(available)} "
                f"fields shaped {_shown(self.available, 20)}; values not shown): is the header "
                "line missing?"
            )
        else:
            problem = f"the file has {_shown(self.available, 60)}"
        super().__init__(f"{self.path}: missing required column(s) {self.missing}; {problem}")


def looks_like_data(names: Sequence[str]) -> bool:
    """A "header" with a field no column is named like: one that starts with a digit (a date,
    an amount, a house number, a ZIP), holds an '@' (an email) or an SSN- or phone-shaped
    number. Such a line is a data row, and none of its fields may be shown."""
    return any(
        name[:1].isdigit() or "@" in name or ssn_shaped(name) or mask_text(name) != name
        for name in (n.strip() for n in names)
    )


def header_names(names: Sequence[str], data: bool | None = None) -> list[str]:
    """The names of a header line as a message may show them: masked as a log line is, each cut
    to 60 characters; shape-masked when the line looks like data (`looks_like_data`)."""
    data = looks_like_data(names) if data is None else data
    if data:
        return [mask_shape(name)[:60] for name in names]
    return [mask_text(mask_ssn_runs(name))[:60] for name in names]


def _shown(names: list[str], limit: int) -> list[str]:
    return names[:limit] + (["..."] if len(names) > limit else [])


class MappingError(IngestError, ValueError):
    """The source/profile configuration cannot be applied (e.g. a required field is unmapped)."""

    exit_code = CONFIG


class RedeliveryError(IngestError):
    """A different version of an already-loaded file arrived and `replace` was not given.

    Loading it anyway would silently double every record the two versions share, so the operator
    must decide: re-run with --replace (`replace=True` in Python; the old load is superseded) or
    drop the new file. The message names the command-line option: that is where it is read.
    A safety refusal (exit code 6), not a broken file.
    """

    exit_code = REFUSED

    def __init__(
        self, path: Path | str, source: str, previous_file_no: int, previous_sha: str
    ) -> None:
        self.path = Path(path)
        self.source = source
        self.previous_file_no = previous_file_no
        super().__init__(
            f"{self.path}: source {source!r} already loaded a different version of "
            f"{self.path.name!r} (file_no {previous_file_no}, sha256 {previous_sha[:12]}...); "
            "re-run with --replace to supersede it, or remove the new file"
        )


class UnreadableFileError(IngestError):
    """The file cannot be decoded or parsed at all (bad gzip stream, not Parquet, no header)."""

    def __init__(self, path: Path | str, why: str) -> None:
        self.path = Path(path)
        super().__init__(f"{self.path}: {why}")


class DuplicateColumnsError(IngestError):
    """The header names a column twice: a mapping to that name would pick one at random."""

    def __init__(self, path: Path | str, names: Sequence[str]) -> None:
        self.path = Path(path)
        self.names = header_names(names)  # a data row taken for the header: shapes only
        super().__init__(
            f"{self.path}: duplicate column name(s) in the header: {sorted(set(self.names))}; "
            "rename them so each column has one name"
        )


class KeyNotConfiguredError(IngestError):
    """No HMAC key is available, so SSNs cannot be pseudonymised and must not be loaded."""

    exit_code = CONFIG


class RegistryError(ConfigError):
    """sources.yml cannot be read or does not validate; the message names the file and, when
    one entry is wrong, the source."""


class PathOutsideRegistryError(RegistryError, IngestError):
    """A source path (or a symlink it goes through) leads outside the folders it may read."""

    def __init__(self, source: str, path: Path | str, roots: Sequence[Path]) -> None:
        self.path = Path(path)
        self.source = source
        allowed = ", ".join(str(r) for r in roots)
        super().__init__(
            f"{self.path}: source {source!r} resolves outside the allowed folder(s) ({allowed}); "
            "move the file there, or list its folder under `allowed_roots:` in sources.yml "
            "(or SKIPTRACE_ALLOWED_ROOTS)"
        )


class UnsafeYamlError(RegistryError):
    """sources.yml expands (YAML anchors and aliases) into far more nodes than it holds."""


class ProfileError(ConfigError):
    """An account profile cannot be found, read or validated; the message names the file."""
