"""Exports: column contract, separation of third parties, formula escaping, atomicity, delta,
work list and the collections-system import layouts."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from skiptrace import sql
from skiptrace.atomic import atomic_write_text, leftover_temp_files
from skiptrace.flows.audit.runs import finish_run
from skiptrace.flows.exports.emit import (
    CONTACT_COLUMNS,
    INCOMPLETE_MARKER,
    emit,
    escape_formula,
    mark_complete,
    write_manifest,
)

RUN = "20250601T000000Z-0002"
PREV = "20250501T000000Z-0001"


def add_contact(
    con: duckdb.DuckDBPyConnection, run_id: str, account_id: str, key: str, **kw: Any
) -> None:
    ctype = kw.pop("contact_type", "phone" if key.startswith("+") else "address")
    row = {"run_id": run_id, "account_id": account_id, "contact_type": ctype, "contact_key": key,
           "rank": 1, "role": "debtor", "confidence": 0.8, "status": "new", "sources": "vendor",
           "reasons": "new phone from 1 source (vendor)", "factors": "{}", "on_hold": False,
           "dial_mode": "manual" if ctype == "phone" else None}  # fmt: skip
    if ctype == "phone":
        row["phone"] = key[2:]
        row["phone_type"] = "mobile"
    elif ctype == "email":
        row["email"] = key
    else:
        row.update(address_line1=key.split("|")[0], city="ROME", state="GA", zip=key.split("|")[1])
    row.update(kw)
    con.execute(
        f"INSERT INTO contact_points ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
        list(row.values()),
    )


@pytest.fixture
def world(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute(
        "INSERT INTO runs (run_id, as_of, status) VALUES (?, DATE '2025-05-01', 'running'),"
        " ('20250515T000000Z-0009', DATE '2025-05-15', 'failed'), (?, DATE '2025-06-01', 'running')",
        [PREV, RUN],
    )
    con.execute(
        "INSERT INTO input_files (file_no, source, kind, reliability, status) VALUES"
        " (1, 'accounts', 'accounts', 1.0, 'loaded'), (2, 'vendor', 'vendor_batch', 0.8, 'loaded'),"
        " (3, 'hdr', 'person_records', 0.95, 'loaded')"
    )
    for i, (acct, bal) in enumerate((("A1", 100.0), ("A2", 5000.0), ("A3", 900.0), ("HELD", 9e6))):
        con.execute(
            "INSERT INTO accounts (file_no, line_no, account_id, balance) VALUES (1, ?, ?, ?)",
            [i + 2, acct, bal],
        )
    con.execute(
        "INSERT INTO source_records (rec_id, file_no, line_no, source, record_id) VALUES"
        " (20000000002, 2, 2, 'vendor', 'V-1'), (30000000002, 3, 2, 'hdr', 'H-1')"
    )
    con.execute(
        "INSERT INTO match_pairs (run_id, account_id, rec_id, source, match_probability, role)"
        " VALUES (?, 'A1', 30000000002, 'hdr', 0.97, 'debtor'), (?, 'A1', 20000000002, 'vendor', 0.4, 'associate')",
        [RUN, RUN],
    )
    con.execute(
        "INSERT INTO account_flags (run_id, account_id, flag, confidence, evidence, rec_id)"
        " VALUES (?, 'A2', 'moved', 0.9, 'USPS change of address', NULL)",
        [RUN],
    )
    # previous run
    add_contact(con, PREV, "A1", "+14045550100", rank=1)
    add_contact(con, PREV, "A1", "+14045550101", rank=2)
    add_contact(con, PREV, "A1", "+14045550199", rank=1, status="new")  # gone now
    add_contact(con, PREV, "A2", "9 ELM ST|30161", status="new")
    finish_run(con, PREV, "completed")  # as a run completes: its contacts' first dates recorded
    # this run
    add_contact(con, RUN, "A1", "+14045550100", rank=2, confidence=0.55, phone_type="landline",
                dial_mode="autodialer", consent_autodialer=True, extension="12")  # fmt: skip
    add_contact(con, RUN, "A1", "+14045550101", rank=1, confidence=0.91)
    add_contact(con, RUN, "A1", "+14045550102", rank=3, confidence=0.05,
                factors=json.dumps({"valid": False}))  # fmt: skip
    add_contact(con, RUN, "A2", "9 ELM ST|30161", status="confirmed", confidence=0.93,
                sources="accounts;hdr")  # fmt: skip
    add_contact(con, RUN, "A2", "1 OLD RD|30161", rank=2, status="on_file", confidence=0.2,
                sources="accounts", factors=json.dumps({"moved_from": True}))  # fmt: skip
    add_contact(con, RUN, "A3", "+14045550300", confidence=0.6, status="suppressed")
    add_contact(con, RUN, "A3", "=HYPERLINK(\"http://evil\")|30161", confidence=0.7,
                reasons="-cmd|' /C calc'!A0", city="@SUM(1+1)")  # fmt: skip
    add_contact(con, RUN, "A1", "+14045550777", role="third_party", relationship="sister",
                party_name="+Beth Lee", confidence=0.7)  # fmt: skip
    add_contact(con, RUN, "HELD", "+14045550900", on_hold=True, confidence=0.99)
    # the debtor's own number also reported as a spouse's: not a third party's contact
    add_contact(con, RUN, "A1", "+14045550101", role="third_party", relationship="spouse",
                party_name="Al Lee", confidence=0.88)  # fmt: skip
    con.execute(
        "INSERT INTO contact_support (run_id, account_id, contact_type, contact_key, rec_id,"
        " source, file_no, match_probability, evidence, role) VALUES"
        " (?, 'A2', 'address', '9 ELM ST|30161', NULL, 'accounts', 1, 1.0, 'on_file', 'debtor'),"
        " (?, 'A2', 'address', '9 ELM ST|30161', 30000000002, 'hdr', 3, 0.97, 'record', 'debtor'),"
        " (?, 'A1', 'phone', '+14045550101', 20000000002, 'vendor', 2, 0.9, 'vendor_candidate',"
        "  'debtor'),"
        " (?, 'A1', 'phone', '+14045550101', 30000000002, 'hdr', 3, 0.97, 'record', 'debtor')",
        [RUN] * 4,
    )
    return con


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_contacts_files_follow_the_contract(world, tmp_path: Path) -> None:
    files = {f.kind: f for f in emit(world, RUN, tmp_path)}
    with open(tmp_path / "contacts.csv", encoding="utf-8") as fh:
        assert fh.readline().strip().split(",") == list(CONTACT_COLUMNS)
    rows = read_csv(tmp_path / "contacts.csv")
    assert {r["status"] for r in rows} <= {"new", "confirmed", "on_file"}  # no suppressed
    assert "+14045550777"[2:] not in {r["phone"] for r in rows}  # third party kept apart
    assert [r["phone"] for r in rows if r["account_id"] == "A1"] == [
        "4045550101", "4045550100", "4045550102",
    ]  # fmt: skip
    pq = pl.read_parquet(tmp_path / "contacts.parquet")
    assert pq.columns == list(CONTACT_COLUMNS) and pq.height == len(rows)
    loc = read_csv(tmp_path / "location_info.csv")
    # the spouse's number is the debtor's own: never offered for location calls (FDCPA 1692b)
    assert [(r["account_id"], r["relationship"], r["phone"]) for r in loc] == [
        ("A1", "sister", "4045550777")
    ]
    held = {r["account_id"]: r["on_hold"] for r in rows}
    assert held["HELD"] == "Y" and held["A1"] == "N"
    matches = read_csv(tmp_path / "matches.csv")
    assert [(m["record_id"], m["role"]) for m in matches] == [
        ("H-1", "debtor"),
        ("V-1", "associate"),
    ]
    assert read_csv(tmp_path / "account_flags.csv")[0]["flag"] == "moved"
    recorded = world.execute(
        "SELECT kind, path, sha256, rows FROM exports WHERE run_id = ?", [RUN]
    ).fetchall()
    assert {k for k, *_ in recorded} == set(files)
    for kind, path, digest, n in recorded:
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest
        assert n == files[kind].rows
    # emit alone is not a complete export set: the refresh writes the manifest at completion
    assert (tmp_path / INCOMPLETE_MARKER).is_file() and not (tmp_path / "manifest.json").exists()
    write_manifest(world, RUN, tmp_path)
    mark_complete(tmp_path)
    assert not (tmp_path / INCOMPLETE_MARKER).exists()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    assert {f["file"] for f in manifest["files"]} == {Path(p).name for _, p, *_ in recorded}
    for entry in manifest["files"]:
        digest = hashlib.sha256((tmp_path / entry["file"]).read_bytes()).hexdigest()
        assert entry["sha256"] == digest


def test_formula_cells_are_escaped(world, tmp_path: Path) -> None:
    assert escape_formula("=1+1") == "'=1+1"
    assert escape_formula("\tx") == "'\tx" and escape_formula("\rx") == "'\rx"
    assert escape_formula("a=b") == "a=b" and escape_formula(None) is None
    emit(world, RUN, tmp_path)
    (row,) = [r for r in read_csv(tmp_path / "contacts.csv") if r["account_id"] == "A3"]
    assert row["address_line1"] == '\'=HYPERLINK("http://evil")'
    assert row["reasons"] == "'-cmd|' /C calc'!A0" and row["city"] == "'@SUM(1+1)"
    assert read_csv(tmp_path / "location_info.csv")[0]["party_name"] == "'+Beth Lee"
    pq = pl.read_parquet(tmp_path / "contacts.parquet").filter(pl.col("account_id") == "A3")
    assert pq["address_line1"][0].startswith("=")  # parquet is for programs: raw value


def test_interrupted_export_leaves_previous_files_intact(
    world, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emit(world, RUN, tmp_path)
    write_manifest(world, RUN, tmp_path)
    mark_complete(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    world.execute("UPDATE contact_points SET confidence = 0.33 WHERE run_id = ?", [RUN])

    real = pl.DataFrame.write_csv
    calls = {"n": 0}

    def crashing_write_csv(self: pl.DataFrame, file: Any = None, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:  # third file: half written, then the process "dies"
            if hasattr(file, "write"):  # files are written batch by batch into an open file
                file.write(b"account_id,flag\nA2,mo")
            else:
                Path(file).write_text("account_id,flag\nA2,mo")
            raise OSError("disk full")
        return real(self, file, **kw)

    monkeypatch.setattr(pl.DataFrame, "write_csv", crashing_write_csv)
    with pytest.raises(OSError, match="disk full"):
        emit(world, RUN, tmp_path)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after["account_flags.csv"] == before["account_flags.csv"]
    assert after["manifest.json"] == before["manifest.json"]
    assert leftover_temp_files(tmp_path) == []
    # the folder now says it is not a complete set: the old manifest no longer vouches for it
    assert set(after) == set(before) | {INCOMPLETE_MARKER}
    # files renamed before the crash are complete new versions, never partial ones
    assert b"0.33" in after["contacts.csv"]


def test_exports_are_written_a_batch_at_a_time_with_the_same_bytes(
    world, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No file's whole frame is held in Python (delta.csv's set emit's peak at 1M accounts):
    every CSV reaches polars' writer EXPORT_BATCH_ROWS rows at a time, and the files are
    byte for byte those written from one batch."""
    import skiptrace.flows.exports.emit as emit_module

    emit(world, RUN, tmp_path / "whole")
    real = pl.DataFrame.write_csv
    heights: list[int] = []

    def counting_write_csv(self: pl.DataFrame, file: Any = None, **kw: Any) -> Any:
        heights.append(self.height)
        return real(self, file, **kw)

    monkeypatch.setattr(pl.DataFrame, "write_csv", counting_write_csv)
    monkeypatch.setattr(emit_module, "EXPORT_BATCH_ROWS", 2, raising=False)
    files = emit(world, RUN, tmp_path / "batched")
    assert max(heights) == 2 and len(heights) > len(
        [f for f in files if f.kind != "contacts_parquet"]
    )
    for f in files:
        assert f.path.read_bytes() == (tmp_path / "whole" / f.path.name).read_bytes(), f.path.name
    assert {f.path.name for f in files} == {p.name for p in (tmp_path / "whole").iterdir()} - {
        INCOMPLETE_MARKER
    }


