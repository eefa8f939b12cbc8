"""SSN handling: validation, keyed pseudonymisation (HMAC-SHA256) and masking.

Raw SSNs must never reach a DuckDB table, a log or an output. Ingestion therefore validates and
hashes them inside the same SQL statement that reads the parsed file (an in-memory view), and only
`ssn_hash` / `ssn_last4` leave that statement. The HMAC is written in DuckDB SQL from two
`sha256` calls over blobs, so hashing five million values is a set-based operation instead of a
Python loop; `hmac_ssn` is the reference implementation tests compare it with.

A keyed hash (not a plain sha256) matters: the SSN space is only 10^9 values, so an unkeyed hash
is reversible by brute force in minutes. The key lives outside the database.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from skiptrace.sources.errors import KeyNotConfiguredError

DEFAULT_KEY_FILE = Path("data") / "hmac.key"
_BLOCK = 64  # SHA-256 block size in bytes (RFC 2104)

#: SQL regular expression for a *valid-shaped* normalised SSN (9 digits, SSA allocation rules:
#: area not 000/666/9xx, group not 00, serial not 0000).
SSN_VALID_RE = r"(00[1-9]|0[1-9][0-9]|[1-578][0-9]{2}|6[0-57-9][0-9]|66[0-57-9])(0[1-9]|[1-9][0-9])(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"


def load_key() -> bytes:
    """The deployment HMAC key: $SKIPTRACE_HMAC_KEY, else the key file.

    The key file is $SKIPTRACE_KEY_FILE or `data/hmac.key`. Raises KeyNotConfiguredError rather
    than falling back to a default key: a guessable key would make every stored hash reversible.
    """
    env = os.environ.get("SKIPTRACE_HMAC_KEY")
    if env:
        return env.encode("utf-8")
    path = Path(os.environ.get("SKIPTRACE_KEY_FILE") or DEFAULT_KEY_FILE)
    if not path.is_file():
        raise KeyNotConfiguredError(
            f"no HMAC key: set SKIPTRACE_HMAC_KEY or create the key file {path} "
            "(sources.pii.ensure_key_file)"
        )
    key = path.read_bytes().strip()
    if len(key) < 16:
        raise KeyNotConfiguredError(f"HMAC key file {path} is too short ({len(key)} bytes)")
    return key


def ensure_key_file(path: str | os.PathLike[str] | None = None) -> Path:
    """Create a random key file readable only by its owner (0600), if it does not exist yet.

    Used by the demo; production deployments provision the key themselves. An existing file is
    never overwritten (that would orphan every hash already stored), but its mode is tightened.
    """
    path = Path(path or os.environ.get("SKIPTRACE_KEY_FILE") or DEFAULT_KEY_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        return path
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    os.chmod(path, 0o600)  # in case the umask widened nothing but the fs ignored the mode
    return path


def hmac_pads(key: bytes | None = None) -> dict[str, bytes]:
    """Inner and outer padded keys (RFC 2104) as named SQL parameters for `ssn_hash_sql`.

    Passing the pads as bound parameters keeps the key out of SQL text (and so out of any query
    log or profile output).
    """
    key = load_key() if key is None else key
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return {
        "hmac_ipad": bytes(b ^ 0x36 for b in key),
        "hmac_opad": bytes(b ^ 0x5C for b in key),
    }


def ssn_hash_sql(digits_expr: str) -> str:
    """SQL for HMAC-SHA256 (hex) of a VARCHAR of normalised digits; needs `hmac_pads()` bound."""
    return f"sha256($hmac_opad::BLOB || unhex(sha256($hmac_ipad::BLOB || encode({digits_expr}))))"


def ssn_digits_sql(expr: str) -> str:
    """SQL normalising an SSN field: dashes, spaces and dots removed (NULL stays NULL)."""
    return f"regexp_replace({expr}, '[- .]', '', 'g')"


def ssn_valid_sql(digits_expr: str) -> str:
    """SQL: TRUE when normalised digits are a valid-shaped SSN (see SSN_VALID_RE)."""
    return f"regexp_full_match({digits_expr}, '{SSN_VALID_RE}')"


def ssn_repair_sql(expr: str) -> tuple[str, str]:
    """SQL (digits, reason) repairing an SSN field the plain normalisation rejects, else NULLs.

    Only unambiguous repairs: a value made of exactly nine digits and punctuation ('123/45/6789',
    '123-45-6789-', '"123456789"') is those nine digits (`repaired_ssn_separators`); a value of
    exactly eight digits is an SSN whose leading zero a spreadsheet dropped (areas 001-099 are
    real: New England), `repaired_ssn_leading_zero`. The result must still be a valid SSN.
    """
    stripped = f"regexp_replace({expr}, '[^0-9]', '', 'g')"
    sep_ok = (
        f"regexp_full_match({expr}, '[^0-9A-Za-z]*([0-9][^0-9A-Za-z]*){{9}}') "
        f"AND {ssn_valid_sql(stripped)}"
    )
    zero_ok = f"regexp_full_match({expr}, '[0-9]{{8}}') AND {ssn_valid_sql(chr(39) + '0' + chr(39) + ' || ' + expr)}"
    digits = f"CASE WHEN {sep_ok} THEN {stripped} WHEN {zero_ok} THEN '0' || {expr} END"
    reason = (
        f"CASE WHEN {sep_ok} THEN 'repaired_ssn_separators' "
        f"WHEN {zero_ok} THEN 'repaired_ssn_leading_zero' END"
    )
    return digits, reason


def mask_ssn_value_sql(expr: str) -> str:
    """SQL masking a whole SSN field for a field issue: every digit but the last four is '*'.

    Shorter values (four characters or less) have every digit masked.
    """
    return (
        f"CASE WHEN length({expr}) >= 5 THEN regexp_replace(left({expr}, -4), '[0-9]', '*', 'g') "
        f"|| right({expr}, 4) ELSE regexp_replace({expr}, '[0-9]', '*', 'g') END"
    )


def mask_value_sql(line_expr: str, value_expr: str) -> str:
    """SQL masking one known field value (e.g. a malformed SSN) wherever it occurs in a line.

    Needed because an *invalid* SSN ('12345678', '123-45-678') is not SSN-shaped, so the run
    masking misses it, yet it is still most of somebody's SSN. Values shorter than 5 characters
    carry at most four digits and are left alone.
    """
    masked = f"regexp_replace(left({value_expr}, -4), '[0-9]', '*', 'g') || right({value_expr}, 4)"
    return (
        f"CASE WHEN length({value_expr}) >= 5 "
        f"THEN replace({line_expr}, {value_expr}, {masked}) ELSE {line_expr} END"
    )


# --- Python reference implementations (tests, logs, small one-off values) -------------------


def normalize_ssn(value: str | None) -> str | None:
    """Digits of an SSN field with separators removed; None for empty input."""
    if value is None:
        return None
    digits = re.sub(r"[- .]", "", value.strip())
    return digits or None


def is_valid_ssn(value: str | None) -> bool:
    """Python twin of `ssn_valid_sql` (same regular expression)."""
    digits = normalize_ssn(value)
    return bool(digits and re.fullmatch(SSN_VALID_RE, digits))


def hmac_ssn(value: str, key: bytes | None = None) -> str:
    """Reference HMAC-SHA256 hex of a normalised SSN, as `ssn_hash_sql` computes it."""
    digits = normalize_ssn(value) or ""
    return hmac.new(load_key() if key is None else key, digits.encode(), hashlib.sha256).hexdigest()


def ensure_hmac_key() -> Path | None:
    """Demo/CLI bootstrap: make sure *some* key is configured before SSNs are loaded.

    Nothing to do when $SKIPTRACE_HMAC_KEY is set; otherwise the key file ($SKIPTRACE_KEY_FILE
    or `data/hmac.key`) is created 0600 if missing. Returns the key file used, if any.
    """
    if os.environ.get("SKIPTRACE_HMAC_KEY"):
        return None
    return ensure_key_file()
