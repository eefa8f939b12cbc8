"""Masking of personal data for logs, reports and artifacts.

Collectors and engineers need to recognise a record ("R***** S**** …4567") without the log
becoming a copy of the portfolio. Everything that leaves the pipeline for humans goes through
these functions; SSNs are never available to mask in the first place (ingestion hashes them).
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

# --- SSN shapes -----------------------------------------------------------------------------
# An SSN is recognised the way standardization will read it, not only as typed: any Unicode
# decimal digit counts (NFKC/NFKD fold the full-width digits to 0-9, and digits of other scripts
# stay digits), and the gap between two digit groups may be a run of up to SSN_MAX_GAP gap
# characters ('ddd  dd  dddd', 'ddd - dd - dddd'): the ASCII space, dash, dot, slash, backslash
# and underscore and their Unicode kin (every Unicode space and dash, the invisible zero-width
# characters, the full-width and small forms), which standardization turns into a space or
# removes. One list of code points is written out for each engine: DuckDB's RE2 and polars'
# Rust regex (`\x{..}`, `\p{Nd}`) and Python's re (`\uXXXX`; its `\d` is Unicode digits too).

#: Longest run of gap characters between two digit groups that is still one SSN.
SSN_MAX_GAP = 3
#: The same for the field checks, one longer: a dash with a space before and two after
#: ('ddd -  dd -  dddd', an ordinary typo) is four. The checks null a field; the masks, which
#: also run over whole raw lines, keep three, so four spaces between two numbers there stay
#: two numbers.
CHECK_MAX_GAP = SSN_MAX_GAP + 1

#: Gap characters of every SSN pattern, masks and checks alike: (first, last) code points.
GAP_RANGES: tuple[tuple[int, int], ...] = (
    (0x20, 0x20), (0x2D, 0x2F), (0x5C, 0x5C), (0x5F, 0x5F),  # space - . / \ _
    # Unicode spaces (Zs), line and paragraph separators
    (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F),
    (0x205F, 0x205F), (0x3000, 0x3000),
    # invisible: soft hyphen, Mongolian vowel separator, zero-width space and joiners, word
    # joiner, byte order mark
    (0xAD, 0xAD), (0x180E, 0x180E), (0x200B, 0x200D), (0x2060, 0x2060), (0xFEFF, 0xFEFF),
    # dashes (Pd) and minus signs
    (0x58A, 0x58A), (0x5BE, 0x5BE), (0x1400, 0x1400), (0x1806, 0x1806), (0x2010, 0x2015),
    (0x2043, 0x2043), (0x207B, 0x207B), (0x208B, 0x208B), (0x2212, 0x2212), (0x2E17, 0x2E17),
    (0x2E1A, 0x2E1A), (0x2E3A, 0x2E3B), (0x2E40, 0x2E40), (0x2E5D, 0x2E5D), (0x301C, 0x301C),
    (0x3030, 0x3030), (0x30A0, 0x30A0), (0xFE31, 0xFE32), (0xFE58, 0xFE58), (0xFE63, 0xFE63),
    (0xFF0D, 0xFF0D), (0x10EAD, 0x10EAD),
    # dots
    (0xB7, 0xB7), (0x2024, 0x2024), (0x2027, 0x2027), (0x2E31, 0x2E31), (0x3002, 0x3002),
    (0x30FB, 0x30FB), (0xFE52, 0xFE52), (0xFF0E, 0xFF0E), (0xFF61, 0xFF61), (0xFF65, 0xFF65),
    # slashes
    (0x2044, 0x2044), (0x2215, 0x2216), (0x29F5, 0x29F5), (0x29F8, 0x29F9), (0xFE68, 0xFE68),
    (0xFF0F, 0xFF0F), (0xFF3C, 0xFF3C),
    # underscores
    (0x2017, 0x2017), (0xFE4D, 0xFE4F), (0xFF3F, 0xFF3F),
)  # fmt: skip
#: Gap characters of the field checks only (an SSN typed into a name, an address, a carrier):
#: the other punctuation standardization deletes or turns into a space (comma, colon, quotes,
#: brackets, '#', '$', '%', '&', '@', ...), tabs and line breaks. Not in the masks, which also run over whole raw
#: lines, where commas and tabs delimit fields: a date of birth and the number in the next field
#: are no SSN. Never '|', which joins the fields of one row for the one-regex prefilter.
CHECK_GAP_RANGES: tuple[tuple[int, int], ...] = (
    *GAP_RANGES,
    (0x09, 0x0D), (0x21, 0x2C), (0x3A, 0x40), (0x5B, 0x5B), (0x5D, 0x5E),
    (0x60, 0x60), (0x7B, 0x7B), (0x7D, 0x7E), (0x85, 0x85), (0x060C, 0x060C), (0x2018, 0x201F),
    (0x2032, 0x2033), (0x3001, 0x3001), (0xFE50, 0xFE51), (0xFE54, 0xFE55), (0xFF01, 0xFF03),
    (0xFF07, 0xFF0C), (0xFF1A, 0xFF1F), (0xFF3B, 0xFF3B), (0xFF3D, 0xFF3E), (0xFF40, 0xFF40),
    (0xFF5B, 0xFF5E),
)  # fmt: skip


#: Unicode categories every gap class holds whole (tests/sources/test_ssn_shapes.py checks the
#: ranges above cover them): written as RE2 properties instead of their code points.
_WHOLE_CATEGORIES = ("Zs", "Pd", "Zl", "Zp")
#: ASCII characters a class may hold as they are (no class syntax, no SQL quote).
_PLAIN_ASCII = frozenset(chr(c) for c in range(0x21, 0x7F)) - set("\\]^-['")


def _re2_class(ranges: tuple[tuple[int, int], ...]) -> str:
    """A character class for RE2 (DuckDB) and Rust regex (polars), as short as it can be: the
    spaces, dashes and line separators as Unicode properties, plain ASCII as itself, every other
    code point escaped, so the pattern holds no quote and can sit in an SQL literal as is. Why
    short: each SSN pattern repeats the class up to eleven times, and a statement holds one
    pattern per checked field; written out code point by code point the class was 1.2 KB and
    the staging statement of a wide vendor file several hundred KB, seconds to plan."""
    kept = sorted(
        c
        for a, b in ranges
        for c in range(a, b + 1)
        if unicodedata.category(chr(c)) not in _WHOLE_CATEGORIES
    )

    def one(c: int) -> str:
        return chr(c) if chr(c) in _PLAIN_ASCII else f"\\x{{{c:X}}}"

    parts = [f"\\p{{{cat}}}" for cat in _WHOLE_CATEGORIES]
    start = 0
    for i in range(1, len(kept) + 1):  # consecutive code points as one range
        if i == len(kept) or kept[i] != kept[i - 1] + 1:
            a, b = kept[start], kept[i - 1]
            parts.append(one(a) if b - a < 2 else f"{one(a)}-{one(b)}")
            if b - a == 1:
                parts.append(one(b))
            start = i
    return "[" + "".join(parts) + "]"


def _py_class(ranges: tuple[tuple[int, int], ...]) -> str:
    """The same class for Python's re."""

    def one(c: int) -> str:
        return f"\\x{c:02X}" if c < 0x100 else f"\\u{c:04X}" if c < 0x10000 else f"\\U{c:08X}"

    return "[" + "".join(one(a) if a == b else f"{one(a)}-{one(b)}" for a, b in ranges) + "]"


