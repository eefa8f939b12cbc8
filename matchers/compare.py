"""Comparison vectors: which levels each field comparison has, what they mean, and how to compute them.

The levels themselves are computed set-wise in DuckDB (`sql/match/compare.sql`); this module is
the single declaration of their numbers, labels and starting values, so the SQL, the EM, the
stored `match_params` rows and `explain_pair` all speak about the same levels.

Conventions (shared with Splink and the `match_params` schema):
- level 0 is "no data on at least one side": it carries weight 0, it is neither evidence for nor
  against a match, and m/u are defined over the non-null levels only;
- level 1 is "disagrees"; higher levels are closer agreement, the highest is exact.

SSN levels are built from what the pipeline keeps: an HMAC of the full SSN (equality only: a
keyed hash hides every digit, so one-digit edits or transpositions of the full number cannot be
seen) and the clear last four digits (which do allow one-digit / adjacent-transposition levels).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from skiptrace import sql
from skiptrace.matchers.settings import MatchSettings


@dataclass(frozen=True)
class Level:
    """One agreement level of a comparison, with the m/u values EM starts from.

    `m0`/`u0` are deliberately plain, documented guesses: they seed EM, centre the small
    pseudo-count that keeps unseen levels from getting infinite weights, and are what a tiny data
    set (a unit test, a first small file) effectively falls back to.
    """

    level: int
    label: str
    m0: float
    u0: float


@dataclass(frozen=True)
class Comparison:
    """A named field comparison: its levels (1..n, 0 implicit) and optional term-frequency column."""

    name: str
    levels: tuple[Level, ...]
    tf_level: int | None = None  # level whose weight is term-frequency adjusted (exact match)
    tf_column: str | None = None  # column of _match_cmp holding the agreed value's frequency
    description: str = ""
    level0_label: str = "no data"
    labels: Mapping[int, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        numbers = [lv.level for lv in self.levels]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"{self.name}: levels must be 1..n in order, got {numbers}")
        labels = {0: self.level0_label} | {lv.level: lv.label for lv in self.levels}
        object.__setattr__(self, "labels", labels)

    @property
    def n_levels(self) -> int:
        """Number of levels including level 0."""
        return len(self.levels) + 1


NO_DATA = 0

# The level numbers, defined once: each comparison's levels in order from 1 ("disagrees") up to
# its closest agreement, numbered by position. The `Level` entries below and guards.py use these
# names; the SQL under sql/match/ writes each level as a literal followed by its name,
# `THEN 7 /* FIRST_EXACT */`, and tests/matchers/test_level_numbers.py checks every literal
# there against these values (a literal keeps the comparison SQL as fast as hand-written).
(
    FIRST_DIFFERENT, FIRST_CROSSED, FIRST_JW80, FIRST_JW92, FIRST_SWAPPED, FIRST_NICKNAME,
    FIRST_EXACT,
) = range(1, 8)  # fmt: skip
LAST_DIFFERENT, LAST_JW80, LAST_JW92, LAST_EXACT = range(1, 5)
DOB_DIFFERENT, DOB_NEAR_YEARS, DOB_SAME_YEAR, DOB_ONE_COMPONENT, DOB_TRANSPOSED, DOB_EXACT = range(
    1, 7
)
#: The least plausible gap between a parent's and a child's date of birth, in days (15 years of
#: 365.25 days). Two different dates of birth closer than this cannot be a father and son (or
#: mother and daughter) carrying one name: births to parents under 15 are about one in a
#: thousand. compare.sql splits 'different' at this gap (DOB_NEAR_YEARS below it) so the
#: household guards (matchers/guards.py) can tell a data error from another generation; the SQL
#: writes the literal and tests/matchers/test_guards_generation.py checks it against this value.
GENERATION_GAP_DAYS = 5479
SSN_DIFFERENT, SSN_LAST4_NEAR, SSN_LAST4, SSN_EXACT = range(1, 5)
ADDR_DIFFERENT, ADDR_ZIP, ADDR_PARTIAL, ADDR_STREET, ADDR_EXACT = range(1, 6)
PHONE_DIFFERENT, PHONE_SHARED = range(1, 3)
EMAIL_DIFFERENT, EMAIL_EXACT = range(1, 3)
SUFFIX_CONFLICT, SUFFIX_ONE_MISSING, SUFFIX_EQUAL = range(1, 4)
MIDDLE_DIFFERENT, MIDDLE_EQUAL = range(1, 3)

#: Prefix of each comparison's level names above (NO_DATA, level 0, is shared by all).
LEVEL_NAME_PREFIX: dict[str, str] = {
    "first_name": "FIRST_", "last_name": "LAST_", "dob": "DOB_", "ssn": "SSN_",
    "address": "ADDR_", "phone": "PHONE_", "email": "EMAIL_", "suffix": "SUFFIX_",
    "middle_initial": "MIDDLE_",
}  # fmt: skip


def level_names(comparison: str) -> dict[str, int]:
    """{level name: number} of one comparison, NO_DATA included (for checks and explain)."""
    prefix = LEVEL_NAME_PREFIX[comparison]
    found = {k: v for k, v in globals().items() if k.startswith(prefix) and isinstance(v, int)}
    return {"NO_DATA": NO_DATA, **found}


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "first_name",
        (
            Level(FIRST_DIFFERENT, "different", 0.03, 0.95),
            Level(
                FIRST_CROSSED,
                "different, but one side's given name is the other's surname",
                0.01,
                0.0005,
            ),
            Level(
                FIRST_JW80,
                "jaro-winkler >= 0.80, or equal consonant skeletons across scripts",
                0.04,
                0.035,
            ),
            Level(
                FIRST_JW92, "jaro-winkler >= 0.92, or one keystroke apart (4+ letters)", 0.05, 0.006
            ),
            Level(
                FIRST_SWAPPED,
                "first/last names swapped (exact or jaro-winkler >= 0.92)",
                0.02,
                0.00001,
            ),
            Level(FIRST_NICKNAME, "nickname-canonical equal", 0.05, 0.001),
            Level(FIRST_EXACT, "exact", 0.81, 0.008),
        ),
        tf_level=FIRST_EXACT,
        tf_column="tf_first_name",
        description="given name (first_std, first_canon; the consonant skeleton against a name"
        " romanized from a script without written vowels, name_abjad)",
        level0_label="no data, or consonant skeletons that differ across scripts",
    ),
    Comparison(
        "last_name",
        (
            Level(LAST_DIFFERENT, "different", 0.03, 0.95),
            Level(
                LAST_JW80,
                "jaro-winkler >= 0.80, a shared surname token, or equal consonant skeletons "
                "across scripts",
                0.04,
                0.04,
            ),
            Level(LAST_JW92, "jaro-winkler >= 0.92", 0.05, 0.005),
            Level(LAST_EXACT, "exact", 0.87, 0.005),
        ),
        tf_level=LAST_EXACT,
        tf_column="tf_last_name",
        description="surname (last_std); level 0 also when first/last are swapped (first_name 4)",
        level0_label="no data, swapped with the given name (counted in first_name), or "
        "consonant skeletons that differ across scripts",
    ),
    Comparison(
        "dob",
        (
            Level(DOB_DIFFERENT, "different, 15 or more years apart", 0.015, 0.58),
            Level(
                DOB_NEAR_YEARS,
                "different year, under 15 years apart (not a generation)",
                0.015,
                0.40,
            ),
            Level(DOB_SAME_YEAR, "same year only", 0.01, 0.012),
            Level(
                DOB_ONE_COMPONENT,
                "one of year/month/day differs, or an unreadable date one keystroke from the other",
                0.05,
                0.004,
            ),
            Level(DOB_TRANSPOSED, "day and month transposed", 0.01, 0.0001),
            Level(DOB_EXACT, "exact", 0.90, 0.00004),
        ),
        description="date of birth",
    ),
    Comparison(
        "ssn",
        (
            Level(SSN_DIFFERENT, "different", 0.03, 0.996),
            Level(
                SSN_LAST4_NEAR,
                "last4 one digit or transposition apart (hash differs)",
                0.02,
                0.0036,
            ),
            Level(SSN_LAST4, "last4 equal (hash differs or absent)", 0.03, 0.0001),
            Level(SSN_EXACT, "exact (HMAC equal)", 0.92, 0.000001),
        ),
        description="SSN via ssn_hash (equality only) and ssn_last4",
    ),
    Comparison(
        "address",
        (
            Level(ADDR_DIFFERENT, "different", 0.30, 0.99),
            Level(ADDR_ZIP, "same place only (zip5, or city+state)", 0.10, 0.008),
            Level(
                ADDR_PARTIAL,
                "street partly agrees (number+street elsewhere, or number or street in same place)",
                0.10,
                0.001,
            ),
            Level(
                ADDR_STREET,
                "street number + street name (jaro-winkler >= 0.90 or word prefix), same place",
                0.10,
                0.0001,
            ),
            Level(ADDR_EXACT, "std_line1 exact, same place", 0.40, 0.0001),
        ),
        description="address (std_line1, street_number, street_name, zip5, city, state)",
    ),
    Comparison(
        "phone",
        (
            Level(PHONE_DIFFERENT, "no shared phone", 0.5, 0.9999),
            Level(PHONE_SHARED, "shared phone", 0.5, 0.0001),
        ),
        description="any phone in common (acct_phones x rec_phones)",
    ),
    Comparison(
        "email",
        (
            Level(EMAIL_DIFFERENT, "different", 0.4, 0.99999),
            Level(EMAIL_EXACT, "exact", 0.6, 0.00001),
        ),
        description="normalized email",
    ),
    Comparison(
        "suffix",
        (
            Level(SUFFIX_CONFLICT, "conflict (e.g. JR vs SR)", 0.02, 0.3),
            Level(SUFFIX_ONE_MISSING, "one side missing", 0.50, 0.6),
            Level(SUFFIX_EQUAL, "equal", 0.48, 0.1),
        ),
        description="generational suffix (JR SR II III IV); level 0 = missing on both sides",
    ),
    Comparison(
        "middle_initial",
        (Level(MIDDLE_DIFFERENT, "different", 0.1, 0.92), Level(MIDDLE_EQUAL, "equal", 0.9, 0.08)),
        description="middle initial",
        level0_label="no data, or initials that differ across scripts (name_abjad)",
    ),
)

BY_NAME: dict[str, Comparison] = {c.name: c for c in COMPARISONS}
NAMES: tuple[str, ...] = tuple(c.name for c in COMPARISONS)
TF_COLUMNS: tuple[str, ...] = tuple(c.tf_column for c in COMPARISONS if c.tf_column)

#: The _match_cmp columns scoring reads (matchers/link.py); compare.sql computes its intermediate
#: columns inline and keeps only what scoring, EM and the cache read, and Dask partition workers
#: return only these (flows/orchestration/partitioned.py).
#: `same_unit` is no level: the household guards' flag that the two addresses name one unit (or
#: neither names one), compare.sql.
SCORED_COLUMNS: tuple[str, ...] = (
    "account_id", "rec_id", "source", "echoed", "same_unit", *NAMES, *TF_COLUMNS
)  # fmt: skip


def first_row(rows: list[Any]) -> Any:
    """First row of a fully fetched result, else None.

    DuckDB 2.0 keeps a result open until a fetch returns no rows, and an open result blocks
    `register` on the connection: fetch everything (one row here) instead of `fetchone()`.
    """
    return rows[0] if rows else None


def register_unit_macro(con: duckdb.DuckDBPyConnection) -> None:
    """Install ``unit_key(unit)``, the one rule of what a unit number is when two are compared
    (sql/standardize/unit_number.sql): the household guards read it (`same_unit`, sides.sql and
    compare.sql) and resolution keys and merges addresses by it (rs_unit)."""
    sql.run(con, "standardize/unit_number.sql")


def prepare_sides(
    con: duckdb.DuckDBPyConnection,
    *,
    ssn_placeholder_accounts: int | None = None,
    contact_placeholder_debtors: int | None = None,
) -> tuple[int, int]:
    """Build `_ml`/`_mr` and the term-frequency tables from acct_std/rec_std; return their sizes.

    Then the SSNs several accounts carry (sql/match/shared_ssn.sql): a placeholder SSN (on more
    than `ssn_placeholder_accounts` accounts under names that disagree; default the
    MatchSettings default) is removed from both sides before anything compares or blocks on it,
    and the accounts that are one identity are listed in `_acct_identity`. Then the placeholder
    phones and emails (sql/match/shared_contacts.sql: on the accounts of more than
    `contact_placeholder_debtors` different debtors; default the MatchSettings default), removed
    from both sides and listed in `_contact_placeholder`. Here, with the sides, so that every
    reader of `_ml`/`_mr` (blocking, the u sample, comparisons, guards, explain, the incremental
    fingerprints) sees the same SSNs and contacts."""
    if ssn_placeholder_accounts is None:
        ssn_placeholder_accounts = MatchSettings().ssn_placeholder_accounts
    if contact_placeholder_debtors is None:
        contact_placeholder_debtors = MatchSettings().contact_placeholder_debtors
    register_unit_macro(con)
    sql.run(con, "match/sides.sql")
    sql.run(con, "match/shared_ssn.sql", max_accounts=ssn_placeholder_accounts)
    sql.run(con, "match/shared_contacts.sql", max_debtors=contact_placeholder_debtors)
    row = first_row(
        con.execute("SELECT (SELECT count(*) FROM _ml), (SELECT count(*) FROM _mr)").fetchall()
    )
    assert row is not None
    return int(row[0]), int(row[1])


def define_levels(con: duckdb.DuckDBPyConnection) -> None:
    """Install compare.sql's macros, `_match_levels(pairs)` among them (the levels of pairs of
    `_ml` / `_mr` row numbers)."""
    sql.run(con, "match/compare.sql")


def comparison_sql() -> str:
    """The SQL that compares the pairs of `_match_pairs_in` into `_match_cmp`: compare.sql's
    macros, then compare_pairs.sql (what a partition worker runs,
    flows/orchestration/partitioned.py)."""
    return sql.load("match/compare.sql") + "\n" + sql.load("match/compare_pairs.sql")


def compare_pairs(con: duckdb.DuckDBPyConnection, pairs_sql: str) -> int:
    """Compute comparison levels for the pairs `pairs_sql` returns (account_id, rec_id).

    The result is the temp table `_match_cmp`; returns its row count. `pairs_sql` is internal SQL
    (a temp table name or a SELECT), never user input.
    """
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _match_pairs_in AS SELECT account_id, rec_id FROM ({pairs_sql})"
    )
    define_levels(con)
    sql.run(con, "match/compare_pairs.sql")
    row = first_row(con.execute("SELECT count(*) FROM _match_cmp").fetchall())
    assert row is not None
    return int(row[0])
