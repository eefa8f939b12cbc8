"""The batch phone path (polars parse + facts per NANP prefix) equals the per-string path."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import polars as pl

from skiptrace.matchers.phones import (
    _facts,
    _nanp_key_length,
    _pattern_depth,
    _prefix_facts,
    standardize_phone,
    standardize_phone_frame,
)

DATA = Path(__file__).parent / "data"
COLUMNS = ("phone_raw", "e164", "valid", "extension", "area_code", "number_type", "time_zone")


def _per_string(raws: list[str]) -> pl.DataFrame:
    rows = [standardize_phone(r) for r in raws]
    return pl.DataFrame(
        {c: [getattr(r, c) for r in rows] for c in COLUMNS},
        schema={c: (pl.Boolean if c == "valid" else pl.String) for c in COLUMNS},
    )


def _spell(rng: random.Random, n: str) -> str:
    a, b, c = n[:3], n[3:6], n[6:]
    return rng.choice(
        [
            f"{a}{b}{c}", f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"1{a}{b}{c}",
            f"+1 {a} {b} {c}", f" {a} {b} {c} ", f"1-{a}-{b}-{c}", f"{a}/{b}-{c}",
            f"({a}){b}{c}", f"{a}{b}{c}.0", f"{a}-{b}-{c} x12", f"+1{a}{b}{c}\n",
        ]
    )  # fmt: skip


def test_batch_equals_per_string_over_the_whole_nanp() -> None:
    rng = random.Random(20261101)
    raws = []
    for area in range(200, 1000):  # every area code: US, Canada, Caribbean, toll-free, 5XX, 900
        for _ in range(12):
            n = f"{area}{rng.randint(0, 9_999_999):07d}"
            raws.append(_spell(rng, n))
    # the regions whose patterns go one digit deeper (Barbados, Jamaica): every 7th digit
    for npa in ("246", "658", "876"):
        for nxx in rng.sample(range(200, 1000), 40):
            for d in range(10):
                raws.append(f"{npa}{nxx}{d}{rng.randint(0, 999):03d}")
    with (DATA / "phone_cases.csv").open(newline="", encoding="utf-8") as f:
        raws += [row["raw"] for row in csv.DictReader(f)]
    raws += ["", "   ", "n/a", "000-000-0000", "555-1234", "+44 20 7946 0958", "２１２５５５１２３４",
             "212\u00a0555\u00a01234", "(212) 555-1234 ext. 7", "1-800-FLOWERS", "911"]  # fmt: skip
    # the fictional 555-01XX is decided per number, not per prefix: both sides of each edge
    raws += [f"{a}555{n:04d}" for a in (212, 312, 876, 907) for n in (99, 100, 150, 199, 200)]
    got = standardize_phone_frame(pl.Series(raws))
    want = _per_string(raws)
    assert got.columns == list(COLUMNS)
    assert got.height == len(raws)
    diff = got.with_row_index().join(want.with_row_index(), on="index", suffix="_want")
    for c in COLUMNS[1:]:
        bad = diff.filter(pl.col(c).ne_missing(pl.col(f"{c}_want")))
        assert bad.height == 0, bad.select("phone_raw", c, f"{c}_want").head(5)


def test_prefix_facts_equal_phonenumbers_per_prefix() -> None:
    """The US fixed/mobile prefixes decided by polars regexes (and their zones by the table
    lookup) get exactly what phonenumbers says for the prefix; so do all the others."""
    rng = random.Random(7)
    keys = sorted({f"{a}{rng.randint(200, 999)}" for a in range(200, 1000) for _ in range(15)})
    keys += [f"{a}{nxx}{d}" for a in ("246", "658", "876") for nxx in (200, 555, 999) for d in range(10)]  # fmt: skip
    got = {row[0]: row[1:] for row in _prefix_facts(keys).iter_rows()}
    assert len(got) == len(keys)
    for key in keys:
        _, valid, _, ntype, zone = _facts(1, int(key.ljust(10, "0")), 0)
        assert got[key] == (valid, ntype, zone), key
    assert sum(1 for v in got.values() if v[1] == "fixed_or_mobile") > 1000  # the fast path ran


def test_key_length_is_derived_and_small() -> None:
    lengths = _nanp_key_length()
    assert lengths[""] == 6  # NPA-NXX for almost all numbers
    assert max(lengths.values()) <= 7


def test_pattern_depth() -> None:
    assert _pattern_depth(r"[2-9]\d{9}") == 1
    assert _pattern_depth(r"8(?:00|33|44)[2-9]\d{6}") == 4
    assert _pattern_depth(r"658295\d{4}|876\d{7}") == 6
    assert _pattern_depth(r"(?:2[0-2]|3)\d{7,8}") == 2
