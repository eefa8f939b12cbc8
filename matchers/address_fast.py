"""The vectorized fast path: polars regular expressions over whole columns of distinct strings.

Why: usaddress tags ~10,000 strings/s per core; most collection addresses are simple
("123 N Main St Apt 4", "PO Box 12") and a regex over a column does them at millions/s. The
fast path only *accepts* a row when its shape is unambiguous, and the patterns are built from
the same Pub 28 tables as the fallback; anything else goes to usaddress. A test runs both paths
over a corpus and requires identical parts wherever the fast path accepts.

Accepted shapes (after cleaning: uppercase, no punctuation, '#' spaced out):
    NUMBER [PREDIR] NAME... SUFFIX [POSTDIR] [DESIGNATOR [#] ID | # ID | REAR/PH/...]
    PO BOX n  (P O BOX, POST OFFICE BOX, BOX, POB)
    RR n BOX m  (RURAL ROUTE, RT, RTE, HC)
with line 2 empty or a lone unit, and ASCII-only input. Rejected on purpose (usaddress decides):
street-name words that are directionals (is "123 N ST" North Street or N Street?) or common
street types (a city glued to the street: "1850 GREEN BAY ROAD HIGHLAND PARK"), a line ending in
"STATE ZIP", and commas anywhere but before the unit.
"""

from __future__ import annotations

import polars as pl

from skiptrace.matchers.address_usaddress import PART_FIELDS
from skiptrace.matchers.pub28 import (
    DIRECTIONALS,
    ROUTE_TYPES,
    STATES,
    SUFFIXES,
    UNIT_DESIGNATORS,
    UNIT_WITHOUT_NUMBER,
    alternation,
)

_DIR = alternation(DIRECTIONALS)
_SUF = alternation(SUFFIXES)
_UNIT = alternation(UNIT_DESIGNATORS)
_NONUM = alternation(k for k, v in UNIT_DESIGNATORS.items() if v in UNIT_WITHOUT_NUMBER)
_TOK = r"[A-Z]+|[0-9]+(?:ST|ND|RD|TH)"
_ID = r"[0-9]+[A-Z]?|[A-Z][0-9]*"
_UNIT_TAIL = rf"(?:(?<ut>{_UNIT})(?: #)?|(?<hash>#)) (?<un>{_ID})|(?<ut0>{_NONUM})"

# Line 1 is cleaned with commas kept as " ," tokens: a comma may only separate the street from
# its unit ("123 MAIN ST, APT 4"); any other comma means more than a street line ("..., CITY,
# ST ZIP") and the row goes to usaddress.
STREET_RE = (
    rf"^(?<num>[0-9]+) (?:(?<pre>{_DIR}) )?(?<name>(?:{_TOK})(?: (?:{_TOK}))*?) (?<suf>{_SUF})"
    rf"(?: (?<post>{_DIR}))?(?: ,)?(?: (?:{_UNIT_TAIL}))?(?: ,)?$"
)
# Common street types almost never occur *inside* a street name, but a city glued to the street
# ("1850 GREEN BAY ROAD HIGHLAND PARK") puts one there. A name containing one goes to usaddress.
# (LAKE, PARK, TRAIL, WAY... are C1 words too, but common in names: those stay accepted.)
_COMMON_TYPES = ("ST", "AVE", "RD", "DR", "LN", "BLVD", "CT", "PL", "TER", "CIR", "PKWY", "HWY",
                 "EXPY", "FWY")  # fmt: skip
_TYPE_WORDS = frozenset(k for k, v in SUFFIXES.items() if v in _COMMON_TYPES)
# "... LANE ORMOND BEACH FL 32175" would otherwise read as suffix BCH + unit FL 32175.
STATE_ZIP_TAIL_RE = rf" (?:{alternation(STATES)}) [0-9]{{5}}(?:[ -]?[0-9]{{4}})?(?: ,)?$"
PO_BOX_RE = r"^(?:PO BOX|P O BOX|POST OFFICE BOX|BOX|POB) (?:# )?(?<box>[0-9]+)$"
_ROUTE = alternation(k for k in ROUTE_TYPES if k not in ("RD", "RURAL", "ROUTE"))
ROUTE_RE = rf"^(?<rt>{_ROUTE}) (?:# )?(?<rn>[0-9]+) BOX (?:# )?(?<rb>[0-9]+)$"
LINE2_RE = rf"^(?:{_UNIT_TAIL})$"


def clean_expr(expr: pl.Expr, *, keep_commas: bool = False) -> pl.Expr:
    """Column version of address_usaddress.clean_text (identical on ASCII input): uppercase,
    delete . ' ` , space out '#', other punctuation to spaces, single spaces, trimmed.
    `keep_commas` turns commas into " , " tokens instead (the fast path's line-1 check)."""
    expr = expr.str.to_uppercase().str.replace_all(r"[.'`\x{2019}]", "")
    expr = expr.str.replace_all("#", " # ", literal=True)
    if keep_commas:
        expr = expr.str.replace_all(",", " , ", literal=True)
    other = r"[^\p{L}\p{N}#/\-, ]" if keep_commas else r"[^\p{L}\p{N}#/\- ]"
    return expr.str.replace_all(other, " ").str.replace_all(r"\s+", " ").str.strip_chars()


