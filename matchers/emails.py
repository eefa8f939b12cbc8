"""Email normalization: the Python twin of the SQL macro ``email_norm`` (migration 103).

Why a twin: the pipeline normalizes emails in SQL (set-based, in the build and the resolver),
but tests, the explain tool and ad-hoc checks want the same answer without a database. The
macro is the implementation; this function copies its semantics exactly, including DuckDB's
quirks, and tests run both over the same cases:

* ``trim`` in DuckDB strips the Unicode space separators (U+0020, U+00A0, U+2000-U+200A, ...)
  but *not* tabs or newlines, so "a@b.com\\t" stays invalid in both;
* ``lower`` in DuckDB maps U+0130 (capital I with dot) to a plain "i" where Python yields
  "i" + combining dot; everything else lowercases alike;
* one trailing dot is dropped (``carl@gmail.com.``, as ingest repairs it), then the shape
  check is the macro's regex, matched against the whole string: the local part is dot-atoms
  (no leading, trailing or doubled dot: ``patrick.@gmail.com`` is not an address).

Syntax only (no DNS, no mailbox check): a lowercased, trimmed address or None.
"""

from __future__ import annotations

import re

__all__ = ["EMAIL_PATTERN", "email_norm", "is_valid_email"]

# Same pattern as the macro (RE2 there, `re` here: identical for this ASCII-only expression).
_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL_PATTERN = re.compile(rf"{_ATOM}(\.{_ATOM})*@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{{2,}}")
# The characters DuckDB's trim() removes (checked over every code point up to U+2FFFF).
_DUCKDB_TRIM = (
    "\u0020\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000"
)


def email_norm(value: str | None) -> str | None:
    """``email_norm(e)`` of migration 103: trimmed, lowercased address, or None if malformed."""
    if value is None:
        return None
    s = value.strip(_DUCKDB_TRIM).replace("\u0130", "i").lower()
    s = s.removesuffix(".")
    return s if EMAIL_PATTERN.fullmatch(s) else None


def is_valid_email(value: str | None) -> bool:
    """True when ``email_norm`` keeps the address."""
    return email_norm(value) is not None
