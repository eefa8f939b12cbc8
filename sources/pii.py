"""SSN handling: validation, keyed pseudonymisation (HMAC-SHA256) and masking.

Raw SSNs must never reach a DuckDB table, a log or an output. Ingestion therefore validates and
hashes them inside the same SQL statement that reads the parsed file (an in-memory view), and only
`ssn_hash` / `ssn_last4` leave that statement. The HMAC is written in DuckDB SQL from two
`sha256` calls over blobs, so hashing five million values is a set-based operation instead of a
Python loop; `hmac_ssn` is the reference implementation tests compare it with.

A keyed hash (not a plain sha256) matters: the SSN space is only 10^9 values, so an unkeyed hash
is reversible by brute force in minutes. The key lives outside the database, but *with* it: the
key file is `hmac.key` in the database's folder (or $SKIPTRACE_KEY_FILE, or the key itself in
$SKIPTRACE_HMAC_KEY), never a path relative to the working directory, where a run started
elsewhere would silently create a second key and no SSN would join any more. The database keeps
the key's fingerprint (an HMAC of a constant, which reveals nothing about the key) so a run with
another key is refused (flows/orchestration/guards.py).

The key together with the database gives back every SSN: `ssn_last4` leaves 10^5 candidates per
hash, each one HMAC away. Next to the database is where a run finds the key, not where it should
be kept in production: README and docs/architecture.md say to keep it, and back it up, apart
from the database and its backups. A key shorter than MIN_KEY_BYTES is refused, from the
variable as from the file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

import duckdb

from skiptrace import sql
from skiptrace.atomic import private_dir
from skiptrace.sources.errors import KeyNotConfiguredError

KEY_FILE_NAME = "hmac.key"
#: The key file of the default database (data/skiptrace.duckdb).
DEFAULT_KEY_FILE = sql.DEFAULT_DB.parent / KEY_FILE_NAME
#: What the fingerprint stored in the database is the HMAC of.
_FINGERPRINT_MESSAGE = b"skiptrace hmac key fingerprint v1"
_BLOCK = 64  # SHA-256 block size in bytes (RFC 2104)
#: Shortest key taken, from a key file or $SKIPTRACE_HMAC_KEY (the generated key has 64).
MIN_KEY_BYTES = 16

#: SQL regular expression for a *valid-shaped* normalised SSN (9 digits, SSA allocation rules:
#: area not 000/666/9xx, group not 00, serial not 0000).
SSN_VALID_RE = r"(00[1-9]|0[1-9][0-9]|[1-578][0-9]{2}|6[0-57-9][0-9]|66[0-57-9])(0[1-9]|[1-9][0-9])(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"


def _placeholder_ssns() -> tuple[str, ...]:
    """Numbers the SSA never issued although they pass the allocation rules: printed on
    specimen cards and forms, then typed in as real SSNs for decades. An exact match on one of
    them links strangers (it outweighed a different first name and a 23-year DOB gap), so they
    are as invalid as area 000. Built from their parts, never written out: no tracked file
    outside the tests may hold an SSN-shaped string (a scanner cannot tell a placeholder from
    a real number).
    """
    specimens = (
        (78, 5, 1120),  # the Woolworth wallet-card insert (1938)
        (219, 9, 9999),  # the Social Security Board's 1940s pamphlet
    )
    numbers = {f"{area:03d}{group:02d}{serial:04d}" for area, group, serial in specimens}
    numbers.add("".join(str(d) for d in range(1, 10)))  # the digits one to nine in order
    # nine identical digits: 0, 6 and 9 are already invalid areas (000, 666, 9xx)
    numbers |= {str(d) * 9 for d in range(1, 9)}
    return tuple(sorted(numbers))


#: Placeholder SSNs that pass SSN_VALID_RE yet were never issued (`_placeholder_ssns`).
PLACEHOLDER_SSNS: tuple[str, ...] = _placeholder_ssns()
_PLACEHOLDER_SQL = "(" + ", ".join(f"'{n}'" for n in PLACEHOLDER_SSNS) + ")"


def key_file(db: str | os.PathLike[str] | None = None) -> Path:
    """The key file: $SKIPTRACE_KEY_FILE, else `hmac.key` next to the database `db`
    (default database when None: `--db`, $SKIPTRACE_DB, data/skiptrace.duckdb)."""
    env = os.environ.get("SKIPTRACE_KEY_FILE")
    if env:
        return Path(env)
    return sql.resolve_db_path(db).parent / KEY_FILE_NAME


def key_location(db: str | os.PathLike[str] | None = None) -> str:
    """Where the key comes from, for messages: the variable's name or the key file's path."""
    return "$SKIPTRACE_HMAC_KEY" if os.environ.get("SKIPTRACE_HMAC_KEY") else str(key_file(db))


def database_path(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file of `con`'s database, or None for an in-memory one."""
    found = sql.rows(con, "ingest/database_path.sql")
    path = found[0]["path"] if found else None
    return Path(path) if path and path != ":memory:" else None


