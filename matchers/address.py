"""USPS Publication 28 address standardization, cached in DuckDB (`std_address_cache`).

Pipeline for a batch of raw tuples (line1, line2, city, state, zip):
1. only *distinct* tuples not already cached are read (sql/standardize/address_new.sql);
2. the vectorized fast path (address_fast) parses the common simple shapes with polars regexes;
3. the rest goes to usaddress (address_usaddress), in worker processes when there are many;
4. one vectorized finishing step (address_finish) resolves city/state/ZIP against the
   `zipcodes` table, builds `std_line1` and the quality code;
5. results replace the stale rows of the cache and are appended to it, stamped with
   ``address_std_version()`` (sql/standardize/address_insert.sql). Step 1 reads a cached row
   only when its version is the running one, so an upgrade re-standardizes every tuple in use.

Pub 28 choices:
- Suffixes, directionals, unit designators: the C1/C2 abbreviations (STREET->ST, NORTHWEST->NW,
  APARTMENT->APT, SUITE->STE, FLOOR->FL); uppercase, no punctuation.
- '#': Pub 28 says use '#' only when the real designator is unknown. So "APT #4" -> "APT 4"
  (the designator wins, '#' is dropped) but "#4" -> unit_type '#', unit_number '4', written
  "# 4" with the space Pub 28 requires. We do not guess APT for '#': it may be a suite or a
  unit. A bare trailing identifier ("1020 W BRYN MAWR 211") is written "# 211" for the same
  reason. A lone '#' with nothing after it is dropped.
- The unit stays on line 1 ("123 N MAIN ST APT 4"), even when it came in line 2.
- PO boxes become "PO BOX n" (P.O. BOX, POST OFFICE BOX, POB, BOX); rural and highway-contract
  routes "RR n BOX m" / "HC n BOX m" (RURAL ROUTE, RT, RFD -> RR).
- ZIP or ZIP+4 split into zip5/zip4; see address_finish for the state/ZIP/city rules.
- Street-name words (address_finish): SAINT / MOUNT / FORT before another word are written
  ST / MT / FT, as USPS's file does; ordinal words are numerals in `street_name` only
  ("123 FIRST ST" keeps its line, its street_name is 1ST): street_name is the form keys and
  comparisons read, std_line1 the line to mail. A directional that is the only word before the
  street type is the name ("123 SOUTH BLVD", address_usaddress).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from skiptrace import masking, sql
from skiptrace.masking import SSN_IN_TEXT_RE
from skiptrace.matchers.address_fast import fast_parse
from skiptrace.matchers.address_finish import finish
from skiptrace.matchers.address_usaddress import PART_FIELDS, LineParts, parse_many
from skiptrace.matchers.standardize import drop_stale_rows, replace_in_cache
from skiptrace.matchers.versioning import content_version

RAW_COLUMNS: tuple[str, ...] = ("addr_raw", "line1", "line2", "city", "state", "zip")
CACHE_COLUMNS: tuple[str, ...] = (
    "addr_raw", "street_number", "predir", "street_name", "suffix", "postdir", "unit_type",
    "unit_number", "po_box", "rural_route", "city", "state", "zip5", "zip4", "std_line1",
    "std_line2", "quality", "parser",
)  # fmt: skip
QUALITY_CODES: tuple[str, ...] = (
    "ok", "no_number", "no_street", "bad_state", "bad_zip", "zip_state_mismatch", "unparsed",
    "empty",
)  # fmt: skip

_HERE = Path(__file__).resolve().parent
#: What determines a std_address_cache row: the pipeline's modules (the Pub 28 tables live in
#: pub28.py), the SQL that picks the raw fields and writes the row, and the packages carrying
#: the usaddress CRF model and the ZIP table. Not the addr_raw() macro: it names the key, and a
#: new key is simply a new (missing) row.
ADDRESS_STD_SOURCES: tuple[Path, ...] = (
    *(_HERE / f"{m}.py" for m in ("address", "address_fast", "address_finish",
                                  "address_usaddress", "pub28", "zip_reference")),
    sql.SQL_DIR / "standardize" / "address_new.sql",
    sql.SQL_DIR / "standardize" / "cache_append.sql",
    # the SSN shape the written parts are kept from; the module's own path, which holds in the
    # checkout and in an installed package alike (this folder's parent is not the checkout's
    # root once installed)
    Path(masking.__file__).resolve(),
)  # fmt: skip
ADDRESS_STD_PACKAGES: tuple[str, ...] = ("usaddress", "zipcodes")

#: Below this many fallback strings, worker start-up (~0.3 s each) costs more than it saves.
PARALLEL_MIN_ROWS = 4_000
_ROOT = str(Path(__file__).resolve().parents[1])  # so workers import this very checkout
log = logging.getLogger(__name__)
_PART_SCHEMA: dict[str, type[pl.DataType]] = dict.fromkeys(PART_FIELDS, pl.String)


@dataclass(frozen=True, slots=True)
class AddressParts:
    """One standardized address: the std_address_cache row (see sql/migrations/002)."""

    addr_raw: str
    street_number: str | None
    predir: str | None
    street_name: str | None
    suffix: str | None
    postdir: str | None
    unit_type: str | None
    unit_number: str | None
    po_box: str | None
    rural_route: str | None
    city: str | None
    state: str | None
    zip5: str | None
    zip4: str | None
    std_line1: str | None
    std_line2: str | None
    quality: str
    parser: str


def _addr_raw() -> pl.Expr:
    """Python-side twin of the SQL macro addr_raw() (004): the same key for the same tuple."""
    cols = [pl.col(c).fill_null("") for c in ("line1", "line2", "city", "state", "zip")]
    return pl.concat_str(cols, separator="|")


def _raw_frame(df: pl.DataFrame) -> pl.DataFrame:
    """The six raw columns as strings; addr_raw is computed when the caller did not give it."""
    missing = {"line1", "line2", "city", "state", "zip"} - set(df.columns)
    df = df.with_columns(pl.lit(None, pl.String).alias(c) for c in sorted(missing))
    df = df.with_columns(
        pl.col(c).cast(pl.String) for c in ("line1", "line2", "city", "state", "zip")
    )
    if "addr_raw" not in df.columns:
        df = df.with_columns(_addr_raw().alias("addr_raw"))
    return df.select(RAW_COLUMNS)


def _run_worker(pairs: list[tuple[str | None, str | None]]) -> list[LineParts]:
    """Parse one chunk in a fresh `python -m matchers.address_usaddress` process (JSON in/out).

    A crashed worker is an infrastructure problem, not bad data: its chunk is parsed here
    instead, so a batch still completes.
    """
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")])),
    }
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "skiptrace.matchers.address_usaddress"],
            input=json.dumps(pairs).encode(),
            capture_output=True,
            check=True,
            env=env,
        )
        return [LineParts(*row) for row in json.loads(proc.stdout)]
    except (OSError, subprocess.CalledProcessError, ValueError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        log.warning(
            "address worker failed (%s %s); parsing its %d strings in-process",
            exc,
            detail[-500:].decode(errors="replace"),
            len(pairs),
        )
        return parse_many(pairs)


def parse_fallback(
    pairs: list[tuple[str | None, str | None]], *, workers: int | None = None
) -> list[LineParts]:
    """usaddress over (line1, line2) pairs; across processes when there are enough of them.

    Workers are plain subprocesses (`python -m matchers.address_usaddress`), one chunk each,
    driven from threads. Not multiprocessing: fork is unsafe in a process holding polars' and
    DuckDB's thread pools, and spawn/forkserver re-import the caller's __main__ in every worker,
    which breaks any script without an `if __name__ == "__main__"` guard.
    """
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(pairs) < PARALLEL_MIN_ROWS:
        return parse_many(pairs)
    size = -(-len(pairs) // workers)
    chunks = [pairs[i : i + size] for i in range(0, len(pairs), size)]
    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        return [part for chunk in pool.map(_run_worker, chunks) for part in chunk]


def parse_parts(
    raw: pl.DataFrame, *, workers: int | None = None, fast_path: bool = True
) -> pl.DataFrame:
    """Street-line parts for each row of `raw` (row-aligned), with a `parser` column.

    Rows the fast path rejects go to usaddress once per distinct (line1, line2): distinct raw
    tuples often share a street line and differ only in city or ZIP formatting.
    `fast_path=False` sends every row to usaddress (the agreement test uses it).
    """
    if fast_path:
        fast = fast_parse(raw)
    else:
        fast = pl.DataFrame(
            {name: [None] * raw.height for name in PART_FIELDS} | {"fast": [False] * raw.height},
            schema=_PART_SCHEMA | {"fast": pl.Boolean},
        )
    accepted = fast["fast"]
    rejected = raw.with_row_index("_i").filter(~accepted).select("_i", "line1", "line2")
    parser = pl.when(accepted).then(pl.lit("fast")).otherwise(pl.lit("usaddress"))
    if rejected.height == 0:
        return fast.select(*PART_FIELDS, parser=parser)
    lines = rejected.select("line1", "line2").unique(maintain_order=True)
    parsed = pl.DataFrame(
        parse_fallback(list(lines.iter_rows()), workers=workers), schema=_PART_SCHEMA, orient="row"
    )
    slow = rejected.join(
        pl.concat([lines, parsed], how="horizontal"),
        on=["line1", "line2"],
        how="left",
        nulls_equal=True,
    )
    # The rejected rows' parts are written into the fast frame's columns at their row numbers:
    # one copy of each column plus the ~10% rejected values, where concatenating both frames and
    # sorting by row number gathered every value of every column again (6 s of 4.6M rows at 1M).
    rows = slow["_i"]
    return fast.select(
        *(fast[name].clone().scatter(rows, slow[name]) for name in PART_FIELDS),
        parser=parser,
    )


#: The written parts of a standardized address that could carry an SSN-shaped run.
_SSN_GUARDED: tuple[str, ...] = (
    "street_number", "predir", "street_name", "suffix", "postdir", "unit_type", "unit_number",
    "po_box", "rural_route", "city", "std_line1", "std_line2",
)  # fmt: skip


def drop_ssn_shaped(std: pl.DataFrame) -> pl.DataFrame:
    """The second line of defence behind ingest's check: an address whose standardized parts
    hold an SSN-shaped run (standardization collapses separators ingest did not know into single
    spaces: 'ddd dd dddd') keeps none of them, quality `unparsed`; ZIP and state, validated
    shapes, stay. One regex per row, over the parts joined by '|' (not a gap of the pattern, so
    no match spans two parts); rows are rewritten only when one matched."""
    if std.height == 0:
        return std
    joined = pl.concat_str([pl.col(c).fill_null("") for c in _SSN_GUARDED], separator="|")
    hit = std.select(joined.str.contains(SSN_IN_TEXT_RE).alias("hit"))["hit"]
    if not hit.any():
        return std
    log.warning("%d standardized address(es) held an SSN-shaped run: parts dropped", hit.sum())
    return std.with_columns(
        *(pl.when(hit).then(None).otherwise(pl.col(c)).alias(c) for c in _SSN_GUARDED),
        pl.when(hit).then(pl.lit("unparsed")).otherwise(pl.col("quality")).alias("quality"),
    )


def standardize_frame(
    df: pl.DataFrame, *, workers: int | None = None, fast_path: bool = True
) -> pl.DataFrame:
    """Standardize a frame of raw tuples (addr_raw, line1, line2, city, state, zip) into
    std_address_cache columns, one output row per input row, in input order. Pass distinct
    tuples where you can (standardize_addresses does, in SQL): duplicates are parsed twice."""
    raw = _raw_frame(df)
    if raw.height == 0:
        return pl.DataFrame(schema=dict.fromkeys(CACHE_COLUMNS, pl.String))
    parts = parse_parts(raw, workers=workers, fast_path=fast_path)
    return drop_ssn_shaped(finish(raw, parts).select(CACHE_COLUMNS))


def standardize_address(
    line1: str | None,
    line2: str | None = None,
    city: str | None = None,
    state: str | None = None,
    zip: str | None = None,
    *,
    fast_path: bool = True,
) -> AddressParts:
    """One address, for tests and `explain`: the same code path as a batch of one."""
    df = pl.DataFrame(
        {"line1": [line1], "line2": [line2], "city": [city], "state": [state], "zip": [zip]},
        schema=dict.fromkeys(("line1", "line2", "city", "state", "zip"), pl.String),
    )
    row = standardize_frame(df, workers=1, fast_path=fast_path).row(0, named=True)
    return AddressParts(**row)


@cache
def address_std_version() -> str:
    """Version of the address standardizer, stamped on every std_address_cache row: changes
    whenever a file of ``ADDRESS_STD_SOURCES`` or a package of ``ADDRESS_STD_PACKAGES`` does.
    Computed once per process: the files are hashed once, not per run or per row."""
    return content_version("address", ADDRESS_STD_SOURCES, ADDRESS_STD_PACKAGES)


def standardize_addresses(con: duckdb.DuckDBPyConnection, *, workers: int | None = None) -> int:
    """Standardize every raw address tuple of the current accounts, source records and address
    contacts that the cache lacks *for this standardizer version*; replace the stale rows of
    std_address_cache with them. Returns how many tuples were (re)standardized (0 on a warm
    cache: the cost then is one anti-join and one stale-row DELETE that finds nothing)."""
    version = address_std_version()
    new = sql.query(con, "standardize/address_new.sql", version=version)
    if new.height == 0:
        drop_stale_rows(con, "std_address_cache", version)
        return 0
    std = standardize_frame(new, workers=workers)
    con.register("std_address_new", std)
    try:
        replace_in_cache(con, "std_address_cache", version, "std_address_new")
    finally:
        con.unregister("std_address_new")
    return new.height
