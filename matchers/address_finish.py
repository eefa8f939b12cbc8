"""Vectorized finishing shared by both parse paths: city/state/ZIP resolution, the ZIP-state
check, the single standardized line and the quality code.

Why shared: the fast path and the usaddress path only produce street-line parts; everything
decided from the last line (which state, which ZIP, is it consistent) happens here once, in
polars, so the two paths cannot disagree on it and it costs nothing per row in Python.

Rules (documented here because they shape the cache):
- ZIP: digits with optional ZIP+4 ("62704", "62704-1234", "627041234", "62704 1234"). Four or
  eight digits are read as a ZIP that lost its leading zero in a spreadsheet ("7030" -> "07030");
  the ZIP table then confirms or rejects it. A well-shaped ZIP that is not in the `zipcodes`
  table is kept but flagged bad_zip. A blank ZIP or a placeholder (one digit repeated: 00000,
  99999) is no ZIP: zip5 is NULL and the address is still `ok` when city and state place it
  (contact keys then use city + state in place of the ZIP5); without a city it is bad_zip.
- State: two-letter code or full name (Pub 28 Appendix B). Missing -> taken from the ZIP (ok).
  Present but invalid -> taken from the ZIP when it is known, flagged bad_state.
- "State after ZIP" in the fields (state='62704', zip='IL', or zip='62704 IL') is repaired.
- City: the field, else the city found in line 1, else the ZIP's preferred city (as CASS does);
  ST / MT / FT before another word are spelled SAINT / MOUNT / FORT, as the ZIP reference (USPS's
  preferred names) spells them, so ST LOUIS and SAINT LOUIS are one town.
- Street name: two spellings of one street must give one name, or the same address reads as a
  move ("123 FIRST ST" / "123 1ST ST"). SAINT / MOUNT / FORT before another word become ST / MT /
  FT in the name *and* the line, as USPS's address file writes them ("12 ST JAMES PL").
  Ordinal words become numerals ("FIRST" -> "1ST", "TWENTY FIRST" -> "21ST") in `street_name`
  only: the file keeps whichever spelling the town uses, so std_line1 keeps the one given.
  `street_name` is therefore the comparison form, which every key and comparison reads
  (resolve's rs_addr_key and rs_same_name, the matcher's street agreement and blocks), and
  std_line1 the line to mail. One regex pass per word over the column, no Python per row.
- quality, first that applies: empty > unparsed > no_street > no_number > bad_state > bad_zip >
  zip_state_mismatch > ok.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from skiptrace.matchers.address_fast import clean_expr
from skiptrace.matchers.pub28 import (
    CITY_WORDS,
    NAME_ABBREVIATIONS,
    ORDINAL_UNITS,
    ORDINAL_WORDS,
    STATE_CODES,
    TENS,
)
from skiptrace.matchers.zip_reference import zip_reference

ZIP_SHAPE = r"^[0-9]{4,5}(?:[ -]?[0-9]{4})?$"
#: A ZIP5 of one repeated digit (00000, 99999) is a placeholder some extracts put on every record:
#: no data, read as a missing ZIP rather than a bad address (which would sink its confidence).
PLACEHOLDER_ZIP5 = r"^(?:0{5}|1{5}|2{5}|3{5}|4{5}|5{5}|6{5}|7{5}|8{5}|9{5})$"


@cache
def zip_table() -> pl.DataFrame:
    """ZIP5 -> (state, preferred city) from the ZIP reference (the offline `zipcodes` package,
    matchers/zip_reference.py). Military ZIPs carry AA/AE/AP, territories their own codes."""
    return zip_reference().select(
        "zip5", pl.col("state").alias("zip_state"), pl.col("city").alias("zip_city")
    )


def _nullif_blank(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.fill_null("") == "").then(None).otherwise(expr)


def _fold(expr: pl.Expr) -> pl.Expr:
    """clean_expr plus accent folding (SAN JOSÉ -> SAN JOSE), for free text we keep as is."""
    return _nullif_blank(clean_expr(expr.str.normalize("NFKD").str.replace_all(r"\p{Mn}", "")))


def _leading_words(expr: pl.Expr, table: dict[str, str]) -> pl.Expr:
    """Each word of `table` replaced by its value where another word follows it."""
    for word, to in table.items():
        expr = expr.str.replace_all(rf"\b{word} ", f"{to} ")
    return expr


def street_display(expr: pl.Expr) -> pl.Expr:
    """A parsed street name as written on the line: SAINT / MOUNT / FORT abbreviated."""
    return _leading_words(expr, NAME_ABBREVIATIONS)


_COMPOUND_ORDINAL = rf"\b({'|'.join(TENS)})[ -]({'|'.join(ORDINAL_UNITS)})\b"


def street_key(expr: pl.Expr) -> pl.Expr:
    """A street name as compared (street_display's, ordinal words as numerals): the
    `street_name` of the cache. Word by word through pub28.ORDINAL_WORDS, after joining a
    compound ordinal ("TWENTY FIRST") into the hyphenated word the table holds."""
    words = street_display(expr).str.replace_all(_COMPOUND_ORDINAL, "${1}-${2}").str.split(" ")
    return words.list.eval(pl.element().replace(ORDINAL_WORDS)).list.join(" ")


def city_name(expr: pl.Expr) -> pl.Expr:
    """A town's name with ST / MT / FT spelled out (SAINT LOUIS), as the ZIP reference has it."""
    return _leading_words(expr, CITY_WORDS)


_LAST_LINE = ("city", "state", "zip", "p_city", "p_state", "p_zip")


def _last_line(keys: pl.LazyFrame) -> pl.LazyFrame:
    """City/state/ZIP resolution for distinct (city, state, zip, p_city, p_state, p_zip).

    Adds: _city (output city), _state (output state), zip5, zip4, _fields_blank (no city,
    state or ZIP given) and _ll_quality (bad_state | bad_zip | zip_state_mismatch | ok).
    """
    zip_c = _nullif_blank(clean_expr(pl.col("zip")).str.strip_chars(" -"))
    state_c = _nullif_blank(clean_expr(pl.col("state")))
    df = keys.with_columns(
        _fold(pl.col("city")).alias("_city_c"),
        state_c.alias("_state_c"),
        zip_c.alias("_zip_c"),
        _nullif_blank(clean_expr(pl.col("p_zip")).str.strip_chars(" -")).alias("_p_zip"),
    ).with_columns(
        pl.col("_zip_c")
        .str.extract_groups(r"^(?:(?<s1>[A-Z]{2}) )?(?<z>[0-9][0-9 -]*[0-9])(?: (?<s2>[A-Z]{2}))?$")
        .alias("_zf"),
        pl.col("_state_c")
        .str.extract_groups(r"^(?:(?<s>[A-Z][A-Z ]*[A-Z]) )?(?<z>[0-9][0-9 -]*[0-9])$")
        .alias("_sf"),
        pl.col("_zip_c").str.contains(r"^[A-Z][A-Z ]*[A-Z]$").fill_null(False).alias("_zip_alpha"),
    )
    zf, sf = pl.col("_zf").struct, pl.col("_sf").struct
    # "state after ZIP": the state field holding a ZIP, the ZIP field holding a state, or both
    # in one field are put back in place before validation.
    state_txt = pl.coalesce(
        pl.when(sf.field("z").is_not_null()).then(sf.field("s")).otherwise(pl.col("_state_c")),
        zf.field("s1"),
        zf.field("s2"),
        pl.when(pl.col("_zip_alpha") & sf.field("z").is_not_null()).then(pl.col("_zip_c")),
        pl.when(pl.col("_state_c").is_null()).then(_nullif_blank(clean_expr(pl.col("p_state")))),
    )
    zip_txt = pl.coalesce(
        zf.field("z"),
        sf.field("z"),
        pl.when(pl.col("_zip_c").is_null()).then(pl.col("_p_zip")),
        pl.when(~pl.col("_zip_alpha")).then(pl.col("_zip_c")),
    )
    df = df.with_columns(state_txt.alias("_state_txt"), zip_txt.alias("_zip_txt"))
    digits = pl.col("_zip_txt").str.replace_all(r"[^0-9]", "")
    n = digits.str.len_chars()
    padded = pl.when(n.is_in([4, 8])).then(pl.lit("0") + digits).otherwise(digits)
    shaped = pl.col("_zip_txt").str.contains(ZIP_SHAPE).fill_null(False)
    placeholder = shaped & padded.str.slice(0, 5).str.contains(PLACEHOLDER_ZIP5).fill_null(False)
    df = df.with_columns(
        (shaped & ~placeholder).alias("_zip_ok"),
        # no ZIP given at all (both fields blank), or a placeholder; letters in the ZIP field
        # are garbage, not absence, and stay bad_zip
        (
            (pl.col("_zip_txt").is_null() & pl.col("_zip_c").is_null() & pl.col("_p_zip").is_null())
            | placeholder
        ).alias("_zip_missing"),
        pl.col("_state_txt")
        .replace_strict(STATE_CODES, default=None, return_dtype=pl.String)
        .alias("_state_code"),
    ).with_columns(
        pl.when(pl.col("_zip_ok")).then(padded.str.slice(0, 5)).alias("zip5"),
        pl.when(pl.col("_zip_ok") & n.is_in([8, 9])).then(padded.str.slice(5, 4)).alias("zip4"),
    )
    df = df.join(zip_table().lazy(), on="zip5", how="left")
    state_given = pl.col("_state_txt").is_not_null()
    ll_quality = (
        pl.when((state_given & pl.col("_state_code").is_null())
                | (~state_given & pl.col("zip_state").is_null())).then(pl.lit("bad_state"))
        # no ZIP at all (blank or a placeholder) is missing data, not a bad address: the city
        # and state still deliver it; without a city it cannot be placed
        .when(pl.col("_zip_missing") & pl.col("_city_c").is_null()
              & _nullif_blank(clean_expr(pl.col("p_city"))).is_null()).then(pl.lit("bad_zip"))
        .when(pl.col("_zip_missing")).then(pl.lit("ok"))
        .when(~pl.col("_zip_ok") | pl.col("zip_state").is_null()).then(pl.lit("bad_zip"))
        .when(pl.col("_state_code") != pl.col("zip_state")).then(pl.lit("zip_state_mismatch"))
        .otherwise(pl.lit("ok"))
    )  # fmt: skip
    return df.select(
        *_LAST_LINE,
        city_name(
            pl.coalesce("_city_c", _nullif_blank(clean_expr(pl.col("p_city"))), "zip_city")
        ).alias("_city"),
        pl.coalesce("_state_code", "zip_state").alias("_state"),
        "zip5",
        "zip4",
        (
            pl.col("_city_c").is_null() & pl.col("_state_c").is_null() & pl.col("_zip_c").is_null()
        ).alias("_fields_blank"),
        ll_quality.alias("_ll_quality"),
    )


def finish(raw: pl.DataFrame, parts: pl.DataFrame) -> pl.DataFrame:
    """Columns of std_address_cache for `raw` (addr_raw, line1, line2, city, state, zip) and its
    row-aligned street parts (address_usaddress.PART_FIELDS + parser).

    The last line is resolved once per distinct (city, state, zip, parsed city/state/zip) and
    joined back: those repeat heavily (a few thousand ZIPs for hundreds of thousands of rows).
    """
    df = pl.concat([raw, parts], how="horizontal").lazy()
    last_line = _last_line(df.select(_LAST_LINE).unique())
    df = df.join(
        last_line, on=list(_LAST_LINE), how="left", nulls_equal=True, maintain_order="left"
    )
    line = pl.concat_str(
        [pl.col("line1").fill_null(""), pl.col("line2").fill_null("")], separator=" "
    )
    df = df.with_columns(
        (clean_expr(line) == "").alias("_line_blank"),
        (pl.col("po_box").is_not_null() | pl.col("rural_route").is_not_null()).alias("_has_box"),
        (pl.col("status") == "unparsed").alias("_unparsed"),
        street_display(pl.col("street_name")).alias("street_name"),
    )
    street_line = pl.concat_str(
        [
            "street_number", "predir", "street_name", "suffix", "postdir",
            "extra_secondary", "unit_type", "unit_number",
        ],
        separator=" ",
        ignore_nulls=True,
    )  # fmt: skip
    no_box = ~pl.col("_has_box")
    quality = (
        pl.when(pl.col("_line_blank") & pl.col("_fields_blank")).then(pl.lit("empty"))
        .when(pl.col("_unparsed")).then(pl.lit("unparsed"))
        .when(pl.col("_line_blank")).then(pl.lit("no_street"))
        .when(no_box & pl.col("street_name").is_null()).then(pl.lit("no_street"))
        .when(no_box & pl.col("street_number").is_null()).then(pl.lit("no_number"))
        .otherwise(pl.col("_ll_quality"))
    )  # fmt: skip
    std_line1 = (
        pl.when(pl.col("po_box").is_not_null()).then(pl.lit("PO BOX ") + pl.col("po_box"))
        .when(pl.col("rural_route").is_not_null()).then(pl.col("rural_route"))
        .when(pl.col("_unparsed")).then(pl.col("text"))  # an unparsed line is kept as text
        .otherwise(_nullif_blank(street_line))
    )  # fmt: skip
    return df.select(
        "addr_raw",
        "street_number",
        "predir",
        street_key(pl.col("street_name")).alias("street_name"),
        "suffix",
        "postdir",
        "unit_type",
        "unit_number",
        "po_box",
        "rural_route",
        pl.col("_city").alias("city"),
        pl.col("_state").alias("state"),
        "zip5",
        "zip4",
        std_line1.alias("std_line1"),
        pl.lit(None, pl.String).alias("std_line2"),
        quality.alias("quality"),
        "parser",
    ).collect()