def load_key(db: str | os.PathLike[str] | None = None) -> bytes:
    """The deployment HMAC key: $SKIPTRACE_HMAC_KEY, else the key file of database `db`.

    The key file is $SKIPTRACE_KEY_FILE or `hmac.key` in the database's folder. Raises
    KeyNotConfiguredError rather than falling back to a default key: a guessable key would make
    every stored hash reversible.
    """
    env = os.environ.get("SKIPTRACE_HMAC_KEY")
    if env:
        return _long_enough(env.encode("utf-8"), "SKIPTRACE_HMAC_KEY")
    path = key_file(db)
    if not path.is_file():
        raise KeyNotConfiguredError(
            f"no HMAC key: set SKIPTRACE_HMAC_KEY or create the key file {path} "
            "(sources.pii.ensure_key_file)"
        )
    return _long_enough(path.read_bytes().strip(), f"HMAC key file {path}")


def _long_enough(key: bytes, where: str) -> bytes:
    """`key`, or KeyNotConfiguredError when it is shorter than MIN_KEY_BYTES: a guessable key
    (`changeme`) turns every stored hash back into its SSN, so one is never taken, from a file
    or from the environment. The key is never quoted."""
    if len(key) < MIN_KEY_BYTES:
        raise KeyNotConfiguredError(
            f"{where} is too short ({len(key)} bytes; a key needs at least {MIN_KEY_BYTES}): "
            "with the database, a guessable key gives back every SSN; use a random one, e.g. "
            "`openssl rand -hex 32`"
        )
    return key


def check_key_strength(db: str | os.PathLike[str] | None = None) -> None:
    """The configured key (the variable, else an existing key file) is long enough: checked
    before a run starts, also for a database that holds no hash yet. No key at all is left to
    the run's own checks (a fresh database gets a new key file)."""
    if os.environ.get("SKIPTRACE_HMAC_KEY") or key_file(db).is_file():
        load_key(db)


