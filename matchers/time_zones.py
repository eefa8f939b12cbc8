"""Where the consumer may be, as IANA time zones: the lookups of Reg F calling windows.

Why: Reg F 12 CFR 1006.6(b)(1) presumes calls before 8 a.m. or after 9 p.m. at the consumer's
location inconvenient, and with conflicting or ambiguous information about that location the
collector complies only by calling at hours convenient in *every* location it indicates. So
resolve (sql/resolve/08_finalize.sql) gives each phone the set of zones the consumer may be in,
not one zone, and the exports call only in the hours common to all of them. These are its
lookups, from the ZIP reference (matchers/zip_reference.py) and phonenumbers' area-code table,
offline and built once per process:

* a ZIP's zone;
* a city's zone (city + state, for an address without a ZIP that has one), and whether the
  city keeps one clock: a city whose ZIPs span clocks (El Paso's) says no more than its state;
* a state's zones, one per clock, most common first (a city unknown or spanning clocks);
* every US zone, one per clock (nothing at all is known about where the consumer is);
* each zone's winter and summer UTC offsets (two zones with equal pairs keep the same clock)
  and its number of ZIPs (the order in which a set of zones is listed: most common first).

A zone name the zoneinfo database does not know (the package has one: 'Napakiak') is left out,
so its ZIP is looked up by city and state like a ZIP without a zone.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import duckdb
import polars as pl

from skiptrace import sql
from skiptrace.matchers.phones import area_code_zones
from skiptrace.matchers.zip_reference import zip_reference

#: Reference dates for comparing UTC offsets (winter / summer) of two time zones.
_OFFSET_DATES = (dt.datetime(2025, 1, 15, 12), dt.datetime(2025, 7, 15, 12))


@cache
def utc_offsets(zone: str) -> tuple[int, int] | None:
    """(winter, summer) UTC offsets in minutes: two zones with equal pairs keep the same clock."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    out = []
    for d in _OFFSET_DATES:
        off = d.replace(tzinfo=tz).utcoffset()
        out.append(int(off.total_seconds() // 60) if off is not None else 0)
    return out[0], out[1]


@cache
def _located_zips() -> pl.DataFrame:
    """The reference's ZIPs with a zone zoneinfo knows: zip5, state, city, tz and its clock."""
    ref = zip_reference().filter(pl.col("time_zone").is_not_null())
    zones = ref["time_zone"].unique().to_list()
    clocks = pl.DataFrame(
        [(z, *o) for z in zones if (o := utc_offsets(z)) is not None],
        schema={"tz": pl.String, "off_jan": pl.Int32, "off_jul": pl.Int32},
        orient="row",
    )
    return ref.rename({"time_zone": "tz"}).join(clocks, on="tz")


@cache
def zip_time_zones() -> pl.DataFrame:
    """ZIP5 -> IANA time zone (zip5, tz); the ZIPs without a (known) zone left out."""
    return _located_zips().select("zip5", "tz")


def _most_common_first(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per `keys` group, its zones with their ZIP counts, most common first (ties: the zone
    name last in order, the rule state_time_zones always had)."""
    return (
        frame.group_by([*keys, "tz", "off_jan", "off_jul"])
        .len()
        .sort([*keys, "len", "tz"], descending=[False] * len(keys) + [True, True])
    )


@cache
def state_time_zones() -> pl.DataFrame:
    """State -> the zone most of its ZIPs have (state, tz): a state's one-zone answer."""
    return (
        _most_common_first(_located_zips(), ["state"])
        .unique("state", keep="first", maintain_order=True)
        .select("state", "tz")
    )


@cache
def state_zone_lists() -> pl.DataFrame:
    """State -> most common zone and every clock it spans, one zone each, most common first
    (state, tz, zones): where a consumer known only by the state may be."""
    per_clock = _most_common_first(_located_zips(), ["state"]).unique(
        ["state", "off_jan", "off_jul"], keep="first", maintain_order=True
    )
    return per_clock.group_by("state", maintain_order=True).agg(
        pl.col("tz").first(), pl.col("tz").alias("zones")
    )


@cache
def city_time_zones() -> pl.DataFrame:
    """(state, city) -> its most common zone and whether all its ZIPs keep one clock
    (state, city, tz, one_clock); cities as the reference names them (upper case)."""
    counts = _most_common_first(_located_zips(), ["state", "city"])
    return counts.group_by("state", "city", maintain_order=True).agg(
        pl.col("tz").first(),
        (pl.struct("off_jan", "off_jul").n_unique() == 1).alias("one_clock"),
    )


@cache
def zone_table() -> pl.DataFrame:
    """Every zone of the reference: tz, off_jan, off_jul, n_zips (its ZIPs) and us_clock (the
    most common zone of its clock: the one listed when nothing locates the consumer)."""
    counts = _most_common_first(_located_zips(), [])
    first = counts.unique(["off_jan", "off_jul"], keep="first", maintain_order=True)["tz"]
    return counts.select(
        "tz", "off_jan", "off_jul", pl.col("len").cast(pl.Int64).alias("n_zips")
    ).with_columns(pl.col("tz").is_in(first.implode()).alias("us_clock"))


def register_time_zone_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The run's time-zone lookups as temp tables (sql/resolve/time_zones.sql): the ZIPs,
    cities and states its addresses use, its numbers whose area code spans zones, and every
    zone it can meet with its clock (rs_tz_off)."""
    con.register("_zip_zones", zip_time_zones())
    con.register("_city_zones", city_time_zones())
    con.register("_state_zones", state_zone_lists())
    try:
        zones = {r["tz"] for r in sql.rows(con, "resolve/time_zones.sql")}
    finally:
        for name in ("_zip_zones", "_city_zones", "_state_zones"):
            con.unregister(name)
    numbers = [r["e164"] for r in sql.rows(con, "resolve/time_zones_numbers.sql")]
    area = [(n, list(z)) for n in numbers if (z := area_code_zones(n))]
    sql.run(
        con,
        "CREATE OR REPLACE TEMP TABLE rs_area_tz AS SELECT unnest($e164::VARCHAR[]) AS e164,"
        " unnest($zones::VARCHAR[][]) AS zones",
        e164=[a[0] for a in area],
        zones=[a[1] for a in area],
    )
    known = zone_table()
    zones |= {z for _, zs in area for z in zs}
    extra = [(z, *o) for z in sorted(zones - set(known["tz"])) if (o := utc_offsets(z))]
    table = pl.concat(
        [
            known,
            pl.DataFrame(
                [(z, j, s, 0, False) for z, j, s in extra], schema=known.schema, orient="row"
            ),
        ]
    )
    con.register("_zones", table)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE rs_tz_off AS SELECT * FROM _zones")
    finally:
        con.unregister("_zones")
