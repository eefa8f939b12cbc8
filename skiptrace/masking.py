"""Masking of personal data for logs, reports and artifacts.

Collectors and engineers need to recognise a record ("R***** S**** …4567") without the log
becoming a copy of the portfolio. Everything that leaves the pipeline for humans goes through
these functions; SSNs are never available to mask in the first place (ingestion hashes them).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

# An SSN in free text: nine digits grouped 3-2-4 with the separators people and spreadsheets
# use ('-', '.', ' ', '_', '/'), not inside a longer run of letters or digits (an identifier
# such as A123456789 or a hash is not an SSN).
_SSN_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{3}[-. _/]?\d{2}[-. _/]?(\d{4})(?![0-9A-Za-z])")
# Not next to a letter, digit or underscore: ten digits inside a version hash, a UUID or an
# identifier like A1234567890 are not a phone number (the artifact masker used to rewrite the
# matcher's version hash). A phone in text is set off by spaces or punctuation.
_PHONE_LIKE = re.compile(r"(?<!\w)(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?(\d{4})(?!\w)")
# scheme://user:password@host: a database URL that reached a message (issue 21: the push URL)
_URL_PASSWORD = re.compile(r"\b([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.I)
_EMAIL_LIKE = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")


# An SSN-shaped run: nine digits, each pair optionally separated by one '-', '.', ' ', '_' or
# '/' (the separators ingestion strips or repairs, and that standardization turns into spaces,
# so anything that would validate as an SSN is caught), not inside a longer run of digits. The
# first five digits become '*', separators and the last four stay. RE2 (DuckDB) has no
# look-around, so the boundaries are captured and put back, and the replacement runs twice: a
# boundary consumed by one match hides an adjacent SSN from the next.
_SEP = "([-. _/]?)"
_MASK_RE_SQL = (
    "(^|[^0-9])[0-9]"
    + _SEP
    + "[0-9]"
    + _SEP
    + "[0-9]"
    + _SEP
    + "[0-9]"
    + _SEP
    + "[0-9]"
    + _SEP
    + "([0-9][-. _/]?[0-9][-. _/]?[0-9][-. _/]?[0-9])([^0-9]|$)"
)
_MASK_SUB_SQL = r"\1*\2*\3*\4*\5*\6\7\8"
_MASK_RE_PY = re.compile(
    r"(?<![0-9])[0-9]([-. _/]?)[0-9]([-. _/]?)[0-9]([-. _/]?)[0-9]([-. _/]?)[0-9]([-. _/]?)"
    r"([0-9][-. _/]?[0-9][-. _/]?[0-9][-. _/]?[0-9])(?![0-9])"
)
# Eight digits on their own: an SSN whose leading zero a spreadsheet dropped (ingestion repairs
# it as one), so in a raw line it is somebody's SSN. Masked in quarantined lines only: in a field
# issue's value it is as often a date (19800132), whose digits the reader needs.
_EIGHT_RE_SQL = "(^|[^0-9])[0-9]{4}([0-9]{4})([^0-9]|$)"
_EIGHT_SUB_SQL = r"\1****\2\3"


def mask_ssn_runs_sql(expr: str) -> str:
    """SQL masking every SSN-shaped run in a text, keeping the last four digits."""
    once = f"regexp_replace({expr}, '{_MASK_RE_SQL}', '{_MASK_SUB_SQL}', 'g')"
    return f"regexp_replace({once}, '{_MASK_RE_SQL}', '{_MASK_SUB_SQL}', 'g')"


def mask_ssn_line_sql(expr: str) -> str:
    """SQL masking a raw line kept for a quarantined or repeated row: the SSN-shaped runs, and
    eight-digit runs too (an SSN without its leading zero, which a row shifted by a missing or
    extra delimiter carries outside the SSN column, where the field's own mask cannot see it)."""
    once = f"regexp_replace({mask_ssn_runs_sql(expr)}, '{_EIGHT_RE_SQL}', '{_EIGHT_SUB_SQL}', 'g')"
    return f"regexp_replace({once}, '{_EIGHT_RE_SQL}', '{_EIGHT_SUB_SQL}', 'g')"


def mask_ssn_runs(text: str) -> str:
    """Mask SSN-shaped runs in a log line or message, keeping the last four digits."""
    return _MASK_RE_PY.sub(lambda m: "*{}*{}*{}*{}*{}{}".format(*m.group(1, 2, 3, 4, 5, 6)), text)


def mask_name(name: str | None) -> str:
    """'Robert Smith' -> 'R***** S****'."""
    if not name:
        return ""
    return " ".join(w[0] + "*" * (len(w) - 1) if len(w) > 1 else w for w in name.split())


def mask_phone(phone: str | None) -> str:
    """Keep the last four digits only."""
    digits = re.sub(r"\D", "", phone or "")
    return f"***-***-{digits[-4:]}" if len(digits) >= 4 else "***"


def mask_email(email: str | None) -> str:
    """'robert@example.com' -> 'r***@example.com'."""
    if not email or "@" not in email:
        return "***"
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_text(text: str) -> str:
    """Mask SSN-, phone- and email-shaped runs and URL passwords in free text (log lines,
    reasons)."""
    text = _URL_PASSWORD.sub(r"\1***@", text)
    text = _SSN_LIKE.sub(lambda m: f"***-**-{m.group(1)}", text)
    text = _PHONE_LIKE.sub(lambda m: f"***-***-{m.group(1)}", text)
    return _EMAIL_LIKE.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)


class MaskingFilter(logging.Filter):
    """Logging filter that masks personal data in every record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is the caller's bug; don't hide the record
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask a log record's message, its traceback and its stack in place; returns it.

    The traceback is formatted here, masked, and kept as the record's `exc_text`, which every
    `logging.Formatter` (Prefect's handler that ships lines to its API included) prints instead
    of formatting the exception again: a message of an exception raised on a value
    ("could not convert '<an SSN>'") is masked with the rest.
    """
    MaskingFilter().filter(record)
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    return record


def _masking_factory(base: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(base(*args, **kwargs))

    make.skiptrace_masking = True  # type: ignore[attr-defined]
    return make


def install_masking() -> None:
    """Mask every log record this process creates, whatever its logger.

    A filter on a logger sees only the records logged to that very logger: records of its
    children (`prefect.flow_runs`, `skiptrace.resolve`) pass it by. So the masking sits in the
    record factory, where every record is made, once per process."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "skiptrace_masking", False):
        logging.setLogRecordFactory(_masking_factory(factory))


def mask_exception(exc: BaseException) -> BaseException:
    """Mask the text of an exception, its causes and its notes in place; returns it.

    Prefect writes a failed task's or flow's exception message into its database (the state's
    message, its events) and shows it in the UI; a message that quotes a value is masked
    before it gets there. The type and the traceback stay."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        try:
            current.args = tuple(mask_text(a) if isinstance(a, str) else a for a in current.args)
            notes = getattr(current, "__notes__", None)
            if isinstance(notes, list):
                current.__notes__ = [mask_text(n) if isinstance(n, str) else n for n in notes]
        except (AttributeError, TypeError):  # an exception type with read-only args
            pass
        current = current.__cause__ or current.__context__
    return exc


def masked_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator for a Prefect task or flow function: its exceptions leave with masked text."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except BaseException as exc:
            mask_exception(exc)
            raise

    return wrapper
