"""Explain: every contact's lineage back to files and records, masked, for constructed cases.

The cases are the ones compliance asks about: a mover (NCOA forward beats the address on file),
a bankrupt account (everything suppressed under the automatic stay) and a father/son pair that
shares a name and an address (the son's record is an associate, held apart by its guard).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import duckdb
import pytest
from rich.console import Console

from skiptrace import errors
from skiptrace.flows.audit.lineage import (
    LineageError,
    explain_account,
    latest_run_for_account,
    lineage_gaps,
    mask_address,
    record_run_inputs,
    render_text,
    to_json,
    waterfall_from_pair,
)

RUN = "20261101T090000Z-aaaa"
OLD_RUN = "20261001T090000Z-0000"
F = 10_000_000_000  # rec_id = file_no * F + line_no
SSN_SHAPED = re.compile(r"\b\d{3}-?\d{2}-?\d{4}\b")


def put(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows by column name (tests write the lineage tables directly)."""
    for row in rows:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))


def build_cases(con: duckdb.DuckDBPyConnection) -> None:
    """One completed run over five files: accounts, a credit header, NCOA, bankruptcy, a vendor."""
    t0 = dt.datetime(2026, 11, 1, 9, 0)
    put(con, "runs", [
        {"run_id": OLD_RUN, "as_of": dt.date(2026, 10, 1), "started_at": t0 - dt.timedelta(days=31),
         "ended_at": t0 - dt.timedelta(days=31), "status": "completed", "code_version": "0.1.0"},
        {"run_id": RUN, "as_of": dt.date(2026, 11, 1), "started_at": t0,
         "ended_at": t0 + dt.timedelta(minutes=3), "status": "completed", "code_version": "0.1.0+abc"},
    ])  # fmt: skip
    files = [
        (1, "accounts", "accounts", "accounts_2026-11.csv", None),
        (2, "credhdr", "person_records", "credhdr_2026-10.csv", "FCRA 604(a)(3)(A) collection"),
        (3, "ncoa", "ncoa", "ncoa_return.txt", "USPS NCOA licensed use"),
        (4, "pacer", "bankruptcy", "bk_dockets.psv", "public record"),
        (5, "vendorx", "vendor_batch", "vendorx_return.csv", "FCRA 604(a)(3)(A) collection"),
    ]
    put(con, "input_files", [
        {"file_no": n, "run_id": RUN, "source": s, "kind": k, "path": f"/in/{name}",
         "file_name": name, "sha256": f"{n:02d}" + "ab" * 31, "size_bytes": 1000,
         "received_at": dt.datetime(2026, 10, 30, 8, n), "loaded_at": t0,
         "permissible_purpose": pp, "reliability": 0.9, "rows_read": 3, "rows_loaded": 3,
         "rows_rejected": 0, "status": "loaded"}
        for n, s, k, name, pp in files
    ])  # fmt: skip
    put(con, "accounts", [
        {"file_no": 1, "line_no": 2, "account_id": "A1", "first_name": "John", "last_name": "Public",
         "ssn_hash": "f" * 64, "ssn_last4": "6789", "dob": dt.date(1961, 4, 12),
         "address_line1": "12 Elm St", "city": "Albany", "state": "NY", "zip": "12203",
         "phone": "(518) 555-0101"},
        {"file_no": 1, "line_no": 3, "account_id": "A2", "first_name": "Mary", "last_name": "Debt",
         "ssn_hash": "e" * 64, "ssn_last4": "1111", "dob": dt.date(1970, 1, 2), "bankruptcy": True,
         "address_line1": "9 Oak Ave", "city": "Troy", "state": "NY", "zip": "12180"},
        {"file_no": 1, "line_no": 4, "account_id": "A3", "first_name": "Robert", "last_name": "Smith",
         "suffix": "SR", "ssn_hash": "d" * 64, "ssn_last4": "2222", "dob": dt.date(1950, 6, 6),
         "address_line1": "400 Main St", "city": "Utica", "state": "NY", "zip": "13501"},
    ])  # fmt: skip
    put(con, "source_records", [
        {"rec_id": 2 * F + 2, "file_no": 2, "line_no": 2, "source": "credhdr",
         "kind": "person_records", "record_id": "CH-1", "first_name": "John", "last_name": "Public",
         "address_line1": "77 Pine Rd", "city": "Boston", "state": "MA", "zip": "02108",
         "phone": "6175550123", "dob": dt.date(1961, 4, 12)},
        {"rec_id": 3 * F + 2, "file_no": 3, "line_no": 2, "source": "ncoa", "kind": "ncoa",
         "record_id": "NC-1", "move_type": "I", "ncoa_return_code": "A"},
        {"rec_id": 2 * F + 3, "file_no": 2, "line_no": 3, "source": "credhdr",
         "kind": "person_records", "record_id": "CH-2", "first_name": "Mary", "last_name": "Debt"},
        {"rec_id": 4 * F + 2, "file_no": 4, "line_no": 2, "source": "pacer", "kind": "bankruptcy",
         "record_id": "BK-1", "bk_chapter": "7", "bk_case_number": "26-10001"},
        {"rec_id": 2 * F + 4, "file_no": 2, "line_no": 4, "source": "credhdr",
         "kind": "person_records", "record_id": "CH-3", "first_name": "Robert",
         "last_name": "Smith", "suffix": "JR", "dob": dt.date(1975, 3, 3)},
        {"rec_id": 5 * F + 2, "file_no": 5, "line_no": 2, "source": "vendorx",
         "kind": "vendor_batch", "record_id": "VX-1", "account_id": "A3"},
    ])  # fmt: skip
    put(con, "match_model", [
        {"run_id": RUN, "prior": 0.01, "threshold": 0.9, "matcher_version": "1.0.0",
         "em_iterations": 7, "candidate_pairs": 100, "trained_on": "em"},
    ])  # fmt: skip
    put(con, "match_params", [
        {"run_id": RUN, "comparison": c, "level": lv, "label": lab, "m": 0.9, "u": 0.1, "weight": 1.0}
        for c, lv, lab in [
            ("first_name", 3, "exact"), ("first_name", 2, "nickname"), ("last_name", 3, "exact"),
            ("dob", 3, "exact"), ("dob", 1, "different"), ("suffix", 1, "conflict"),
            ("address", 3, "exact"), ("address", 1, "different"), ("ssn", 0, "null"),
        ]
    ])  # fmt: skip

    def pair(acct: str, rec: int, src: str, role: str, levels: dict[str, int],
             weights: dict[str, float], guard: str | None = None) -> dict[str, Any]:  # fmt: skip
        w = math.log2(0.01 / 0.99) + sum(weights.values())
        return {"run_id": RUN, "account_id": acct, "rec_id": rec, "source": src,
                "match_weight": w, "match_probability": 1 / (1 + 2**-w), "role": role,
                "guard": guard, "levels": json.dumps(levels), "weights": json.dumps(weights)}  # fmt: skip

    put(con, "match_pairs", [
        pair("A1", 2 * F + 2, "credhdr", "debtor", {"first_name": 3, "last_name": 3, "dob": 3, "address": 1},
             {"first_name": 4.0, "last_name": 5.0, "dob": 6.0, "address": -1.5}),
        pair("A1", 3 * F + 2, "ncoa", "debtor", {"first_name": 3, "last_name": 3, "address": 3},
             {"first_name": 4.0, "last_name": 5.0, "address": 5.0}),
        pair("A2", 2 * F + 3, "credhdr", "debtor", {"first_name": 3, "last_name": 3, "ssn": 0},
             {"first_name": 4.0, "last_name": 5.0, "ssn": 0.0}),
        pair("A2", 4 * F + 2, "pacer", "debtor", {"first_name": 3, "last_name": 3},
             {"first_name": 4.0, "last_name": 5.0}),
        pair("A3", 2 * F + 4, "credhdr", "associate",
             {"first_name": 3, "last_name": 3, "suffix": 1, "dob": 1, "address": 3},
             {"first_name": 4.0, "last_name": 5.0, "suffix": -3.0, "dob": -4.0, "address": 5.0},
             guard="suffix_conflict"),
        pair("A3", 5 * F + 2, "vendorx", "debtor", {"first_name": 3, "last_name": 3},
             {"first_name": 4.0, "last_name": 5.0}),
    ])  # fmt: skip

    def cp(acct: str, ctype: str, key: str, rank: int, status: str, conf: float, sources: str,
           role: str = "debtor", **kw: Any) -> dict[str, Any]:  # fmt: skip
        return {"run_id": RUN, "account_id": acct, "contact_type": ctype, "contact_key": key,
                "rank": rank, "role": role, "status": status, "confidence": conf,
                "sources": sources, "reasons": kw.pop("reasons", None),
                "factors": json.dumps({"match": 0.99, "reliability": 0.9, "recency": 0.8}), **kw}  # fmt: skip

    put(con, "contact_points", [
        cp("A1", "address", "77 PINE RD|02108", 1, "new", 0.93, "credhdr;ncoa",
           address_line1="77 Pine Rd", city="Boston", state="MA", zip="02108",
           reasons="moved: NCOA forward agrees with credit header"),
        cp("A1", "address", "12 ELM ST|12203", 2, "on_file", 0.35, "accounts",
           address_line1="12 Elm St", city="Albany", state="NY", zip="12203"),
        cp("A1", "phone", "+16175550123", 1, "new", 0.81, "credhdr", phone="6175550123",
           phone_type="mobile", dial_mode="manual", reasons="seen with 617-555-0123 in header"),
        cp("A2", "address", "9 OAK AVE|12180", 1, "suppressed", 0.9, "accounts",
           address_line1="9 Oak Ave", city="Troy", state="NY", zip="12180"),
        cp("A2", "email", "mary.debt@example.com", 1, "suppressed", 0.7, "credhdr",
           email="mary.debt@example.com"),
        cp("A3", "phone", "+13155550199", 1, "new", 0.77, "vendorx", phone="3155550199"),
        cp("A3", "phone", "+13155550111", 1, "new", 0.6, "credhdr", role="third_party",
           phone="3155550111", relationship="relative", party_name="Robert Smith Jr"),
    ])  # fmt: skip

    def sup(acct: str, ctype: str, key: str, rec: int | None, src: str, file_no: int,
            p: float | None, ev: str) -> dict[str, Any]:  # fmt: skip
        return {"run_id": RUN, "account_id": acct, "contact_type": ctype, "contact_key": key,
                "rec_id": rec, "source": src, "file_no": file_no, "match_probability": p,
                "evidence": ev,
                "role": "third_party" if ev.startswith("third_party:") else "debtor"}  # fmt: skip

    put(con, "contact_support", [
        sup("A1", "address", "77 PINE RD|02108", 2 * F + 2, "credhdr", 2, 0.999, "record"),
        sup("A1", "address", "77 PINE RD|02108", 3 * F + 2, "ncoa", 3, 0.9999, "ncoa_forward"),
        sup("A1", "address", "12 ELM ST|12203", None, "accounts", 1, None, "account_file"),
        sup("A1", "phone", "+16175550123", 2 * F + 2, "credhdr", 2, 0.999, "record"),
        sup("A2", "address", "9 OAK AVE|12180", None, "accounts", 1, None, "account_file"),
        sup("A2", "email", "mary.debt@example.com", 2 * F + 3, "credhdr", 2, 0.99, "record"),
        sup("A3", "phone", "+13155550199", 5 * F + 2, "vendorx", 5, 0.98, "vendor_candidate"),
        # a third party's support, as resolve writes it (sql/resolve/09_write.sql)
        sup("A3", "phone", "+13155550111", 2 * F + 4, "credhdr", 2, 0.97, "third_party:record"),
    ])  # fmt: skip
    put(con, "account_flags", [
        {"run_id": RUN, "account_id": "A1", "flag": "moved", "confidence": 0.97,
         "evidence": "NCOA I/A effective 2026-09-01", "rec_id": 3 * F + 2},
        {"run_id": RUN, "account_id": "A2", "flag": "bankruptcy", "confidence": 0.99,
         "evidence": "chapter 7 filed 2026-10-15", "rec_id": 4 * F + 2},
    ])  # fmt: skip
    put(con, "suppressions", [
        {"run_id": RUN, "account_id": "A2", "contact_type": None, "contact_key": None,
         "rule": "bankruptcy_stay", "action": "suppress",
         "reason": "chapter 7 petition: automatic stay", "regulation": "11 USC 362"},
    ])  # fmt: skip
    put(con, "exports", [
        {"run_id": RUN, "kind": k, "path": f"out/{RUN}/{name}", "sha256": "9" * 64, "rows": 5,
         "written_at": t0 + dt.timedelta(minutes=2)}
        for k, name in [("contacts_csv", "contacts.csv"), ("matches", "matches.csv")]
    ])  # fmt: skip
    assert record_run_inputs(con, RUN) == 5


