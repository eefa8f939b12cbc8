"""The batch name path (per distinct field value + polars) equals standardize_name per tuple."""

from __future__ import annotations

import csv
import itertools
import random
from pathlib import Path

import polars as pl

from skiptrace.matchers.names import (
    _CACHE_COLUMNS,
    _CACHE_SCHEMA,
    standardize_name,
    standardize_name_frame,
)

DATA = Path(__file__).parent / "data"

FIRSTS = ["", "John", "JOHN A", "Bob", "Dr. Robert", "Mary-Ann", "john a.", "JR", "Jr John",
          "Robert (Bob)", "J", "JOHN2", "Mr", "William Jr", "Peggy Sue", "Jo Ann Smith", "José",
          "O'Neil", "A B", "DR", "Mike 3rd", "Sue V", "Kathy-Lynn R"]  # fmt: skip
MIDDLES = ["", "A", "a.", "Ann Marie", "Jr", "III", "V", "4", "Lee 2nd", "ESQ"]
LASTS = ["", "Smith", "SMITH JR", "Mc Donald", "O Brien", "de la Cruz", "Garcia-Lopez",
         "Smith III", "Smith V", "SMITH 123", "Jr", "Smith, Jr.", "MAC ARTHUR", "Müller",
         "Smith MD"]  # fmt: skip
SUFFIXES = ["", "Jr.", "SR", "2nd", "iii", "Esq", "junior", "x"]
# Names in a script without written vowels (name_abjad) in each field and on each path: split
# fields, a whole name in the first field, a full name, and with a Latin field beside them.
ABJAD = [("محمد", "", "علي", "", ""), ("", "", "", "", "محمد علي"), ("محمد علي", "", "", "", ""),
         ("John", "", "כהן", "", ""), ("", "ܐ", "Smith", "", ""), ("John", "", "Smith", "", "דוד כהן"),
         ("فاطمة", "A", "حسن", "Jr", "")]  # fmt: skip
FULLS = ["", "SMITH, JOHN A", "John A Smith Jr", "MADONNA", "Maria de la Cruz",
         "JOHN AND MARY SMITH", "Gomez y Garcia, Ana", "PATRICK O BRIEN", "SMITH JOHN A",
         "ACME PLUMBING LLC", "Estate of Bob Smith", "MR AND MRS JOHN SMITH"]  # fmt: skip


def _tuples() -> list[tuple[str, str, str, str, str]]:
    rng = random.Random(11)
    grid = list(itertools.product(FIRSTS, MIDDLES, LASTS, SUFFIXES, FULLS))
    out = rng.sample(grid, 6000) + ABJAD
    with (DATA / "name_cases.csv").open(newline="", encoding="utf-8") as f:
        for c in csv.DictReader(f):
            out.append((c["first"], c["middle"], c["last"], c["suffix"], c["full_name"]))
    return out


def test_batch_equals_per_tuple() -> None:
    tuples = _tuples()
    pending = (
        pl.DataFrame(
            tuples,
            schema=["first_name", "middle_name", "last_name", "suffix", "full_name"],
            orient="row",
        )
        .with_columns(pl.concat_str(pl.all(), separator="|").alias("name_raw"))
        .unique(subset="name_raw", keep="first", maintain_order=True)
    )
    got = standardize_name_frame(pending)
    assert got.columns == list(_CACHE_COLUMNS)
    assert got.filter(pl.col("name_abjad")).height >= len(ABJAD)
    assert got["name_raw"].sort().equals(pending["name_raw"].sort())
    rows = []
    for key, first, middle, last, suffix, full in pending.select(
        "name_raw", "first_name", "middle_name", "last_name", "suffix", "full_name"
    ).iter_rows():
        p = standardize_name(first, middle, last, suffix, full)
        rows.append((key, p.first_std, p.middle_std, p.last_std, p.suffix_std, p.first_canon,
                     p.last_phonetic, p.first_phonetic, p.name_abjad))  # fmt: skip
    want = pl.DataFrame(rows, schema=_CACHE_SCHEMA, orient="row")
    diff = want.join(got, on="name_raw", suffix="_got")
    assert diff.height == want.height
    for c in _CACHE_COLUMNS[1:]:
        bad = diff.filter(pl.col(c).ne_missing(pl.col(f"{c}_got")))
        assert bad.height == 0, bad.select("name_raw", c, f"{c}_got").head(5)


def test_empty() -> None:
    empty = pl.DataFrame(
        schema=dict.fromkeys(
            ["name_raw", "first_name", "middle_name", "last_name", "suffix", "full_name"],
            pl.String,
        )
    )
    assert standardize_name_frame(empty).height == 0
