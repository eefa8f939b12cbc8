"""Dates of events (a death, a bankruptcy's filing and dismissal, an NCOA move) after the run's
as-of date, end to end (stages without Prefect, real DuckDB, delivered files): ingest keeps them
and resolution and suppression judge them against the run's own as-of date. A death after it
disputes the death (held for review, no estate letters), a move effective after it is not
applied, a filing after it disputes the case. The same files give the same results whichever
run loaded them: loaded by a run as of 2026-07-15 and judged again as of 2026-09-01, the death
stands, the move applies and a dismissal of 2026-07-16 lifts the stay.

The death index and the court file are backfills: reported 2026-08-20, after the death and the
filing of 2026-08-01 and the dismissal of 2026-07-16, and run as of 2026-07-15 (a past as-of date
judged with files delivered later). A date after the file's own report date is another thing: no
file reports a death, nor a court a filing or a dismissal, that has not happened, so it is a
wrong date (2126 for 2026), nulled at load: the death stands, undated, and the case holds the
account, its date unknown, its dismissal lifting nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from skiptrace import sql
from skiptrace.flows.orchestration.params import RefreshParams
from tests.pipeline import run_stages

EARLY, LATER = dt.date(2026, 7, 15), dt.date(2026, 9, 1)
ACCOUNT_HEADER = (
    "account_id,first_name,middle_name,last_name,suffix,full_name,ssn,dob,address_line1,"
    "address_line2,city,state,zip,phone,phone_2,phone_3,phone_consent,email,balance,placed_date,"
    "cease_desist,bankruptcy,deceased,attorney_represented,attorney_name,attorney_phone,dispute,"
    "do_not_call"
)
PEOPLE = {  # account: (first, last, street number); SSN 52133xxxx from the account number
    "9100000001": ("Aaron", "Futurebk", "101"),
    "9100000002": ("Bea", "Keyedfiling", "102"),
    "9100000003": ("Cy", "Keyeddismissal", "103"),
    "9100000004": ("Dina", "Futuredism", "104"),
    "9100000006": ("Fran", "Futuredeath", "106"),
    "9100000007": ("Gail", "Deadtoday", "107"),
    "9100000008": ("Hal", "Keyeddeath", "108"),
    "9100000010": ("Jay", "Ncoafuture", "110"),
    "9100000011": ("Kay", "Ncoathismonth", "111"),
}


def ssn(account: str) -> str:
    return "52133" + account[-4:]


def write_inputs(root: Path) -> Path:
    """Accounts and the three public-record files, as their vendors deliver them."""
    rows = [ACCOUNT_HEADER] + [
        f"{a},{f},,{last},,,{ssn(a)},1975-03-02,{n} Oak St,,Columbus,OH,43215,614221{a[-4:]},,,N,,"
        "500.00,2024-01-01,N,N,N,N,,,N,N"
        for a, (f, last, n) in PEOPLE.items()
    ]
    (root / "accounts.csv").write_text("\n".join(rows) + "\n")
    bk = ["CASE_NUMBER,DEBTOR_NAME,SSN,ADDRESS,CITY,STATE,ZIP,DATE_FILED,DATE_DISMISSED"]
    for case, a, filed, dismissed in (
        ("2:26-bk-00001", "9100000001", "08/01/2026", ""),  # filed after the as-of date
        ("2:26-bk-00005", "9100000004", "01/10/2026", "07/16/2026"),  # dismissed the day after
        # after the file's report date: keying errors (2126 for 2026)
        ("2:26-bk-00002", "9100000002", "03/02/2126", "06/01/2026"),
        ("2:26-bk-00003", "9100000003", "01/10/2026", "06/01/2126"),
    ):
        first, last, n = PEOPLE[a]
        bk.append(
            f"{case},{first.upper()} {last.upper()},{ssn(a)},{n} Oak St,Columbus,OH,43215,"
            f"{filed},{dismissed}"
        )
    (root / "bankruptcy.csv").write_text("\n".join(bk) + "\n")
    dmf = ["REC_ID,SSN,LAST,FIRST,DOD,DOB"]
    for rec, a, dod in (
        ("DM1", "9100000006", "08012026"),  # after the as-of date, before the report date
        ("DM2", "9100000007", "07152026"),
        ("DM3", "9100000008", "11012126"),  # after the file's report date: a keying error
    ):
        first, last, _ = PEOPLE[a]
        dmf.append(f"{rec},{ssn(a)},{last.upper()},{first.upper()},{dod},03021975")
    (root / "death_index.csv").write_text("\n".join(dmf) + "\n")
    ncoa = ["ID,NAME,OLD_ADDR,OLD_CITY,OLD_ST,OLD_ZIP,NEW_ADDR,NEW_CITY,NEW_ST,NEW_ZIP,TYPE,EFF"]
    for rec, a, eff in (("NC1", "9100000010", "202608"), ("NC2", "9100000011", "202607")):
        first, last, n = PEOPLE[a]
        ncoa.append(
            f"{rec},{first.upper()} {last.upper()},{n} OAK ST,COLUMBUS,OH,43215,"
            f"900 PINE ST,DENVER,CO,80202,I,{eff}"
        )
    (root / "ncoa_moves.csv").write_text("\n".join(ncoa) + "\n")
    sources = [
        {"name": "bankruptcy", "kind": "bankruptcy", "path": "bankruptcy.csv",
         "reliability": 0.97, "permissible_purpose": "PACER", "record_date": "2026-08-20",
         "date_formats": ["%m/%d/%Y"],
         "columns": {"bk_case_number": "CASE_NUMBER", "full_name": "DEBTOR_NAME", "ssn": "SSN",
                     "address_line1": "ADDRESS", "city": "CITY", "state": "STATE", "zip": "ZIP",
                     "bk_filing_date": "DATE_FILED", "bk_dismissal_date": "DATE_DISMISSED"}},
        {"name": "death_index", "kind": "deceased", "path": "death_index.csv",
         "reliability": 0.98, "permissible_purpose": "LADMF", "record_date": "2026-08-20",
         "date_formats": ["%m%d%Y"],
         "columns": {"record_id": "REC_ID", "ssn": "SSN", "last_name": "LAST",
                     "first_name": "FIRST", "date_of_death": "DOD", "dob": "DOB"}},
        {"name": "ncoa", "kind": "ncoa", "path": "ncoa_moves.csv", "reliability": 0.95,
         "permissible_purpose": "USPS NCOALink", "record_date": "2026-07-10",
         "date_formats": ["%Y%m"], "name_order": "first_last",
         "columns": {"record_id": "ID", "full_name": "NAME", "address_line1": "OLD_ADDR",
                     "city": "OLD_CITY", "state": "OLD_ST", "zip": "OLD_ZIP",
                     "new_address_line1": "NEW_ADDR", "new_city": "NEW_CITY",
                     "new_state": "NEW_ST", "new_zip": "NEW_ZIP", "move_type": "TYPE",
                     "move_effective_date": "EFF"}},
    ]  # fmt: skip
    (root / "sources.yml").write_text(yaml.safe_dump({"sources": sources}))
    return root


def params(root: Path, db: Path, as_of: dt.date) -> RefreshParams:
    return RefreshParams(
        accounts=root / "accounts.csv", sources=root / "sources.yml", db=db,
        out=root / "out", as_of=as_of,
    )  # fmt: skip


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One database: the files loaded by a run as of EARLY, judged again by a run as of LATER."""
    root = write_inputs(tmp_path_factory.mktemp("event_dates"))
    con = sql.connect(root / "st.duckdb")
    run_stages(con, params(root, root / "st.duckdb", EARLY), "20260715T060000Z-early")
    run_stages(con, params(root, root / "st.duckdb", LATER), "20260901T060000Z-later")
    yield con
    con.close()