@pytest.fixture
def cases(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    build_cases(con)
    return con


def _text(doc: dict[str, Any]) -> str:
    console = Console(record=True, width=160, force_terminal=False)
    render_text(doc, console)
    return console.export_text()


def assert_no_raw_pii(out: str) -> None:
    assert not SSN_SHAPED.search(out), SSN_SHAPED.search(out)
    for raw in ("1961-04-12", "6175550123", "617-555-0123", "mary.debt@", "Public", "77 Pine"):
        assert raw not in out, raw


def test_mover_explained_back_to_files(cases: duckdb.DuckDBPyConnection) -> None:
    doc = explain_account(cases, "A1")
    assert doc["run"]["run_id"] == RUN and doc["run"]["inputs_recorded"]
    assert doc["run"]["matcher_version"] == "1.0.0" and doc["run"]["threshold"] == 0.9
    acct = doc["account"]
    assert acct["dob_year"] == 1961 and acct["ssn"] == "***-**-6789"
    assert acct["name"] == "J*** P*****" and acct["file"]["file_name"] == "accounts_2026-11.csv"
    assert [f["flag"] for f in doc["account_flags"]] == ["moved"]

    new_addr = doc["contacts"][0]
    assert new_addr["contact_type"] == "address" and new_addr["status"] == "new"
    assert new_addr["value"] == "7* P*** Rd, Boston MA 021**"
    assert {s["source"] for s in new_addr["support"]} == {"credhdr", "ncoa"}
    ncoa = next(s for s in new_addr["support"] if s["source"] == "ncoa")
    assert ncoa["file"]["sha256"].startswith("03") and ncoa["file"]["received_at"].startswith(
        "2026-10-30"
    )
    assert ncoa["file"]["permissible_purpose"] == "USPS NCOA licensed use"
    assert ncoa["record_id"] == "NC-1" and ncoa["evidence"] == "ncoa_forward"
    assert new_addr["factors"]["match"] == 0.99
    assert new_addr["emitted"] and [e["file"] for e in new_addr["exports"]] == ["contacts.csv"]
    assert new_addr["retention"]["raw_records_retained_until"] == "2029-11-01"
    on_file = doc["contacts"][1]
    assert on_file["support"][0]["evidence"] == "account_file"
    assert on_file["support"][0]["record_id"] == "accounts_2026-11.csv:2"

    # the waterfall starts at the prior and ends at the recorded probability
    ch1 = next(m for m in doc["matches"] if m["record_id"] == "CH-1")
    steps = ch1["waterfall"]
    assert [s["field"] for s in steps] == ["prior", "first_name", "last_name", "dob", "address"]
    assert steps[1]["label"] == "exact" and steps[4]["label"] == "different"
    assert steps[0]["probability"] == pytest.approx(0.01, rel=1e-3)
    assert steps[-1]["probability"] == pytest.approx(ch1["match_probability"], rel=1e-6)
    assert steps[-2]["probability"] > steps[-1]["probability"]  # the old address counts against

    text = _text(doc)
    for expected in ("Account A1", "ncoa_return.txt", "sha256 03abab", "USPS NCOA licensed use",
                     "running p", "contacts.csv", "Reg F 12 CFR 1006.100", "born 1961"):  # fmt: skip
        assert expected in text, expected
    assert_no_raw_pii(text)
    assert_no_raw_pii(to_json(doc))


def test_bankrupt_account_is_suppressed_with_its_rule(cases: duckdb.DuckDBPyConnection) -> None:
    doc = explain_account(cases, "A2", run_id=RUN)
    assert doc["summary"]["suppressed"] == 2 and doc["summary"]["emitted"] == 0
    assert doc["account"]["flags"] == ["bankruptcy"]
    assert doc["account_suppressions"][0]["regulation"] == "11 USC 362"
    for c in doc["contacts"]:
        assert c["suppressions"][0]["rule"] == "bankruptcy_stay"
        assert c["suppressions"][0]["scope"] == "account"
        assert c["exports"] == [] and not c["emitted"]
    bk = next(m for m in doc["matches"] if m["source"] == "pacer")
    assert bk["file"]["file_name"] == "bk_dockets.psv"
    text = _text(doc)
    assert "bankruptcy_stay → suppress (11 USC 362)" in text
    assert "withheld from every contact file" in text
    assert_no_raw_pii(text)
    parsed = json.loads(to_json(doc))
    assert parsed["contacts"][1]["value"] == "m***@example.com"


def test_father_son_associate_shown_with_guard(cases: duckdb.DuckDBPyConnection) -> None:
    doc = explain_account(cases, "A3")
    son = next(m for m in doc["matches"] if m["record_id"] == "CH-3")
    assert son["role"] == "associate" and son["guard"] == "suffix_conflict"
    assert [s["label"] for s in son["waterfall"] if s["field"] == "suffix"] == ["conflict"]
    third = next(c for c in doc["contacts"] if c["role"] == "third_party")
    assert third["relationship"] == "relative" and third["party_name"] == "R***** S**** J*"
    assert third["support"][0]["match_role"] == "associate"
    assert third["support"][0]["guard"] == "suffix_conflict"
    assert doc["summary"]["associate_records"] == 1
    text = _text(doc)
    assert "guard suffix_conflict" in text and "role associate" in text


def test_contact_filter_and_errors(cases: duckdb.DuckDBPyConnection) -> None:
    doc = explain_account(cases, "A1", contact="(617) 555-0123")
    assert [c["contact_type"] for c in doc["contacts"]] == ["phone"]
    doc = explain_account(cases, "A1", contact="77 pine rd")
    assert [c["value"] for c in doc["contacts"]] == ["7* P*** Rd, Boston MA 021**"]
    with pytest.raises(LineageError):
        explain_account(cases, "A1", contact="999-999-9999")
    with pytest.raises(LineageError):
        explain_account(cases, "NOPE")
    assert latest_run_for_account(cases, "A1") == RUN


def test_every_contact_reaches_a_file_and_a_record(cases: duckdb.DuckDBPyConnection) -> None:
    assert lineage_gaps(cases, RUN) == []
    # a contact without support, and one citing a record that does not exist, are reported
    cases.execute(
        "INSERT INTO contact_points (run_id, account_id, contact_type, contact_key, role, status)"
        " VALUES (?, 'A1', 'email', 'x@example.com', 'debtor', 'new'),"
        "        (?, 'A1', 'email', 'y@example.com', 'debtor', 'new')",
        [RUN, RUN],
    )
    cases.execute(
        "INSERT INTO contact_support (run_id, account_id, contact_type, contact_key, rec_id,"
        " source, file_no, role) VALUES (?, 'A1', 'email', 'y@example.com', ?, 'credhdr', 2,"
        " 'debtor')",
        [RUN, 2 * F + 99],
    )
    gaps = {g["contact_key"]: g["gap"] for g in lineage_gaps(cases, RUN)}
    assert gaps == {"x***@example.com": "no_support", "y***@example.com": "no_record"}


def test_runs_without_recorded_inputs_fall_back(cases: duckdb.DuckDBPyConnection) -> None:
    cases.execute("DELETE FROM run_inputs")
    doc = explain_account(cases, "A1")
    assert not doc["run"]["inputs_recorded"]
    assert doc["account"]["file"]["file_name"] == "accounts_2026-11.csv"


def test_record_run_inputs_is_idempotent(cases: duckdb.DuckDBPyConnection) -> None:
    cases.execute("UPDATE input_files SET status = 'superseded' WHERE file_no = 5")
    assert record_run_inputs(cases, RUN) == 4
    rows = cases.execute("SELECT file_no FROM run_inputs WHERE run_id = ? ORDER BY 1", [RUN])
    assert [r[0] for r in rows.fetchall()] == [1, 2, 3, 4]


def test_waterfall_flags_an_adjusted_score() -> None:
    pair = {"levels": '{"ssn": 3}', "weights": '{"ssn": 10.0}', "match_weight": 0.0}
    steps = waterfall_from_pair(pair, 0.5, {("ssn", 3): "exact"})
    assert [s["field"] for s in steps] == ["prior", "ssn", "adjustment"]
    assert steps[-1]["probability"] == pytest.approx(0.5)


def test_mask_address() -> None:
    assert mask_address("123 N Main St Apt 4B", "Springfield", "IL", "62701-1234") == (
        "1** N M*** St Apt 4*, Springfield IL 627**"
    )
    assert mask_address(None) == "***"


def test_waterfall_comes_from_the_matcher_when_it_can(
    cases: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skiptrace.matchers import explain as mx

    def fake_explain(con: Any, run_id: str, account_id: str, rec_id: int) -> Any:
        step = mx.ExplanationStep("dob", 3, "exact", 0.9, 0.01, 6.0, 0.5, 6.5, -0.13, 0.478)
        return mx.PairExplanation(
            run_id=run_id, account_id=account_id, rec_id=rec_id, prior_probability=0.01,
            prior_weight=-6.63, steps=[step], final_weight=-0.13, final_probability=0.478,
            threshold=0.9, role="debtor", guard=None, notes=["recomputed"],
        )  # fmt: skip

    monkeypatch.setattr(mx, "explain_pair", fake_explain)
    doc = explain_account(cases, "A1")
    m = doc["matches"][0]
    assert m["waterfall_from"] == "matchers.explain" and m["notes"] == ["recomputed"]
    assert [s["field"] for s in m["waterfall"]] == ["prior", "dob"]
    assert m["waterfall"][1]["label"] == "exact (tf +0.50)"
    assert m["waterfall"][1]["probability"] == 0.478


def _cli() -> Any:
    """The `skiptrace` command itself, error boundary included, as a shell runs it."""
    from skiptrace.flows.cli.main import app

    return app


def test_explain_command(cases: duckdb.DuckDBPyConnection, tmp_path: Any) -> None:
    from typer.testing import CliRunner

    cases.close()  # the command opens the file itself (read-only)
    db = str(tmp_path / "test.duckdb")
    runner = CliRunner()
    out = runner.invoke(_cli(), ["explain", "A2", "--db", db, "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["summary"]["suppressed"] == 2
    out = runner.invoke(_cli(), ["explain", "A1", "--db", db, "--contact", "617-555-0123"])
    assert out.exit_code == 0 and "***-***-0123" in out.output and "CH-1" in out.output
    assert_no_raw_pii(out.output)
    out = runner.invoke(_cli(), ["explain", "NOPE", "--db", db])
    assert out.exit_code == errors.USAGE and "no completed run" in out.output


def test_rich_markup_in_delivered_data_is_shown_not_parsed(
    cases: duckdb.DuckDBPyConnection, tmp_path: Any
) -> None:
    """A record id `[/]` and a name `[bold]x` come from vendor files: explain prints them as
    they are instead of failing with rich's MarkupError (issue 19, case 9)."""
    from typer.testing import CliRunner

    cases.execute("UPDATE source_records SET record_id = '[/]' WHERE record_id = 'CH-1'")
    cases.execute("UPDATE accounts SET first_name = '[bold]x' WHERE account_id = 'A1'")
    cases.execute(
        "UPDATE contact_points SET reasons = '[/] closing tag [red]' WHERE account_id = 'A1'"
    )
    cases.execute(
        "UPDATE contact_points SET party_name = '[bold]x' WHERE account_id = 'A3'"
        " AND role = 'third_party'"
    )
    out = _text(explain_account(cases, "A1", run_id=RUN))
    assert "record [/]" in out and "[/] closing tag [red]" in out
    out = _text(explain_account(cases, "A3", run_id=RUN))
    assert "party [bold]x" in out or "party [" in out  # masked or not, printed literally
    cases.close()
    db = str(tmp_path / "test.duckdb")
    result = CliRunner().invoke(_cli(), ["explain", "A1", "--db", db])
    assert result.exit_code == 0, result.output
    assert "record [/]" in result.output


def test_a_key_held_by_the_debtor_and_a_relative_keeps_each_points_own_support(
    cases: duckdb.DuckDBPyConnection,
) -> None:
    """A3's relative's number is also the debtor's own (a shared line). The vendor reported it
    for the debtor, the credit header only as the relative's: each point is explained by its
    own support, and a debtor point whose only report is the relative's is a lineage gap in the
    view and in the report's count alike."""
    from skiptrace.flows.exports.emit import create_export_macros
    from skiptrace.flows.report.run_report import collect_run_data

    key = "+13155550111"
    put(cases, "contact_points", [
        {"run_id": RUN, "account_id": "A3", "contact_type": "phone", "contact_key": key,
         "rank": 2, "role": "debtor", "status": "new", "confidence": 0.5, "sources": "vendorx",
         "phone": "3155550111", "factors": "{}"},
    ])  # fmt: skip
    put(cases, "contact_support", [
        {"run_id": RUN, "account_id": "A3", "contact_type": "phone", "contact_key": key,
         "rec_id": 5 * F + 2, "source": "vendorx", "file_no": 5, "match_probability": 0.98,
         "evidence": "vendor_candidate", "role": "debtor"},
    ])  # fmt: skip
    doc = explain_account(cases, "A3")
    # A3's phones: the debtor's own (rank 1), the shared line as the debtor's (rank 2) and as
    # the relative's
    points = {(c["role"], c["rank"]): c for c in doc["contacts"] if c["contact_type"] == "phone"}
    assert [s["record_id"] for s in points[("debtor", 2)]["support"]] == ["VX-1"]
    assert [s["record_id"] for s in points[("third_party", 1)]["support"]] == ["CH-3"]
    by_role = cases.execute(
        "SELECT role, list(DISTINCT source ORDER BY source) FROM contact_lineage"
        " WHERE account_id = 'A3' AND contact_key = ? GROUP BY role ORDER BY role",
        [key],
    ).fetchall()
    assert by_role == [("debtor", ["vendorx"]), ("third_party", ["credhdr"])]
    assert collect_run_data(cases, RUN)["totals"]["lineage_gaps"] == 0

    # a hold decided for the relative's point (migration 098: the decision names its role) is
    # not the debtor's point's: not in its explain, its import hold reasons or the report's count
    put(cases, "suppressions", [
        {"run_id": RUN, "account_id": "A3", "contact_type": "phone", "contact_key": key,
         "role": "third_party", "rule": "dispute", "action": "hold", "reason": "disputed",
         "regulation": None},
    ])  # fmt: skip
    doc = explain_account(cases, "A3")
    points = {(c["role"], c["rank"]): c for c in doc["contacts"] if c["contact_type"] == "phone"}
    assert [s["rule"] for s in points[("third_party", 1)]["suppressions"]] == ["dispute"]
    assert points[("debtor", 2)]["suppressions"] == []
    create_export_macros(cases)
    held = "UPDATE contact_points SET on_hold = ? WHERE account_id = 'A3' AND contact_key = ?"
    cases.execute(held, [True, key])  # both points held: whose words say why?
    holds = cases.execute(
        "SELECT role, hold_reason FROM contact_usability(?, 'phone', 0.1, 0.3)"
        " WHERE account_id = 'A3' AND contact_key = ? ORDER BY role",
        [RUN, key],
    ).fetchall()
    assert holds == [("debtor", "held by a compliance rule"), ("third_party", "disputed")]
    cases.execute(held, [False, key])
    dispute = next(
        r for r in collect_run_data(cases, RUN)["suppressions"] if r["rule"] == "dispute"
    )
    assert (dispute["accounts"], dispute["contacts"]) == (1, 1)

    cases.execute(
        "DELETE FROM contact_support WHERE account_id = 'A3' AND contact_key = ?"
        " AND source = 'vendorx'",
        [key],
    )
    gaps = cases.execute(
        "SELECT role, gap FROM contact_lineage_gaps WHERE run_id = ? AND account_id = 'A3'", [RUN]
    ).fetchall()
    assert gaps == [("debtor", "no_support")]
    assert collect_run_data(cases, RUN)["totals"]["lineage_gaps"] == 1


def test_the_support_role_migration_fills_roles_from_the_prefix(tmp_path: Any) -> None:
    """A database from before migration 099 (no role column; resolve marked a third party's
    support only by the 'third_party:' prefix of its evidence) gets each row's role filled, and
    explain and the lineage view read it as a database written after."""
    from skiptrace import sql

    db = tmp_path / "old.duckdb"
    con = sql.connect(db)
    build_cases(con)
    before = explain_account(con, "A3")
    con.execute("ALTER TABLE contact_support DROP COLUMN role")
    con.execute("DELETE FROM schema_migrations WHERE version = 99")
    con.close()
    con = sql.connect(db)
    try:
        roles = con.execute(
            "SELECT starts_with(evidence, 'third_party:'), role, count(*) FROM contact_support"
            " GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        assert roles == [(False, "debtor", 7), (True, "third_party", 1)]
        assert explain_account(con, "A3") == before
        with pytest.raises(duckdb.ConstraintException, match="role"):  # written by a writer
            con.execute(  # that leaves it out: refused, not read as nobody's support
                "INSERT INTO contact_support (run_id, account_id, contact_type, contact_key)"
                " VALUES ('r', 'A9', 'phone', '+15185550100')"
            )
    finally:
        con.close()


def test_the_typed_levels_migration_keeps_every_pairs_explanation(tmp_path: Any) -> None:
    """A database from before migration 100 (a pair's levels and partial weights as JSON text,
    some objects without every comparison, as these cases' pairs are) gets them as structs: the
    same values, the same explanation. A comparison this version does not know stops the
    migration instead of being dropped; the database is left as it was."""
    from skiptrace import sql
    from skiptrace.errors import RunRefused

    db = tmp_path / "old.duckdb"
    con = sql.connect(db)
    build_cases(con)
    before = explain_account(con, "A1")

    def pairs(con: duckdb.DuckDBPyConnection) -> dict[tuple[Any, ...], tuple[dict[str, Any], ...]]:
        """(run, account, record) -> the levels and weights with a value."""
        rows = con.execute(
            "SELECT run_id, account_id, rec_id, levels, weights FROM match_pairs"
        ).fetchall()
        return {
            tuple(r[:3]): tuple({k: v for k, v in f.items() if v is not None} for f in r[3:])
            for r in rows
        }

    stored = pairs(con)
    con.execute("ALTER TABLE match_pairs ALTER levels SET DATA TYPE JSON USING NULL")
    con.execute("ALTER TABLE match_pairs ALTER weights SET DATA TYPE JSON USING NULL")
    for (run, acct, rec), (levels, weights) in stored.items():
        con.execute(
            "UPDATE match_pairs SET levels = ?, weights = ?"
            " WHERE run_id = ? AND account_id = ? AND rec_id = ?",
            [json.dumps(levels), json.dumps(weights), run, acct, rec],
        )
    # the database as version 99 left it: migration 100's columns above, the later ones undone
    con.execute("ALTER TABLE input_files DROP COLUMN superseded_by")  # migration 101
    con.execute("DELETE FROM schema_migrations WHERE version >= 100")
    odd = next(iter(stored))
    con.execute(  # one object with a comparison from elsewhere
        "UPDATE match_pairs SET levels = '{\"zip\": 1}' WHERE run_id = ? AND account_id = ?"
        " AND rec_id = ?",
        list(odd),
    )
    con.close()
    with pytest.raises(RunRefused, match="does not know: zip; the database stays at") as refused:
        sql.connect(db)
    assert refused.value.exit_code == 6 and "\n" not in str(refused.value)  # one line, exit 6
    con = duckdb.connect(str(db))
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (99,)
    con.execute(
        "UPDATE match_pairs SET levels = ? WHERE run_id = ? AND account_id = ? AND rec_id = ?",
        [json.dumps(stored[odd][0]), *odd],
    )
    con.close()
    con = sql.connect(db)
    try:
        types = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns()"
            " WHERE table_name = 'match_pairs' AND column_name IN ('levels', 'weights')"
        ).fetchall()
        assert all(t.startswith("STRUCT(first_name ") for _, t in types) and len(types) == 2
        assert pairs(con) == stored
        assert explain_account(con, "A1") == before
    finally:
        con.close()


def test_every_supporting_record_shows_its_file_and_line(cases: duckdb.DuckDBPyConnection) -> None:
    """An examiner finds each supporting record in its delivered file: `file:line`, as the
    account's own line is shown (the query had the line; the explanation dropped it)."""
    doc = explain_account(cases, "A1")
    moved = doc["contacts"][0]
    lines = {s["record_id"]: s["line_no"] for s in moved["support"]}
    assert lines == {"NC-1": 2, "CH-1": 2}
    text = _text(doc)
    # the move's own description (type, filer, old address) sits between the record and its file
    move_line = next(ln for ln in text.splitlines() if "ncoa record NC-1 (match p=0.9999" in ln)
    assert "ncoa_return.txt:2 sha256" in move_line
    assert "credhdr_2026-10.csv:2 sha256 02abab" in text
    assert "accounts_2026-11.csv:2 sha256 01abab" in text  # the account line's own support


def test_explain_says_whether_and_when_the_run_was_pushed(
    cases: duckdb.DuckDBPyConnection,
) -> None:
    assert "Pushed to the collections database: no" in _text(explain_account(cases, "A2"))
    put(cases, "pushes", [
        {"run_id": RUN, "target": "postgresql://svc@/coll", "status": "failed",
         "started_at": dt.datetime(2026, 11, 1, 9, 5), "ended_at": dt.datetime(2026, 11, 1, 9, 5)},
        {"run_id": RUN, "target": "postgresql://svc@/coll", "status": "completed", "contacts": 5,
         "started_at": dt.datetime(2026, 11, 1, 9, 10), "ended_at": dt.datetime(2026, 11, 1, 9, 11)},
    ])  # fmt: skip
    doc = explain_account(cases, "A2")
    assert [p["status"] for p in doc["run"]["pushes"]] == ["failed", "completed"]
    assert (
        "Pushed to the collections database: 2026-11-01 09:11 UTC to postgresql://svc@/coll; "
        "1 failed attempt(s)"
    ) in _text(doc)


def test_a_purged_account_file_is_named_not_left_blank(cases: duckdb.DuckDBPyConnection) -> None:
    """After retention purged the account file, the debtor header says so with the date
    instead of silently disappearing."""
    cases.execute("DELETE FROM accounts WHERE file_no = 1")
    put(cases, "purge_log", [{"file_no": 1, "purged_at": dt.datetime(2030, 1, 2, 3, 4)}])
    doc = explain_account(cases, "A1")
    acct = doc["account"]
    assert acct is not None and acct["raw_rows_purged_at"] == "2030-01-02T03:04:00"
    assert acct["file"]["file_name"] == "accounts_2026-11.csv" and acct["name"] is None
    text = _text(doc)
    assert "the raw rows of account file accounts_2026-11.csv were purged on 2030-01-02" in text


def test_the_default_lookup_names_the_archived_runs_it_did_not_search(
    cases: duckdb.DuckDBPyConnection, tmp_path: Any
) -> None:
    """After `archive --keep 1`, the account is only in an archived run: the error says the
    archived runs were not searched and how to read one, and --runs lists them."""
    from typer.testing import CliRunner

    from skiptrace.flows.audit.archive import archive_runs

    cases.execute(
        "INSERT INTO runs (run_id, as_of, started_at, ended_at, status) VALUES"
        " ('20261202T000000Z-newr', DATE '2026-12-02', TIMESTAMP '2026-12-02',"
        "  TIMESTAMP '2026-12-02 00:05', 'completed')"
    )
    db = tmp_path / "test.duckdb"
    assert RUN in [r.run_id for r in archive_runs(cases, db, keep=1).runs]
    with pytest.raises(LineageError) as raised:
        explain_account(cases, "A1")
    message = str(raised.value)
    assert "is in no completed run; 2 archived run(s)" in message
    assert f"({OLD_RUN} .. {RUN}) were not searched" in message and "--run RUN_ID" in message
    assert explain_account(cases, "A1", run_id=RUN)["run"]["run_id"] == RUN
    cases.close()
    out = CliRunner().invoke(_cli(), ["explain", "A1", "--db", str(db), "--runs"])
    assert out.exit_code == 0, out.output
    assert f"{RUN}  as of 2026-11-01  ended 2026-11-01 09:03 UTC  not pushed  archived" in (
        out.output
    )
    out = CliRunner().invoke(_cli(), ["explain", "A1", "--db", str(db)])
    assert out.exit_code == errors.USAGE and "were not searched" in out.output


def test_explain_on_a_date_reads_the_run_current_that_day(
    cases: duckdb.DuckDBPyConnection, tmp_path: Any
) -> None:
    """`--on DAY`: the last completed run that ended on or before that day (UTC); `--runs`
    lists the runs holding the account; bad combinations and dates are one usage line."""
    from typer.testing import CliRunner

    doc = explain_account(cases, "A1", on=dt.date(2026, 11, 1))
    assert doc["run"]["run_id"] == RUN and "on or before 2026-11-01" in doc["run"]["selected"]
    with pytest.raises(LineageError, match=f"no lineage in run '{OLD_RUN}', the last completed"):
        explain_account(cases, "A1", on=dt.date(2026, 10, 31))
    with pytest.raises(LineageError, match="no completed run had ended by the end of 2026-09-30"):
        explain_account(cases, "A1", on=dt.date(2026, 9, 30))
    cases.close()
    db = str(tmp_path / "test.duckdb")
    runner = CliRunner()
    out = runner.invoke(_cli(), ["explain", "A1", "--db", db, "--on", "2026-11-01"])
    assert out.exit_code == 0 and "run chosen as the last completed run" in out.output, out.output
    out = runner.invoke(_cli(), ["explain", "A1", "--db", db, "--on", "11/01/2026"])
    assert out.exit_code == errors.USAGE and "--on: expected a date as YYYY-MM-DD" in out.output
    out = runner.invoke(_cli(), ["explain", "A1", "--db", db, "--on", "2026-11-01", "--run", RUN])
    assert out.exit_code == errors.USAGE and "not both" in out.output
    out = runner.invoke(_cli(), ["explain", "A1", "--db", db, "--runs", "--format", "json"])
    assert out.exit_code == 0 and [r["run_id"] for r in json.loads(out.output)] == [RUN]