def test_atomic_write_replaces_whole_file(tmp_path: Path) -> None:
    p = tmp_path / "x.txt"
    atomic_write_text(p, "one")
    atomic_write_text(p, "two")
    assert p.read_text() == "two" and leftover_temp_files(tmp_path) == []


def test_delta_against_previous_completed_run(world, tmp_path: Path) -> None:
    # HELD's number was usable last run and is held now (a bankruptcy filed): only the hold moved
    add_contact(world, PREV, "HELD", "+14045550900", on_hold=False, confidence=0.99)
    emit(world, RUN, tmp_path)
    delta = {
        (r["account_id"], r["phone"] or r["address_line1"]): r
        for r in read_csv(tmp_path / "delta.csv")
    }
    assert delta[("A1", "4045550100")]["change"] == "rank_changed"
    assert (delta[("A1", "4045550100")]["old_rank"], delta[("A1", "4045550100")]["new_rank"]) == (
        "1",
        "2",
    )
    assert delta[("A1", "4045550102")]["change"] == "added"
    assert delta[("A1", "4045550199")]["change"] == "removed"
    assert delta[("A2", "9 ELM ST")]["change"] == "status_changed"
    assert delta[("A2", "9 ELM ST")]["new_status"] == "confirmed"
    assert {r["previous_run_id"] for r in delta.values()} == {PREV}
    assert ("A1", "4045550101") in delta  # rank 2 -> 1
    # the spouse's number that is the debtor's own: only the debtor's row, never a third party's
    assert [r["role"] for r in read_csv(tmp_path / "delta.csv")
            if r["phone"] == "4045550101"] == ["debtor"]  # fmt: skip
    held = delta[("HELD", "4045550900")]
    assert (held["change"], held["old_on_hold"], held["new_on_hold"]) == ("hold_changed", "N", "Y")
    assert delta[("A1", "4045550102")]["old_on_hold"] == ""  # added: no previous state