def flags(con: duckdb.DuckDBPyConnection, as_of: dt.date, account: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT f.flag, f.evidence FROM account_flags f JOIN runs r USING (run_id)"
        " WHERE r.as_of = ? AND f.account_id = ?",
        [as_of, account],
    ).fetchall()
    return dict(rows)


def rules(con: duckdb.DuckDBPyConnection, as_of: dt.date, account: str) -> set[str]:
    """The rules that decided about the account in the run as of `as_of` (any scope)."""
    rows = con.execute(
        "SELECT s.rule FROM suppressions s JOIN runs r USING (run_id)"
        " WHERE r.as_of = ? AND s.account_id = ? AND s.rule <> 'mobile_without_consent'",
        [as_of, account],
    ).fetchall()
    return {r for (r,) in rows}


def addresses(con: duckdb.DuckDBPyConnection, as_of: dt.date, account: str) -> dict[str, str]:
    """street -> status of the account holder's addresses in the run as of `as_of`."""
    rows = con.execute(
        "SELECT split_part(p.contact_key, '|', 1), p.status FROM contact_points p"
        " JOIN runs r USING (run_id)"
        " WHERE r.as_of = ? AND p.account_id = ? AND p.contact_type = 'address'"
        " AND p.role = 'debtor'",
        [as_of, account],
    ).fetchall()
    return dict(rows)


