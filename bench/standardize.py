"""Benchmark: address standardization end to end (DuckDB tables -> distinct new tuples ->
fast path / usaddress -> std_address_cache), cold and with a warm cache.

    .venv/bin/python bench/standardize.py            # 1,000,000 addresses
    .venv/bin/python bench/standardize.py --n 50000  # quick run

The generator makes collection-grade mess on purpose: realistic repetition (~40% distinct by
default), lowercase/uppercase, punctuation, spelled-out suffixes and directionals, units as
"#4" / "Apt. 4B" / line 2, PO boxes, rural routes, highways, everything in line 1, state after
ZIP, lost leading zeros, full state names, accents and garbage. ZIP/city/state triples are
real (from the `zipcodes` table) so the ZIP-state check mostly passes, as on real files.

The timed part is `standardize_addresses(con)`: read the raw tables, standardize the distinct
new tuples, write the cache. Generating and loading the tables is reported separately.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skiptrace import sql
from skiptrace.matchers.address import standardize_addresses
from skiptrace.matchers.address_finish import zip_table

STREETS = [
    "Main", "Oak", "Maple", "Pine", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park",
    "Walnut", "Sunset", "Jefferson", "Lincoln", "Madison", "Franklin", "Church", "Highland",
    "Meadow", "Spring", "Ridge", "River", "Forest", "Jackson", "Adams", "Chestnut", "Willow",
    "Mill", "Center", "Cherry", "Dogwood", "Magnolia", "Hickory", "Birch", "Locust", "Sycamore",
    "Poplar", "Laurel", "Prospect", "Union", "Grove", "Broad", "Market", "Water", "Front",
    "Bridge", "School", "Academy", "College", "Railroad", "Kennedy", "Roosevelt", "Monroe",
    "Wilson", "Harrison", "Grant", "Sherman", "Pleasant", "Valley", "Summit", "Fairview",
    "Woodland", "Lakeview", "Hillcrest", "Riverside", "Sunnyside", "Greenwood", "Rosewood",
    "Briarwood", "Foxglove", "Juniper", "Aspen", "Sequoia", "Redwood", "Cypress", "Mulberry",
    "Holly", "Ivy", "Primrose", "Clover", "Heather", "Orchard", "Vine", "Canal", "Harbor", "Bay",
    "Ocean", "Shore", "Beach", "Mountain", "Canyon", "Mesa", "Sierra", "Vista", "Colonial",
    "Heritage", "Liberty", "Independence", "Patriot", "Victory", "Commerce", "Industrial",
    "Airport", "Dixie", "Peachtree", "Magnolia", "Lee", "Stone", "Rock", "Pebble", "Sandy",
    "Clay", "Iron", "Copper", "Silver", "Gold", "Ruby", "Jade", "Pearl", "Crystal", "Garnet",
]  # fmt: skip
MULTI = [
    "Lake Shore", "Martin Luther King Jr", "Spring Valley", "Old Mill", "Saint James",
    "Mount Vernon", "Pine Ridge", "Oak Park", "Cherry Hill", "Fox Run", "Deer Creek",
    "Rolling Hills", "Country Club", "Indian Trail", "Quail Hollow", "Shady Grove",
]  # fmt: skip
ORDINALS = [f"{i}{'th' if 10 <= i % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(i % 10, 'th')}"
            for i in range(1, 120)]  # fmt: skip
SUFFIXES = [
    ("St", 20), ("Street", 12), ("Ave", 10), ("Avenue", 8), ("Rd", 8), ("Road", 6), ("Dr", 7),
    ("Drive", 5), ("Ln", 4), ("Lane", 3), ("Blvd", 3), ("Boulevard", 2), ("Ct", 4), ("Court", 2),
    ("Pl", 2), ("Place", 1), ("Way", 3), ("Cir", 2), ("Circle", 1), ("Ter", 1), ("Terrace", 1),
    ("Pkwy", 1), ("Parkway", 1), ("Trl", 1), ("Trail", 1), ("Hwy", 1), ("Sq", 0.3), ("Loop", 1),
]  # fmt: skip
DIRS = ["N", "S", "E", "W", "North", "South", "East", "West", "N.", "S.", "NE", "NW", "SE", "SW",
        "Northeast", "Southwest", "N.W."]  # fmt: skip
UNITS = ["Apt {n}", "Apt. {n}", "APT {n}", "#{n}", "# {n}", "Unit {n}", "Ste {n}", "Suite {n}",
         "Apt #{n}", "apt {n}", "Fl {f}", "Floor {f}", "Rm {n}", "Lot {n}", "Trlr {n}",
         "APARTMENT {n}", "Bldg {n}", "Spc {n}", "Rear", "Ph"]  # fmt: skip
STATE_NAMES = {
    "IL": "Illinois", "NY": "New York", "CA": "California", "TX": "Texas", "FL": "Florida",
    "NJ": "New Jersey", "PA": "Pennsylvania", "OH": "Ohio", "GA": "Georgia", "MA": "Massachusetts",
}  # fmt: skip


def _case(rng: random.Random, s: str) -> str:
    r = rng.random()
    return s.upper() if r < 0.25 else s.lower() if r < 0.35 else s


def _unit(rng: random.Random) -> str:
    n = rng.choice([str(rng.randint(1, 999)), f"{rng.randint(1, 40)}{rng.choice('ABCD')}",
                    rng.choice("ABCDEFGH")])  # fmt: skip
    return rng.choice(UNITS).format(n=n, f=rng.randint(1, 30))


def _street(rng: random.Random) -> str:
    r = rng.random()
    name = (rng.choice(MULTI) if r < 0.12 else rng.choice(ORDINALS) if r < 0.30
            else rng.choice(STREETS))  # fmt: skip
    suffix = rng.choices([s for s, _ in SUFFIXES], [w for _, w in SUFFIXES])[0]
    if rng.random() < 0.3:
        suffix += "."
    pre = rng.choice(DIRS) + " " if rng.random() < 0.22 else ""
    post = " " + rng.choice(DIRS[:4] + DIRS[10:14]) if rng.random() < 0.05 else ""
    return f"{rng.randint(1, 29999)} {pre}{name} {suffix}{post}"


def make_address(rng: random.Random, zips: list[tuple[str, str, str]]) -> tuple[str | None, ...]:
    """One messy (line1, line2, city, state, zip)."""
    city: str | None  # None: the record lost its city (below)
    zip5, state, city = rng.choice(zips)
    city = city.title() if rng.random() < 0.6 else city
    zip_ = zip5
    r = rng.random()
    if r < 0.08:
        zip_ = f"{zip5}-{rng.randint(1, 9999):04d}"
    elif r < 0.10:
        zip_ = f"{zip5}{rng.randint(1, 9999):04d}"
    elif r < 0.115 and zip5.startswith("0"):
        zip_ = zip5[1:]  # spreadsheet ate the leading zero
    line2: str | None = None
    r = rng.random()
    if r < 0.62:
        line1 = _street(rng)
        u = rng.random()
        if u < 0.18:
            line1 += rng.choice([" ", ", ", " "]) + _unit(rng)
        elif u < 0.28:
            line2 = _unit(rng)
    elif r < 0.70:
        line1 = rng.choice(["PO Box {b}", "P.O. Box {b}", "P O BOX {b}", "POB {b}", "Box {b}",
                            "Post Office Box {b}", "PO BOX {b}", "po box {b}"]).format(
            b=rng.randint(1, 99999))  # fmt: skip
    elif r < 0.725:
        line1 = rng.choice(["RR {r} Box {b}", "Rural Route {r} Box {b}", "RR {r} BOX {b}",
                            "HC {r} Box {b}", "Rt {r} Box {b}"]).format(
            r=rng.randint(1, 12), b=rng.randint(1, 999))  # fmt: skip
    elif r < 0.76:
        line1 = rng.choice(["{n} US Hwy {h}", "{n} County Road {h}", "{n} State Route {h}",
                            "{n} Avenue {l}", "{n} Highway {h} N", "{n} FM {h}",
                            "{n} Broadway", "{n} Via Del Mar", "{n} {s}"]).format(
            n=rng.randint(1, 9999), h=rng.randint(1, 999), l=rng.choice("ABCDEFGHJK"),
            s=rng.choice(STREETS))  # fmt: skip
    elif r < 0.785:  # everything in line 1
        line1 = f"{_street(rng)}, {city}, {state} {zip5}"
        city = state = zip_ = None  # type: ignore[assignment]
    elif r < 0.79:  # state after ZIP in line 1
        line1 = f"{_street(rng)}, {city}, {zip5} {state}"
        city = state = zip_ = None  # type: ignore[assignment]
    elif r < 0.80:  # care-of line, street in line 2
        line1, line2 = f"C/O {rng.choice(STREETS)} Smith", _street(rng)
    elif r < 0.805:  # unit first
        line1 = f"{_unit(rng)}, {_street(rng)}"
    elif r < 0.81:
        line1 = rng.choice(
            ["UNKNOWN", "N/A", "RETURNED MAIL", "???", "HOMELESS", "GENERAL DELIVERY"]
        )
    elif r < 0.815:
        line1 = f"{rng.randint(1, 999)} Calle Peñón {rng.choice(['St', 'Ave'])}"
    elif r < 0.82:
        line1 = f"{rng.randint(1, 9999)} {rng.choice(STREETS)}"  # no suffix
    else:
        line1 = _street(rng)
    r = rng.random()
    if r < 0.02 and city is not None:
        city = None  # missing city
    elif r < 0.04 and state is not None:
        state = STATE_NAMES.get(state, state)
    elif r < 0.045 and state is not None:
        state, zip_ = zip_, state  # state after ZIP in the fields
    elif r < 0.05 and state is not None:
        state = rng.choice(["XX", "ZZ", "Il.", "N.Y."])
    elif r < 0.055 and zip_ is not None:
        zip_ = rng.choice(["", "0", "1234567", "ABCDE", "99999"])
    return (_case(rng, line1), line2 and _case(rng, line2), city, state, zip_)


def generate(n: int, distinct_share: float, seed: int) -> pl.DataFrame:
    """n rows drawn from ~n*distinct_share distinct messy tuples (each used at least once)."""
    rng = random.Random(seed)
    zt = zip_table().filter(pl.col("zip_state").is_in([*STATE_NAMES, "WA", "CO", "VT", "ME"]))
    zips = list(zt.select("zip5", "zip_state", "zip_city").iter_rows())
    n_base = max(1, int(n * distinct_share))
    base = [make_address(rng, zips) for _ in range(n_base)]
    picks = list(range(n_base)) + [
        min(int(rng.paretovariate(1.2)) - 1, n_base - 1) if rng.random() < 0.3
        else rng.randrange(n_base) for _ in range(n - n_base)
    ]  # fmt: skip
    rng.shuffle(picks)
    rows = [base[i] for i in picks]
    return pl.DataFrame(rows, schema=["address_line1", "address_line2", "city", "state", "zip"],
                        orient="row")  # fmt: skip


def load(con: object, df: pl.DataFrame) -> None:
    """Spread the rows over accounts (30%), source records (40%), address contacts (30%)."""
    n = df.height
    a, r = int(n * 0.3), int(n * 0.7)
    con.execute(  # type: ignore[attr-defined]
        "INSERT INTO input_files (file_no, source, kind, status) VALUES "
        "(1, 'accounts', 'accounts', 'loaded'), (2, 'bureau', 'person_records', 'loaded'), "
        "(3, 'vendor', 'vendor_batch', 'loaded')"
    )
    acc = (
        df[:a]
        .with_row_index("line_no", offset=2)
        .with_columns(
            pl.lit(1).alias("file_no"), pl.format("A{}", pl.col("line_no")).alias("account_id")
        )
    )
    rec = (
        df[a:r]
        .with_row_index("line_no", offset=2)
        .with_columns(
            pl.lit(2).alias("file_no"),
            (pl.col("line_no").cast(pl.Int64) + 20_000_000_000).alias("rec_id"),
        )
    )
    con_df = (
        df[r:]
        .with_row_index("line_no", offset=2)
        .with_columns(
            pl.lit(3).alias("file_no"),
            pl.lit("address").alias("contact_type"),
            (pl.col("line_no").cast(pl.Int64) + 30_000_000_000).alias("rec_id"),
        )
        .drop("line_no")
    )
    for table, frame in (("accounts", acc), ("source_records", rec), ("source_contacts", con_df)):
        con.register("_load", frame)  # type: ignore[attr-defined]
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _load")  # type: ignore[attr-defined]
        con.unregister("_load")  # type: ignore[attr-defined]
    # Flush the loaded rows now: otherwise DuckDB's automatic checkpoint fires during the timed
    # standardization and charges ingest's write cost to it.
    con.execute("CHECKPOINT")  # type: ignore[attr-defined]


def _cpu_seconds() -> float:
    """CPU time of this process (all threads) and its finished workers: on a shared machine this
    is the stable measure; wall-clock swings with everyone else's load."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="addresses to generate")
    ap.add_argument("--distinct", type=float, default=0.4, help="share of distinct tuples")
    ap.add_argument("--workers", type=int, default=None, help="usaddress worker processes")
    ap.add_argument("--seed", type=int, default=28)
    args = ap.parse_args()

    t0 = time.perf_counter()
    df = generate(args.n, args.distinct, args.seed)
    t_gen = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        con = sql.connect(Path(tmp) / "bench.duckdb")
        t0 = time.perf_counter()
        load(con, df)
        t_load = time.perf_counter() - t0

        load_avg = os.getloadavg()[0]
        cpu0 = _cpu_seconds()
        t0 = time.perf_counter()
        new = standardize_addresses(con, workers=args.workers)
        cold = time.perf_counter() - t0
        cold_cpu = _cpu_seconds() - cpu0
        t0 = time.perf_counter()
        again = standardize_addresses(con, workers=args.workers)
        warm = time.perf_counter() - t0
        rows = con.execute(
            "SELECT count(*), count(*) FILTER (parser = 'fast'), count(*) FILTER (parser = 'usaddress')"
            " FROM std_address_cache"
        ).fetchone()
        qual = con.execute(
            "SELECT quality, count(*) FROM std_address_cache GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
        con.close()
    assert rows is not None and again == 0
    cached, fast, slow = rows
    table = [
        ("total addresses", f"{args.n:,}"),
        ("distinct (new) tuples", f"{new:,}"),
        ("fast-path share", f"{fast / cached:.1%}"),
        ("usaddress fallback share", f"{slow / cached:.1%} ({slow:,})"),
        ("cold seconds", f"{cold:.2f}"),
        ("cold addresses/s", f"{args.n / cold:,.0f}"),
        ("cold CPU seconds (all procs)", f"{cold_cpu:.2f}"),
        ("warm seconds", f"{warm:.3f}"),
        ("warm addresses/s", f"{args.n / warm:,.0f}"),
        ("warm speed-up", f"{cold / warm:.1f}x"),
        ("(generate / load seconds)", f"{t_gen:.1f} / {t_load:.1f}"),
        ("(load average at start)", f"{load_avg:.1f} on {os.cpu_count()} cores"),
    ]
    width = max(len(k) for k, _ in table)
    print(f"{'metric':<{width}}  value")
    for k, v in table:
        print(f"{k:<{width}}  {v}")
    print("quality: " + ", ".join(f"{q} {c:,}" for q, c in qual))


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
