"""Retention: purge raw loaded rows once their retention period has run out.

Reg F 12 CFR 1006.100 asks a collector to keep records until three years after its last
collection activity on a debt, and no longer than it needs them: raw vendor and account rows are
the personal data with the longest tail of risk. So the purge removes the *raw* rows (accounts,
source_records, source_contacts, quarantine.raw_line, the standardized copies made from them,
and the resolve evidence cache, which holds their contacts)
of every input file whose last use is older than the period, and keeps the lineage summary the
rule requires: runs, input_files (checksums, counts), match_pairs, contact_points,
contact_support, account_flags, suppressions and exports. Each purged file gets a purge_log row,
so "where did that record go" has an answer too, and its `input_files` status becomes
`purged`: a re-delivery of the same file (same checksum) then loads again instead of being
skipped as already loaded.

A file's last use is the latest run that had it among its inputs (`run_inputs`), cited it in its
contacts, or loaded it (view `input_file_usage`). A file that is still current is used by every
run, so it only ages out when the whole database has been idle for the full period.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from skiptrace import sql

#: Reg F 1006.100: three years after the last collection activity.
DEFAULT_RETENTION = "3y"
RETENTION_RULE = "Reg F 12 CFR 1006.100"

log = logging.getLogger("skiptrace.retention")

_PERIOD = re.compile(r"^\s*(\d+)\s*([ymdw])\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """A calendar period ('3y', '18m', '90d', '6w'): years and months are calendar-aware, so
    three years back from 2029-02-28 is 2026-02-28, not 1,095 days."""

    amount: int
    unit: str  # y | m | d | w

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def before(self, when: dt.datetime) -> dt.datetime:
        """`when` minus this period."""
        return self._shift(when, -self.amount)

    def after(self, when: dt.datetime) -> dt.datetime:
        """`when` plus this period (e.g. the end of a file's retention)."""
        return self._shift(when, self.amount)

    def _shift(self, when: dt.datetime, n: int) -> dt.datetime:
        if self.unit == "d":
            return when + dt.timedelta(days=n)
        if self.unit == "w":
            return when + dt.timedelta(weeks=n)
        months = n * (12 if self.unit == "y" else 1)
        total = when.year * 12 + (when.month - 1) + months
        year, month = divmod(total, 12)
        day = min(when.day, calendar.monthrange(year, month + 1)[1])
        return when.replace(year=year, month=month + 1, day=day)


def parse_period(value: str | dt.timedelta | Period) -> Period:
    """'3y' / '18m' / '90d' / '6w' (or a timedelta, taken in whole days) -> Period."""
    if isinstance(value, Period):
        return value
    if isinstance(value, dt.timedelta):
        if value.days <= 0:
            raise ValueError(f"retention period must be positive, got {value}")
        return Period(value.days, "d")
    m = _PERIOD.match(str(value))
    if not m or int(m.group(1)) <= 0:
        raise ValueError(
            f"retention period {value!r}: expected a positive count and y/m/w/d, e.g. '3y'"
        )
    return Period(int(m.group(1)), m.group(2).lower())


@dataclass
class PurgedFile:
    """One input file whose raw rows were (or, in a dry run, would be) removed."""

    file_no: int
    source: str | None
    file_name: str | None
    sha256: str | None
    last_used_run: str | None
    last_used_at: dt.datetime | None
    accounts_rows: int = 0
    source_records_rows: int = 0
    source_contacts_rows: int = 0
    quarantine_lines: int = 0
    derived_rows: int = 0


@dataclass
class PurgeResult:
    """What a purge removed (or would remove), for the CLI summary and the caller's log."""

    retention: str
    cutoff: dt.datetime
    dry_run: bool
    files: list[PurgedFile] = field(default_factory=list)

    @property
    def rows_removed(self) -> int:
        return sum(
            f.accounts_rows + f.source_records_rows + f.source_contacts_rows + f.derived_rows
            for f in self.files
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows_removed": self.rows_removed}

    def summary(self) -> str:
        """One line per file plus totals: printed by the CLI, usable in a log."""
        verb = "would purge" if self.dry_run else "purged"
        head = (
            f"retention {self.retention} ({RETENTION_RULE}): cutoff {self.cutoff:%Y-%m-%d %H:%M}; "
            f"{verb} {len(self.files)} file(s), {self.rows_removed:,} raw rows"
        )
        lines = [head]
        for f in self.files:
            last = f"{f.last_used_at:%Y-%m-%d}" if f.last_used_at else "never"
            lines.append(
                f"  file {f.file_no} {f.source}/{f.file_name} sha256 {(f.sha256 or '')[:12]} "
                f"last used {last} ({f.last_used_run}): accounts {f.accounts_rows:,}, "
                f"records {f.source_records_rows:,}, contacts {f.source_contacts_rows:,}, "
                f"quarantine lines {f.quarantine_lines:,}, derived {f.derived_rows:,}"
            )
        return "\n".join(lines)


def expired_files(
    con: duckdb.DuckDBPyConnection, cutoff: dt.datetime
) -> list[tuple[int, str | None, str | None, str | None, str | None, dt.datetime | None]]:
    """Files last used before `cutoff` and not purged yet: (file_no, source, file_name, sha256,
    last_used_run, last_used_at)."""
    return [tuple(r.values()) for r in sql.rows(con, "audit/expired_files.sql", cutoff=cutoff)]


def purge(
    con: duckdb.DuckDBPyConnection,
    older_than: str | dt.timedelta | Period = DEFAULT_RETENTION,
    now: dt.datetime | None = None,
    *,
    dry_run: bool = False,
) -> PurgeResult:
    """Remove raw rows of input files whose last use is older than `older_than`.

    One transaction: either every expired file is purged and logged, or nothing is. A dry run
    counts exactly what would go and changes nothing.
    """
    period = parse_period(older_than)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    cutoff = period.before(now)
    result = PurgeResult(retention=str(period), cutoff=cutoff, dry_run=dry_run)
    expired = expired_files(con, cutoff)
    if not expired:
        return result
    file_nos = [row[0] for row in expired]
    counts = _raw_counts(con, file_nos)
    for file_no, source, file_name, sha256, last_run, last_at in expired:
        c = counts.get(file_no, {})
        result.files.append(
            PurgedFile(
                file_no=file_no, source=source, file_name=file_name, sha256=sha256,
                last_used_run=last_run, last_used_at=last_at,
                accounts_rows=c.get("accounts", 0), source_records_rows=c.get("source_records", 0),
                source_contacts_rows=c.get("source_contacts", 0),
                quarantine_lines=c.get("quarantine", 0), derived_rows=c.get("derived", 0),
            )
        )  # fmt: skip
    if dry_run:
        return result
    with sql.transaction(con):
        _delete_raw(con, file_nos)
        sql.run(
            con, "audit/purge_resolve_cache.sql"
        )  # copies of contacts: the next resolve is full
        sql.run(con, "audit/mark_purged.sql", file_nos=file_nos)
        con.executemany(
            "INSERT INTO purge_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [now, f.file_no, f.source, f.file_name, f.sha256, f.last_used_run,
                 f.last_used_at, str(period), cutoff, f.accounts_rows, f.source_records_rows,
                 f.source_contacts_rows, f.quarantine_lines, f.derived_rows]
                for f in result.files
            ],
        )  # fmt: skip
    con.execute("CHECKPOINT")  # let DuckDB reclaim the freed blocks in the file
    log.info("%s", result.summary())
    return result


