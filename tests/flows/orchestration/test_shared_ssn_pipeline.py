"""SSNs several accounts carry, end to end (stages without Prefect, real DuckDB) on a generated
portfolio: every bankrupt or deceased debtor placed a second time under a new account id (a
second creditor: same SSN, name, DOB, address), and twenty other debtors keyed with one filler
SSN by the collections system, which the vendor echoes on its returns.

- Both placements of a person get the person's records as debtor links, and so the same
  bankruptcy and death flags (the automatic stay on both). With one debtor account per record
  the two placements tied and neither was linked: the copies had no flag at all.
- The filler is read as a placeholder: a run warning of the match stage counts its accounts and
  records, and no placement is linked to another person's record through it.
"""

from __future__ import annotations

import csv
from typing import Any

import polars as pl
import pytest

from skiptrace import sql
from tests.pipeline import copy_portfolio, portfolio_params, run_stages

RUN = "20261101T000000Z-shared"
#: The collections system's filler for an unknown SSN (not a listed placeholder), built from
#: its parts: no tracked file holds an SSN-shaped string.
FILLER = "".join(("778", "12", "3344"))


def _clean(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.filter(
        pl.col("ssn").str.contains(r"^[1-7][0-9]{8}$")
        & pl.col("first_name").str.contains(r"^[A-Z]+$")
        & pl.col("last_name").str.contains(r"^[A-Z]+$")
        & pl.col("dob").is_not_null()
    )


@pytest.fixture(scope="module")
def run(small_portfolio, tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("shared_ssn")
    pf = copy_portfolio(small_portfolio, root / "portfolio")
    accounts = pl.read_csv(pf.accounts_path, infer_schema=False)
    truth = pl.read_csv(pf.truth_dir / "accounts.csv", infer_schema=False)
    with_truth = accounts.join(truth, on="account_id")
    flagged = with_truth.filter((pl.col("bankrupt") == "Y") | (pl.col("deceased") == "Y"))
    # copied whatever their shape (a copy is the same row), one identity where the SSN is valid
    placed_twice = flagged.filter(
        pl.col("ssn").str.replace_all("-", "").str.contains(r"^[1-578][0-9]{8}$")
    )["account_id"].to_list()
    clean = _clean(with_truth)
    filler = clean.filter((pl.col("bankrupt") != "Y") & (pl.col("deceased") != "Y")).head(20)
    keyed = set(filler["account_id"])
    copies = accounts.filter(
        pl.col("account_id").is_in(flagged["account_id"].implode())
    ).with_columns(
        ("DUP" + pl.col("account_id")).alias("account_id"), pl.lit("123.45").alias("balance")
    )
    accounts = pl.concat([
        accounts.with_columns(
            pl.when(pl.col("account_id").is_in(list(keyed))).then(pl.lit(FILLER))
            .otherwise(pl.col("ssn")).alias("ssn")
        ),
        copies,
    ])  # fmt: skip
    accounts.write_csv(pf.accounts_path)
    vendor = pf.root / "vendor_acme_batch.psv"
    with vendor.open(newline="") as f:
        rows = list(csv.reader(f, delimiter="|"))
    ssn_col, acct_col = rows[0].index("SSN"), rows[0].index("ACCT_NO")
    for r in rows[1:]:
        if len(r) == len(rows[0]) and r[acct_col] in keyed:
            r[ssn_col] = FILLER  # the vendor echoes the SSN it was sent
    with vendor.open("w", newline="") as f:
        csv.writer(f, delimiter="|", lineterminator="\n").writerows(rows)

    params = portfolio_params(pf, root / "st.duckdb")
    con = sql.connect(params.db)
    run_stages(con, params, RUN)
    yield con, pf, placed_twice, keyed
    con.close()


def _per_account(con: Any, query: str) -> dict[str, set[Any]]:
    found: dict[str, set[Any]] = {}
    for account_id, value in con.execute(query, [RUN]).fetchall():
        found.setdefault(account_id, set()).add(value)
    return found


def test_both_placements_of_a_person_carry_its_links_and_flags(run: Any) -> None:
    con, _, placed_twice, _ = run
    assert len(placed_twice) >= 5
    links = _per_account(
        con, "SELECT account_id, rec_id FROM match_pairs WHERE run_id = ? AND role = 'debtor'"
    )
    flags = _per_account(
        con,
        "SELECT account_id, flag FROM account_flags WHERE run_id = ? "
        "AND (flag LIKE 'bankruptcy%' OR flag LIKE 'deceased%')",
    )
    for account_id in placed_twice:
        assert links.get(account_id), account_id
        assert links.get("DUP" + account_id) == links[account_id], account_id
        assert flags.get("DUP" + account_id) == flags.get(account_id), account_id
    assert sum(bool(flags.get("DUP" + a)) for a in placed_twice) >= len(placed_twice) // 2


def test_a_filler_ssn_is_warned_about_and_links_nobody_to_another(run: Any) -> None:
    con, pf, _, keyed = run
    (warning,) = [
        m for s, m in con.execute(
            "SELECT stage, message FROM run_warnings WHERE run_id = ?", [RUN]
        ).fetchall() if s == "match"
    ]  # fmt: skip
    assert warning.startswith("an SSN carried by 20 accounts under names that disagree")
    assert FILLER[-4:] not in warning
    person = {
        r["account_id"]: r["person_id"]
        for r in pl.read_csv(pf.truth_dir / "accounts.csv", infer_schema=False).iter_rows(
            named=True
        )
    }
    records = pl.read_csv(pf.truth_dir / "records.csv", infer_schema=False)
    owner = {(r["source"], r["record_id"]): r["person_id"] for r in records.iter_rows(named=True)}
    linked = con.execute(
        "SELECT m.account_id, r.source, r.record_id FROM match_pairs m "
        "JOIN source_records r USING (rec_id) WHERE m.run_id = ? AND m.role = 'debtor'",
        [RUN],
    ).fetchall()
    wrong = [
        (a, s, rid) for a, s, rid in linked
        if a in keyed and owner.get((s, rid)) not in (None, person[a])
    ]  # fmt: skip
    assert wrong == []
