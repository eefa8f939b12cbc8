"""An incremental refresh writes the same pairs and contacts as a full run over the same data
with the same model parameters.

Database A: a full run over a generated portfolio, then an account-update file (moves, swapped
phones, a new e-mail, a twin of an existing debtor, a brand-new debtor) and a new credit-header
file (the movers at their new addresses, the new debtor, a father of a debtor) and collectors'
outcomes (a wrong number, a right-party contact); a small header file is re-delivered
(`replace`) without a record run 1 had (a removed record). Matched
incrementally. Database B: a copy of A after run 1 (database and out folder), given the same
run 2 delivery, matched in full with run 1's stored parameters. (A full run repeated gives the
same result: tests/flows/orchestration/test_replay.py, tests/matchers/test_link.py.) Stages are called directly (no Prefect), as the
kill-and-rerun test does. Besides the pairs, the run's resolve / suppress tables and every export
file must be identical: the contract an incremental resolve, suppress and emit has to keep
(docs/scaling.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from skiptrace import sql
from skiptrace.flows.orchestration.params import RefreshParams
from tests.pipeline import copy_portfolio, run_stages

RUN1, RUN2 = "20261101T000000Z-full", "20261102T000000Z-incr"
PAIRS = (
    "SELECT account_id, rec_id, round(match_probability, 12) AS p, role, guard "
    "FROM match_pairs WHERE run_id = ? ORDER BY account_id, rec_id"
)
OUTPUTS = ("contacts.csv", "matches.csv", "account_flags.csv")
#: Run 2's registry adds collectors' outcomes (dispositions_002.csv, written by write_deltas).
OUTCOMES_SOURCE = """- name: dialer
  kind: outcomes
  path: dispositions_*.csv
  format: csv
  columns: {account_id: ACCT, contact: NUMBER, outcome: RESULT, outcome_date: DATE, agent: AGENT}