# Standardized copies of raw rows, keyed by rec_id: removed with the raw record they copy.
_REC_DERIVED = ("rec_std", "rec_phones")
# Account-keyed copies: removed once no raw row of the account is left.
_ACCT_DERIVED = ("acct_std", "acct_phones")


def _raw_counts(con: duckdb.DuckDBPyConnection, file_nos: list[int]) -> dict[int, dict[str, int]]:
    """Per file: rows the purge removes from each raw table (the same predicates as the delete)."""
    ids = _id_list(file_nos)
    gone_accounts = _gone_accounts(ids)
    queries = {
        "accounts": f"SELECT file_no, count(*) FROM accounts WHERE file_no IN {ids} GROUP BY ALL",
        "source_records": f"SELECT file_no, count(*) FROM source_records WHERE file_no IN {ids} GROUP BY ALL",
        "source_contacts": f"SELECT file_no, count(*) FROM source_contacts WHERE file_no IN {ids} GROUP BY ALL",
        "quarantine": f"SELECT file_no, count(*) FROM quarantine WHERE file_no IN {ids} AND raw_line IS NOT NULL GROUP BY ALL",
        **{
            t: f"SELECT rec_id // 10000000000, count(*) FROM {t} WHERE rec_id // 10000000000 IN {ids} GROUP BY ALL"
            for t in _REC_DERIVED
        },
        **{
            t: f"SELECT a.file_no, count(*) FROM {t} JOIN ({gone_accounts}) a USING (account_id) GROUP BY ALL"
            for t in _ACCT_DERIVED
        },
    }  # fmt: skip
    counts: dict[int, dict[str, int]] = {n: {} for n in file_nos}
    for name, query in queries.items():
        key = "derived" if name in _REC_DERIVED + _ACCT_DERIVED else name
        for file_no, n in con.execute(query).fetchall():
            counts[file_no][key] = counts[file_no].get(key, 0) + int(n)
    return counts


def _delete_raw(con: duckdb.DuckDBPyConnection, file_nos: list[int]) -> None:
    ids = _id_list(file_nos)
    for table in _ACCT_DERIVED:  # before the account rows they are found by
        con.execute(
            f"DELETE FROM {table} WHERE account_id IN (SELECT account_id FROM ({_gone_accounts(ids)}))"
        )
    for table in _REC_DERIVED:
        con.execute(f"DELETE FROM {table} WHERE rec_id // 10000000000 IN {ids}")
    for table in ("accounts", "source_records", "source_contacts"):
        con.execute(f"DELETE FROM {table} WHERE file_no IN {ids}")
    con.execute(f"UPDATE quarantine SET raw_line = NULL WHERE file_no IN {ids}")
    con.execute(f"UPDATE field_issues SET value_masked = NULL WHERE file_no IN {ids}")


def _gone_accounts(ids: str) -> str:
    """Accounts with no raw row left once files `ids` go (their account-keyed derived rows go
    too), each with its newest file, against which those rows are counted."""
    return (
        "SELECT account_id, max(file_no) AS file_no FROM accounts "
        f"GROUP BY account_id HAVING bool_and(file_no IN {ids})"
    )


def _id_list(file_nos: list[int]) -> str:
    """An SQL list literal of integers (ints only: safe to inline, and DuckDB plans it better
    than a list parameter in IN)."""
    return "(" + ", ".join(str(int(n)) for n in file_nos) + ")"