def test_worklist_prioritizes_balance_times_confidence(world, tmp_path: Path) -> None:
    emit(world, RUN, tmp_path)
    wl = read_csv(tmp_path / "worklist.csv")
    assert [r["account_id"] for r in wl] == ["A3", "A1"]  # 900 x 0.7 > 100 x 0.91; HELD is held
    assert wl[0]["priority"] == "1"
    assert "1 new address (best confidence 0.700 that it is current)" in wl[0]["reasons"]
    assert "2 new phones" in wl[1]["reasons"] and "manual dial only" in wl[1]["reasons"]


def test_worklist_puts_new_estate_and_attorney_routings_first(world, tmp_path: Path) -> None:
    """What the collector must do, said in words: a death confirmed this run goes to estate
    handling, a represented consumer to the attorney; a routing the previous run already had
    is not repeated every night."""
    rows = [
        (RUN, "A2", "deceased", "route_to_estate", "consumer deceased: estate handling only"),
        (RUN, "A3", "attorney_represented", "route_to_attorney", "represented by an attorney"),
        (PREV, "A3", "attorney_represented", "route_to_attorney", "represented by an attorney"),
    ]
    for run, acct, rule, action, reason in rows:
        world.execute(
            "INSERT INTO suppressions (run_id, account_id, contact_type, contact_key, rule,"
            " action, reason, regulation) VALUES (?, ?, NULL, NULL, ?, ?, ?, 'Reg F')",
            [run, acct, rule, action, reason],
        )
    emit(world, RUN, tmp_path)
    wl = read_csv(tmp_path / "worklist.csv")
    assert (wl[0]["priority"], wl[0]["action"], wl[0]["account_id"]) == ("1", "estate", "A2")
    assert "handle through the estate (Reg F 1006.2(e))" in wl[0]["reasons"]
    assert "estate handling only" in wl[0]["reasons"] and wl[0]["best_confidence"] == ""
    # A3's attorney routing is not new: A3 stays a 'work' row for its new contacts
    assert [(r["action"], r["account_id"]) for r in wl[1:]] == [("work", "A3"), ("work", "A1")]


