"""Collectors' outcomes (dispositions) as evidence: a history, normalized to contact keys.

A wrong number or returned mail reported yesterday must not be emitted again tonight, and a
right-party contact is the best confirmation a contact can get. Outcomes arrive from the
collections system's PostgreSQL (`contact_outcomes`, pulled by flows/exports/outcomes_pull.py)
or as files (sources.yml kind `outcomes`); both end in DuckDB's `contact_outcomes` through
`store_outcomes`. A file's rows are added to what the source delivered before (a row delivered
again is not stored twice), so a night without the file forgets nothing; the pull mirrors the
platform's table. Rows that cannot be stored are counted and reported as run warnings, and so
are account facts stored without a readable date (never dropped: a lost cease-and-desist is a
consumer called again). How
they act on a run: matchers/outcomes.py (docs/push.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from skiptrace import sql
from skiptrace.sources import dates
from skiptrace.sources.errors import IngestError
from skiptrace.sources.registry import DEFAULT_TIME_ZONE, Source
from skiptrace.sources.run_warnings import record_run_warnings

#: Columns an outcome row carries (origin_id: its id where it came from, shown by explain;
#: origin_seq: its order there, a number: the line's place in the delivery, or outcome_id).
COLUMNS: tuple[str, ...] = (
    "origin_id", "origin_seq", "account_id", "contact_type", "contact", "outcome",
    "outcome_date", "agent",
)  # fmt: skip
#: Row ids named in a warning about rows not stored, per reason (the count is always whole).
SHOWN_IDS = 5
#: Unknown outcome names a warning shows. A column mapped wrong (the phone, address or name
#: column read as the outcome) must not put personal data into run_summary.json, the report
#: and run_warnings, so a value is named only when it looks like a disposition code: one token
#: (letters, digits, `_`, `-`; no space, at most two digits in a row) that several rows share,
#: and only when there are at most SHOWN_CODES distinct unknown values (a code list is short;
#: a mapped contact column has a value per row). Otherwise the warning gives the count.
_CODE_SHAPE = re.compile(r"[a-z][a-z0-9_-]{0,23}")
_LONG_DIGITS = re.compile(r"[0-9]{3}")
SHOWN_CODES = 10


class OutcomeError(IngestError):
    """Outcomes a user must fix (unknown outcome names, a missing column): one line."""


@cache
def outcome_lists() -> dict[str, tuple[str, ...]]:
    """Every list of the outcome vocabulary, by its macro's name (`known_outcomes`: what a
    collections system reports, `verdict_outcomes`, `bad_verdicts`, `account_fact_outcomes` ...).

    The vocabulary is declared once, in sql/outcomes/vocabulary.sql, which the runs' SQL reads
    as macros; Python readers (the names ingest accepts, explain's account facts) and the push's
    check in PostgreSQL (given the lists as parameters) read it through here, so no reader keeps
    a copy of its own that a new outcome could miss. Evaluated once per process, on a database
    of its own: the lists do not depend on any data.
    """
    con = duckdb.connect()
    try:
        sql.run(con, "outcomes/vocabulary.sql")
        (row,) = sql.rows(con, "outcomes/lists.sql")
    finally:
        con.close()
    return {name: tuple(values) for name, values in row.items()}


def store_outcomes(
    con: duckdb.DuckDBPyConnection,
    rows: pl.DataFrame,
    origin: str,
    *,
    replace: bool = False,
    date_formats: Sequence[str] = (),
    time_zone: str = DEFAULT_TIME_ZONE,
    run_id: str | None = None,
    skipped_ids: list[str] | None = None,
) -> int:
    """Add `rows` (columns COLUMNS) to `origin`'s outcomes; returns the rows newly stored.
    `skipped_ids`, when given, gets the origin_id of every row not stored for a reason.

    A row already stored for `origin` (same account, contact, outcome, date, time and agent) is
    not stored again. With `replace` (the PostgreSQL pull, which reads the platform's whole
    table) every `origin_seq` (outcome_id) is its own row and the origin's rows not in `rows`
    are deleted. Dates are read with `date_formats` first, then the built-in formats, with a time
    of day when the value gives one (`07/15/2026 14:05`, `2026-07-16T02:30:00Z`), a UTC offset
    converted to `time_zone` (sources/dates.py moment_sql; the source's `time_zone`). Rows
    without an account or an outcome, with an outcome outside `known_outcomes`, or whose contact or
    date cannot be read for an outcome about the contact, are not stored and are reported:
    logged, and recorded as warnings of `run_id` (the run then exits 7), the unknown outcome
    names included. An unknown name fails only its rows: failing the file for one new
    disposition code of the dialer would leave the night's wrong numbers and
    cease-and-desists in it unread, and those numbers called again. An account fact
    (cease-and-desist, attorney, dispute, death) or a consumer's opt-out of one contact
    (`opted_out`, with a readable contact) without a readable date is stored undated and
    reported the same way when first stored: it applies from the storing run's as-of date
    (sql/suppress/outcomes_account.sql); left unstored, the consumer was contacted again.
    """
    frame = rows.select(
        [pl.col(c).cast(pl.Int64 if c == "origin_seq" else pl.String)
         if c in rows.columns else pl.lit(None, pl.String).alias(c)
         for c in COLUMNS]
    )  # fmt: skip
    known = outcome_lists()["known_outcomes"]
    names = frame["outcome"].drop_nulls().str.strip_chars().str.to_lowercase()
    counts = names.filter(~names.is_in([*known, ""])).value_counts(name="n")
    unknown = dict(zip(counts["outcome"].to_list(), counts["n"].to_list(), strict=True))
    parts, moment = dates.moment_sql("date_raw", date_formats, time_zone, "moment_parts")
    query = sql.render("outcomes/store.sql", moment_parts=parts, moment=moment)
    sql.run(con, "outcomes/vocabulary.sql")  # known_outcomes(), account_fact_outcomes() ...
    con.complete()  # a caller's statement left unread would refuse the registration
    con.register("outcomes_in", frame.to_arrow())
    try:
        with sql.transaction(con):
            sql.run(con, query, origin=origin, replace=replace, run_id=run_id)
        stored = int(sql.scalar(con, "SELECT count(*) FROM outcomes_new"))
        skipped = sql.rows(con, "outcomes/skipped.sql")
        undated = sql.rows(con, "outcomes/undated.sql")
        if skipped_ids is not None:
            skipped_ids.extend(str(i) for s in skipped for i in s["ids"])
    finally:
        con.unregister("outcomes_in")
        con.execute("DROP TABLE IF EXISTS outcomes_typed")
        con.execute("DROP TABLE IF EXISTS outcomes_new")
    messages = [_undated_message(origin, undated)] if undated else []
    if skipped:
        messages.append(_skipped_message(origin, frame.height, skipped, unknown, known))
    record_run_warnings(con, run_id, "ingest", messages)
    return stored


def _undated_message(origin: str, undated: list[dict]) -> str:
    """One line: the account facts of `origin` stored without a date, and which (row ids)."""
    parts = [f"{u['n']:,} {u['undated']} ({_ids(u['ids'], u['n'])})" for u in undated]
    count = sum(u["n"] for u in undated)
    return (
        f"outcomes from {origin}: {count:,} cease-and-desist, attorney, dispute, death or"
        f" opt-out report(s) stored without a date and applied from this run's as-of date on:"
        f" {'; '.join(parts)} (fix the date where it is recorded; a corrected row delivered"
        " again is stored beside it)"
    )


def _skipped_message(
    origin: str,
    total: int,
    skipped: list[dict],
    unknown: dict[str, int],
    known: Sequence[str],
) -> str:
    """One line: how many rows of `origin` were not stored, why, and which (row ids, never a
    value), with the unknown outcome names that look like disposition codes (_CODE_SHAPE) and
    the `known` ones."""
    parts = [f"{s['n']:,} {s['skipped']} ({_ids(s['ids'], s['n'])})" for s in skipped]
    count = sum(s["n"] for s in skipped)
    shown = sorted(
        u
        for u, n in unknown.items()
        if n >= 2 and _CODE_SHAPE.fullmatch(u) and not _LONG_DIGITS.search(u)
    )
    if len(unknown) > SHOWN_CODES:
        shown = []
    hidden = len(unknown) - len(shown)
    names = ""
    if unknown:
        listed = f"{shown}" + (f" and {hidden:,} other value(s), not shown" if hidden else "")
        if not shown:
            listed = f"{hidden:,} value(s), not shown (is the outcome column mapped?)"
        names = f"; unknown outcome name(s) {listed}, known: {list(known)} (map the dialer's codes)"
    return (
        f"outcomes from {origin}: {count:,} of {total:,} row(s) not stored: {'; '.join(parts)}"
        f"{names} (fix them where they are recorded; a corrected row delivered again is stored)"
    )


def _ids(ids: list[str], n: int) -> str:
    shown = ", ".join(str(i) for i in ids[:SHOWN_IDS])
    return shown + (f" and {n - SHOWN_IDS} more" if n > SHOWN_IDS else "")


def report_unmatched(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """After resolve: warn about the outcomes this run stored that act on nothing, an account
    the account files do not hold or a verdict on a contact the account does not have (a
    mistyped account number or phone at the collections system). Returns how many. Messages
    name origins and rows (file:line, outcome_id), never a contact."""
    sql.run(con, "outcomes/vocabulary.sql")  # verdict_outcomes()
    found = sql.rows(con, "outcomes/unmatched.sql", run_id=run_id)
    messages = []
    for f in found:
        parts = []
        if f["unknown_account"]:
            parts.append(
                f"{f['unknown_account']:,} for an account not in the account files"
                f" ({_ids(f['account_ids'], f['unknown_account'])})"
            )
        if f["unknown_contact"]:
            parts.append(
                f"{f['unknown_contact']:,} on a contact the account does not have"
                f" ({_ids(f['contact_ids'], f['unknown_contact'])})"
            )
        messages.append(
            f"outcomes from {f['origin']}: {'; '.join(parts)}: they change nothing; check the"
            " account number and contact recorded at the collections system (a contact must be"
            " the one skiptrace sent, an address its contact_key)"
        )
    record_run_warnings(con, run_id, "resolve", messages)
    return sum(f["unknown_account"] + f["unknown_contact"] for f in found)


def _mapped(source: Source) -> dict[str, str]:
    """Canonical field -> the file's column, for every field a file can carry."""
    return {
        field: source.columns.get(field, field)
        for field in COLUMNS
        if field not in ("origin_id", "origin_seq")
    }


def _check_columns(source: Source, path: Path, columns: Sequence[str]) -> None:
    """Refuse a file without a column a required field is mapped to: one line."""
    mapped = _mapped(source)
    missing = [f for f in source.required_fields() if mapped[f] not in columns]
    if missing:
        raise OutcomeError(f"{path}: outcomes source {source.name} has no column for {missing}")


def check_outcome_columns(source: Source) -> None:
    """The preflight's header check of an outcomes source's files (the load checks it again):
    a renamed column is found before the run starts, not after Prefect's start-up."""
    for path in source.files():
        if source.format == "parquet":
            columns: Sequence[str] = list(pl.read_parquet_schema(path))
        elif source.format in ("csv", "tsv", "psv"):
            columns = pl.read_csv(
                path, separator=source.default_delimiter() or ",", infer_schema=False,
                encoding="utf8-lossy", quote_char=source.quote, n_rows=0,
            ).columns  # fmt: skip
        else:
            continue  # the load refuses the format, in one line
        _check_columns(source, path, columns)


def load_outcome_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    run_id: str | None = None,
    *,
    files: list[dict[str, Any]] | None = None,
) -> int:
    """Read every file of an `outcomes` source (sources.yml) and add them to its outcomes.

    Returns the rows newly stored. What the source delivered before stays: a night without
    the file, or a file of the day's dispositions only, forgets nothing, and a row delivered
    again (a cumulative file) is not stored twice. Delimited files are read as text with a
    header; `columns` maps the canonical fields (account_id, contact, contact_type, outcome,
    outcome_date, agent) to file columns; dates are read with the source's `date_formats`
    first. A file without a mapped required column is refused, naming file and column. Rows
    are numbered in load order (files as `Source.files` sorts them, then line): the order
    that breaks ties between outcomes of one date.

    `files`, when given, gets one entry per file read (`outcome_file_entries`): what a run lists
    in run_summary.json's files and what tells a night's new delivery from a re-sent one.
    """
    frames = []
    read: list[tuple[Path, int]] = []
    for path in source.files():
        if source.format == "parquet":
            raw = pl.read_parquet(path)
        elif source.format in ("csv", "tsv", "psv"):
            raw = pl.read_csv(
                path, separator=source.default_delimiter() or ",", infer_schema=False,
                encoding="utf8-lossy", quote_char=source.quote,
            )  # fmt: skip
        else:
            raise OutcomeError(
                f"outcomes source {source.name}: format {source.format} not supported"
            )
        mapped = _mapped(source)
        _check_columns(source, path, raw.columns)
        read.append((path, raw.height))
        frames.append(
            raw.with_row_index("line_no", offset=2).select(
                (pl.lit(path.name + ":") + pl.col("line_no").cast(pl.String)).alias("origin_id"),
                *[
                    (pl.col(col) if col in raw.columns else pl.lit(None)).cast(pl.String).alias(f)
                    for f, col in mapped.items()
                ],
            )
        )
    rows = (
        pl.concat(frames).with_row_index("origin_seq", offset=1)
        if frames
        else pl.DataFrame(schema=dict.fromkeys(COLUMNS, pl.String))
    )
    skipped: list[str] = []
    stored = store_outcomes(
        con, rows, source.name, date_formats=source.date_formats, time_zone=source.time_zone,
        run_id=run_id, skipped_ids=skipped,
    )  # fmt: skip
    if files is not None:
        files.extend(outcome_file_entries(con, source.name, read, skipped, run_id))
    return stored


def outcome_file_entries(
    con: duckdb.DuckDBPyConnection,
    origin: str,
    read: list[tuple[Path, int]],
    skipped: list[str],
    run_id: str | None,
) -> list[dict[str, Any]]:
    """One entry per outcomes file read (path and data rows), in the shape of an ingested
    file's (stages._file_entry): `rows_loaded` the rows this run stored from it, `rows_rejected`
    those not stored for a reason (`skipped`: their origin ids), and `status` 'loaded' when some
    row of it was stored by no completed run (this run, or a run killed before it completed),
    else 'skipped_duplicate': every row it holds was stored, and used, before (a file re-sent).
    Rows are the file's by their origin_id, `<file name>:<line>` (sql/outcomes/file_rows.sql)."""
    import hashlib

    names = [p.name for p, _ in read]
    counts = {
        r["file_name"]: r
        for r in sql.rows(
            con, "outcomes/file_rows.sql", origin=origin, file_names=names, run_id=run_id
        )
    }
    entries = []
    for path, rows_read in read:
        found = counts.get(path.name, {})
        rejected = sum(1 for i in skipped if i.rsplit(":", 1)[0] == path.name)
        new = int(found.get("unused") or 0) > 0
        entries.append(
            {
                "path": str(path.resolve()),
                "source": origin,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "status": "loaded" if new else "skipped_duplicate",
                "rows_read": rows_read,
                "rows_loaded": int(found.get("stored") or 0),
                "rows_rejected": rejected,
                "message": "outcomes"
                if new
                else "outcomes: every row stored by an earlier completed run; nothing new",
                "kind": "outcomes",
            }
        )
    return entries