_GAP_SQL = f"{_re2_class(GAP_RANGES)}{{0,{SSN_MAX_GAP}}}"
_GAP_PY = f"{_py_class(GAP_RANGES)}{{0,{SSN_MAX_GAP}}}"
_CHECK_GAP = _re2_class(CHECK_GAP_RANGES)
#: An SSN typed where it does not belong (RE2 and Rust regex): nine digits grouped 3-2-4, the
#: groups apart by at most SSN_MAX_GAP gap characters of the checks (none, too), not part of a
#: longer digit run. Looser than the masks' gaps, narrower than their grouping on purpose: a
#: phone number (3-3-4) or a street number must not be nulled as an SSN.
SSN_IN_TEXT_RE = (
    f"(^|\\P{{Nd}})\\p{{Nd}}{{3}}{_CHECK_GAP}{{0,{CHECK_MAX_GAP}}}\\p{{Nd}}{{2}}"
    f"{_CHECK_GAP}{{0,{CHECK_MAX_GAP}}}\\p{{Nd}}{{4}}(\\P{{Nd}}|$)"
)
#: An identifier written like an SSN: 3-2-4 digit groups with a gap between each (a plain
#: nine-digit id is an ordinary account number and is not matched).
SSN_STYLED_RE = (
    f"(^|\\P{{Nd}})\\p{{Nd}}{{3}}{_CHECK_GAP}{{1,{CHECK_MAX_GAP}}}\\p{{Nd}}{{2}}"
    f"{_CHECK_GAP}{{1,{CHECK_MAX_GAP}}}\\p{{Nd}}{{4}}(\\P{{Nd}}|$)"
)
#: An SSN in free text (log lines, messages, file names, configuration): nine digits grouped
#: 3-2-4 with the masks' gaps, not inside a longer run of letters or digits (an identifier such
#: as A123456789 or a hash is not an SSN). Group 1 is the last four.
SSN_LIKE = re.compile(rf"(?<![^\W_])\d{{3}}{_GAP_PY}\d{{2}}{_GAP_PY}(\d{{4}})(?![^\W_])")
# Not next to a letter, digit or underscore: ten digits inside a version hash, a UUID or an
# identifier like A1234567890 are not a phone number (the artifact masker used to rewrite the
# matcher's version hash). A phone in text is set off by spaces or punctuation.
_PHONE_LIKE = re.compile(r"(?<!\w)(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?(\d{4})(?!\w)")
# scheme://user:password@host: a database URL that reached a message (issue 21: the push URL)
_URL_PASSWORD = re.compile(r"\b([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.I)
_EMAIL_LIKE = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")


# An SSN-shaped run: nine digits, each pair apart by up to SSN_MAX_GAP gap characters (the
# separators ingestion strips or repairs and those standardization turns into spaces, so
# anything that would validate or be read as an SSN is caught), not inside a longer run of
# digits. The first five digits become '*', the gaps and the last four stay. RE2 (DuckDB) has
# no look-around, so the boundaries are captured and put back, and the replacement runs twice: a
# boundary consumed by one match hides an adjacent SSN from the next.
_D = "\\p{Nd}"
_SEP = f"({_GAP_SQL})"
_MASK_RE_SQL = (
    f"(^|\\P{{Nd}}){_D}{_SEP}{_D}{_SEP}{_D}{_SEP}{_D}{_SEP}{_D}{_SEP}"
    f"({_D}{_GAP_SQL}{_D}{_GAP_SQL}{_D}{_GAP_SQL}{_D})(\\P{{Nd}}|$)"
)
_MASK_SUB_SQL = r"\1*\2*\3*\4*\5*\6\7\8"
_MASK_RE_PY = re.compile(
    rf"(?<!\d)\d({_GAP_PY})\d({_GAP_PY})\d({_GAP_PY})\d({_GAP_PY})\d({_GAP_PY})"
    rf"(\d{_GAP_PY}\d{_GAP_PY}\d{_GAP_PY}\d)(?!\d)"
)
# Eight digits on their own: an SSN whose leading zero a spreadsheet dropped (ingestion repairs
# it as one), so in a raw line it is somebody's SSN. Masked in quarantined lines only: in a field
# issue's value it is as often a date (19800132), whose digits the reader needs.
_EIGHT_RE_SQL = "(^|\\P{Nd})\\p{Nd}{4}(\\p{Nd}{4})(\\P{Nd}|$)"
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


def mask_shape_sql(expr: str) -> str:
    """SQL keeping only the shape of a personal value: every letter '*', every digit '#',
    spaces and punctuation kept ('1994-02-30' -> '####-##-##'), as `skiptrace rejects` shows
    quarantined lines. Nothing of the value is left to recognise, its form is: letters where
    digits belong, a missing '@', a separator no format knows."""
    return f"regexp_replace(regexp_replace({expr}, '\\pL', '*', 'g'), '\\pN', '#', 'g')"


def mask_shape(text: str) -> str:
    """Python twin of `mask_shape_sql`."""
    return "".join("*" if c.isalpha() else "#" if c.isnumeric() else c for c in text)


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
    text = SSN_LIKE.sub(lambda m: f"***-**-{m.group(1)}", text)
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
