"""The errors a user can cause, and the exit codes the `skiptrace` command answers them with.

Why one base class in the lowest layer: every layer (ingest, matcher, flows) can raise an error
that says what went wrong in one sentence and carries its exit code, and the command line has
one place (`flows/cli/boundary.py`) that turns such an error into one line on stderr and that
code, without a traceback. Anything that is *not* a `SkiptraceError` is a bug and keeps its
traceback (exit code 1).

The codes are part of the command's interface (schedulers and scripts branch on them): they are
listed once, in `EXIT_CODES`, from which `skiptrace --help` prints its table; the README's
"Exit codes" table is checked against it by a test. Add a code only at the end.
"""

from __future__ import annotations

from typing import ClassVar

OK = 0
INTERNAL = 1
USAGE = 2
CONFIG = 3
INPUT = 4
BUSY = 5
REFUSED = 6
WARNINGS = 7
UNREACHABLE = 8
NOT_REPRODUCED = 9
INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it
TERMINATED = 143  # 128 + SIGTERM

#: code -> what it means, in the words the help and the README use.
EXIT_CODES: dict[int, str] = {
    OK: "completed",
    INTERNAL: "unexpected internal error (a bug: the traceback is printed)",
    USAGE: "usage error: unknown option or bad option value",
    CONFIG: "configuration error: sources.yml, account profile or rules file (an SSN-shaped number in one included), HMAC key missing or too short, memory limit, Prefect server start-up time, a PREFECT_HOME others can read, disk full or folder not writable",
    INPUT: "input file error: missing file or required columns, an SSN-shaped number in a file's name, "
    "missing or corrupt database",
    BUSY: "database busy: another run or a reader holds it (see --wait)",
    REFUSED: "run refused by a safety check (e.g. a re-delivery without --replace)",
    WARNINGS: "completed with warnings (see the run summary)",
    UNREACHABLE: "the collections database cannot be reached, the connection failed midway or a "
    "lock or statement timeout passed: nothing changed there, run again later",
    NOT_REPRODUCED: "replay: the run's contacts were re-derived and differ from what it emitted",
    INTERRUPTED: "interrupted by Ctrl-C (SIGINT): the run is recorded failed, earlier outputs untouched",
    TERMINATED: "terminated by SIGTERM: the run is recorded failed, earlier outputs untouched",
}


class SkiptraceError(Exception):
    """An error with a cause the user can fix; its message is one line that names the thing
    (file, source, option) to fix. Subclasses set `exit_code`."""

    exit_code: ClassVar[int] = INTERNAL

    def one_line(self) -> str:
        """The message as one line: a message that spans lines would be cut by log shippers."""
        return " ".join(str(self).split()) or type(self).__name__


class UsageError(SkiptraceError, ValueError):
    """A bad option value or combination, found after the command line was parsed."""

    exit_code = USAGE


class ConfigError(SkiptraceError, ValueError):
    """sources.yml, an account profile or a rules file cannot be read or is invalid."""

    exit_code = CONFIG


class InputFileError(SkiptraceError):
    """An input file (account export, extract, database) is missing or unusable as a whole."""

    exit_code = INPUT


class DatabaseBusy(SkiptraceError):
    """Another process holds the database for writing."""

    exit_code = BUSY


class RunRefused(SkiptraceError):
    """A safety check refused the run: going on would lose or double data."""

    exit_code = REFUSED


class Unreachable(SkiptraceError):
    """Another system the run talks to (the collections system's PostgreSQL) cannot be reached,
    refused the connection or dropped it midway. Its own code because it is the one failure a
    scheduler should retry later unchanged: nothing was written there (one transaction)."""

    exit_code = UNREACHABLE


class NotReproduced(SkiptraceError):
    """`skiptrace replay` re-derived a run and got other contacts than it emitted: a finding for
    compliance (the run cannot be explained by its recorded inputs), not a failure to replay."""

    exit_code = NOT_REPRODUCED


def validation_summary(exc: Exception, names: dict[str, str] | None = None) -> str:
    """A pydantic ValidationError as one line: `field: problem (got value)`, joined by '; '.

    `names` renames fields for the reader (a model field -> the command-line option it came
    from). Works on any exception; non-validation errors give their own text. Values are shown
    only when short scalars: configuration and option values, never a row of personal data;
    and masked as a log line is (an SSN- or phone-shaped value, a URL's password): the line goes
    to stderr, to Prefect's state and to scheduler logs.
    """
    from skiptrace.masking import mask_text
    from skiptrace.ssn_shapes import mask_ssn_shapes

    def masked(text: str) -> str:
        return mask_text(mask_ssn_shapes(text))

    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return masked(" ".join(str(exc).split()))
    parts: list[str] = []
    for err in errors(include_url=False):
        loc = ".".join(str(p) for p in err.get("loc", ()))
        where = (names or {}).get(loc, loc)
        msg = (
            str(err.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        )
        value = err.get("input")
        shown = ""
        if isinstance(value, str | int | float) and not isinstance(value, bool) and where:
            text = masked(repr(value))  # masked whole, then cut: a cut URL hides its '@'
            shown = f" (got {text[:60]})"
        parts.append(f"{where}: {masked(msg)}{shown}" if where else masked(msg))
    return " ".join("; ".join(parts).split())