def test_an_account_routed_to_estate_and_attorney_lists_the_estate_first(world, tmp_path) -> None:
    """Two routings of one account tie on every other key: the order is still total (a replayed
    run writes the same bytes), estate handling before the attorney, in any insertion order."""
    for n, action in enumerate(("route_to_attorney", "route_to_estate")):
        world.execute(
            "INSERT INTO suppressions (run_id, account_id, contact_type, contact_key, rule,"
            " action, reason, regulation) VALUES (?, 'A2', NULL, NULL, ?, ?, 'why', 'Reg F')",
            [RUN, f"rule{n}", action],
        )
    emit(world, RUN, tmp_path)
    wl = read_csv(tmp_path / "worklist.csv")
    assert [(r["priority"], r["action"], r["account_id"]) for r in wl[:2]] == [
        ("1", "estate", "A2"),
        ("2", "attorney", "A2"),
    ]


def test_import_layouts(world, tmp_path: Path) -> None:
    emit(world, RUN, tmp_path)
    phones = {r["phone"]: r for r in read_csv(tmp_path / "import_phones.csv")}
    good, land, bad = phones["4045550101"], phones["4045550100"], phones["4045550102"]
    assert (good["sequence"], good["status"], good["phone_type"], good["on_hold"]) == (
        "1",
        "good",
        "cell",
        "N",
    )
    assert (
        good["source"] == "hdr"
        and good["consent_autodialer"] == "N"
        and good["consent_manual"] == "Y"
    )
    assert (land["phone_type"], land["status"], land["extension"]) == ("home", "unknown", "12")
    assert (land["consent_autodialer"], land["consent_text"]) == ("Y", "Y")
    assert (bad["status"], bad["on_hold"]) == ("bad", "Y")
    assert phones["4045550900"]["on_hold"] == "Y"
    assert good["date_added"] == "2025-05-01"  # first emitted by the completed run PREV
    assert bad["date_added"] == "2025-06-01"  # new this run
    addrs = {r["address_line1"]: r for r in read_csv(tmp_path / "import_addresses.csv")}
    cur, old = addrs["9 ELM ST"], addrs["1 OLD RD"]
    assert (cur["primary"], cur["correspondence"], cur["status"]) == ("Y", "Y", "good")
    assert (cur["source"], cur["confirmation_source"]) == ("hdr", "on file")
    assert (old["status"], old["primary"], old["correspondence"]) == ("bad", "N", "N")


