"""Collectors' outcomes (dispositions) as evidence: stored once, normalized to contact keys.

A wrong number or returned mail reported yesterday must not be emitted again tonight, and a
right-party contact is the best confirmation a contact can get. Outcomes arrive from the
collections system's PostgreSQL (`contact_outcomes`, pulled by flows/exports/outcomes_pull.py)
or as files (sources.yml kind `outcomes`); both end in DuckDB's `contact_outcomes` through
`store_outcomes`, which replaces what the same origin delivered before. How they act on a run:
matchers/outcomes.py (docs/push.md).
"""

from __future__ import annotations

import duckdb
import polars as pl

from skiptrace import sql
from skiptrace.sources.errors import IngestError
from skiptrace.sources.registry import Source

#: The outcomes a collections system reports (the CHECK of PostgreSQL's contact_outcomes).
OUTCOMES: tuple[str, ...] = (
    "right_party", "wrong_number", "disconnected", "no_answer", "returned_mail", "moved",
    "deceased_confirmed", "cease_and_desist", "dispute", "attorney",
)  # fmt: skip
#: Columns an outcome row carries (origin_id: its id where it came from, for re-pulls).
COLUMNS: tuple[str, ...] = (
    "origin_id", "account_id", "contact_type", "contact", "outcome", "outcome_date", "agent",
)  # fmt: skip


class OutcomeError(IngestError):
    """Outcomes a user must fix (unknown outcome names, a missing column): one line."""


def store_outcomes(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, origin: str) -> int:
    """Replace `origin`'s outcomes with `rows` (columns COLUMNS); returns the rows stored.

    Rows without an account or a date are dropped; an outcome outside OUTCOMES is refused, so
    a misspelt disposition cannot silently mean nothing.
    """
    frame = rows.select(
        [pl.col(c).cast(pl.String) if c in rows.columns else pl.lit(None, pl.String).alias(c)
         for c in COLUMNS]
    )  # fmt: skip
    unknown = sorted(
        set(frame["outcome"].drop_nulls().str.strip_chars().str.to_lowercase()) - set(OUTCOMES)
    )
    if unknown:
        raise OutcomeError(f"unknown outcome(s) {unknown} from {origin}; known: {list(OUTCOMES)}")
    con.register("outcomes_in", frame.to_arrow())
    try:
        with sql.transaction(con):
            sql.run(con, "outcomes/store.sql", origin=origin)
    finally:
        con.unregister("outcomes_in")
    found = con.execute(
        "SELECT count(*) FROM contact_outcomes WHERE origin = ?", [origin]
    ).fetchall()
    return int(found[0][0])


def load_outcome_source(con: duckdb.DuckDBPyConnection, source: Source) -> int:
    """Read every file of an `outcomes` source (sources.yml) and store them as its outcomes.

    The files present now are the source's whole truth: they replace what it delivered
    before. Delimited files are read as text with a header; `columns` maps the canonical
    fields (account_id, contact, contact_type, outcome, outcome_date, agent) to file columns.
    A file without a mapped required column is refused, naming file and column.
    """
    frames = []
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
        mapped = {
            field: source.columns.get(field, field) for field in COLUMNS if field != "origin_id"
        }
        missing = [f for f in source.required_fields() if mapped[f] not in raw.columns]
        if missing:
            raise OutcomeError(f"{path}: outcomes source {source.name} has no column for {missing}")
        frames.append(
            raw.with_row_index("line_no", offset=2).select(
                (pl.lit(path.name + ":") + pl.col("line_no").cast(pl.String)).alias("origin_id"),
                *[
                    (pl.col(col) if col in raw.columns else pl.lit(None)).cast(pl.String).alias(f)
                    for f, col in mapped.items()
                ],
            )
        )
    rows = pl.concat(frames) if frames else pl.DataFrame(schema=dict.fromkeys(COLUMNS, pl.String))
    return store_outcomes(con, rows, source.name)