def test_a_death_after_the_as_of_date_is_disputed_not_applied(runs: Any) -> None:
    early = flags(runs, EARLY, "9100000006")
    assert set(early) == {"deceased_disputed"}
    assert "date of death 2026-08-01 is in the future" in early["deceased_disputed"]
    assert rules(runs, EARLY, "9100000006") == {"deceased_disputed"}  # held, no estate letter
    assert set(flags(runs, EARLY, "9100000007")) == {"deceased"}  # dated the as-of day
    # judged again as of 2026-09-01 from what the first run loaded: a death, dated
    later = flags(runs, LATER, "9100000006")
    assert set(later) == {"deceased"} and "date of death 2026-08-01" in later["deceased"]
    assert "deceased" in rules(runs, LATER, "9100000006")


def test_a_death_after_the_files_report_date_is_a_death_with_a_wrong_date(runs: Any) -> None:
    """Dated 2126-11-01 in a file reported 2026-08-20: the date is wrong, not the death. It was
    disputed as a death 'in the future' (held, nobody contacted, the estate never told); it is
    a field issue of the file and an undated death, routed to the estate in both runs."""
    note = "date of death '11012126' is after the record's report date 2026-08-20: not used"
    for as_of in (EARLY, LATER):
        got = flags(runs, as_of, "9100000008")
        assert set(got) == {"deceased"}, (as_of, got)
        assert note in got["deceased"] and "in the future" not in got["deceased"]
        assert "deceased" in rules(runs, as_of, "9100000008")
    issues = runs.execute(
        "SELECT reason, action, value_masked FROM field_issues"
        " WHERE source = 'death_index' AND column_name = 'date_of_death' ORDER BY line_no"
    ).fetchall()
    assert issues == [  # the backfill's death is kept, noted; the keyed one nulled
        ("future_date", "kept", "08012026"), ("after_record_date", "nulled", "11012126"),
    ]  # fmt: skip


def test_a_move_effective_after_the_as_of_date_is_not_applied_yet(runs: Any) -> None:
    assert "moved" not in flags(runs, EARLY, "9100000010")
    early = addresses(runs, EARLY, "9100000010")
    assert "900 PINE ST" not in early and early["110 OAK ST"] != "suppressed"
    assert "moved" in flags(runs, EARLY, "9100000011")  # effective 2026-07-01: applied
    # as of 2026-09-01 the move of 2026-08 is true: forwarding address first, the old one bad
    assert "effective 2026-08-01" in flags(runs, LATER, "9100000010")["moved"]
    assert "900 PINE ST" in addresses(runs, LATER, "9100000010")
    assert "known_not_at_address" in rules(runs, LATER, "9100000010")