def key_fingerprint(key: bytes) -> str:
    """HMAC-SHA256 of a constant under `key`: equal for equal keys, and no help in finding the
    key (that would take inverting HMAC), so it can be stored next to the hashes it vouches for."""
    return hmac.new(key, _FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()


def ensure_key_file(path: str | os.PathLike[str] | None = None) -> Path:
    """Create a random key file readable only by its owner (0600), if it does not exist yet.

    Used by the demo; production deployments provision the key themselves. An existing file is
    never overwritten (that would orphan every hash already stored), but its mode is tightened.
    """
    path = Path(path) if path is not None else key_file()
    private_dir(path.parent)  # a folder made for the key is the key's: owner-only
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        return path
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    os.chmod(path, 0o600)  # in case the umask widened nothing but the fs ignored the mode
    return path


def hmac_pads(
    key: bytes | None = None, *, con: duckdb.DuckDBPyConnection | None = None
) -> dict[str, bytes]:
    """Inner and outer padded keys (RFC 2104) as named SQL parameters for `ssn_hash_sql`.

    Without `key`, the key of `con`'s database (`load_key`). Passing the pads as bound
    parameters keeps the key out of SQL text (and so out of any query log or profile output).
    """
    if key is None:
        key = load_key(database_path(con) if con is not None else None)
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
    """SQL: TRUE when normalised digits are a valid-shaped SSN (see SSN_VALID_RE) and not a
    placeholder (PLACEHOLDER_SSNS). `digits_expr` is repeated: pass an alias."""
    return (
        f"(regexp_full_match({digits_expr}, '{SSN_VALID_RE}') "
        f"AND {digits_expr} NOT IN {_PLACEHOLDER_SQL})"
    )


#: A masked SSN as court and bureau systems print it: the first five digits replaced by a mask
#: character (X, *, #), with or without the usual separators, and a valid serial (not 0000)
#: last: PACER's 'XXX-XX-1234', 'XXXXX1234', '***-**-1234'.
SSN_MASKED_RE = (
    r"[Xx*#]{3}[- .]?[Xx*#]{2}[- .]?(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
)


def ssn_masked_sql(expr: str) -> str:
    """SQL: TRUE when an SSN field holds a masked SSN (SSN_MASKED_RE): only its last four are
    known. Not an error: the source publishes no more (PACER shows debtors' last four only)."""
    return f"regexp_full_match({expr}, '{SSN_MASKED_RE}')"


def is_masked_ssn(value: str | None) -> bool:
    """Python twin of `ssn_masked_sql`."""
    return bool(value and re.fullmatch(SSN_MASKED_RE, value.strip()))


def ssn_placeholder_sql(expr: str) -> str:
    """SQL: TRUE when an SSN field holds a placeholder SSN, read as `ssn_repair_sql` would (its
    digits with every separator removed, or eight digits with the leading zero restored), so a
    placeholder is reported as one however it was typed. Only for telling the reason of a
    value that is already invalid: `ssn_valid_sql` is what rejects it."""
    return (
        f"(regexp_replace({expr}, '[^0-9]', '', 'g') IN {_PLACEHOLDER_SQL} "
        f"OR (regexp_full_match({expr}, '[0-9]{{8}}') AND '0' || {expr} IN {_PLACEHOLDER_SQL}))"
    )


def ssn_repair_sql(expr: str) -> tuple[str, str]:
    """SQL (digits, reason) repairing an SSN field the plain normalisation rejects, else NULLs.

    Only unambiguous repairs: a value made of exactly nine digits and punctuation ('ddd/dd/dddd',
    'ddd-dd-dddd-', '"ddddddddd"', d a digit) is those nine digits (`repaired_ssn_separators`); a value of
    exactly eight digits is an SSN whose leading zero a spreadsheet dropped (areas 001-099 are
    real: New England), `repaired_ssn_leading_zero`. The result must still be a valid SSN, so a
    placeholder is not brought back by a repair (eight digits of the Woolworth number with the
    zero restored are still the Woolworth number).
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
    """Python twin of `ssn_valid_sql` (same regular expression, same placeholders)."""
    digits = normalize_ssn(value)
    return bool(digits and re.fullmatch(SSN_VALID_RE, digits) and digits not in PLACEHOLDER_SSNS)


def hmac_ssn(value: str, key: bytes | None = None) -> str:
    """Reference HMAC-SHA256 hex of a normalised SSN, as `ssn_hash_sql` computes it."""
    digits = normalize_ssn(value) or ""
    return hmac.new(load_key() if key is None else key, digits.encode(), hashlib.sha256).hexdigest()


def ensure_hmac_key(db: str | os.PathLike[str] | None = None) -> Path | None:
    """Demo bootstrap: make sure *some* key is configured before SSNs are loaded into `db`.

    Nothing to do when $SKIPTRACE_HMAC_KEY is set; otherwise the key file ($SKIPTRACE_KEY_FILE
    or `hmac.key` next to the database) is created 0600 if missing. Returns the key file used,
    if any. A refresh does this itself, refusing when the database already holds hashes
    (flows/orchestration/guards.py).
    """
    if os.environ.get("SKIPTRACE_HMAC_KEY"):
        return None
    return ensure_key_file(key_file(db))