def test_first_run_delta_is_all_added(con, tmp_path: Path) -> None:
    add_contact(con, "solo", "A1", "+14045550100")
    emit(con, "solo", tmp_path)
    (row,) = read_csv(tmp_path / "delta.csv")
    assert row["change"] == "added" and row["previous_run_id"] == ""
    assert dt.date.fromisoformat(read_csv(tmp_path / "import_phones.csv")[0]["date_added"])


def test_a_failed_runs_marker_says_so(tmp_path: Path) -> None:
    from skiptrace.flows.exports.emit import mark_incomplete

    mark_incomplete(tmp_path, "r9")
    mark_incomplete(tmp_path, "r9", "failed: ShrinkError")
    text = (tmp_path / INCOMPLETE_MARKER).read_text()
    assert text.startswith("run r9 failed: ShrinkError") and "manifest.json" in text


def _phones(world: duckdb.DuckDBPyConnection, tmp_path: Path) -> dict[str, dict[str, str]]:
    emit(world, RUN, tmp_path)
    return {r["phone"]: r for r in read_csv(tmp_path / "import_phones.csv")}


@pytest.mark.parametrize(
    ("consumer", "area_code", "conflict", "window"),
    [
        ("America/New_York", "America/New_York", "N", ("08:00", "21:00")),
        # Central area code, Eastern consumer: 8 a.m. Central is 9 a.m. Eastern
        ("America/New_York", "America/Chicago", "Y", ("09:00", "21:00")),
        # Pacific consumer, Eastern area code: 9 p.m. Eastern is 6 p.m. Pacific
        ("America/Los_Angeles", "America/New_York", "Y", ("08:00", "18:00")),
        # no address zone: the area code's zone and its full window
        (None, "America/Denver", "N", ("08:00", "21:00")),
        # zones 13 or more hours apart: each 08:00-21:00 is an interval of the day, so the
        # other zone's wraps past midnight (the shifted ends gave 23:00-21:00, 08:00-07:00 ...)
        ("Pacific/Guam", "America/Chicago", "Y", ("08:00", "12:00")),
        ("Pacific/Saipan", "America/Los_Angeles", "Y", ("08:00", "14:00")),
        ("America/New_York", "Pacific/Guam", "Y", ("18:00", "21:00")),
        ("Pacific/Pago_Pago", "Pacific/Guam", "Y", ("11:00", "21:00")),
    ],
)
def test_import_phones_carry_area_code_zone_and_calling_window(
    world, tmp_path: Path, consumer: str | None, area_code: str, conflict: str, window: tuple
) -> None:
    """Reg F 1006.6(b)(1): the dialer gets both zones and the window that satisfies both."""
    world.execute(
        "UPDATE contact_points SET time_zone = ?, tz_area_code = ?, tz_conflict = ?"
        " WHERE run_id = ? AND contact_key = '+14045550101'",
        [consumer, area_code, conflict == "Y", RUN],
    )
    row = _phones(world, tmp_path)["4045550101"]
    assert (row["time_zone"], row["tz_area_code"], row["tz_conflict"]) == (
        consumer or "",
        area_code,
        conflict,
    )
    assert row["call_window_tz"] == (consumer or area_code)
    assert (row["call_window_start"], row["call_window_end"]) == window