def test_a_bankruptcy_filed_after_the_as_of_date_is_disputed(runs: Any) -> None:
    early = flags(runs, EARLY, "9100000001")
    assert set(early) == {"bankruptcy", "bankruptcy_disputed"}
    assert "filed 2026-08-01" in early["bankruptcy"]
    assert "filing date in the future" in early["bankruptcy_disputed"]
    # held as a case while a person checks it, as every doubtful case is (a stay violation is
    # the worse error): loaded with its date nulled, it was held too, with no word of the doubt
    assert {"bankruptcy_doubtful", "bankruptcy_stay"} <= rules(runs, EARLY, "9100000001")
    # as of 2026-09-01 the filing is past: a case, no longer doubtful, and the stay holds
    assert set(flags(runs, LATER, "9100000001")) == {"bankruptcy"}
    assert "bankruptcy_stay" in rules(runs, LATER, "9100000001")


def test_a_dismissal_after_the_as_of_date_lifts_the_stay_when_it_is_past(runs: Any) -> None:
    """Dismissed 2026-07-16: still stayed as of 2026-07-15, lifted as of 2026-09-01, although
    the run that loaded the file was the one as of 2026-07-15."""
    assert "dismissed 2026-07-16" in flags(runs, EARLY, "9100000004")["bankruptcy"]
    assert "bankruptcy_stay" in rules(runs, EARLY, "9100000004")
    assert "bankruptcy_stay" not in rules(runs, LATER, "9100000004")


def test_a_court_date_after_the_files_report_date_is_not_used_and_the_case_holds(
    runs: Any,
) -> None:
    """A filing dated 2126-03-02 and a dismissal dated 2126-06-01, in a court file reported
    2026-08-20: the dates are wrong, not the cases. Each case stands with that date unknown,
    held in both runs and sent to review, the delivered date named. Without its filing date, a
    dismissal of 2026-06-01 cannot be checked against the case (dated before the filing as
    delivered): it does not lift the stay. Without its dismissal date, a case is not dismissed."""
    for account, note in (
        ("9100000002", "filing date '03/02/2126' is after the record's report date 2026-08-20"),
        ("9100000003", "dismissal date '06/01/2126' is after the record's report date 2026-08-20"),
    ):
        for as_of in (EARLY, LATER):
            got = flags(runs, as_of, account)
            assert set(got) == {"bankruptcy", "bankruptcy_disputed"}, (account, as_of, got)
            assert f"{note}: not used" in got["bankruptcy"], got
            assert f"doubtful: {note}: not used" in got["bankruptcy_disputed"], got
            assert "in the future" not in got["bankruptcy_disputed"], got
            assert {"bankruptcy_doubtful", "bankruptcy_stay"} <= rules(runs, as_of, account)
    reason = runs.execute(
        "SELECT s.reason FROM suppressions s JOIN runs r USING (run_id)"
        " WHERE r.as_of = ? AND s.account_id = '9100000002' AND s.rule = 'bankruptcy_stay'",
        [LATER],
    ).fetchone()
    assert reason == ("bankruptcy: collection held from the filing date: chapter ? case"
                      " 2:26-bk-00002, filing date unknown",)  # fmt: skip
    issues = runs.execute(
        "SELECT line_no, column_name, reason, action, value_masked FROM field_issues"
        " WHERE source = 'bankruptcy' ORDER BY line_no, column_name"
    ).fetchall()
    assert issues == [  # the backfill's dates are kept, noted; the keyed ones nulled
        (2, "bk_filing_date", "future_date", "kept", "08/01/2026"),
        (3, "bk_dismissal_date", "future_date", "kept", "07/16/2026"),
        (4, "bk_filing_date", "after_record_date", "nulled", "03/02/2126"),
        (5, "bk_dismissal_date", "after_record_date", "nulled", "06/01/2126"),
    ]
