"""Build the one SQL statement that maps, types and validates every row of a file.

A file is staged by a single set-based query over its parsed lines. For every row it yields the
canonical, typed columns *and* a `reason` (NULL = loadable) plus, for rejected rows only, the raw
line with SSN-shaped runs masked. Loading and quarantining are then two filters on the same
staged rows, so `rows_read = rows_loaded + rows_rejected` holds by construction: a row cannot be
both, or neither.

Checks, in the order their reasons are listed:
  shape (malformed_quotes / wrong_field_count / wrong_length / invalid_encoding: exclusive),
  oversize_field, missing_value, invalid_ssn, unparseable_date / implausible_date,
  invalid_flag, invalid_number, kind-specific code checks; then, after staging, a duplicate
  key within the file (`dedupe_sql`: a GROUP BY over the staged key, cheaper than a window).

Column references are resolved here too, so a mapping that names a column the file lacks is
reported, all at once, before anything is loaded (MissingColumnsError).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from skiptrace.masking import mask_ssn_runs_sql
from skiptrace.sources import dates, pii
from skiptrace.sources.errors import MissingColumnsError
from skiptrace.sources.readers import ParsedFile

MAX_RAW_LINE = 2000  # quarantine keeps this much of a raw line (a runaway line can be MBs)

#: Flag spellings for sources without their own lists (vendor `prepaid`, ...).
DEFAULT_TRUE = ("Y", "YES", "T", "TRUE", "1")
DEFAULT_FALSE = ("N", "NO", "F", "FALSE", "0", "")


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
    index: dict[str, int] = field(init=False)
    refs: dict[int, str] = field(default_factory=dict)
    levels: list[list[tuple[str, str]]] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    mask_values: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    dup_key: tuple[str, str] | None = None
    needs_hmac: bool = False
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

    def check(self, condition: str, reason: str) -> None:
        """Reject the row with `reason` (SQL literal text) when `condition` is true."""
        self.checks.append(f"CASE WHEN {condition} THEN {lit(reason)} END")

    def out(self, name: str, expr: str | None) -> None:
        self.outputs[name] = expr if expr is not None else "NULL"

    # --- typed fields -----------------------------------------------------------------------

    def text(self, name: str, alias: str | None) -> None:
        self.out(name, alias)

    def require(self, alias: str | None, label: str) -> None:
        if alias is not None:
            self.check(f"{alias} IS NULL", f"missing_value: {label}")

    def date(
        self, name: str, alias: str | None, *, ambiguous: str | None = None, dob: bool = False
    ) -> str | None:
        """Parse a date column; unparseable values reject the row. Returns the parsed alias."""
        if alias is None:
            self.out(name, None)
            if ambiguous:
                self.out(ambiguous, None)
            return None
        parsed = self.derive(dates.date_sql(alias, self.date_formats))
        self.out(name, parsed)
        self.check(f"{alias} IS NOT NULL AND {parsed} IS NULL", f"unparseable_date: {name}")
        if dob:
            self.check(
                f"{parsed} > current_date OR {parsed} < DATE '1880-01-01'",
                f"implausible_date: {name}",
            )
        if ambiguous:
            self.out(ambiguous, dates.ambiguous_sql(alias, parsed))
        return parsed

    def flag(
        self,
        name: str,
        alias: str | None,
        true_values: Sequence[str] = DEFAULT_TRUE,
        false_values: Sequence[str] = DEFAULT_FALSE,
    ) -> None:
        """Y/N, true/false, 1/0 (case-insensitive) to BOOLEAN; other text rejects the row.

        An empty value is False when '' is among the false spellings (a missing consent is no
        consent), else NULL.
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
        self.out(name, parsed)
        self.check(f"{alias} IS NOT NULL AND {parsed} IS NULL", f"invalid_flag: {name}")

    def number(self, name: str, alias: str | None) -> None:
        """Money-like text ('$1,234.50', '(12.00)') to DOUBLE; other text rejects the row."""
        if alias is None:
            self.out(name, None)
            return
        cleaned = (
            f"replace(replace(regexp_replace({alias}, '^\\((.*)\\)$', '-\\1'), '$', ''), ',', '')"
        )
        parsed = self.derive(f"try_cast({cleaned} AS DOUBLE)")
        self.out(name, parsed)
        self.check(f"{alias} IS NOT NULL AND {parsed} IS NULL", f"invalid_number: {name}")

    def ssn(self, alias: str | None) -> None:
        """Validate and pseudonymise: only ssn_hash / ssn_last4 leave the statement."""
        if alias is None:
            self.out("ssn_hash", None)
            self.out("ssn_last4", None)
            return
        self.needs_hmac = True
        digits = self.derive(pii.ssn_digits_sql(alias))
        valid = self.derive(pii.ssn_valid_sql(digits), level=1)
        self.out("ssn_hash", f"CASE WHEN {valid} THEN {pii.ssn_hash_sql(digits)} END")
        self.out("ssn_last4", f"CASE WHEN {valid} THEN right({digits}, 4) END")
        self.check(f"{alias} IS NOT NULL AND NOT coalesce({valid}, false)", "invalid_ssn")
        self.mask_values.append(alias)

    def code(self, name: str, alias: str | None, normalized: str, allowed: Sequence[str]) -> None:
        """A coded value (`normalized`: SQL with `{v}` for the value) that must be in `allowed`."""
        if alias is None:
            self.out(name, None)
            return
        norm = self.derive(normalized.replace("{v}", alias))
        self.out(name, norm)
        self.check(
            f"{alias} IS NOT NULL AND coalesce({norm} NOT IN {_in_list(allowed)}, true)",
            f"invalid_code: {name}",
        )

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
        ctes.append(
            f"o AS (SELECT line_no, raw, shape_err{outs}, concat_ws('; ', {checks}) AS _chk"
            f"{masks} FROM {prev})"
        )
        ctes.append(
            "r AS (SELECT *, CASE WHEN shape_err IS NOT NULL THEN shape_err "
            "ELSE nullif(_chk, '') END AS reason FROM o)"
        )
        masked = mask_ssn_runs_sql("raw")
        for i in range(len(self.mask_values)):
            masked = pii.mask_value_sql(masked, f"_m{i}")
        final_cols = "".join(f", {expr} AS {_q(name)}" for name, expr in final.items())
        out_names = "".join(f", {_q(name)}" for name in self.outputs)
        return (
            "WITH "
            + ",\n".join(ctes)
            + f"\nSELECT line_no{out_names}{final_cols}, shape_err, reason, "
            f"CASE WHEN reason IS NOT NULL THEN left({masked}, {MAX_RAW_LINE}) END AS raw_line "
            "FROM r"
        )

    def dedupe_sql(self, stage_table: str) -> list[str]:
        """Statements flagging later repeats of the unique key in the staged rows.

        Run after staging: a GROUP BY over the staged key is much cheaper than a window over
        the wide staging query, and only the (rare) repeated rows are updated. Their raw line
        is re-read from the in-memory line table; a row that reaches this point has no invalid
        SSN (that would already be its reason), so masking SSN-shaped runs suffices.
        """
        if not self.dup_key:
            return []
        key, label = self.dup_key
        k = _q(key)
        dups = f"{stage_table}_dups"
        masked = f"left({mask_ssn_runs_sql('x.raw')}, {MAX_RAW_LINE})"
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