"""


def _yyyymmdd(value: str | None) -> str:
    if not value:
        return ""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value.replace("-", "")
    m, d, y = value.split("/")
    return f"{y}{int(m):02d}{int(d):02d}"


def _accounts(root: Path) -> tuple[list[str], list[dict[str, Any]]]:
    with (root / "accounts.csv").open(newline="") as f:  # csv, not polars: the generator
        reader = csv.reader(f)  # plants malformed lines, which polars refuses
        header = next(reader)
        rows = [dict(zip(header, r, strict=True)) for r in reader if len(r) == len(header)]
    return header, rows


def _with_names(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["first_name"] and r["last_name"] and r["ssn"]]


def _header_record(rid: str, a: dict[str, Any], **over: str) -> dict[str, str]:
    """A credit-header row (the generator's layout) for the person of account row `a`."""
    rec = {
        "REC_ID": rid, "SURNAME": a["last_name"] or "", "GIVEN": a["first_name"] or "",
        "MID": a["middle_name"] or "", "SFX": a["suffix"] or "",
        "SSN": (a["ssn"] or "").replace("-", ""), "BIRTH_DT": _yyyymmdd(a["dob"]),
        "STREET": a["address_line1"] or "", "UNIT": a["address_line2"] or "",
        "CITY": a["city"] or "", "ST": a["state"] or "", "ZIP5": (a["zip"] or "")[:5],
        "PHONE": "", "RPT_DT": "20261015",
    }  # fmt: skip
    rec.update(over)
    return rec


def write_extra_header(root: Path, *, with_removed: bool) -> dict[str, Any]:
    """credit_header_extra.tsv: run 1's has two records, run 2's re-delivery (`replace`) only the
    second, so the first (a new address and phone for a debtor) is a removed record."""
    _, rows = _accounts(root)
    gone, kept = _with_names(rows)[12], _with_names(rows)[13]
    records = [_header_record("CHX0000002", kept, PHONE="7735552178")]
    if with_removed:
        records.insert(0, _header_record(
            "CHX0000001", gone, STREET="77 Quarry Rd", UNIT="", PHONE="7735552177",
            RPT_DT="20261020",
        ))  # fmt: skip
    pl.DataFrame(records).write_csv(root / "credit_header_extra.tsv", separator="\t")
    return {"removed": ("CHX0000001", gone["account_id"])}


def write_deltas(root: Path) -> dict[str, Any]:
    """accounts_update.csv and credit_header_002.tsv (see the module docstring)."""
    header, rows = _accounts(root)
    changed: list[dict[str, Any]] = []
    records: list[dict[str, str]] = []

    def record(rid: str, a: dict[str, Any], **over: str) -> None:
        records.append(_header_record(rid, a, **over))

    with_names = _with_names(rows)
    target = with_names[40]  # the movers go to this account's city
    for k, a in enumerate(with_names[:3]):  # movers: new address, found at it by the header
        moved = dict(a, address_line1=f"{900 + k} Harbor View Dr", address_line2="",
                     city=target["city"], state=target["state"], zip=target["zip"])  # fmt: skip
        changed.append(moved)
        record(f"CHN{k:07d}", moved)
    for k, a in enumerate(with_names[3:5]):  # a new primary phone, the old one second
        changed.append(dict(a, phone=f"212555211{k}", phone_2=a["phone"]))
    changed.append(dict(with_names[5], email="new.address@example.org"))
    twin = dict(with_names[6], account_id="NEW0000001")  # the same debtor placed twice
    twin_of = with_names[6]["account_id"]
    fresh = dict(with_names[7], account_id="NEW0000002", first_name="ZORAN",
                 last_name="QUENTINSKY", middle_name="", suffix="", ssn="611223344",
                 dob="1971-03-09", address_line1="14 Juniper Ct", address_line2="",
                 phone="3125552144", phone_2="", phone_3="", email="")  # fmt: skip
    changed += [twin, fresh]
    record("CHN0000010", fresh, PHONE="3125552144")
    father = with_names[8]  # his father, same name and address, another generation
    record("CHN0000011", father, SFX="SR", SSN="622334455", BIRTH_DT="19440704")
    # a record of run 1's credit_header.tsv delivered again, with a new phone: the later
    # delivery supersedes its earlier row (a removed record and a new one, migration 113)
    ssns = {(a["ssn"] or "").replace("-", "") for a in with_names[20:]}
    with (root / "credit_header.tsv").open(newline="") as f:
        again = next(r for r in csv.DictReader(f, delimiter="\t") if r["SSN"] in ssns)
    records.append(dict(again, PHONE="3125550188", RPT_DT="20261030"))

    # collectors' outcomes arrive with run 2: a wrong number and a right-party contact
    bad, good = with_names[9], with_names[10]
    (root / "dispositions_002.csv").write_text(
        "ACCT,NUMBER,RESULT,DATE,AGENT\n"
        f"{bad['account_id']},{bad['phone']},wrong_number,2026-10-30,jd\n"
        f"{good['account_id']},{good['phone']},right_party,2026-10-31,mk\n"
    )
    with (root / "accounts_update.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(changed)
    pl.DataFrame(records).write_csv(root / "credit_header_002.tsv", separator="\t")
    return {
        "accounts_changed": 6, "accounts_new": 2, "records_new": len(records),
        "wrong_number": (bad["account_id"], bad["phone"]), "redelivered": again["REC_ID"],
        "twin_of": twin_of,
    }  # fmt: skip


def _params(
    root: Path, db: Path, accounts: str, sources: str, as_of: dt.date, *, replace: bool = False
) -> RefreshParams:
    return RefreshParams(
        accounts=root / accounts, sources=root / sources, db=db, out=db.parent / "out",
        as_of=as_of, replace=replace,
    )  # fmt: skip


def _outputs(run_dir: Path) -> dict[str, pl.DataFrame]:
    return {
        name: pl.read_csv(run_dir / name, infer_schema=False).drop("run_id").sort(pl.all())
        for name in OUTPUTS
    }


@pytest.fixture(scope="module")
def runs(
    small_portfolio, tmp_path_factory: pytest.TempPathFactory, migrated_template: Path
) -> Iterator[dict[str, Any]]:
    root = copy_portfolio(small_portfolio, tmp_path_factory.mktemp("incremental")).root
    registry = (root / "sources.yml").read_text()
    assert "path: credit_header.tsv" in registry
    headers = registry.replace("path: credit_header.tsv", "path: credit_header*.tsv")
    (root / "sources_v1.yml").write_text(headers)
    (root / "sources_v2.yml").write_text(headers + OUTCOMES_SOURCE)
    as_of = small_portfolio.as_of

    # run 1 in A, which will go on incrementally; B is a copy of A after run 1 (its database
    # and out folder), where run 2 runs in full: run 2 starts from the same completed run 1 in
    # both, so its delta and worklist compare with the same previous run. (B ran the same run 1
    # itself before: 4-5 s of the module's 22 s.)
    removed = write_extra_header(root, with_removed=True)
    a, b = root / "a" / "st.duckdb", root / "b" / "st.duckdb"
    a.parent.mkdir()
    shutil.copyfile(migrated_template, a)  # the session's migrated database (tests/conftest.py)
    con_a = sql.connect(a)
    full = run_stages(con_a, _params(root, a, "accounts.csv", "sources_v1.yml", as_of), RUN1)
    con_a.close()
    shutil.copytree(a.parent, b.parent)
    con_a, con_b = sql.connect(a), sql.connect(b)

    # run 2's delivery: the deltas, and the extra header re-delivered without its first record
    expected = write_deltas(root) | write_extra_header(root, with_removed=False)
    assert expected["removed"] == removed["removed"]
    p2 = "accounts_update.csv", "sources_v2.yml"
    incr = run_stages(con_a, _params(root, a, *p2, as_of, replace=True), RUN2)

    # B: run 2 matched in full with run 1's parameters
    from skiptrace.matchers.link import MatchSettings

    rebuilt = run_stages(
        con_b,
        _params(root, b, *p2, as_of, replace=True),
        RUN2,
        settings=MatchSettings(reuse_params_from=RUN1),
        full_rebuild=True,
    )
    yield {
        "a": con_a, "b": con_b, "full": full, "incr": incr, "rebuilt": rebuilt,
        "expected": expected, "out_a": a.parent / "out", "out_b": b.parent / "out",
    }  # fmt: skip
    con_a.close()
    con_b.close()


def test_modes_are_as_planned(runs: dict[str, Any]) -> None:
    assert runs["full"]["mode"] == "full" and runs["full"]["trained_on"] == "em"
    inc = runs["incr"]["increment"]
    assert runs["incr"]["mode"] == "incremental", inc
    assert runs["incr"]["trained_on"] == f"reused:{RUN1}"
    assert inc["accounts_new"] == runs["expected"]["accounts_new"]
    assert inc["accounts_changed"] == runs["expected"]["accounts_changed"]
    # + the extra header's kept record: a re-delivered file's rows are new rows (rec_id is
    # file_no and line), its earlier load's rows removed; and the re-delivered record's
    # earlier row, superseded by its new one
    assert inc["records_new"] == runs["expected"]["records_new"] + 1
    assert inc["records_removed"] == 3
    assert 0 < inc["pairs_compared"] < inc["pairs_carried"] / 10
    assert runs["rebuilt"]["mode"] == "full" and runs["rebuilt"]["trained_on"] == f"reused:{RUN1}"
    assert runs["rebuilt"]["candidate_pairs"] == runs["incr"]["candidate_pairs"]


def test_resolve_took_the_incremental_path(runs: dict[str, Any]) -> None:
    """Run 2's resolve in A carried the evidence of the unchanged accounts (the contract below
    is then a real test of the incremental path); B's was full, as asked."""
    assert runs["full"]["resolve"]["mode"] == "full"
    assert runs["full"]["resolve"]["reason"] == "first resolve (no cache)"
    assert runs["incr"]["resolve"]["mode"] == "incremental", runs["incr"]["resolve"]
    assert runs["rebuilt"]["resolve"]["mode"] == "full"
    assert runs["rebuilt"]["resolve"]["reason"] == "full rebuild requested"
    query = (
        "SELECT mode, accounts, accounts_dirty, accounts_new, evidence_rows_carried,"
        " evidence_rows_computed FROM resolve_increments WHERE run_id = ?"
    )
    mode, accounts, dirty, new, carried, computed = runs["a"].execute(query, [RUN2]).fetchone()
    expected = runs["expected"]
    assert mode == "incremental" and new == expected["accounts_new"]
    # the changed and new accounts, those linked to new or removed records (the movers, the
    # father's son, the twin's original...), and nothing like the whole portfolio
    assert expected["accounts_changed"] + expected["accounts_new"] <= dirty < accounts / 4
    assert 0 < computed < carried


def test_same_pairs_as_a_full_run_with_the_same_parameters(runs: dict[str, Any]) -> None:
    incr = sql.frame(runs["a"], PAIRS, [RUN2])
    full = sql.frame(runs["b"], PAIRS, [RUN2])
    assert incr.height > 0 and incr.equals(full)
    # the deltas did change the result: the twin (the same debtor placed again) shares the
    # original's debtor records now (one identity), the father is guarded
    twin = incr.filter(pl.col("account_id") == "NEW0000001")
    original = incr.filter(pl.col("account_id") == runs["expected"]["twin_of"])
    debtor = pl.col("role") == "debtor"
    assert twin.filter(debtor).height > 0
    assert twin.filter(debtor)["rec_id"].to_list() == original.filter(debtor)["rec_id"].to_list()
    assert sql.frame(runs["a"], PAIRS, [RUN1]).height != incr.height


def test_same_exports_as_a_full_run(runs: dict[str, Any]) -> None:
    got = _outputs(runs["out_a"] / RUN2)
    want = _outputs(runs["out_b"] / RUN2)
    for name in OUTPUTS:
        assert got[name].height > 0 or name == "account_flags.csv"
        assert got[name].equals(want[name]), name


#: The run's resolve / suppress tables: an incremental run must write exactly a full run's rows.
RUN_TABLES = ("contact_points", "contact_support", "account_flags", "suppressions")


@pytest.mark.parametrize("table", RUN_TABLES)
def test_same_run_tables_as_a_full_run(runs: dict[str, Any], table: str) -> None:
    """Row for row, every column: the contract incremental resolve / suppress must keep
    (docs/scaling.md, "Incremental resolve, suppress and emit")."""
    query = f"SELECT * EXCLUDE (run_id) FROM {table} WHERE run_id = ?"
    got = sql.frame(runs["a"], query, [RUN2])
    want = sql.frame(runs["b"], query, [RUN2])
    assert table == "account_flags" or got.height > 0
    assert got.sort(pl.all()).equals(want.sort(pl.all())), table


def test_export_files_byte_for_byte(runs: dict[str, Any]) -> None:
    """Every export file of the run (delta and worklist included: both databases have the same
    completed run 1 to compare with) is byte-identical to the full run's."""
    run_a, run_b = runs["out_a"] / RUN2, runs["out_b"] / RUN2
    names = sorted(p.name for p in run_a.iterdir() if p.suffix in (".csv", ".parquet"))
    assert set(OUTPUTS) <= set(names)
    assert names == sorted(p.name for p in run_b.iterdir() if p.suffix in (".csv", ".parquet"))
    differ = [n for n in names if (run_a / n).read_bytes() != (run_b / n).read_bytes()]
    assert differ == [], differ


def test_the_outcome_changed_the_contact(runs: dict[str, Any]) -> None:
    """The wrong number reported before run 2 lowers that phone's confidence for its account:
    the equivalence above covers an account whose outcome changed."""
    account, phone = runs["expected"]["wrong_number"]
    query = (
        "SELECT run_id, confidence FROM contact_points WHERE account_id = ? AND phone = ? "
        "AND contact_type = 'phone' ORDER BY run_id"
    )
    digits = re.sub(r"\D", "", phone)[-10:]  # contact_points keep the 10-digit number
    got = runs["a"].execute(query, [account, digits]).fetchall()
    assert [r[0] for r in got] == [RUN1, RUN2]
    assert got[1][1] < got[0][1] * 0.5


def test_the_removed_record_is_gone(runs: dict[str, Any]) -> None:
    """The record dropped from the re-delivered header file supported its debtor's contacts in
    run 1 and supports nothing in run 2: the equivalence covers a removed record."""
    record_id, account = runs["expected"]["removed"]
    query = (
        "SELECT DISTINCT cs.run_id FROM contact_support cs JOIN source_records r USING (rec_id) "
        "WHERE r.record_id = ? AND cs.account_id = ? ORDER BY 1"
    )
    assert [r[0] for r in runs["a"].execute(query, [record_id, account]).fetchall()] == [RUN1]


def test_a_redelivered_record_counts_once(runs: dict[str, Any]) -> None:
    """A record of run 1's credit header delivered again by run 2's: only its new row is
    current, and it alone supports its debtor's contacts in run 2 (the equivalence above covers
    a record superseded row by row, not by its file)."""
    record_id = runs["expected"]["redelivered"]
    current = (
        "SELECT i.file_name, r.phone FROM current_source_records r JOIN input_files i"
        " USING (file_no) WHERE r.record_id = ?"
    )
    assert runs["a"].execute(current, [record_id]).fetchall() == [
        ("credit_header_002.tsv", "3125550188")
    ]
    support = (
        "SELECT DISTINCT cs.run_id, i.file_name FROM contact_support cs JOIN source_records r"
        " USING (rec_id) JOIN input_files i ON i.file_no = r.file_no WHERE r.record_id = ?"
        " ORDER BY 1"
    )
    assert runs["a"].execute(support, [record_id]).fetchall() == [
        (RUN1, "credit_header.tsv"),
        (RUN2, "credit_header_002.tsv"),
    ]