def _zones(world: duckdb.DuckDBPyConnection, consumer: str | None, zones: list[str]) -> None:
    world.execute(
        "UPDATE contact_points SET time_zone = ?, tz_area_code = NULL, tz_zones = ?,"
        " tz_conflict = true WHERE run_id = ? AND contact_key = '+14045550101'",
        [consumer, zones, RUN],
    )


def test_the_window_fits_every_zone_the_consumer_may_be_in(world, tmp_path: Path) -> None:
    """tz_zones (resolution's list) decides, not the two zones alone; stated in the first zone
    when no zone is the consumer's or the number's."""
    _zones(
        world, "America/Los_Angeles", ["America/New_York", "America/Los_Angeles", "America/Chicago"]
    )
    row = _phones(world, tmp_path)["4045550101"]
    assert (row["call_window_tz"], row["call_window_start"], row["call_window_end"]) == (
        "America/Los_Angeles", "08:00", "18:00"
    )  # fmt: skip
    _zones(world, None, ["America/Anchorage", "America/Adak"])
    row = _phones(world, tmp_path / "b")["4045550101"]
    assert (row["call_window_tz"], row["call_window_start"], row["call_window_end"]) == (
        "America/Anchorage", "09:00", "21:00"
    )  # fmt: skip


def test_the_window_uses_the_offsets_of_the_as_of_day(world, tmp_path: Path) -> None:
    """In January New York is 15 hours behind Guam, not 14: 5-9 p.m. there, not 6-9 p.m."""
    world.execute("UPDATE runs SET as_of = DATE '2025-01-15' WHERE run_id = ?", [RUN])
    _zones(world, "America/New_York", ["America/New_York", "Pacific/Guam"])
    row = _phones(world, tmp_path)["4045550101"]
    assert (row["call_window_start"], row["call_window_end"]) == ("17:00", "21:00")


def test_two_common_stretches_keep_the_first(world, tmp_path: Path) -> None:
    """Manila is 12 hours ahead of New York in summer: 8-9 a.m. and 8-9 p.m. New York are both
    8 a.m.-9 p.m. there; a dialer takes one window, the earlier of the two equal ones."""
    _zones(world, "America/New_York", ["America/New_York", "Asia/Manila"])
    row = _phones(world, tmp_path)["4045550101"]
    assert (row["call_window_start"], row["call_window_end"]) == ("08:00", "09:00")


