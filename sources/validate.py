"""Build the one SQL statement that maps, types and validates every row of a file.

A file is staged by a single set-based query over its parsed lines. For every row it yields the
canonical, typed columns *and* a `reason` (NULL = loadable) plus, for rejected rows only, the raw
line with SSN-shaped runs masked. Loading and quarantining are then two filters on the same
staged rows, so `rows_read = rows_loaded + rows_rejected` holds by construction: a row cannot be
both, or neither.

Two kinds of defect (docs/field_issues.md):

* **row defects** reject the row (`reason`): shape (malformed_quotes / wrong_field_count /
  wrong_length / invalid_encoding: exclusive), oversize_field, missing_value of a required field,
  no_identifying_field; then, after staging, a duplicate key within the file (`dedupe_sql`: a
  GROUP BY over the staged key, cheaper than a window).
* **field defects** (invalid SSN, unparseable / implausible / future date, a date of death
  or a bankruptcy date after the record's own report date, invalid state, ZIP,
  phone, email, flag, code or amount, an SSN typed into another field) load the row with that
  field NULL and add an entry to the row's `_issues` list (canonical column, file column,
  reason, action, masked value), which ingest writes to `field_issues`. Unambiguous repairs
  (see `dates.repair_sql`, `pii.ssn_repair_sql`) load the repaired value and are listed there
  too with a `repaired_*` reason. A source with `on_field_error: reject` turns field defects
  back into row defects (the strictness of earlier versions); repairs still apply.

Column references are resolved here too, so a mapping that names a column the file lacks is
reported, all at once, before anything is loaded (MissingColumnsError).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from skiptrace.masking import (
    SSN_IN_TEXT_RE,
    SSN_STYLED_RE,
    mask_shape_sql,
    mask_ssn_line_sql,
    mask_ssn_runs_sql,
)
from skiptrace.sources import dates, pii
from skiptrace.sources.errors import MissingColumnsError
from skiptrace.sources.readers import ParsedFile

MAX_RAW_LINE = 2000  # quarantine keeps this much of a raw line (a runaway line can be MBs)
MAX_ISSUE_VALUE = 120  # a field issue keeps this much of the (masked) value
#: A debtor is at least this old: the century of a two-digit year of birth is chosen so.
MIN_DEBTOR_AGE = 16
#: Dates of birth legacy systems fill in for "unknown": two records "agreeing" on one are not
#: evidence of one person, so the field is nulled (`placeholder_date`).
PLACEHOLDER_BIRTH_DATES = "(DATE '1900-01-01', DATE '1901-01-01')"

FieldErrorMode = Literal["null", "reject"]
#: What a text field is checked for (see `Stage.text`).
TextCheck = Literal["ssn_free", "state", "zip", "phone", "email"]

#: Account flags that suppress contact: an unreadable value is treated as set (never contact on
#: a guess), all other flags become NULL.
SUPPRESSING_FLAGS = frozenset(
    {"cease_desist", "bankruptcy", "deceased", "attorney_represented", "dispute", "do_not_call"}
)
#: Flags that protect the consumer from legal action (SCRA military status): an unreadable
#: value is treated as set too, for the same reason (never sue on a guess).
PROTECTING_FLAGS = frozenset({"scra_active_duty", "scra_left_within_367"})

#: USPS state and territory codes (military AA/AE/AP included) and the spelled-out state names.
STATE_CODES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI", "UM", "FM", "MH", "PW", "AA", "AE", "AP",
)  # fmt: skip
STATE_NAMES = (
    "ALABAMA", "ALASKA", "ARIZONA", "ARKANSAS", "CALIFORNIA", "COLORADO", "CONNECTICUT",
    "DELAWARE", "DISTRICT OF COLUMBIA", "FLORIDA", "GEORGIA", "HAWAII", "IDAHO", "ILLINOIS",
    "INDIANA", "IOWA", "KANSAS", "KENTUCKY", "LOUISIANA", "MAINE", "MARYLAND", "MASSACHUSETTS",
    "MICHIGAN", "MINNESOTA", "MISSISSIPPI", "MISSOURI", "MONTANA", "NEBRASKA", "NEVADA",
    "NEW HAMPSHIRE", "NEW JERSEY", "NEW MEXICO", "NEW YORK", "NORTH CAROLINA", "NORTH DAKOTA",
    "OHIO", "OKLAHOMA", "OREGON", "PENNSYLVANIA", "RHODE ISLAND", "SOUTH CAROLINA",
    "SOUTH DAKOTA", "TENNESSEE", "TEXAS", "UTAH", "VERMONT", "VIRGINIA", "WASHINGTON",
    "WEST VIRGINIA", "WISCONSIN", "WYOMING", "PUERTO RICO", "GUAM", "VIRGIN ISLANDS",
    "AMERICAN SAMOA", "NORTHERN MARIANA ISLANDS",
)  # fmt: skip

#: SSN_IN_TEXT_RE (skiptrace.masking): an SSN typed where it does not belong, nine digits grouped
#: 3-2-4 as standardization will read them: any Unicode digit (full-width too), the groups apart
#: by up to three gap characters (spaces, dashes, dots, '_', '/', commas, quotes... and their
#: Unicode kin: 'ddd  dd  dddd', 'ddd - dd - dddd', en dashes, no-break spaces) or none, not
#: part of a longer digit run. Narrower than the masking pattern's grouping on purpose: a phone
#: number or a street number must not be nulled as an SSN. SSN_STYLED_RE: the same with a gap
#: required between the groups, for identifiers (a plain nine-digit account number is common).
#: Alias of the per-row prefilter: does any SSN-checked field hold an SSN-shaped run?
SSN_ANY = "_ssn_any"
#: Alias of the per-field answers on the rows the prefilter passes (`ssn_hits_sql`).
SSN_HITS = "_ssn_hits"
_EMAIL_RE = "[^@ ]+@[^@ ]+\\.[A-Za-z]{2,}"
#: Dots an address cannot have (RFC 5321 dot-atoms): leading, doubled, or either side of the @.
_EMAIL_BAD_DOTS = "^\\.|\\.\\.|\\.@|@\\."
#: A North American number as written: optional +1 / 1, area code (parenthesised or not), the
#: usual separators, an optional extension. A shape test, not digit counting: one regex pass.
_PHONE_RE = (
    "(?i)(\\+?1[ .-]?)?(\\([0-9]{3}\\)|[0-9]{3})[ .-]?[0-9]{3}[ .-]?[0-9]{4}"
    "( *(x|ext\\.?|extension|#) *[0-9]+)?"
)
#: The same number typed twice in one field ("2127365000 2127365000", "212-736-5000 / 212 736
#: 5000"): its digits are the number's ten (or eleven, with the leading 1) twice over.
_PHONE_TWICE = (
    "length({d}) IN (20, 22) AND left({d}, length({d}) // 2) = right({d}, length({d}) // 2)"
    " AND regexp_full_match({v}, '[-0-9 ().+/,;]+')"
)

#: Fields whose value in a field issue keeps its shape only (`mask_shape_sql`: letters '*',
#: digits '#', punctuation kept), as `skiptrace rejects` shows quarantined lines: names, dates
#: of birth and death, phones, emails and every address part. A vendor candidate's label
#: (`phone#2`) counts by its field. Other values (a balance, a flag, a code, the date of a
#: record) stay readable, SSN-shaped runs masked, so an engineer can still fix the feed.
PERSONAL_FIELDS = frozenset(
    {
        "first_name", "middle_name", "last_name", "suffix", "full_name", "co_debtor_name",
        "attorney_name", "relationship", "dob", "address_line1",
        "address_line2", "street_number", "street_name", "unit", "po_box", "city", "state",
        "zip", "new_address_line1", "new_address_line2", "new_city", "new_state", "new_zip",
        "phone", "phone_2", "phone_3", "attorney_phone", "email",
    }
)  # fmt: skip


def is_personal(label: str) -> bool:
    """Whether a field issue's `label` (a canonical field, or a candidate's `phone#2`) holds
    personal data (PERSONAL_FIELDS)."""
    return label.split("#", 1)[0] in PERSONAL_FIELDS


def issue_value_sql(value: str, mask: str) -> str:
    """The stored value of a field issue (`Stage.issue`): `mask` 'done' (masked by the stage),
    'shape' (a personal field: letters '*', digits '#') or 'text' (readable, SSN-shaped runs
    masked; its shape when the field check reads an SSN in it), truncated to MAX_ISSUE_VALUE
    after masking, so a cut never leaves part of an SSN unmasked."""
    text = (
        f"CASE WHEN regexp_matches({value}, '{SSN_IN_TEXT_RE}') "
        f"THEN {mask_shape_sql(value)} ELSE {mask_ssn_runs_sql(value)} END"
    )
    return (
        f"left(CASE {mask} WHEN 'done' THEN {value} WHEN 'shape' THEN {mask_shape_sql(value)} "
        f"ELSE {text} END, {MAX_ISSUE_VALUE})"
    )


#: An amount written with commas: they group thousands ('$1,234.50', '(1,234)', '-1,234,567').
_THOUSANDS_RE = "\\(?[-+]?\\$?[-+]?[0-9]{1,3}(,[0-9]{3})+(\\.[0-9]*)?\\)?"
_FULL_WIDTH_DIGITS = "".join(chr(0xFF10 + i) for i in range(10))

#: Flag spellings for sources without their own lists (vendor `prepaid`, ...).
DEFAULT_TRUE = ("Y", "YES", "T", "TRUE", "1")
DEFAULT_FALSE = ("N", "NO", "F", "FALSE", "0", "")


def _years_before(day: dt.date, years: int) -> dt.date:
    """`day` `years` years earlier (29 February becomes the 28th in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def ssn_any_sql(aliases: Sequence[str]) -> str:
    """True when any of `aliases` holds an SSN-shaped run: one regex over the fields joined.

    Exact, not a heuristic: the separator '|' is neither a digit nor one of the pattern's group
    separators, so no match can span two fields, and it satisfies the pattern's non-digit
    boundary as a field's start or end does. NULL fields are skipped by concat_ws.
    """
    return f"regexp_matches(concat_ws('|', {', '.join(aliases)}), '{SSN_IN_TEXT_RE}')"


def ssn_hits_sql(aliases: Sequence[str]) -> str:
    """Per field of `aliases`, in order: does it hold an SSN-shaped run (NULL for a NULL field),
    computed only on rows where `ssn_any_sql` found one.

    One call site of the pattern for every field, not one per field: DuckDB compiles a constant
    pattern once per call site (and again per thread), and SSN_IN_TEXT_RE spells out Unicode's
    digit and separator classes, so 30-odd sites cost about a second per file however few rows
    it has, most of a small file's load.
    """
    fields = ", ".join(aliases)
    return (
        f"CASE WHEN {SSN_ANY} THEN list_transform([{fields}], "
        f"lambda x: regexp_matches(x, '{SSN_IN_TEXT_RE}')) END"
    )


def lit(text: str) -> str:
    """SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _in_list(values: Sequence[str]) -> str:
    return "(" + ", ".join(lit(v.upper()) for v in values) + ")"


@dataclass
class Stage:
    """Accumulates the expressions of one file's staging query (see module docstring)."""

    parsed: ParsedFile
    date_formats: Sequence[str] = ()
    max_field_length: int = 1000
    on_field_error: FieldErrorMode = "null"
    #: Dates after this day are field defects (`future_date`); the run's as-of date.
    as_of: dt.date = field(default_factory=dt.date.today)
    index: dict[str, int] = field(init=False)
    refs: dict[int, str] = field(default_factory=dict)
    levels: list[list[tuple[str, str]]] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    mask_values: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    dup_key: tuple[str, str] | None = None
    needs_hmac: bool = False
    issues: list[str] = field(default_factory=list)
    #: The conditions of `issues`, OR-ed into a gate so clean rows skip the list entirely.
    issue_conditions: list[str] = field(default_factory=list)
    identifying: list[str] = field(default_factory=list)
    #: Aliases of the fields checked for an SSN-shaped run (`text`): one regex over all of them
    #: joined (`_ssn_any`) tells which rows need the per-field test at all.
    ssn_checked: list[str] = field(default_factory=list)
    #: Alias of the row's valid SSN digits (set by `ssn`), for `identifier`'s "SSN as key".
    ssn_digits: str | None = None
    #: CTE level of `ssn_digits`: an expression reading it goes one level deeper.
    ssn_level: int = 0
    _n: int = 0

    def __post_init__(self) -> None:
        self.index = {}
        for i, name in enumerate(self.parsed.columns, start=1):
            self.index.setdefault(name.strip().lower(), i)

    # --- column references -------------------------------------------------------------

    def has(self, column: str | None) -> bool:
        return column is not None and column.strip().lower() in self.index

    def ref(self, column: str | None, *, must_exist: bool = True) -> str | None:
        """Alias of a file column's trimmed, NULL-if-empty value; None when absent.

        A missing column that `must_exist` is recorded and reported by `raise_missing`.
        """
        if column is None:
            return None
        idx = self.index.get(column.strip().lower())
        if idx is None:
            if must_exist and column not in self.missing:
                self.missing.append(column)
            return None
        return self.refs.setdefault(idx, f"c{idx}")

    def raise_missing(self) -> None:
        if self.missing:
            raise MissingColumnsError(self.parsed.info.path, self.missing, self.parsed.columns)

    # --- derived expressions --------------------------------------------------------------

    def derive(self, expr: str, level: int = 0) -> str:
        """Add a computed column at CTE `level` (0 = first); returns its alias."""
        while len(self.levels) <= level:
            self.levels.append([])
        self._n += 1
        alias = f"_x{self._n}"
        self.levels[level].append((alias, expr))
        return alias

    def level_of(self, expr: str) -> int:
        """The CTE level of a derived alias; -1 for anything else (a file column, a literal)."""
        for n, level in enumerate(self.levels):
            if any(alias == expr for alias, _ in level):
                return n
        return -1

    def check(self, condition: str, reason: str) -> None:
        """Reject the row with `reason` (SQL literal text) when `condition` is true."""
        self.checks.append(f"CASE WHEN {condition} THEN {lit(reason)} END")

    def out(self, name: str, expr: str | None) -> None:
        self.outputs[name] = expr if expr is not None else "NULL"

    # --- field issues ---------------------------------------------------------------------

    def file_column(self, alias: str) -> str:
        """The file's own name of the column behind a reference alias (`c3` -> 'DOB')."""
        for idx, a in self.refs.items():
            if a == alias:
                return self.parsed.columns[idx - 1] if idx <= len(self.parsed.columns) else a
        return alias

    def issue(
        self,
        condition: str,
        label: str,
        alias: str,
        reason_sql: str,
        action: str = "nulled",
        value_sql: str | None = None,
    ) -> None:
        """Record a field issue (a struct in the row's `_issues` list) when `condition` holds.

        The value is masked when the issues are written (`issue_value_sql`, in
        ingest/field_issues_insert.sql), so no unmasked value reaches a table (the staging table
        holds the raw line and fields anyway): `value_sql` (e.g. the SSN's last four) when given,
        masked already; else the shape of a personal field's value (`is_personal`); else the
        value readable, unless the field check would read an SSN in it (then its shape: the
        masks' narrower gaps would leave 'ddd,dd,dddd' as typed), with SSN-shaped runs masked.
        Why at the insert and not here: the masks' patterns are kilobytes each (every Unicode
        space and dash), and one per field issue made the staging statement of a wide vendor
        file 600 KB, 7 s to plan at any size; written once at the insert they cost nothing.
        """
        if value_sql is not None:
            value, mask = value_sql, "done"
        else:
            value, mask = alias, "shape" if is_personal(label) else "text"
        self.issue_conditions.append(f"({condition})")
        self.issues.append(
            f"CASE WHEN {condition} THEN {{'column_name': {lit(label)}, "
            f"'file_column': {lit(self.file_column(alias))}, 'reason': {reason_sql}, "
            f"'action': {lit(action)}, 'value': {value}, 'mask': {lit(mask)}}} END"
        )

    def defect(
        self, condition: str, label: str, alias: str, reason: str, value_sql: str | None = None
    ) -> None:
        """A field defect: a field issue (the caller NULLs the value), or with
        `on_field_error: reject` a row defect `reason: label`, as earlier versions did."""
        if self.on_field_error == "reject":
            self.check(condition, f"{reason}: {label}")
        else:
            self.issue(condition, label, alias, lit(reason), "nulled", value_sql)

    # --- typed fields -----------------------------------------------------------------------

    def text(
        self,
        name: str,
        alias: str | None,
        check: TextCheck | None = None,
        label: str | None = None,
    ) -> str | None:
        """A text field, checked as `check` says; returns the alias of the cleaned value.

        `ssn_free` (names, address lines, cities): an SSN-shaped run makes it a field defect.
        `phone` and `email` add that check to their own shape test; `state` must be a USPS code
        or a state name; `zip` must be ZIP or ZIP+4, a 4-digit ZIP (a spreadsheet dropped its
        leading zero) is repaired.
        """
        label = label or name
        if alias is None or check is None:
            self.out(name, alias)
            return alias
        # Each condition is computed once per row (a derived column), then used by the field
        # issue and by the cleaned value: repeating a regex per use doubled ingest time.
        value = alias
        bad: list[str] = []
        if check in ("ssn_free", "phone", "email"):
            # Per field only on rows whose fields, joined, hold an SSN-shaped run at all (a few
            # in a thousand): one regex per row instead of one per checked field (issue 20).
            self.ssn_checked.append(alias)
            ssn_like = self.derive(
                f"CASE WHEN {SSN_ANY} THEN {SSN_HITS}[{len(self.ssn_checked)}] ELSE false END"
            )
            self.defect(ssn_like, label, alias, "ssn_in_field")
            bad.append(ssn_like)
        else:
            ssn_like = "false"
        if check == "state":
            names = _in_list([*STATE_CODES, *STATE_NAMES])
            cond = self.derive(f"upper({alias}) NOT IN {names}")
            self.defect(cond, label, alias, "invalid_state")
            bad.append(cond)
        elif check == "zip":
            four = self.derive(f"regexp_full_match({alias}, '[0-9]{{4}}([- ]?[0-9]{{4}})?')")
            cond = self.derive(
                f"NOT regexp_full_match({alias}, '[0-9]{{5}}([- ]?[0-9]{{4}})?') AND NOT {four}",
                level=1,
            )
            self.defect(cond, label, alias, "invalid_zip")
            self.issue(four, label, alias, "'repaired_zip_leading_zero'", "repaired")
            bad.append(cond)
            value = f"CASE WHEN {four} THEN '0' || {alias} ELSE {alias} END"
        elif check == "phone":
            shape = self.derive(
                f"NOT {ssn_like} AND NOT regexp_full_match({alias}, '{_PHONE_RE}')", level=1
            )
            # a number typed twice is repaired to one: the field has a single reading
            digits = f"regexp_replace({alias}, '[^0-9]', '', 'g')"
            # CASE, not AND: only the few values that failed the shape test pay for the digits
            twice = self.derive(
                f"CASE WHEN {shape} THEN {_PHONE_TWICE.format(d=digits, v=alias)} ELSE false END",
                level=2,
            )
            cond = f"({shape} AND NOT {twice})"
            self.defect(cond, label, alias, "invalid_phone")
            self.issue(twice, label, alias, "'repaired_phone_repeated'", "repaired")
            bad.append(cond)
            value = f"CASE WHEN {twice} THEN left({digits}, length({digits}) // 2) ELSE {alias} END"
        elif check == "email":
            # one trailing dot ("carl@gmail.com.") is repaired: the address has one reading
            trimmed = f"substr({alias}, 1, length({alias}) - 1)"
            trailing = self.derive(
                f"NOT {ssn_like} AND ends_with({alias}, '.') AND "
                f"regexp_full_match({trimmed}, '{_EMAIL_RE}') AND "
                f"NOT regexp_matches({trimmed}, '{_EMAIL_BAD_DOTS}')",
                level=1,
            )
            shape = self.derive(
                f"NOT {ssn_like} AND (NOT regexp_full_match({alias}, '{_EMAIL_RE}') "
                f"OR regexp_matches({alias}, '{_EMAIL_BAD_DOTS}'))",
                level=1,
            )
            cond = f"({shape} AND NOT {trailing})"
            self.defect(cond, label, alias, "invalid_email")
            self.issue(trailing, label, alias, "'repaired_email_trailing_dot'", "repaired")
            bad.append(cond)
            value = f"CASE WHEN {trailing} THEN {trimmed} ELSE {alias} END"
        clean = self.derive(
            f"CASE WHEN {' OR '.join(bad)} THEN NULL ELSE {value} END",
            level=3 if check == "phone" else 2,  # a phone's repair reads a level-2 column
        )
        self.out(name, clean)
        return clean

    def ssn_free(self, alias: str) -> str:
        """Inline SQL: `alias` with SSN-shaped values NULLed (for expressions at CTE level 0,
        such as the full-name split, that cannot use `text`'s derived alias)."""
        return f"CASE WHEN regexp_matches({alias}, '{SSN_IN_TEXT_RE}') THEN NULL ELSE {alias} END"

    def require(self, alias: str | None, label: str) -> None:
        if alias is not None:
            self.check(f"{alias} IS NULL", f"missing_value: {label}")

    def date(
        self,
        name: str,
        alias: str | None,
        *,
        ambiguous: str | None = None,
        unread: str | None = None,
        dob: bool = False,
        label: str | None = None,
        future_ok: bool = False,
        note_future: bool = False,
        not_after: str | None = None,
    ) -> str | None:
        """Parse a date column; returns the alias of the loaded DATE.

        A value the built-in formats miss is repaired when that is unambiguous
        (`dates.repair_sql`: day/month swapped, other separators, two-digit years) and the
        repair recorded. Unparseable, implausible (before 1880) and future dates (after
        the as-of date) are field defects; `future_ok` for a date that resolution judges
        against its own as-of date: one that announces something (a projected end of active
        duty, a call-up) or an event that a later as-of date reads as past (a death, a move, a
        court's date). Nulling those at load judged them against the loading run's as-of date
        for good: a re-run as of a later date could no longer see them. `note_future` records
        such a date, kept, as a field note (`future_date`, action `kept`): unusual enough to
        show, not a defect.

        `not_after`: the row's own report date (an alias or a DATE literal), for a date of an
        event the record reports as past. A date after it is a field defect
        (`after_record_date`): no file reports a death, nor a court a filing, that has not
        happened yet, so the date is wrong (a keying error in the year), not the event. Unlike the as-of date, both dates
        belong to the row, so judging at load judges the same way in every run.

        `unread`: the output column for the digits of a value no format or repair reads
        (`unparseable_date`), when they are eight (`19409716`): the matcher compares them with
        the other side's date of birth as a mistyped date (migration 122, compare.sql).
        """
        if alias is None:
            self.out(name, None)
            if ambiguous:
                self.out(ambiguous, None)
            if unread:
                self.out(unread, None)
            return None
        label = label or name
        # one level per step, so each expression is computed once per row (an alias used in
        # its own SELECT list is inlined, and the parser is the costly part of ingest)
        strict = self.derive(dates.date_sql(alias, self.date_formats))
        # the repair, one query level per step after the strict parse's; only the values the
        # strict parser missed run its regexp
        level = 0

        def next_level(text: str) -> str:
            nonlocal level
            level += 1
            return self.derive(text, level=level)

        # a two-digit year of birth is read in the century that makes the person at least
        # MIN_DEBTOR_AGE ('03/04/19' is 1919, not an infant born in 2019); other dates take
        # the century that puts them at or before the as-of year
        pivot = self.as_of.year - (MIN_DEBTOR_AGE if dob else 0)
        fixed, why = dates.repair_sql(alias, pivot, gate=f"{strict} IS NULL", column=next_level)
        if dob:
            # by date, not by year: in the pivot year itself, a birthday after the as-of day
            # would make the person 15, so that date takes the century before
            youngest = _years_before(self.as_of, MIN_DEBTOR_AGE).isoformat()
            fixed = next_level(
                f"CASE WHEN {why} = 'repaired_date_two_digit_year' AND {fixed} > DATE '{youngest}'"
                f" THEN CAST({fixed} - INTERVAL 100 YEAR AS DATE) ELSE {fixed} END"
            )
        last = level  # the reason's level (NULL where the repair found no date)
        any_date = self.derive(f"coalesce({strict}, {fixed})", level=last)
        as_of = f"DATE '{self.as_of.isoformat()}'"
        # no date this pipeline reads lies before 1880: a bankruptcy "filed 0025-04-02" is a
        # two-digit year a lenient format read as such, not history
        too_early = f"{any_date} < DATE '1880-01-01'"
        placeholder = f"{any_date} IN {PLACEHOLDER_BIRTH_DATES}" if dob else "false"
        future = "false" if future_ok else f"{any_date} > {as_of}"
        bad = self.derive(
            f"CASE WHEN {alias} IS NULL THEN NULL WHEN {any_date} IS NULL THEN 'unparseable_date' "
            f"WHEN {placeholder} THEN 'placeholder_date' "
            f"WHEN {too_early} THEN 'implausible_date' "
            f"WHEN {future} THEN {lit('implausible_date' if dob else 'future_date')} END",
            level=last + 1,
        )
        if self.on_field_error == "reject":
            self.checks.append(f"CASE WHEN {bad} IS NOT NULL THEN {bad} || {lit(': ' + label)} END")
        else:
            self.issue(f"{bad} IS NOT NULL", label, alias, bad)
        self.issue(f"{bad} IS NULL AND {why} IS NOT NULL", label, alias, why, "repaired")
        parsed = self.derive(f"CASE WHEN {bad} IS NULL THEN {any_date} END", level=last + 2)
        if unread:
            digits = f"regexp_replace({alias}, '[^0-9]', '', 'g')"
            self.out(
                unread,
                self.derive(
                    f"CASE WHEN {bad} = 'unparseable_date' AND length({digits}) = 8 "
                    f"THEN {digits} END",
                    level=last + 2,
                ),
            )
        beyond = "false"
        if not_after is not None:
            level = max(last + 2, self.level_of(not_after)) + 1
            beyond = self.derive(f"coalesce({parsed} > {not_after}, false)", level=level)
            self.defect(beyond, label, alias, "after_record_date")
            parsed = self.derive(f"CASE WHEN {beyond} THEN NULL ELSE {parsed} END", level + 1)
        if future_ok and note_future:
            self.issue(
                f"{bad} IS NULL AND NOT {beyond} AND {any_date} > {as_of}",
                label,
                alias,
                "'future_date'",
                "kept",
            )
        self.out(name, parsed)
        if ambiguous:
            self.out(ambiguous, dates.ambiguous_sql(alias, parsed))
        return parsed

    def flag(
        self,
        name: str,
        alias: str | None,
        true_values: Sequence[str] = DEFAULT_TRUE,
        false_values: Sequence[str] = DEFAULT_FALSE,
        label: str | None = None,
    ) -> None:
        """Y/N, true/false, 1/0 (case-insensitive) to BOOLEAN; other text is a field defect.

        An empty value is False when '' is among the false spellings (a missing consent is no
        consent), else NULL. An unreadable value of a flag that suppresses contact
        (SUPPRESSING_FLAGS: cease and desist, dispute, ...) loads as set: treating it as unset
        could contact someone who asked not to be; so does one that protects from legal action
        (PROTECTING_FLAGS: SCRA active duty); any other unreadable flag becomes NULL.
        """
        if alias is None:
            self.out(name, None)
            return
        empty = "false" if "" in false_values else "NULL"
        expr = (
            f"CASE WHEN {alias} IS NULL THEN {empty} "
            f"WHEN upper({alias}) IN {_in_list(true_values)} THEN true "
            f"WHEN upper({alias}) IN {_in_list([v for v in false_values if v] or ['N'])} "
            "THEN false END"
        )
        parsed = self.derive(expr)
        invalid = f"{alias} IS NOT NULL AND {parsed} IS NULL"
        label = label or name
        protects = name in SUPPRESSING_FLAGS or name in PROTECTING_FLAGS
        if protects and self.on_field_error != "reject":
            self.issue(invalid, label, alias, "'invalid_flag'", "treated_as_set")
            self.out(name, f"CASE WHEN {invalid} THEN true ELSE {parsed} END")
            return
        self.out(name, parsed)
        self.defect(invalid, label, alias, "invalid_flag")

    def number(self, name: str, alias: str | None) -> None:
        """Money-like text ('$1,234.50', '(12.00)') to DOUBLE; other text is a field defect.

        Commas must group thousands ('1,234,567'): 'ddd,dd,dddd' is no amount (an SSN typed
        into the balance would otherwise load as a nine-digit number).
        """
        if alias is None:
            self.out(name, None)
            return
        cleaned = (
            f"CASE WHEN contains({alias}, ',') AND NOT regexp_full_match({alias}, "
            f"'{_THOUSANDS_RE}') THEN NULL ELSE replace(replace(regexp_replace({alias}, "
            f"'^\\((.*)\\)$', '-\\1'), '$', ''), ',', '') END"
        )
        parsed = self.derive(f"try_cast({cleaned} AS DOUBLE)")
        self.out(name, parsed)
        self.defect(f"{alias} IS NOT NULL AND {parsed} IS NULL", name, alias, "invalid_amount")

    def ssn(self, alias: str | None) -> None:
        """Validate and pseudonymise: only ssn_hash / ssn_last4 leave the statement.

        The delivered forms (nine digits, separators '-', '.' or ' ') load silently; other
        separators and an 8-digit value that lost its leading zero are repaired
        (`pii.ssn_repair_sql`); anything else is a field defect, `placeholder_ssn` when it is a
        never-issued specimen number (`pii.PLACEHOLDER_SSNS`), else `invalid_ssn`. A masked SSN
        (`XXX-XX-1234`, `XXXXX1234`: `pii.SSN_MASKED_RE`) loads its last four only (no hash) with
        the field note `masked_ssn` (action `last4_kept`). The field issue's value keeps only the
        last four characters.
        """
        if alias is None:
            self.out("ssn_hash", None)
            self.out("ssn_last4", None)
            return
        self.needs_hmac = True
        digits = self.derive(pii.ssn_digits_sql(alias))
        plain = self.derive(pii.ssn_valid_sql(digits), level=1)
        repaired, why = pii.ssn_repair_sql(alias)
        fixed = self.derive(f"CASE WHEN NOT coalesce({plain}, false) THEN {repaired} END", level=2)
        fix_why = self.derive(f"CASE WHEN {fixed} IS NOT NULL THEN {why} END", level=3)
        final = self.derive(f"CASE WHEN {plain} THEN {digits} ELSE {fixed} END", level=3)
        self.ssn_digits, self.ssn_level = final, 3
        valid = f"{final} IS NOT NULL"
        # a masked SSN (PACER's XXX-XX-1234) is its last four: kept as a last four, no hash.
        # Not identifying on its own (a row needs more than four digits to be matched on)
        last4_only = self.derive(pii.ssn_masked_sql(alias))
        self.out("ssn_hash", f"CASE WHEN {valid} THEN {pii.ssn_hash_sql(final)} END")
        self.out(
            "ssn_last4",
            f"CASE WHEN {valid} THEN right({final}, 4) WHEN {last4_only} THEN right({alias}, 4) END",
        )
        self.identifying.append(valid)
        masked = pii.mask_ssn_value_sql(alias)
        invalid = f"{alias} IS NOT NULL AND {final} IS NULL AND NOT {last4_only}"
        # a placeholder (specimen-card number) has its own reason: the fix is at the source
        # system, which filled a default in, not a typo in one row
        reason = (
            f"CASE WHEN {pii.ssn_placeholder_sql(alias)} THEN 'placeholder_ssn' "
            "ELSE 'invalid_ssn' END"
        )
        if self.on_field_error == "reject":
            self.checks.append(f"CASE WHEN {invalid} THEN {reason} END")
        else:
            self.issue(invalid, "ssn", alias, reason, "nulled", masked)
        self.issue(f"{fix_why} IS NOT NULL", "ssn", alias, fix_why, "repaired", masked)
        # a field note, not a defect: the row loads with the last four (docs/field_issues.md)
        self.issue(last4_only, "ssn", alias, "'masked_ssn'", "last4_kept", masked)
        self.mask_values.append(alias)

    def identifier(
        self, name: str, alias: str | None, *, key: bool = False, label: str | None = None
    ) -> None:
        """An identifier (account_id, record_id) that must not be, or carry, an SSN.

        A plain nine-digit id is an ordinary account number and loads. Two spellings do not:
        an id written like an SSN (3-2-4 digit groups with gaps, `SSN_STYLED_RE`: reason
        `ssn_in_key`) and an id whose digits hold the row's own valid SSN (`ssn_as_key`: the
        SSN used as the key; `ssn` must be staged first). A `key` the row cannot do without
        (an account's account_id, a vendor row's) quarantines the row with `REASON: label`;
        any other id is NULLed with a field issue, the row loads (a source record is given its
        own rec_id and record_id). Either way no digit of the id is kept: the quarantined line
        has the id masked, the field issue its shape.
        """
        if alias is None:
            self.out(name, None)
            return
        label = label or name
        styled = self.derive(f"regexp_matches({alias}, '{SSN_STYLED_RE}')")
        level = self.ssn_level + 1 if self.ssn_digits is not None else 1
        if self.ssn_digits is not None:
            # the last four first (a contains, no regex): only ids that hold them pay for the
            # digits; full-width digits folded, as NFKC reads them
            ssn = self.ssn_digits
            folded = f"translate({alias}, {lit(_FULL_WIDTH_DIGITS)}, '0123456789')"
            as_key = (
                f"{ssn} IS NOT NULL AND CASE WHEN contains({folded}, right({ssn}, 4)) "
                f"THEN contains(regexp_replace({folded}, '[^0-9]', '', 'g'), {ssn}) ELSE false END"
            )
            reason = self.derive(
                f"CASE WHEN {styled} THEN 'ssn_in_key' WHEN {as_key} THEN 'ssn_as_key' END",
                level=level,
            )
        else:
            reason = self.derive(f"CASE WHEN {styled} THEN 'ssn_in_key' END", level=level)
        bad = f"{reason} IS NOT NULL"
        if key:
            self.checks.append(f"CASE WHEN {bad} THEN {reason} || {lit(': ' + label)} END")
            self.mask_values.append(self.derive(f"CASE WHEN {bad} THEN {alias} END", level + 1))
            self.out(name, alias)
            return
        if self.on_field_error == "reject":
            self.checks.append(f"CASE WHEN {bad} THEN {reason} || {lit(': ' + label)} END")
        else:
            self.issue(bad, label, alias, reason, "nulled", mask_shape_sql(alias))
        self.out(name, f"CASE WHEN {bad} THEN NULL ELSE {alias} END")

    def code(self, name: str, alias: str | None, normalized: str, allowed: Sequence[str]) -> None:
        """A coded value (`normalized`: SQL with `{v}` for the value) that must be in `allowed`;
        any other value is a field defect."""
        if alias is None:
            self.out(name, None)
            return
        norm = self.derive(normalized.replace("{v}", alias))
        invalid = f"{alias} IS NOT NULL AND coalesce({norm} NOT IN {_in_list(allowed)}, true)"
        self.out(name, f"CASE WHEN {invalid} THEN NULL ELSE {norm} END")
        self.defect(invalid, name, alias, "invalid_code")

    def require_identity(self, fields: Sequence[str]) -> None:
        """Reject a row none of whose identifying `fields` (outputs) nor SSN survived checks.

        A row with nothing to match on is a row defect (`no_identifying_field`), whether the
        file left those fields empty or every one of them was a field defect.
        """
        present = [f"({self.outputs[f]}) IS NOT NULL" for f in fields if f in self.outputs]
        present += [f"({v})" for v in self.identifying]
        if present:
            self.check(f"NOT ({' OR '.join(present)})", "no_identifying_field")

    def unique(self, name: str, label: str) -> None:
        """Later rows repeating an earlier row's `name` within the file are rejected."""
        self.dup_key = (name, label)

    # --- the statement ----------------------------------------------------------------------

    def sql(self, final: dict[str, str]) -> str:
        """The staging SELECT. `final` adds columns computed from outputs (rec_id, ...).

        Columns: line_no, every output, `final`, shape_err, reason, raw_line (masked, only for
        rejected rows). Duplicate keys are flagged afterwards by `dedupe_sql`.
        """
        cols = "".join(f", {_field(i)} AS {alias}" for i, alias in sorted(self.refs.items()))
        ctes = [
            f"src AS ({self.parsed.source_sql})",
            f"f AS (SELECT line_no, raw, fields, shape_err{cols} FROM src)",
        ]
        prev = "f"
        if self.ssn_checked:
            ctes.append(f"g AS (SELECT *, {ssn_any_sql(self.ssn_checked)} AS {SSN_ANY} FROM f)")
            ctes.append(f"h AS (SELECT *, {ssn_hits_sql(self.ssn_checked)} AS {SSN_HITS} FROM g)")
            prev = "h"
        for n, level in enumerate(self.levels):
            exprs = "".join(f", {expr} AS {alias}" for alias, expr in level)
            ctes.append(f"t{n} AS (SELECT *{exprs} FROM {prev})")
            prev = f"t{n}"
        max_len = int(self.max_field_length)
        names = "[" + ", ".join(lit(c) for c in self.parsed.columns) + "]"
        # Nested CASE, not AND: only CASE stops DuckDB evaluating the list lambda on every row.
        oversize = (
            f"CASE WHEN length(raw) > {max_len} THEN CASE WHEN list_bool_or(list_transform("
            f"fields, lambda x: length(x) > {max_len})) THEN 'oversize_field: ' || coalesce("
            f"{names}[list_position(list_transform(fields, lambda x: length(x) > {max_len}), "
            f"true)], '?') || ' longer than {max_len} characters' END END"
        )
        checks = ", ".join([oversize, *self.checks])
        outs = "".join(f", {expr} AS {_q(name)}" for name, expr in self.outputs.items())
        masks = "".join(f", {alias} AS _m{i}" for i, alias in enumerate(self.mask_values))
        # Most rows have no field issue: a CASE gate over the (cheap, already derived)
        # conditions skips building the list of structs and the list_filter lambda for them.
        # NULL there means "no issues", as it already does for rejected rows.
        issues = (
            f"CASE WHEN {' OR '.join(self.issue_conditions)} THEN "
            f"list_filter([{', '.join(self.issues)}], lambda x: x IS NOT NULL) END"
            if self.issues
            else "NULL"
        )
        ctes.append(
            f"o AS (SELECT line_no, raw, shape_err{outs}, concat_ws('; ', {checks}) AS _chk"
            f"{masks}, {issues} AS _issues FROM {prev})"
        )
        ctes.append(
            "r AS (SELECT *, CASE WHEN shape_err IS NOT NULL THEN shape_err "
            "ELSE nullif(_chk, '') END AS reason FROM o)"
        )
        # The rejected rows' line, masked: SSN-shaped runs, then each known field value, one CTE
        # level each. Nested in one expression, every mask value doubled the line expression
        # (mask_value_sql reads its line twice), and with it the masks' kilobyte patterns, which
        # DuckDB compiles once per occurrence in the statement.
        ctes.append(
            f"k0 AS (SELECT *, CASE WHEN reason IS NOT NULL THEN {mask_ssn_line_sql('raw')} "
            "END AS _ml0 FROM r)"
        )
        for i in range(len(self.mask_values)):
            line = pii.mask_value_sql(f"_ml{i}", f"_m{i}")
            ctes.append(f"k{i + 1} AS (SELECT *, {line} AS _ml{i + 1} FROM k{i})")
        last = len(self.mask_values)
        final_cols = "".join(f", {expr} AS {_q(name)}" for name, expr in final.items())
        out_names = "".join(f", {_q(name)}" for name in self.outputs)
        return (
            "WITH "
            + ",\n".join(ctes)
            + f"\nSELECT line_no{out_names}{final_cols}, shape_err, reason, "
            "CASE WHEN reason IS NULL THEN _issues END AS _issues, "
            f"left(_ml{last}, {MAX_RAW_LINE}) AS raw_line "
            f"FROM k{last}"
        )

    def dedupe_sql(self, stage_table: str) -> list[str]:
        """Statements flagging later repeats of the unique key in the staged rows.

        Run after staging: a GROUP BY over the staged key is much cheaper than a window over
        the wide staging query, and only the (rare) repeated rows are updated. Their raw line
        is re-read from the in-memory line table; a row that reaches this point has no invalid
        SSN (that would already be its reason), so the line mask suffices: SSN-shaped runs, and
        the eight digits of an SSN repaired with its leading zero.
        """
        if not self.dup_key:
            return []
        key, label = self.dup_key
        k = _q(key)
        dups = f"{stage_table}_dups"
        masked = f"left({mask_ssn_line_sql('x.raw')}, {MAX_RAW_LINE})"
        return [
            f"CREATE TEMP TABLE {dups} AS SELECT s.line_no, g.first_line "
            f"FROM {stage_table} s JOIN (SELECT {k} AS k, min(line_no) AS first_line "
            f"FROM {stage_table} WHERE shape_err IS NULL AND {k} IS NOT NULL "
            f"GROUP BY {k} HAVING count(*) > 1) g ON s.{k} = g.k "
            "WHERE s.shape_err IS NULL AND s.line_no > g.first_line",
            f"UPDATE {stage_table} AS s SET "
            f"reason = concat_ws('; ', s.reason, {lit(f'duplicate_{label}: first at line ')} "
            f"|| d.first_line), raw_line = coalesce(s.raw_line, {masked}) "
            f"FROM {dups} d JOIN ({self.parsed.raw_sql}) x USING (line_no) "
            "WHERE s.line_no = d.line_no",
            f"DROP TABLE {dups}",
        ]


def _field(i: int) -> str:
    """Field i trimmed, '' as NULL; trim (which copies) only when an end is a space."""
    x = f"fields[{i}]"
    return (
        f"nullif(CASE WHEN starts_with({x}, ' ') OR ends_with({x}, ' ') "
        f"THEN trim({x}) ELSE {x} END, '')"
    )


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
