"""delta.csv composes: applied in run order to a run's full files, it gives the later run's.

An integrator's audit over 15 nights found that it did not: a contact whose confidence crossed
a band, or whose band moved with the rules file, changed its import status, hold and callable
with no delta row; an address re-spelled under the same key, a phone's type or time zone,
changed with no row; rows carried no key, only text; a suppression or an account closure did
not say why. Each case below is two runs on constructed contact points; the last test
bootstraps from run 1's full files, applies runs 2 and 3's deltas with an applier written from
the README ("Applying delta.csv") and compares with run 3's full files and its push rows.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from skiptrace import sql
from skiptrace.flows.audit.run_config import read_rules, record_config, run_rules
from skiptrace.flows.audit.runs import finish_run
from skiptrace.flows.exports.emit import create_export_macros, emit
from skiptrace.matchers.rules import DEFAULT_RULES
from tests.flows.exports.test_emit import add_contact as emit_contact

R1, R2, R3 = "20250501T000000Z-0001", "20250502T000000Z-0002", "20250503T000000Z-0003"
AS_OF = {R1: "2025-05-01", R2: "2025-05-02", R3: "2025-05-03"}

#: The columns delta.csv had before it composed, in their order: positional readers keep them.
OLD_HEADER = [
    "account_id", "contact_type", "role", "change", "old_status", "new_status", "old_rank",
    "new_rank", "old_confidence", "new_confidence", "address_line1", "city", "state", "zip",
    "phone", "email", "previous_run_id", "run_id", "old_on_hold", "new_on_hold",
]  # fmt: skip
APPENDED = [
    "contact_key", "changed_fields", "removed_reason", "reasons", "suppression_rules",
    "old_import_status", "new_import_status", "old_import_on_hold", "new_import_on_hold",
    "old_import_hold_reason", "new_import_hold_reason", "old_callable", "new_callable",
    "bad_reason", "address_line2", "unit", "phone_type", "extension", "time_zone",
    "tz_area_code", "dial_mode", "consent_autodialer",
]  # fmt: skip


def add_run(con: duckdb.DuckDBPyConnection, run_id: str, rules: str | None = None) -> None:
    """A running run that recorded `rules` (text; None: the shipped rules) as suppress does."""
    con.execute(
        "INSERT INTO runs (run_id, as_of, status) VALUES (?, CAST(? AS DATE), 'running')",
        [run_id, AS_OF[run_id]],
    )
    config = read_rules(None)
    if rules is not None:
        config = type(config)("rules", "rules.yml", config.path, False, rules)
    record_config(con, run_id, config)


def add_contact(
    con: duckdb.DuckDBPyConnection, run_id: str, account_id: str, key: str, **kw: Any
) -> None:
    """test_emit's contact point, with a phone's zones set (the delta follows them)."""
    ctype = kw.get("contact_type", "phone" if key.startswith("+") else "address")
    zones = {"time_zone": "America/New_York", "tz_area_code": "America/New_York"}
    defaults = {"reasons": "found by vendor", **(zones if ctype == "phone" else {})}
    emit_contact(con, run_id, account_id, key, **{**defaults, **kw})


def add_decision(
    con: duckdb.DuckDBPyConnection, run_id: str, account_id: str, action: str, rule: str,
    reason: str, key: str | None = None, contact_type: str | None = None,
) -> None:  # fmt: skip
    con.execute(
        "INSERT INTO suppressions (run_id, account_id, contact_type, contact_key, role, rule,"
        " action, reason, regulation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'test')",
        [run_id, account_id, contact_type, key, "debtor" if key else None, rule, action, reason],
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def key_of(row: dict[str, str]) -> str:
    """The row's contact_key as stored: the CSV files write a cell that could start a formula
    (a phone's +1...) with a leading ' (README), the same in every file."""
    key = row["contact_key"]
    return key[1:] if key[:1] == "'" and key[1:2] in ("=", "+", "-", "@", "\t", "\r") else key


def delta_of(con: duckdb.DuckDBPyConnection, run_id: str, out: Path) -> dict[tuple, dict]:
    emit(con, run_id, out / run_id)
    rows = read_csv(out / run_id / "delta.csv")
    by_key = {(r["account_id"], r["role"], key_of(r)): r for r in rows}
    assert len(by_key) == len(rows)
    return by_key


def two_runs(con: duckdb.DuckDBPyConnection, rules2: str | None = None) -> None:
    add_run(con, R1)
    finish_run(con, R1, "completed")
    add_run(con, R2, rules2)


def test_delta_header_keeps_the_old_columns_first(con, tmp_path: Path) -> None:
    two_runs(con)
    add_contact(con, R1, "A1", "+14045550100")
    add_contact(con, R2, "A1", "+14045550100", rank=2)
    delta_of(con, R2, tmp_path)
    with open(tmp_path / R2 / "delta.csv", encoding="utf-8") as fh:
        assert fh.readline().strip().split(",") == OLD_HEADER + APPENDED


def test_a_confidence_crossing_a_band_is_a_usability_change(con, tmp_path: Path) -> None:
    """0.3002 -> 0.2998 under the verify band: held for verification (import on_hold Y, not
    callable); 0.1 -> 0.0999 under the bad band: import status bad. Neither is a rule hold, so
    old_on_hold / new_on_hold stay N. A held number whose confidence moves below the band (the
    figure its hold reason quotes) is not a change."""
    two_runs(con)
    for run, (verify, bad, drift) in {
        R1: (0.3002, 0.1, 0.25),
        R2: (0.2998, 0.0999, 0.2411),
    }.items():
        add_contact(con, run, "A1", "+14045550101", confidence=verify)
        add_contact(con, run, "A1", "+14045550102", rank=2, confidence=bad)
        add_contact(con, run, "A1", "+14045550103", rank=3, confidence=drift)
    delta = delta_of(con, R2, tmp_path)
    held = delta[("A1", "debtor", "+14045550101")]
    assert held["change"] == "usability_changed"
    assert (held["old_on_hold"], held["new_on_hold"]) == ("N", "N")  # no rule hold
    assert (held["old_import_on_hold"], held["new_import_on_hold"]) == ("N", "Y")
    assert (held["old_callable"], held["new_callable"]) == ("Y", "N")
    assert held["old_import_hold_reason"] == ""
    assert held["new_import_hold_reason"] == (
        "confidence 0.299 below the verify band 0.30: verify the number before use"
    )
    assert held["changed_fields"] == "import_on_hold;import_hold_reason;callable"
    low = delta[("A1", "debtor", "+14045550102")]
    assert (low["change"], low["old_import_status"], low["new_import_status"]) == (
        "usability_changed", "unknown", "bad",
    )  # fmt: skip
    assert low["bad_reason"] == "confidence 0.099 below the bad band 0.10"
    assert ("A1", "debtor", "+14045550103") not in delta  # 0.250 -> 0.241, held both nights
    # the import file of run 2 says what the delta says
    phones = {key_of(r): r for r in read_csv(tmp_path / R2 / "import_phones.csv")}
    assert phones["+14045550101"]["on_hold"] == "Y" and phones["+14045550102"]["status"] == "bad"


def test_a_rules_change_of_bands_is_a_usability_change(con, tmp_path: Path) -> None:
    """Run 2 recorded rules whose verify band is 0.45 and good band 0.85: the same contacts at
    the same confidence are held, or no longer good, and the delta says so under each run's
    own recorded bands (run 1's are the shipped ones)."""
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    stricter = text.replace("verify: 0.30", "verify: 0.45").replace("good: 0.70", "good: 0.85")
    assert stricter != text
    two_runs(con, rules2=stricter)
    assert run_rules(con, R2, None).bands.verify == 0.45
    for run in (R1, R2):
        add_contact(con, run, "A1", "+14045550101", confidence=0.40)
        add_contact(con, run, "A1", "9 ELM ST|30161", confidence=0.80)
        add_contact(con, run, "A1", "+14045550102", rank=2, confidence=0.95)
    delta = delta_of(con, R2, tmp_path)
    phone = delta[("A1", "debtor", "+14045550101")]
    assert (phone["change"], phone["old_import_on_hold"], phone["new_import_on_hold"]) == (
        "usability_changed", "N", "Y",
    )  # fmt: skip
    assert "below the verify band 0.45" in phone["new_import_hold_reason"]
    addr = delta[("A1", "debtor", "9 ELM ST|30161")]
    assert (addr["change"], addr["old_import_status"], addr["new_import_status"]) == (
        "usability_changed", "good", "unknown",
    )  # fmt: skip
    assert ("A1", "debtor", "+14045550102") not in delta  # good under both


def test_a_respelled_address_is_a_value_change_under_its_key(con, tmp_path: Path) -> None:
    two_runs(con)
    key = "8120 LAFAYETTE ST APT 115|30161"
    add_contact(con, R1, "A1", key, address_line1="8120 LAFAYETTE ST APT 115", unit="APT 115")
    add_contact(con, R2, "A1", key, address_line1="8120 LAFAYETTE ST # 115", unit="# 115")
    delta = delta_of(con, R2, tmp_path)
    row = delta[("A1", "debtor", key)]
    assert row["change"] == "value_changed" and row["contact_key"] == key
    assert (row["address_line1"], row["unit"]) == ("8120 LAFAYETTE ST # 115", "# 115")
    assert row["changed_fields"] == "address_line1;unit"
    assert (row["old_status"], row["new_status"], row["old_rank"], row["new_rank"]) == (
        "new", "new", "1", "1",
    )  # fmt: skip
    # the full files carry the same key, so the row finds the contact whatever its text
    for name in ("contacts.csv", "import_addresses.csv"):
        (full,) = read_csv(tmp_path / R2 / name)
        assert full["contact_key"] == key and full["address_line1"] == "8120 LAFAYETTE ST # 115"


def test_a_phones_type_or_time_zone_is_a_value_change(con, tmp_path: Path) -> None:
    """What the dialer decides on (TCPA: a landline that is not known any more is dialed as a
    cell; Reg F 1006.6(b)(1): the calling window follows the zone) changes under the key."""
    two_runs(con)
    add_contact(con, R1, "A1", "+14045550101", phone_type="landline")
    add_contact(con, R2, "A1", "+14045550101", phone_type="unknown")
    add_contact(con, R1, "A1", "+14045550102", rank=2)
    add_contact(con, R2, "A1", "+14045550102", rank=2, time_zone="America/Chicago")
    add_contact(con, R1, "A1", "+14045550103", rank=3)
    add_contact(con, R2, "A1", "+14045550103", rank=3, dial_mode="autodialer",
                consent_autodialer=True)  # fmt: skip
    delta = delta_of(con, R2, tmp_path)
    landline = delta[("A1", "debtor", "+14045550101")]
    assert (landline["change"], landline["changed_fields"], landline["phone_type"]) == (
        "value_changed", "phone_type", "unknown",
    )  # fmt: skip
    zone = delta[("A1", "debtor", "+14045550102")]
    assert (zone["change"], zone["changed_fields"], zone["time_zone"]) == (
        "value_changed", "time_zone", "America/Chicago",
    )  # fmt: skip
    consent = delta[("A1", "debtor", "+14045550103")]
    assert consent["changed_fields"] == "dial_mode;consent_autodialer"
    assert (consent["dial_mode"], consent["consent_autodialer"]) == ("autodialer", "Y")
    phones = {key_of(r): r for r in read_csv(tmp_path / R2 / "import_phones.csv")}
    assert phones["+14045550101"]["phone_type"] == "cell"
    assert phones["+14045550102"]["call_window_tz"] == "America/Chicago"


def test_a_suppression_and_a_removal_say_why(con, tmp_path: Path) -> None:
    """A suppression names its rules and carries the contact's reasons; a removed contact says
    whether its account is closed (not in the account files the run used), the point changed
    role, or no source supports it any more."""
    two_runs(con)
    con.execute(
        "INSERT INTO input_files (file_no, source, kind, status) VALUES (1, 'accounts', 'accounts',"
        " 'loaded')"
    )
    for line, acct in enumerate(("A1", "A2", "A4")):
        con.execute(
            "INSERT INTO accounts (file_no, line_no, account_id) VALUES (1, ?, ?)", [line, acct]
        )
    con.execute("INSERT INTO run_inputs VALUES (?, 1)", [R2])  # A3 is not in it: closed
    for acct in ("A1", "A2", "A3", "A4"):
        add_contact(con, R1, acct, "+14045550101")
        add_contact(con, R1, acct, "1 OAK ST|30161", rank=1)
    add_contact(con, R2, "A1", "+14045550101", status="suppressed",
                reasons="SUPPRESSED: consumer asked us to stop calling; found by vendor")  # fmt: skip
    add_decision(con, R2, "A1", "suppress", "cease_desist_phone", "consumer asked us to stop calling",
                 key="+14045550101", contact_type="phone")  # fmt: skip
    add_contact(con, R2, "A1", "1 OAK ST|30161")
    add_contact(con, R2, "A2", "1 OAK ST|30161")  # A2's number: no longer found
    # A3: closed, nothing emitted; A4 still in the account files, nothing found for it now;
    # A2's address was also a relative's: the relative's row is now the debtor's
    add_contact(con, R1, "A2", "2 ELM ST|30161", role="third_party", relationship="sister")
    add_contact(con, R2, "A2", "2 ELM ST|30161", rank=2)
    delta = delta_of(con, R2, tmp_path)
    sup = delta[("A1", "debtor", "+14045550101")]
    assert (sup["change"], sup["new_status"], sup["suppression_rules"]) == (
        "status_changed", "suppressed", "cease_desist_phone",
    )  # fmt: skip
    assert sup["reasons"].startswith("SUPPRESSED: consumer asked us to stop calling")
    assert (sup["old_callable"], sup["new_callable"]) == ("Y", "N")
    why = {
        (a, k): r["removed_reason"] for (a, _, k), r in delta.items() if r["change"] == "removed"
    }
    assert why == {
        ("A2", "+14045550101"): "no_longer_found",
        ("A2", "2 ELM ST|30161"): "role_changed",
        ("A3", "+14045550101"): "account_closed",
        ("A3", "1 OAK ST|30161"): "account_closed",
        ("A4", "+14045550101"): "no_longer_found",
        ("A4", "1 OAK ST|30161"): "no_longer_found",
    }
    assert delta[("A2", "debtor", "2 ELM ST|30161")]["change"] == "added"
    assert all(r["removed_reason"] == "" for r in delta.values() if r["change"] != "removed")


def test_without_a_record_of_the_runs_files_a_gone_account_is_closed(con, tmp_path) -> None:
    """A run from before run_inputs: an account with no contact point left is closed."""
    two_runs(con)
    add_contact(con, R1, "A1", "+14045550101")
    add_contact(con, R1, "A1", "+14045550102", rank=2)
    add_contact(con, R1, "A2", "+14045550103")
    add_contact(con, R2, "A1", "+14045550101")
    delta = delta_of(con, R2, tmp_path)
    assert delta[("A1", "debtor", "+14045550102")]["removed_reason"] == "no_longer_found"
    assert delta[("A2", "debtor", "+14045550103")]["removed_reason"] == "account_closed"


# ---- composition ---------------------------------------------------------------------------

#: The displayed fields a delta row carries, as the full files name them.
SHOWN = ("address_line1", "address_line2", "unit", "city", "state", "zip", "phone", "email",
         "phone_type")  # fmt: skip
#: The import files' hold reason quotes the confidence; the delta follows the reason without
#: the figure (README), so the copy is compared the same way.
_FIGURE = re.compile(r"confidence [0-9.]+ below")


def gist(reason: str) -> str:
    return _FIGURE.sub("confidence below", reason)


def bootstrap(folder: Path, push: list[dict[str, Any]]) -> dict[tuple, dict[str, str]]:
    """A copy from one run's push rows (every point, suppressed ones too, with callable) and its
    full files: contacts.csv, location_info.csv and the import files."""
    yn = {True: "Y", False: "N"}
    copy: dict[tuple, dict[str, str]] = {}
    for r in push:
        copy[(r["account_id"], r["contact_type"], r["role"], r["contact_key"])] = {
            **{f: r.get(f) or "" for f in SHOWN}, "rank": str(r["rank"]), "status": r["status"],
            "on_hold": "", "callable": yn[r["callable"]], "import_on_hold": yn[r["on_hold"]],
            "import_hold_reason": r["hold_reason"] or "",
        }  # fmt: skip
    for r in read_csv(folder / "contacts.csv"):
        point = copy[(r["account_id"], r["contact_type"], "debtor", key_of(r))]
        point.update({f: r[f] for f in SHOWN}, on_hold=r["on_hold"])
    for r in read_csv(folder / "location_info.csv"):
        point = copy[(r["account_id"], r["contact_type"], "third_party", key_of(r))]
        point["on_hold"] = r["on_hold"]
    for name, ctype in (("import_phones.csv", "phone"), ("import_addresses.csv", "address")):
        for r in read_csv(folder / name):
            point = copy[(r["account_number"], ctype, "debtor", key_of(r))]
            point.update(import_status=r["status"], import_on_hold=r["on_hold"],
                         import_hold_reason=r["on_hold_reason"])  # fmt: skip
            if ctype == "phone":
                point.update(extension=r["extension"], time_zone=r["time_zone"],
                             tz_area_code=r["tz_area_code"])  # fmt: skip
    return copy


def apply(copy: dict, folder: Path, last_applied: str) -> str:
    """README "Applying delta.csv": check previous_run_id, then key each row on (account_id,
    contact_type, role, contact_key): removed deletes, any other row replaces the point."""
    rows = read_csv(folder / "delta.csv")
    assert {r["previous_run_id"] for r in rows} <= {last_applied}
    for r in rows:
        key = (r["account_id"], r["contact_type"], r["role"], key_of(r))
        if r["change"] == "removed":
            copy.pop(key, None)
            continue
        copy[key] = {
            **{f: r[f] for f in SHOWN}, "rank": r["new_rank"], "status": r["new_status"],
            "on_hold": r["new_on_hold"], "import_status": r["new_import_status"],
            "import_on_hold": r["new_import_on_hold"],
            "import_hold_reason": r["new_import_hold_reason"], "callable": r["new_callable"],
            "extension": r["extension"], "time_zone": r["time_zone"],
            "tz_area_code": r["tz_area_code"],
        }  # fmt: skip
    return rows[0]["run_id"] if rows else last_applied


def contacts_view(copy: dict) -> set[tuple]:
    return {
        (a, t, k, p["rank"], p["status"], p["on_hold"], *(p[f] for f in SHOWN))
        for (a, t, role, k), p in copy.items()
        if role == "debtor" and p["status"] != "suppressed"
    }


def location_view(copy: dict) -> set[tuple]:
    return {
        (a, t, k, p["rank"], p["on_hold"], p["phone"], p["address_line1"], p["email"])
        for (a, t, role, k), p in copy.items()
        if role == "third_party" and p["status"] != "suppressed"
    }


def imports_view(copy: dict, ctype: str) -> set[tuple]:
    """The import file's rows: the debtor's points not suppressed, numbered by rank."""
    points = sorted(
        ((a, int(p["rank"]), k, p) for (a, t, role, k), p in copy.items()
         if t == ctype and role == "debtor" and p["status"] != "suppressed"),
        key=lambda x: (x[0], x[1]),
    )  # fmt: skip
    seen: dict[str, int] = {}
    out = set()
    for a, _, k, p in points:
        seen[a] = seen.get(a, 0) + 1
        shown = (p["phone"], "home" if p["phone_type"] == "landline" else "cell", p["extension"],
                 p["time_zone"], p["tz_area_code"]) if ctype == "phone" else (
                 p["address_line1"], p["address_line2"], p["city"], p["state"], p["zip"])  # fmt: skip
        out.add((a, seen[a], k, p["import_status"], p["import_on_hold"],
                 gist(p["import_hold_reason"]), *shown))  # fmt: skip
    return out


def full_contacts(folder: Path) -> set[tuple]:
    return {
        (r["account_id"], r["contact_type"], key_of(r), r["rank"], r["status"], r["on_hold"],
         *(r[f] for f in SHOWN))
        for r in read_csv(folder / "contacts.csv")
    }  # fmt: skip


def full_location(folder: Path) -> set[tuple]:
    return {
        (r["account_id"], r["contact_type"], key_of(r), r["rank"], r["on_hold"], r["phone"],
         r["address_line1"], r["email"])
        for r in read_csv(folder / "location_info.csv")
    }  # fmt: skip


def full_imports(folder: Path, ctype: str) -> set[tuple]:
    out = set()
    name = {"phone": "import_phones.csv", "address": "import_addresses.csv"}[ctype]
    for r in read_csv(folder / name):
        if ctype == "phone":
            shown = (r["phone"], r["phone_type"], r["extension"], r["time_zone"], r["tz_area_code"])
        else:
            shown = (r["address_line1"], r["address_line2"], r["city"], r["state"], r["zip"])
        out.add((r["account_number"], int(r["sequence"]), key_of(r), r["status"], r["on_hold"],
                 gist(r["on_hold_reason"]), *shown))  # fmt: skip
    return out


def pushed(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    """What the push stages for PostgreSQL (sql/push/stage_contacts.sql, the run's bands)."""
    bands = run_rules(con, run_id, None).bands
    return sql.rows(con, "push/stage_contacts.sql", run_id=run_id, bad=bands.bad,
                    verify=bands.verify)  # fmt: skip


def platform_view(rows: list[dict[str, Any]]) -> dict[tuple, tuple]:
    yn = {True: "Y", False: "N"}
    return {
        (r["account_id"], r["contact_type"], r["role"], r["contact_key"]):
            (r["status"], str(r["rank"]), yn[r["callable"]], yn[r["on_hold"]],
             gist(r["hold_reason"] or ""))
        for r in rows
    }  # fmt: skip


def mirrored(copy: dict) -> dict[tuple, tuple]:
    """The copy's push columns: status, rank, callable, held, why held."""
    return {
        k: (p["status"], p["rank"], p["callable"], p["import_on_hold"],
            gist(p["import_hold_reason"]))
        for k, p in copy.items()
    }  # fmt: skip


STREETS = ("OAK ST", "ELM ST", "PINE RD", "LAFAYETTE ST")
ZONES = ("America/New_York", "America/Chicago", "America/Denver")


def night(con: duckdb.DuckDBPyConnection, run_id: str, rnd: random.Random, state: dict) -> None:
    """One night's contact points and decisions for 40 accounts, mutated from the last night's:
    confidences drift and cross bands, points appear and disappear, addresses are re-spelled,
    phone types and zones change, holds and suppressions come and go, relatives' points too."""
    for acct_no in range(40):
        acct = f"A{acct_no:02d}"
        if acct_no == 39 and run_id == R3:
            continue  # closed before run 3
        points = state.setdefault(acct, {})
        if not points or rnd.random() < 0.3:  # a new point
            n = len(points) + rnd.randrange(100)
            kind = rnd.choice(("phone", "address", "email"))
            role = "third_party" if rnd.random() < 0.2 else "debtor"
            if kind == "phone":
                key = f"+1404555{acct_no:02d}{n % 100:02d}"
            elif kind == "address":
                key = f"{n + 1} {rnd.choice(STREETS)} APT {n}|301{acct_no:02d}"
            else:
                key = f"p{n}@{acct.lower()}.example"
            points.setdefault((role, kind, key), {"confidence": rnd.random(),
                                                  "line1": key.split("|")[0], "unit": None,
                                                  "type": "mobile", "tz": ZONES[0]})  # fmt: skip
        for pk in list(points):
            p = points[pk]
            if rnd.random() < 0.08:
                del points[pk]  # no longer found
                continue
            p["confidence"] = min(1.0, max(0.0, p["confidence"] + rnd.uniform(-0.06, 0.06)))
            if pk[1] == "address" and rnd.random() < 0.2:  # re-spelled under the same key
                street, _, unit = p["line1"].rpartition(" APT ")
                if street:
                    p["line1"], p["unit"] = f"{street} # {unit}", f"# {unit}"
            if pk[1] == "phone" and rnd.random() < 0.2:
                p["type"] = rnd.choice(("mobile", "landline", "unknown"))
            if pk[1] == "phone" and rnd.random() < 0.2:
                p["tz"] = rnd.choice(ZONES)
            if rnd.random() < 0.1:  # a hold put on or lifted
                p["hold"] = not p.get("hold", False)
            if rnd.random() < 0.08:  # a suppression decided or lifted
                p["suppressed"] = not p.get("suppressed", False)
        by_type: dict[tuple[str, str], list] = {}
        for pk, p in points.items():
            by_type.setdefault((pk[0], pk[1]), []).append((pk, p))
        for (role, kind), members in by_type.items():
            members.sort(key=lambda m: (-m[1]["confidence"], m[0][2]))
            for rank, ((_, _, key), p) in enumerate(members, 1):
                extra: dict[str, Any] = {"contact_type": kind, "rank": rank, "role": role,
                                         "confidence": round(p["confidence"], 4),
                                         "on_hold": p.get("hold", False),
                                         "status": "suppressed" if p.get("suppressed") else "new"}  # fmt: skip
                if role == "third_party":
                    extra["relationship"] = "sister"
                if kind == "address":
                    extra.update(address_line1=p["line1"], unit=p["unit"])
                if kind == "phone":
                    extra.update(phone_type=p["type"], time_zone=p["tz"])
                add_contact(con, run_id, acct, key, **extra)
                if p.get("hold"):
                    add_decision(con, run_id, acct, "hold", "dispute", "disputed by the consumer",
                                 key=key, contact_type=kind)  # fmt: skip
                if p.get("suppressed"):
                    add_decision(con, run_id, acct, "suppress", "wrong_number", "wrong number",
                                 key=key, contact_type=kind)  # fmt: skip
    # a third party's rows are keyed on their role: roles are never mixed on one key here
    con.execute(
        "DELETE FROM contact_points t WHERE run_id = ? AND role = 'third_party' AND EXISTS ("
        " SELECT 1 FROM contact_points d WHERE d.run_id = t.run_id AND d.role = 'debtor'"
        " AND d.account_id = t.account_id AND d.contact_key = t.contact_key)",
        [run_id],
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_the_deltas_applied_in_order_give_the_later_runs_files(con, tmp_path, seed) -> None:
    """Bootstrap from run 1's full files (and push), apply run 2's and run 3's delta.csv as the
    README says, and get run 3's full files and push rows: keys, status, rank, hold, import
    status and hold, callable and the displayed fields. Run 3's rules move the bands."""
    rnd = random.Random(seed)
    state: dict[str, Any] = {}
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    stricter = text.replace("verify: 0.30", "verify: 0.40").replace("bad: 0.10", "bad: 0.15")
    add_run(con, R1)
    night(con, R1, rnd, state)
    emit(con, R1, tmp_path / R1)
    finish_run(con, R1, "completed")
    copy = bootstrap(tmp_path / R1, pushed(con, R1))
    assert contacts_view(copy) == full_contacts(tmp_path / R1)  # the bootstrap is the files
    assert mirrored(copy) == platform_view(pushed(con, R1))
    last, changes = R1, set()
    for run, rules in ((R2, None), (R3, stricter)):
        add_run(con, run, rules)
        night(con, run, rnd, state)
        emit(con, run, tmp_path / run)
        finish_run(con, run, "completed")
        last = apply(copy, tmp_path / run, last)
        assert last == run
        changes |= {r["change"] for r in read_csv(tmp_path / run / "delta.csv")}
        folder = tmp_path / run
        assert contacts_view(copy) == full_contacts(folder)
        assert location_view(copy) == full_location(folder)
        assert imports_view(copy, "phone") == full_imports(folder, "phone")
        assert imports_view(copy, "address") == full_imports(folder, "address")
        assert mirrored(copy) == platform_view(pushed(con, run))
    # the nights exercised every kind of change
    assert changes >= {"added", "removed", "status_changed", "rank_changed", "hold_changed",
                       "usability_changed", "value_changed"}  # fmt: skip


def test_the_readme_lists_the_delta_columns_in_order(con, tmp_path: Path) -> None:
    """README "Applying delta.csv" names every column, in the file's order."""
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Applying `delta.csv`", 1)[1].split("\n## ", 1)[0]
    table = section.split("Columns, in order", 1)[1].split("\n\n", 1)[1].split("\n\n", 1)[0]
    listed = [
        name.strip()
        for line in table.splitlines()[2:]
        for name in line.split("|")[1].strip().strip("`").split(",")
    ]
    assert listed == OLD_HEADER + APPENDED
    kinds = section.split("| `change` | meaning |", 1)[1].split("\n\n", 1)[0]
    for change in ("added", "removed", "status_and_rank_changed", "status_changed",
                   "rank_changed", "hold_changed", "usability_changed", "value_changed"):  # fmt: skip
        assert f"`{change}`" in kinds, change


def test_a_previous_run_without_recorded_rules_is_judged_under_the_rules_given(
    con, tmp_path: Path
) -> None:
    """A run from before run_config_files: its bands are those of the rules file emit is given,
    and when that file cannot be read, this run's (the delta is still written)."""
    two_runs(con)
    con.execute("DELETE FROM run_config_files WHERE run_id = ?", [R1])
    add_contact(con, R1, "A1", "+14045550101", confidence=0.40)
    add_contact(con, R2, "A1", "+14045550101", confidence=0.40)
    gone = tmp_path / "gone.yml"
    emit(con, R2, tmp_path / "a", rules=gone)
    assert read_csv(tmp_path / "a" / "delta.csv") == []  # same bands on both sides
    strict = tmp_path / "strict.yml"
    strict.write_text(
        DEFAULT_RULES.read_text(encoding="utf-8").replace("verify: 0.30", "verify: 0.45")
    )
    emit(con, R2, tmp_path / "b", rules=strict)  # run 1 held at 0.45, run 2 (recorded) not
    (row,) = read_csv(tmp_path / "b" / "delta.csv")
    assert (row["change"], row["old_import_on_hold"], row["new_import_on_hold"]) == (
        "usability_changed", "Y", "N",
    )  # fmt: skip


def test_the_pairs_are_read_once_not_materialized(con) -> None:
    """`pairs` has one reader (the final join): closed, moved and suppressing read the points.
    Read by all four, DuckDB materialized it with its three structs, every point of a first run
    (0.45 GB at 100k accounts, past the memory limit at 1M: emit's peak RSS, issue 20). Each
    run's points, with their struct, have one reader too, the pairs' join (removed and
    suppressing read the stored points' keys): read twice, they were materialized, both runs'
    every point (1.1 against 0.45 GB of DuckDB buffers at 100k), whether the previous run's
    are stored or computed again."""
    from skiptrace.flows.exports.emit import _delta_params

    two_runs(con)
    add_contact(con, R1, "A1", "+14045550100")
    add_contact(con, R2, "A1", "+14045550100", rank=2)
    bands = run_rules(con, R2, None).bands
    create_export_macros(con)
    text = sql.load("exports/export_delta.sql")
    wanted = sql.parameters(con, text)
    control = con.execute(
        "EXPLAIN WITH x AS MATERIALIZED (SELECT 1 AS a) SELECT * FROM x, x AS y"
    ).fetchall()
    assert "CTE Name: x" in str(control[0][1])  # the plan names its materialized CTEs
    for recompute in (True, False):
        params = {
            "run_id": R2, "prev_run_id": R1, "good": bands.good, "verify": bands.verify,
            "bad": bands.bad, "zip_format": "zip5", "prev_recompute": recompute,
            **_delta_params(con, R1, None, bands),
        }  # fmt: skip
        plan = "\n".join(
            str(r[1])
            for r in con.execute("EXPLAIN " + text, {k: params[k] for k in wanted}).fetchall()
        )
        for cte in ("pairs", "cur", "prev"):
            assert f"CTE Name: {cte}" not in plan, (cte, recompute)
