"""Ingestion throughput: generate a person_records CSV, ingest it, print rows/s and seconds.

The file looks like a credit-header extract: record id, name parts, SSN (dashed), DOB
(MM/DD/YYYY), address, phone, email, first/last seen and record date, plus a small share of
defective rows (bad dates, invalid SSNs, short rows) so the quarantine path is exercised too.
It is generated with vectorised polars expressions (hash-based pseudo-random values, no numpy)
into a temporary directory and loaded into a fresh database there.

Usage:
    .venv/bin/python bench/ingest.py                 # 5,000,000 rows (target: < 60 s)
    .venv/bin/python bench/ingest.py --rows 200000   # quick run
    .venv/bin/python bench/ingest.py --keep DIR      # keep the file and database in DIR
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skiptrace import sql
from skiptrace.sources.ingest import ingest_source
from skiptrace.sources.registry import Source

FIRST = ["JAMES", "MARY", "ROBERT", "PATRICIA", "JOHN", "JENNIFER", "MICHAEL", "LINDA", "DAVID",
         "ELIZABETH", "WILLIAM", "BARBARA", "RICHARD", "SUSAN", "JOSEPH", "JESSICA", "THOMAS",
         "SARAH", "CARLOS", "MARIA", "WEI", "AISHA", "DMITRI", "PRIYA"]  # fmt: skip
LAST = ["SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS",
        "RODRIGUEZ", "MARTINEZ", "HERNANDEZ", "LOPEZ", "GONZALEZ", "WILSON", "ANDERSON",
        "THOMAS", "TAYLOR", "MOORE", "JACKSON", "MARTIN", "LEE", "O'BRIEN", "NGUYEN", "DE LA CRUZ"]  # fmt: skip
STREETS = ["MAIN ST", "OAK AVE", "MAPLE DR", "CEDAR LN", "ELM ST", "PINE RD", "WASHINGTON BLVD",
           "LAKE VIEW DR", "HILL ST", "PARK AVE", "N 3RD ST", "SUNSET BLVD"]  # fmt: skip
CITIES = [("SPRINGFIELD", "IL", "627"), ("AUSTIN", "TX", "787"), ("COLUMBUS", "OH", "432"),
          ("DENVER", "CO", "802"), ("PORTLAND", "OR", "972"), ("ATLANTA", "GA", "303"),
          ("PHOENIX", "AZ", "850"), ("BOSTON", "MA", "021")]  # fmt: skip
SUFFIXES = ["", "", "", "", "", "", "", "", "JR", "SR", "III"]  # "" = none


def _rand(seed: int, modulo: int) -> pl.Expr:
    """Deterministic pseudo-random integers in [0, modulo) per row."""
    return (pl.col("i").hash(seed) % modulo).cast(pl.Int64)


def _pick(values: list[str], seed: int) -> pl.Expr:
    return pl.lit(pl.Series(values)).gather(_rand(seed, len(values)))


def generate(path: Path, rows: int) -> None:
    """Write the benchmark CSV (polars, vectorised)."""
    city = pl.Series([c for c, _, _ in CITIES])
    state = pl.Series([s for _, s, _ in CITIES])
    zip3 = pl.Series([z for _, _, z in CITIES])
    ci = _rand(7, len(CITIES))
    area = 1 + _rand(11, 665)  # 001..665: valid areas
    dob_y, dob_m, dob_d = 1940 + _rand(12, 65), 1 + _rand(13, 12), 1 + _rand(14, 28)
    defect = _rand(99, 1000)  # 0.1 % of each kind of defect
    df = (
        pl.DataFrame({"i": pl.int_range(rows, eager=True, dtype=pl.Int64)})
        .with_columns(
            record_id=pl.format("HDR{}", pl.col("i")),
            first_name=_pick(FIRST, 1),
            middle_name=pl.lit(pl.Series(list("ABCDEFGHJKLMNPRSTW"))).gather(_rand(2, 18)),
            last_name=_pick(LAST, 3),
            suffix=_pick(SUFFIXES, 4),
            ssn=pl.when(defect == 1)
            .then(pl.lit("000") + pl.lit("-00-0000"))
            .otherwise(
                pl.format(
                    "{}-{}-{}",
                    area.cast(pl.String).str.zfill(3),
                    (1 + _rand(15, 99)).cast(pl.String).str.zfill(2),
                    (1 + _rand(16, 9999)).cast(pl.String).str.zfill(4),
                )
            ),
            dob=pl.when(defect == 2)
            .then(pl.lit("13/45/1980"))
            .otherwise(
                pl.format(
                    "{}/{}/{}",
                    dob_m.cast(pl.String).str.zfill(2),
                    dob_d.cast(pl.String).str.zfill(2),
                    dob_y,
                )
            ),
            address_line1=pl.format("{} {}", 1 + _rand(17, 9999), _pick(STREETS, 18)),
            address_line2=pl.when(_rand(19, 5) == 0)
            .then(pl.format("APT {}", 1 + _rand(20, 300)))
            .when(_rand(19, 5) == 1)  # ~4 % have a comma: the line gets quoted
            .then(pl.format("BLDG {}, STE {}", 1 + _rand(20, 9), 1 + _rand(31, 300))),
            city=pl.lit(city).gather(ci),
            state=pl.lit(state).gather(ci),
            zip=pl.format(
                "{}{}", pl.lit(zip3).gather(ci), _rand(21, 100).cast(pl.String).str.zfill(2)
            ),
            phone=pl.format(
                "({}) 555-{}", 200 + _rand(22, 800), _rand(23, 10000).cast(pl.String).str.zfill(4)
            ),
            phone_type=_pick(["MOBILE", "LANDLINE", "VOIP", ""], 24),  # "" = unknown
            email=pl.format("{}.{}{}@example.com", _pick(FIRST, 1), _pick(LAST, 3), _rand(25, 100))
            .str.to_lowercase()
            .str.replace_all("[' ]", ""),
            first_seen=pl.format(
                "{}-{}-15", 2005 + _rand(26, 10), (1 + _rand(27, 12)).cast(pl.String).str.zfill(2)
            ),
            last_seen=pl.format(
                "{}-{}-01", 2016 + _rand(28, 9), (1 + _rand(29, 12)).cast(pl.String).str.zfill(2)
            ),
            record_date=pl.format("2025-{}-01", (1 + _rand(30, 12)).cast(pl.String).str.zfill(2)),
        )
        .drop("i")
        # Missing values are nulls (written as nothing), as collections exports write them.
        .with_columns(pl.col(pl.String).replace("", None))
    )
    df.write_csv(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--keep", type=Path, default=None, help="work in DIR and keep its files")
    args = ap.parse_args(argv)
    os.environ.setdefault("SKIPTRACE_HMAC_KEY", "bench-key-not-secret")

    with tempfile.TemporaryDirectory(prefix="skiptrace-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        csv_path = work / "person_records.csv"
        t0 = time.perf_counter()
        generate(csv_path, args.rows)
        gen_s = time.perf_counter() - t0
        size_mb = csv_path.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows, {size_mb:,.0f} MB in {gen_s:.1f} s: {csv_path}")

        db = work / "bench.duckdb"
        for p in work.glob("bench.duckdb*"):
            p.unlink()
        con = sql.connect(db)
        source = Source(
            name="bench_header",
            kind="person_records",
            path=str(csv_path),
            reliability=0.7,
            permissible_purpose="1681b(a)(3)(A) collection of an account",
            record_date="record_date",
        )
        t0 = time.perf_counter()
        (result,) = ingest_source(con, source, "bench")
        seconds = time.perf_counter() - t0
        counted = con.execute("SELECT count(*) FROM source_contacts").fetchone()
        assert counted is not None  # count(*) returns one row
        contacts = counted[0]
        con.close()
        print(
            f"ingested {result.rows_read:,} rows ({result.rows_loaded:,} loaded, "
            f"{result.rows_rejected:,} quarantined, {contacts:,} contacts) "
            f"in {seconds:.1f} s = {result.rows_read / seconds:,.0f} rows/s"
        )
        assert result.rows_read == args.rows == result.rows_loaded + result.rows_rejected
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
