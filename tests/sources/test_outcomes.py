"""Collectors' outcomes as a source kind (`outcomes` in sources.yml) and the shared store."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from skiptrace.sources.outcomes import OutcomeError, load_outcome_source, store_outcomes
from skiptrace.sources.registry import load_registry

REGISTRY = """
- name: dialer
  kind: outcomes
  path: dispositions_*.csv
  format: csv
  columns: {account_id: ACCT, contact: NUMBER, outcome: RESULT, outcome_date: DATE, agent: AGENT}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def outcomes(con) -> list[tuple]:
    return con.execute(
        "SELECT origin, origin_id, account_id, contact_type, contact_key, outcome,"
        " CAST(outcome_date AS VARCHAR), agent FROM contact_outcomes ORDER BY origin_id"
    ).fetchall()


def test_an_outcomes_file_is_loaded_normalized_and_replaced_by_the_next_delivery(
    con, tmp_path: Path
) -> None:
    source = load_registry(write(tmp_path, "sources.yml", REGISTRY)).sources[0]
    assert source.reliability == 1.0 and source.permissible_purpose  # defaults for the kind
    write(
        tmp_path, "dispositions_1.csv",
        "ACCT,NUMBER,RESULT,DATE,AGENT\n"
        "A1,(404) 555-0101,Wrong_Number,2026-10-30,jd\n"
        "A1,Jo@Example.COM,right_party,2026-10-31,\n"
        "A2,12 OAK ST|30301,returned_mail,2026-10-29,mk\n"
        ",4045550100,wrong_number,2026-10-30,x\n",
    )  # fmt: skip
    assert load_outcome_source(con, source) == 3  # the row without an account is dropped
    assert outcomes(con) == [
        ("dialer", "dispositions_1.csv:2", "A1", "phone", "+14045550101", "wrong_number", "2026-10-30", "jd"),
        ("dialer", "dispositions_1.csv:3", "A1", "email", "jo@example.com", "right_party", "2026-10-31", None),
        ("dialer", "dispositions_1.csv:4", "A2", "address", "12 OAK ST|30301", "returned_mail", "2026-10-29", "mk"),
    ]  # fmt: skip
    (tmp_path / "dispositions_1.csv").unlink()
    write(
        tmp_path,
        "dispositions_2.csv",
        "ACCT,NUMBER,RESULT,DATE,AGENT\nA3,4045550102,dispute,2026-11-01,jd\n",
    )
    assert load_outcome_source(con, source) == 1
    assert [r[2] for r in outcomes(con)] == ["A3"]


def test_unknown_outcomes_and_missing_columns_are_refused_in_one_line(con, tmp_path: Path) -> None:
    source = load_registry(write(tmp_path, "sources.yml", REGISTRY)).sources[0]
    write(
        tmp_path,
        "dispositions_1.csv",
        "ACCT,NUMBER,RESULT,DATE\nA1,4045550101,hung_up,2026-10-30\n",
    )
    with pytest.raises(OutcomeError, match="unknown outcome"):
        load_outcome_source(con, source)
    write(tmp_path, "dispositions_1.csv", "ACCT,NUMBER,DATE\nA1,4045550101,2026-10-30\n")
    with pytest.raises(OutcomeError, match=r"no column for \['outcome'\]"):
        load_outcome_source(con, source)


def test_another_origin_is_left_alone(con) -> None:
    row = {"origin_id": "1", "account_id": "A1", "contact": "4045550101", "outcome": "no_answer",
           "outcome_date": "2026-10-30"}  # fmt: skip
    store_outcomes(con, pl.DataFrame([row]), "postgres")
    store_outcomes(con, pl.DataFrame([{**row, "account_id": "A2"}]), "dialer")
    store_outcomes(con, pl.DataFrame([{**row, "account_id": "A3"}]), "postgres")
    assert sorted(r[:3] for r in outcomes(con)) == [("dialer", "1", "A2"), ("postgres", "1", "A3")]
