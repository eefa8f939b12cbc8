"""The one date parser: SQL expressions every stage reuses (there is no second implementation).

Collections data arrives with dates as `YYYY-MM-DD`, `MM/DD/YYYY`, `YYYYMMDD` or `DD-MON-YYYY`,
plus whatever a given vendor does (per-source `date_formats`, tried first). The parser is SQL
text generated here so it runs set-based inside DuckDB over millions of rows; Python callers that
hold values in memory use `parse_dates`, which runs the same SQL on an in-memory connection.

Each built-in format has a shape guard: DuckDB's `strptime` is lenient (`%Y%m%d` accepts
'2020123', `%Y` accepts a two-digit year) and a lenient parse of a date of birth silently
creates a different person.

`dob_ambiguous` marks values whose day and month could be swapped (`03/04/1980`: March 4th or
April 3rd). The value is still parsed (US order first), but the matcher must not treat a
transposed day/month as a conflict for such values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import duckdb
import polars as pl

from skiptrace import sql

#: Built-in formats, tried after any per-source formats, in this order.
DEFAULT_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%m/%d/%Y", "%Y%m%d", "%d-%b-%Y")

# Shape guard per built-in format, as cheap character tests (no regex): they only have to stop
# strptime's leniencies (a 7-digit '%Y%m%d', a 2-digit '%Y', trailing text); strptime itself
# still checks that every part is a number and that the date exists.
_GUARDS: dict[str, str] = {
    "%Y-%m-%d": "length({x}) BETWEEN 8 AND 10 AND {x}[5] = '-'",
    "%m/%d/%Y": "length({x}) BETWEEN 8 AND 10 AND {x}[-5] = '/'",
    "%Y%m%d": "length({x}) = 8 AND {x}[5] NOT IN ('-', '/')",
    "%d-%b-%Y": "length({x}) BETWEEN 10 AND 11 AND {x}[-5] = '-'",
}

# ISO timestamps (a Parquet TIMESTAMP cast to text) keep only their date part.
_ISO_TS = "length({x}) > 10 AND {x}[5] = '-' AND {x}[11] IN (' ', 'T')"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# What each strptime specifier may match in a source's declared format, for its shape guard.
# Numbers that may be unpadded (%m, %d, ...) take one or two digits where a separator follows
# or precedes them, exactly two where they touch another number ('%Y%m%d'): otherwise
# '1982065' would read as 1982-06-05.
_FIXED: dict[str, str] = {
    "Y": "[0-9]{4}", "y": "[0-9]{2}", "b": "[A-Za-z]{3}", "h": "[A-Za-z]{3}",
    "B": "[A-Za-z]{3,9}", "a": "[A-Za-z]{3}", "A": "[A-Za-z]{6,9}", "p": "[AaPp][Mm]",
    "f": "[0-9]{1,6}", "%": "%",
}  # fmt: skip
_UNPADDED = frozenset("mdHIMSj")
_NUMERIC = frozenset("YymdHIMSjf")


def format_pattern(fmt: str) -> str | None:
    """A regular expression (RE2, whole value) of the text a declared strptime format may
    read, or None when the format holds a specifier this guard does not know (then it is
    tried unguarded, as before).

    Why: DuckDB's strptime is lenient. Declared '%m/%d/%Y' read Excel's re-saved '4/2/25' as
    the year 25, '%Y%m%d' read the seven digits '1982065' as 1982-06-05, '%m%d%Y' a cut
    '031520' as the year 20. The built-in formats have guards for that (`_GUARDS`); a
    source's own formats now get one from their text, so a value they do not fit falls
    through to the built-ins and the repair (a two-digit year is then read, and recorded, as
    such) or is reported unparseable instead of loading a wrong date silently.
    """
    tokens: list[tuple[str, str]] = []  # ("spec", letter) or ("lit", text)
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            tokens.append(("spec", fmt[i + 1]))
            i += 2
        else:
            tokens.append(("lit", fmt[i]))
            i += 1
    out = []
    for k, (kind, value) in enumerate(tokens):
        if kind == "lit":
            out.append(value if value.isalnum() or value in " -/,:" else "\\" + value)
            continue
        if value in _FIXED:
            out.append(_FIXED[value])
            continue
        if value not in _UNPADDED:
            return None
        touching = any(
            0 <= j < len(tokens) and tokens[j][0] == "spec" and tokens[j][1] in _NUMERIC
            for j in (k - 1, k + 1)
        )
        width = 3 if value == "j" else 2
        out.append(f"[0-9]{{{width}}}" if touching else f"[0-9]{{1,{width}}}")
    return "".join(out)


def date_sql(expr: str, formats: Sequence[str] = ()) -> str:
    """SQL turning a VARCHAR expression into a DATE, NULL when no format parses it.

    `expr` is repeated in the output, so pass a column reference, not a costly expression.
    `formats` (strptime syntax) are tried before the built-ins, each behind the shape guard its
    own text gives (`format_pattern`).
    """
    parts = []
    for fmt in formats:
        parse = f"try_strptime({expr}, {_lit(fmt)})::DATE"
        pattern = format_pattern(fmt)
        parts.append(
            parse
            if pattern is None
            else f"CASE WHEN regexp_full_match({expr}, {_lit(pattern)}) THEN {parse} END"
        )
    parts.append(
        f"CASE WHEN {_ISO_TS.format(x=expr)} "
        f"THEN try_strptime(left({expr}, 10), '%Y-%m-%d')::DATE END"
    )
    for fmt in DEFAULT_FORMATS:
        if fmt in formats:
            continue
        parts.append(
            f"CASE WHEN {_GUARDS[fmt].format(x=expr)} THEN try_strptime({expr}, {_lit(fmt)})::DATE END"
        )
    return f"coalesce({', '.join(parts)})"


#: A date and a time of day in one value: the date part (any form date_sql reads), `T` or
#: spaces, `H:MM` or `HH:MM[:SS[.fraction]]`, an optional AM / PM (`a.m.` too), and an optional
#: UTC offset (`Z`, `UTC`, `+HH`, `+HHMM`, `-HH:MM`): `07/15/2026 14:05`, `07/15/2026 2:05 PM`,
#: `2026-07-16T02:30:00Z`, `2026-07-15 08:00:00-04:00`, a Parquet timestamp cast to text.
_MOMENT = (
    "'^(\\S+?)(?:T|\\s+)([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(\\.[0-9]{1,9})?)?"
    "\\s*([AaPp]\\.?[Mm]\\.?)?\\s*(Z|UTC|[+-][0-9]{2}(?::?[0-9]{2})?)?$'"
)
#: strptime directives that read a time of day (a source's own format with one keeps it).
_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%p", "%T", "%R", "%X", "%c", "%z", "%f")


def moment_sql(expr: str, formats: Sequence[str], zone: str, parts: str) -> tuple[str, str]:
    """SQL reading a VARCHAR expression as a moment: (pieces, moment).

    `pieces` is to be selected as the column named `parts` one query level below `moment`
    (the value's date, hour, minute, ... as text, cut once per row); `moment` is then a
    STRUCT(d DATE, t TIME): the day and, when the value gives one, the time of day, both on the
    clock of `zone` (an IANA name). `d` is NULL when the value cannot be read; `t` is NULL for
    a date alone. `expr` is repeated: pass a column reference.

    For collectors' outcomes, whose order within a day is the order of events: a value with a
    UTC offset (`2026-07-16T02:30:00Z`) is converted to `zone` (22:30 on 07-15 in New York: the
    day the collector recorded it), a value without one is taken as `zone`'s clock already. A
    value shaped like a date and a time whose time cannot be a time of day (`25:10`, `13:00 PM`)
    is unreadable, never read as its date alone. Tried in order: `formats` on the whole value
    (one with a time directive keeps the time; with `%z`, converted), a date and a time
    (`_MOMENT`, its date part read by `date_sql` with `formats`), a date alone (`date_sql`).
    """
    x, tz, m = expr, _lit(zone), parts
    pieces = f"regexp_extract({x}, {_MOMENT}, ['day', 'h', 'mi', 's', 'frac', 'ampm', 'off'])"
    whole = []
    for fmt in formats:
        ts = f"try_strptime({x}, {_lit(fmt)})"
        if "%z" in fmt:
            ts = f"timezone({tz}, {ts})"
        t = f"CAST({ts} AS TIME)" if any(d in fmt for d in _TIME_DIRECTIVES) else "NULL"
        whole.append(f"CASE WHEN {ts} IS NOT NULL THEN {{'d': CAST({ts} AS DATE), 't': {t}}} END")
    h, mi = f"try_cast({m}.h AS INTEGER)", f"try_cast({m}.mi AS INTEGER)"
    sec = f"coalesce(try_cast({m}.s || {m}.frac AS DOUBLE), 0)"
    hour = (
        f"CASE WHEN {m}.ampm = '' THEN CASE WHEN {h} <= 23 THEN {h} END "
        f"WHEN {h} BETWEEN 1 AND 12 THEN {h} % 12 "
        f"+ CASE WHEN upper(left({m}.ampm, 1)) = 'P' THEN 12 ELSE 0 END END"
    )
    clock = f"CASE WHEN {mi} <= 59 AND {sec} < 60 THEN make_time({hour}, {mi}, {sec}) END"
    naive = f"({date_sql(f'{m}.day', formats)} + {clock})"
    digits = f"replace({m}.off, ':', '')"  # '+05', '+0530'
    minutes = (
        f"CASE WHEN {m}.off IN ('Z', 'UTC') THEN 0 "
        f"ELSE CASE WHEN left({m}.off, 1) = '-' THEN -1 ELSE 1 END "
        f"* (CAST(substr({digits}, 2, 2) AS INTEGER) * 60 "
        f"+ CASE WHEN length({digits}) = 5 THEN CAST(right({digits}, 2) AS INTEGER) ELSE 0 END) END"
    )
    local = (
        f"CASE WHEN {m}.off = '' THEN {naive} ELSE timezone({tz}, timezone('UTC', "
        f"{naive} - to_minutes(CAST({minutes} AS BIGINT)))) END"
    )
    timed = f"{{'d': CAST({local} AS DATE), 't': CAST({local} AS TIME)}}"
    untimed = f"{{'d': {date_sql(x)}, 't': CAST(NULL AS TIME)}}"
    # the time pattern matched (its hour is never empty then): the date and time, or nothing
    last = f"CASE WHEN {m}.h <> '' THEN {timed} ELSE {untimed} END"
    return pieces, f"coalesce({', '.join([*whole, last])})"


#: Two-digit years: the century that puts the year at or before the as-of year, i.e. a value
#: YY means 20YY when 20YY <= as-of year, else 19YY ('03/04/80' -> 1980, '03/04/19' -> 2019 in
#: 2026). Documented in docs/field_issues.md.
_PARTS = "'^([0-9]{1,4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,4})$'"


def repair_sql(
    expr: str, as_of_year: int, *, gate: str, column: Callable[[str], str]
) -> tuple[str, str]:
    """The repair of a value the strict parser misses but that has one reading: (DATE, reason).

    Tried only where `gate` (SQL: the strict parse found nothing) holds:
    * `YYYY?MM?DD` / `MM?DD?YYYY` / `MM?DD?YY` with `-`, `/` or `.` and unpadded parts
      (`repaired_date_format`; `repaired_date_two_digit_year` with the pivot above);
    * a month slot over 12 whose day slot is a valid month is read day-first
      (`repaired_date_day_month`: '25/12/1980', '1980-25-12', '19802512');
    * the result must be a real calendar date, else both are NULL.

    Built in four steps (the parts, the slots, the date, the reason): `column(sql)` makes `sql`
    a column of the next query level and returns the column's name (validate.Stage.derive), and
    the returned pair are the last two columns. Why steps: written as one expression, the three
    slots repeated the regexp five times each and the year seven, and the 12 date columns of one
    vendor layout made a 315 KB statement whose parsing, planning and set-up took two thirds of
    its time (100k accounts: the vendor file's staging 3.5 s against 1.9 s, the same operator
    time; docs/architecture.md, "Keep generated SQL small").
    """
    x = expr
    p = column(
        f"CASE WHEN {gate} THEN CASE WHEN regexp_full_match({x}, '[0-9]{{8}}') "
        f"THEN {{'a': left({x}, 4), 'b': substr({x}, 5, 2), 'c': right({x}, 2)}} "
        f"ELSE regexp_extract({x}, {_PARTS}, ['a', 'b', 'c']) END END"
    )
    # year, first slot, second slot: YYYY first, else the year is last (2 or 4 digits)
    slots = column(
        f"{{'y': CASE WHEN length({p}.a) = 4 THEN {p}.a "
        f"WHEN length({p}.c) IN (2, 4) AND length({p}.a) <= 2 THEN {p}.c END, "
        f"'s1': try_cast(CASE WHEN length({p}.a) = 4 THEN {p}.b ELSE {p}.a END AS INTEGER), "
        f"'s2': try_cast(CASE WHEN length({p}.a) = 4 THEN {p}.c ELSE {p}.b END AS INTEGER)}}"
    )
    y, a, b = f"{slots}.y", f"{slots}.s1", f"{slots}.s2"
    yy = f"try_cast({y} AS INTEGER)"
    year = (
        f"CASE WHEN length({y}) = 2 THEN CASE WHEN 2000 + {yy} <= {int(as_of_year)} "
        f"THEN 2000 + {yy} ELSE 1900 + {yy} END ELSE {yy} END"
    )
    swapped = f"({a} > 12 AND {b} BETWEEN 1 AND 12)"
    month = f"CASE WHEN {swapped} THEN {b} ELSE {a} END"
    day = f"CASE WHEN {swapped} THEN {a} ELSE {b} END"
    date = column(
        f"CASE WHEN {y} IS NOT NULL AND {y} <> '' THEN try_strptime(printf('%04d-%02d-%02d', "
        f"{year}, {month}, {day}), '%Y-%m-%d')::DATE END"
    )
    reason = column(
        f"CASE WHEN {date} IS NULL THEN NULL WHEN {swapped} THEN 'repaired_date_day_month' "
        f"WHEN length({y}) = 2 THEN 'repaired_date_two_digit_year' "
        "ELSE 'repaired_date_format' END"
    )
    return date, reason


def ambiguous_sql(expr: str, parsed: str) -> str:
    """SQL: TRUE when the text's day and month could be swapped, FALSE when not, NULL for NULL.

    `expr` is the text, `parsed` its DATE from `date_sql`. Ambiguous means the text starts with
    a 1-2 digit number followed by a numeric part (`03/04/1980`, `3.4.1980`; not ISO dates, not
    `YYYYMMDD`, not month names) and the parsed day and month are both valid months and
    differ. Character tests on the text and arithmetic on the date keep this cheap: it runs on
    every date of birth.
    """
    seps = "('/', '-', '.')"
    numeric_dm = (
        f"(({expr}[2] IN {seps} AND {expr}[3] BETWEEN '0' AND '9') "
        f"OR ({expr}[3] IN {seps} AND {expr}[4] BETWEEN '0' AND '9'))"
    )
    return (
        f"CASE WHEN {parsed} IS NULL THEN NULL ELSE {numeric_dm} "
        f"AND day({parsed}) <= 12 AND day({parsed}) <> month({parsed}) END"
    )


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create TEMP macros `parse_date_any(s)` and `date_is_ambiguous(s)` (built-in formats).

    For SQL files of other stages that need to parse a date column; per-source formats need
    `date_sql` instead.
    """
    con.execute(f"CREATE OR REPLACE TEMP MACRO parse_date_any(s) AS {date_sql('s')}")
    con.execute(
        "CREATE OR REPLACE TEMP MACRO date_is_ambiguous(s) AS "
        f"{ambiguous_sql('s', 'parse_date_any(s)')}"
    )


def parse_dates(
    values: Iterable[str | None] | pl.Series, formats: Sequence[str] = ()
) -> pl.DataFrame:
    """Parse in-memory values: DataFrame(value, date, ambiguous), one row per input, in order.

    Values are trimmed and '' is treated as missing, as ingestion does.
    """
    series = values if isinstance(values, pl.Series) else pl.Series(list(values), dtype=pl.String)
    frame = pl.DataFrame({"value": series.cast(pl.String)}).with_row_index("_i")
    con = duckdb.connect()
    try:
        con.register("_dates_in", frame)
        query = sql.render(
            "ingest/parse_dates.sql",
            ambiguous_sql=ambiguous_sql("v", "d"),
            date_sql=date_sql("v", formats),
        )
        out = con.sql(query).to_arrow_table()
    finally:
        con.close()
    return pl.DataFrame(pl.from_arrow(out)).drop("_i")