def test_no_common_hour_holds_the_phone(world, tmp_path: Path) -> None:
    """Guam and New York share 6-9 p.m. New York; 8 a.m.-9 p.m. London is 3 a.m.-4 p.m. New
    York: no hour suits all three. Held, saying why, the window blank; the push agrees."""
    _zones(world, "America/New_York", ["America/New_York", "Pacific/Guam", "Europe/London"])
    row = _phones(world, tmp_path)["4045550101"]
    assert row["on_hold"] == "Y"
    assert row["on_hold_reason"] == (
        "no calling window: no hour is 8 a.m.-9 p.m. in every time zone the consumer may be in"
        " (America/New_York, Pacific/Guam, Europe/London)"
    )
    assert (row["call_window_tz"], row["call_window_start"], row["call_window_end"]) == ("", "", "")
    staged = [
        (r["callable"], r["on_hold"], r["hold_reason"])
        for r in sql.rows(world, "push/stage_contacts.sql", run_id=RUN, bad=0.1, verify=0.3)
        if r["contact_key"] == "+14045550101"
    ]
    assert staged == [(False, True, row["on_hold_reason"])]


def test_held_rows_say_why(world, tmp_path: Path) -> None:
    world.execute(
        "INSERT INTO suppressions (run_id, account_id, contact_type, contact_key, rule,"
        " action, reason, regulation) VALUES (?, 'HELD', NULL, NULL, 'bk_stay', 'hold',"
        " 'bankruptcy filed: automatic stay', '11 USC 362')",
        [RUN],
    )
    phones = _phones(world, tmp_path)
    assert phones["4045550900"]["on_hold_reason"] == "bankruptcy filed: automatic stay"
    low = phones["4045550102"]  # confidence 0.05: held for verification
    assert low["on_hold"] == "Y" and low["on_hold_reason"].startswith("confidence 0.050 below")
    assert phones["4045550101"]["on_hold"] == "N" and phones["4045550101"]["on_hold_reason"] == ""
    addrs = {r["address_line1"]: r for r in read_csv(tmp_path / "import_addresses.csv")}
    assert (
        addrs["1 OLD RD"]["on_hold"] == "Y"
        and "below the verify band" in addrs["1 OLD RD"]["on_hold_reason"]
    )
    assert addrs["9 ELM ST"]["on_hold_reason"] == ""


@pytest.mark.parametrize(("zip_format", "expected"), [("zip5", "30161"), ("zip+4", "30161-1234")])
def test_one_zip_format(world, tmp_path: Path, zip_format: str, expected: str) -> None:
    world.execute(
        "UPDATE contact_points SET zip = '30161-1234' WHERE contact_key = '9 ELM ST|30161'"
    )
    world.execute(
        "UPDATE contact_points SET zip = '301611234' WHERE contact_key = '1 OLD RD|30161'"
    )
    emit(world, RUN, tmp_path, zip_format=zip_format)
    for name in ("import_addresses.csv", "contacts.csv"):
        zips = {r["zip"] for r in read_csv(tmp_path / name) if r.get("zip")}
        assert zips <= {expected, "30161"} and expected in zips, (name, zips)
        if zip_format == "zip5":
            assert zips == {"30161"}
    with pytest.raises(ValueError, match="zip_format"):
        emit(world, RUN, tmp_path, zip_format="zip9")


def test_worklist_states_confidence_as_it_is(world, tmp_path: Path) -> None:
    world.execute(
        "UPDATE contact_points SET confidence = 0.9996 WHERE run_id = ? AND contact_key = '+14045550101'",
        [RUN],
    )
    emit(world, RUN, tmp_path)
    (a1,) = [r for r in read_csv(tmp_path / "worklist.csv") if r["account_id"] == "A1"]
    assert "best confidence 0.999 that it reaches the debtor" in a1["reasons"]
    assert "100%" not in a1["reasons"]
