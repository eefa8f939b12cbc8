"""Masking of personal data for logs, reports and artifacts.

Collectors and engineers need to recognise a record ("R***** S**** …4567") without the log
becoming a copy of the portfolio. Everything that leaves the pipeline for humans goes through
these functions; SSNs are never available to mask in the first place (ingestion hashes them).
"""

from __future__ import annotations

import logging
import re

_SSN_LIKE = re.compile(r"\b\d{3}[- ]?\d{2}[- ]?(\d{4})\b")
# Not next to a letter, digit or underscore: ten digits inside a version hash, a UUID or an
# identifier like A1234567890 are not a phone number (the artifact masker used to rewrite the
# matcher's version hash). A phone in text is set off by spaces or punctuation.
_PHONE_LIKE = re.compile(r"(?<!\w)(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?(\d{4})(?!\w)")
# scheme://user:password@host: a database URL that reached a message (issue 21: the push URL)
_URL_PASSWORD = re.compile(r"\b([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.I)
_EMAIL_LIKE = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")


# An SSN-shaped run: nine digits, each pair optionally separated by one '-', '.' or ' ' (the
# separators ingestion strips, so anything that would validate as an SSN is caught), not inside
# a longer run of digits. The first five digits become '*', separators and the last four stay.
# RE2 (DuckDB) has no look-around, so the boundaries are captured and put back, and the
# replacement runs twice: a boundary consumed by one match hides an adjacent SSN from the next.
_SEP = "([-. ]?)"
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
    + "([0-9][-. ]?[0-9][-. ]?[0-9][-. ]?[0-9])([^0-9]|$)"
)
_MASK_SUB_SQL = r"\1*\2*\3*\4*\5*\6\7\8"
_MASK_RE_PY = re.compile(
    r"(?<![0-9])[0-9]([-. ]?)[0-9]([-. ]?)[0-9]([-. ]?)[0-9]([-. ]?)[0-9]([-. ]?)"
    r"([0-9][-. ]?[0-9][-. ]?[0-9][-. ]?[0-9])(?![0-9])"
)


def mask_ssn_runs_sql(expr: str) -> str:
    """SQL masking every SSN-shaped run in a text, keeping the last four digits."""
    once = f"regexp_replace({expr}, '{_MASK_RE_SQL}', '{_MASK_SUB_SQL}', 'g')"
    return f"regexp_replace({once}, '{_MASK_RE_SQL}', '{_MASK_SUB_SQL}', 'g')"


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


def install_masking(*logger_names: str) -> None:
    """Attach the masking filter to the named loggers and all their handlers."""
    names = logger_names or ("prefect", "skiptrace")
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskingFilter) for f in logger.filters):
            logger.addFilter(MaskingFilter())
        for handler in logger.handlers:
            if not any(isinstance(f, MaskingFilter) for f in handler.filters):
                handler.addFilter(MaskingFilter())