def _map(expr: pl.Expr, table: dict[str, str]) -> pl.Expr:
    return expr.replace_strict(table, default=None, return_dtype=pl.String)


def fast_parse(df: pl.DataFrame) -> pl.DataFrame:
    """Parts for every row of `df` (columns line1, line2) plus a boolean `fast` column.

    Rows with `fast` False carry null parts and must be parsed by usaddress. Blank rows (no
    line1, no line2) are accepted with null parts: there is nothing to parse. Intermediate
    results are materialized as columns once: eager polars would otherwise re-evaluate a
    shared expression (the street match is used by eight outputs) in every branch.
    """
    st, l2 = pl.col("st").struct, pl.col("l2").struct
    rr = pl.col("rr").struct
    name_words = st.field("name").str.split(" ")

    def unit_type(match: pl.Expr) -> pl.Expr:
        return pl.coalesce(
            _map(match.struct.field("ut"), UNIT_DESIGNATORS),
            pl.when(match.struct.field("hash").is_not_null()).then(pl.lit("#")),
            _map(match.struct.field("ut0"), UNIT_DESIGNATORS),
        )

    work = (
        df.lazy()
        .select(
            clean_expr(pl.col("line1").fill_null(""), keep_commas=True).alias("c1"),
            clean_expr(pl.col("line2").fill_null("")).alias("c2"),
            pl.concat_str([pl.col("line1").fill_null(""), pl.col("line2").fill_null("")])
            .str.contains(r"^[\x00-\x7F]*$")
            .alias("ascii"),
        )
        .with_columns(
            pl.col("c1").str.extract_groups(STREET_RE).alias("st"),
            pl.col("c1").str.extract_groups(PO_BOX_RE).alias("po"),
            pl.col("c1").str.extract_groups(ROUTE_RE).alias("rr"),
            pl.col("c2").str.extract_groups(LINE2_RE).alias("l2"),
            (pl.col("c2") == "").alias("line2_blank"),
        )
        .with_columns(
            (
                st.field("name").is_not_null()
                & ~name_words.list.eval(pl.element().is_in(list(DIRECTIONALS))).list.any()
                & ~name_words.list.eval(pl.element().is_in(list(_TYPE_WORDS))).list.any()
                & ~pl.col("c1").str.contains(STATE_ZIP_TAIL_RE)
            )
            .fill_null(False)
            .alias("is_street"),
            pl.col("po").struct.field("box").is_not_null().alias("is_po"),
            rr.field("rn").is_not_null().alias("is_rr"),
            unit_type(pl.col("st")).alias("ut1"),
            unit_type(pl.col("l2")).alias("ut2"),
        )
    )
    blank = (pl.col("c1").str.replace_all(",", "", literal=True).str.strip_chars() == "") & pl.col(
        "line2_blank"
    )
    is_street, is_po, is_rr = pl.col("is_street"), pl.col("is_po"), pl.col("is_rr")
    fast = pl.col("ascii") & (
        blank
        | (
            is_street
            & (pl.col("line2_blank") | (pl.col("ut2").is_not_null() & pl.col("ut1").is_null()))
        )
        | ((is_po | is_rr) & pl.col("line2_blank"))
    )
    route = pl.concat_str(
        [_map(rr.field("rt"), ROUTE_TYPES), rr.field("rn"), pl.lit("BOX"), rr.field("rb")],
        separator=" ",
    )
    street = pl.when(is_street)
    parts = work.select(
        street.then(st.field("num")).alias("street_number"),
        street.then(_map(st.field("pre"), DIRECTIONALS)).alias("predir"),
        street.then(st.field("name")).alias("street_name"),
        street.then(_map(st.field("suf"), SUFFIXES)).alias("suffix"),
        street.then(_map(st.field("post"), DIRECTIONALS)).alias("postdir"),
        street.then(pl.coalesce("ut1", "ut2")).alias("unit_type"),
        street.then(pl.coalesce(st.field("un"), l2.field("un"))).alias("unit_number"),
        pl.when(~is_street & is_po).then(pl.col("po").struct.field("box")).alias("po_box"),
        pl.when(~is_street & ~is_po & is_rr).then(route).alias("rural_route"),
        pl.lit(None, pl.String).alias("extra_secondary"),
        pl.lit(None, pl.String).alias("p_city"),
        pl.lit(None, pl.String).alias("p_state"),
        pl.lit(None, pl.String).alias("p_zip"),
        pl.when(blank).then(pl.lit("blank")).otherwise(pl.lit("ok")).alias("status"),
        pl.lit(None, pl.String).alias("text"),
        fast.alias("fast"),
    ).collect()
    assert tuple(parts.columns[:-1]) == PART_FIELDS
    return parts
