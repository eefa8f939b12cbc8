"""The one date parser: built-in formats, per-source formats, shape guards, ambiguity."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from skiptrace.sources import dates


def _parse(values: list[str | None], formats: tuple[str, ...] = ()) -> list[tuple]:
    out = dates.parse_dates(values, formats)
    return list(zip(out["date"].to_list(), out["ambiguous"].to_list(), strict=True))


def test_builtin_formats() -> None:
    d = dt.date(1980, 3, 14)
    got = _parse(
        ["1980-03-14", "03/14/1980", "3/14/1980", "19800314", "14-MAR-1980", "14-Mar-1980"]
    )
    assert [g[0] for g in got] == [d] * 6
    assert [g[1] for g in got] == [False] * 6


def test_ambiguity_flag() -> None:
    got = _parse(["03/04/1980", "04/04/1980", "03/14/1980", "1980-03-04", "04-MAR-1980"])
    assert got[0] == (dt.date(1980, 3, 4), True)  # March 4 or April 3: flagged, US order
    assert got[1] == (dt.date(1980, 4, 4), False)  # same either way
    assert got[2][1] is False  # 14 cannot be a month
    assert got[3][1] is False and got[4][1] is False  # ISO and month names are unambiguous


def test_invalid_and_lenient_inputs_are_null() -> None:
    got = _parse(["2020-02-30", "13/45/1980", "2020123", "1/5/20", "not a date", "", None, "  "])
    assert all(g == (None, None) for g in got)


def test_per_source_formats_tried_first() -> None:
    got = _parse(["31/12/1980", "03/04/1980", "1980-01-02"], ("%d/%m/%Y",))
    assert got[0] == (dt.date(1980, 12, 31), False)
    assert got[1] == (dt.date(1980, 4, 3), True)  # day-first source: still ambiguous
    assert got[2] == (dt.date(1980, 1, 2), False)  # built-ins still apply


def test_timestamp_text_keeps_date() -> None:
    assert _parse(["2021-06-01 13:45:00", "2021-06-01T00:00:00"])[0][0] == dt.date(2021, 6, 1)


def test_accepts_polars_series_and_keeps_order() -> None:
    out = dates.parse_dates(pl.Series(["20200101", None, "01/02/2020"]))
    assert out["date"].to_list() == [dt.date(2020, 1, 1), None, dt.date(2020, 1, 2)]
    assert out["value"].to_list() == ["20200101", None, "01/02/2020"]


def test_sql_macros_for_other_stages() -> None:
    con = duckdb.connect()
    dates.install_macros(con)
    row = con.execute(
        "SELECT parse_date_any('05-jan-2001'), date_is_ambiguous('01/05/2001')"
    ).fetchone()
    assert row == (dt.date(2001, 1, 5), True)


def test_declared_formats_are_guarded_by_their_own_shape() -> None:
    """strptime alone read '4/2/25' under '%m/%d/%Y' as the year 25 and '1982065' under
    '%Y%m%d' as 1982-06-05; each declared format now reads only text of its own shape."""
    assert dates.format_pattern("%Y%m%d") == "[0-9]{4}[0-9]{2}[0-9]{2}"
    assert dates.format_pattern("%m/%d/%Y") == "[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}"
    assert dates.format_pattern("%d.%m.%y") == "[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{2}"
    assert dates.format_pattern("%Q") is None  # unknown: tried unguarded, as before
    got = _parse(["4/2/25", "1982065", "031520", "03152020", "3/15/2020", "15.03.20"],
                 ("%m/%d/%Y", "%Y%m%d", "%m%d%Y", "%d.%m.%y"))  # fmt: skip
    assert [g[0] for g in got] == [None, None, None, dt.date(2020, 3, 15), dt.date(2020, 3, 15),
                                   dt.date(2020, 3, 15)]  # fmt: skip
