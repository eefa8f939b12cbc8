"""The Splink 5 baseline of issue 16: link, then take the latest matching record's address.

Linking is bench/vs_splink.py's Splink model, unchanged (`run_splink_generated`: link_only,
prior from deterministic rules, u by random sampling, EM blocked on DOB and on surname + ZIP,
predict at 0.9, each record to its single best account). It reads the standardized tables
(`acct_std`, `rec_std`, phones) the `skiptrace run` left in the database, so both systems
start from the same parsed names and addresses.

What a 40-line script then does with the links:

* address: among the records linked to an account that carry an address, the one with the
  latest record date (ties: the later row); an account with none keeps its own address;
* deceased: the account is linked to a record of a `deceased` source;
* debtor links: the linked (record, account) pairs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

BENCH = Path(__file__).resolve().parents[1]

_ADDRESSES = """
CREATE TEMP TABLE linked AS
SELECT p.account_id, p.rec_id, s.source, s.record_id, s.kind, s.record_date,
       r.street_number, r.street_name, r.unit_number, r.std_line1, r.city, r.state, r.zip5
FROM read_parquet('{pairs}') p
JOIN st.source_records s USING (rec_id)
JOIN st.rec_std r USING (rec_id);

CREATE TEMP TABLE latest AS
SELECT * FROM linked
WHERE coalesce(std_line1, '') <> ''
QUALIFY row_number() OVER (
    PARTITION BY account_id ORDER BY record_date DESC NULLS LAST, rec_id DESC) = 1;

SELECT a.account_id,
       'address' AS contact_type,
       1 AS rank,
       coalesce(l.std_line1, a.std_line1) AS address_line1,
       coalesce(l.street_number, a.street_number) AS street_number,
       coalesce(l.street_name, a.street_name) AS street_name,
       coalesce(l.unit_number, a.unit_number) AS unit,
       coalesce(l.zip5, a.zip5) AS zip,
       coalesce(l.city, a.city) AS city,
       coalesce(l.state, a.state) AS state,
       CAST(NULL AS VARCHAR) AS phone,
       CAST(NULL AS VARCHAR) AS email,
       CAST(NULL AS DOUBLE) AS confidence,
       l.account_id IS NOT NULL AS from_record
FROM st.acct_std a LEFT JOIN latest l USING (account_id)
WHERE coalesce(l.std_line1, a.std_line1, '') <> '';
"""


def run_baseline(
    workdir: Path, *, threshold: float = 0.9, u_pairs: float = 1e7, seed: int = 7
) -> dict[str, Any]:
    """Link with Splink and derive addresses, deceased flags and links (workdir/skiptrace.duckdb)."""
    sys.path.insert(0, str(BENCH))
    from vs_splink import _paths, run_splink_generated

    t0 = time.perf_counter()
    linked = run_splink_generated(workdir, threshold, u_pairs, seed)
    con = duckdb.connect()
    con.execute(f"ATTACH '{_paths(workdir)['db']}' AS st (READ_ONLY)")
    pairs = str(_paths(workdir)["splink_pairs"])
    *setup, select = [q for q in _ADDRESSES.format(pairs=pairs).split(";") if q.strip()]
    for statement in setup:
        con.execute(statement)
    addresses = con.sql(select).pl()
    links = con.sql("SELECT source, record_id, account_id, kind FROM linked").pl()
    seconds = time.perf_counter() - t0
    con.close()
    dead = set(links.filter(pl.col("kind") == "deceased")["account_id"].to_list())
    return {
        "link": linked,
        "seconds": round(seconds, 2),
        "addresses": addresses,
        "links": links,
        "deceased": dead,
    }
