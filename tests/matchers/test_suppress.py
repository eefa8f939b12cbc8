"""Every shipped suppression rule fires on a constructed account, and only there."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pydantic import ValidationError

from skiptrace.matchers.rules import DEFAULT_RULES
from skiptrace.matchers.suppress import apply_suppressions, load_rules
from tests.ingested import unused_date

RUN = "r-sup"
AS_OF = dt.date(2025, 6, 1)


class Portfolio:
    """Accounts plus already-resolved contact points (as resolve_contacts would leave them)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.line = 1
        con.execute(
            "INSERT INTO input_files (file_no, source, kind, status) VALUES (1, 'accounts', 'accounts', 'loaded'),"
            " (2, 'pacer', 'bankruptcy', 'loaded')"
        )

    def account(self, account_id: str, **flags: Any) -> str:
        self.line += 1
        cols = {"file_no": 1, "line_no": self.line, "account_id": account_id, "balance": 500.0,
                "state": "GA", **flags}  # fmt: skip
        self.con.execute(
            f"INSERT INTO accounts ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            list(cols.values()),
        )
        # every account gets a debtor address, a debtor mobile and a relative's phone
        self.contact(
            account_id, "address", "1 MAIN ST|30161", state="GA", factors={"on_file": True}
        )
        self.contact(account_id, "phone", "+14045550100", phone_type="mobile")
        self.contact(account_id, "phone", "+14045550199", role="third_party", phone_type="landline")
        return account_id

    def contact(
        self,
        account_id: str,
        contact_type: str,
        key: str,
        *,
        role: str = "debtor",
        status: str = "new",
        factors: dict[str, Any] | None = None,
        **cols: Any,
    ) -> None:
        row = {"run_id": RUN, "account_id": account_id, "contact_type": contact_type,
               "contact_key": key, "rank": cols.pop("rank", 1), "role": role, "confidence": 0.8, "status": status,
               "resolved_status": status, "reasons": "resolved", "resolved_reasons": "resolved",
               "factors": json.dumps(factors or {}), "time_zone": "America/New_York", **cols}  # fmt: skip
        if contact_type == "phone":
            row.setdefault("phone", key[2:])
        self.con.execute(
            f"INSERT INTO contact_points ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )

    def flag(self, account_id: str, flag: str, confidence: float, **rec: Any) -> int:
        """Flag the account on a record (`rec`: its columns; none: the flag names a record id
        with no record behind it); returns the record id."""
        self.line += 1
        rec_id = 2 * 10_000_000_000 + self.line
        if rec:
            cols = {"rec_id": rec_id, "file_no": 2, "line_no": self.line, **rec}
            self.con.execute(
                f"INSERT INTO source_records ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                list(cols.values()),
            )
        self.con.execute(
            "INSERT INTO account_flags (run_id, account_id, flag, confidence, evidence, rec_id)"
            " VALUES (?, ?, ?, ?, 'test', ?)",
            [RUN, account_id, flag, confidence, rec_id],
        )
        return rec_id


def state(con: duckdb.DuckDBPyConnection, account_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    rows = con.execute(
        "SELECT contact_type, role, status, on_hold, dial_mode, reasons FROM contact_points"
        " WHERE run_id = ? AND account_id = ?",
        [RUN, account_id],
    ).fetchall()
    return {
        (r[0], r[1]): {"status": r[2], "on_hold": r[3], "dial_mode": r[4], "reasons": r[5]}
        for r in rows
    }


def decisions(con: duckdb.DuckDBPyConnection, account_id: str) -> dict[str, tuple[str, str, str]]:
    rows = con.execute(
        "SELECT rule, action, reason, regulation FROM suppressions WHERE run_id = ? AND account_id = ?",
        [RUN, account_id],
    ).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


@pytest.fixture
def pf(con: duckdb.DuckDBPyConnection) -> Portfolio:
    return Portfolio(con)


def test_clean_account_gets_only_contact_level_rules(pf: Portfolio, con) -> None:
    pf.account("OK")
    n = apply_suppressions(con, RUN, AS_OF)
    d = decisions(con, "OK")
    assert set(d) == {"third_party_location_only", "mobile_without_consent"}
    assert n == 2
    s = state(con, "OK")
    assert s[("address", "debtor")]["status"] == "new"
    assert s[("phone", "debtor")]["dial_mode"] == "manual"
    assert s[("phone", "third_party")]["status"] == "new"
    assert s[("phone", "third_party")]["reasons"].startswith("THIRD PARTY: ")
    # each contact decision names the role of the point it was made for (migration 098)
    roles = con.execute(
        "SELECT rule, role FROM suppressions WHERE run_id = ? AND account_id = 'OK' ORDER BY rule",
        [RUN],
    ).fetchall()
    assert roles == [
        ("mobile_without_consent", "debtor"),
        ("third_party_location_only", "third_party"),
    ]


def test_paid_in_full_suppresses_everything(pf: Portfolio, con) -> None:
    pf.account("PIF", paid_in_full=True)
    apply_suppressions(con, RUN, AS_OF)
    action, reason, reg = decisions(con, "PIF")["paid_in_full"]
    assert action == "suppress" and "1681b" in reg and "permissible purpose" in reason
    assert {v["status"] for v in state(con, "PIF").values()} == {"suppressed"}


def test_cease_and_desist_suppresses_debtor_contacts(pf: Portfolio, con) -> None:
    pf.account("CD", cease_desist=True)
    apply_suppressions(con, RUN, AS_OF)
    s = state(con, "CD")
    assert s[("address", "debtor")]["status"] == "suppressed"
    assert s[("phone", "debtor")]["status"] == "suppressed"
    assert s[("phone", "third_party")]["status"] == "new"
    assert "1006.6(c)" in decisions(con, "CD")["cease_and_desist"][2]


def test_deceased_routes_to_estate(pf: Portfolio, con) -> None:
    pf.account("DEAD_FILE", deceased=True)
    pf.account("DEAD_DMF")
    pf.flag("DEAD_DMF", "deceased", 0.93, source="dmf", kind="deceased",
            date_of_death=dt.date(2025, 1, 2))  # fmt: skip
    pf.account("MAYBE")
    pf.flag("MAYBE", "deceased", 0.6)
    apply_suppressions(con, RUN, AS_OF)
    for acct in ("DEAD_FILE", "DEAD_DMF"):
        assert decisions(con, acct)["deceased"][0] == "route_to_estate"
        s = state(con, acct)
        assert s[("address", "debtor")]["status"] == "suppressed"
        assert s[("address", "debtor")]["reasons"].startswith("ESTATE: ")
    assert "date of death 2025-01-02" in decisions(con, "DEAD_DMF")["deceased"][1]
    assert "deceased" not in decisions(con, "MAYBE")
    assert decisions(con, "MAYBE")["deceased_unverified"][0] == "hold"
    assert state(con, "MAYBE")[("phone", "debtor")]["on_hold"] is True


def test_disputed_death_holds_for_review_and_never_routes_to_estate(pf: Portfolio, con) -> None:
    pf.account("DISPUTED")
    pf.flag("DISPUTED", "deceased_disputed", 0.97)
    con.execute(
        "UPDATE account_flags SET evidence = 'dmf record 7, date of death 2022-01-10;"
        " contradicted: seen alive on 2024-04-15 (w2:w2-3)' WHERE account_id = 'DISPUTED'"
    )
    apply_suppressions(con, RUN, AS_OF)
    d = decisions(con, "DISPUTED")
    assert "deceased" not in d and d["deceased_disputed"][0] == "hold"
    assert "seen alive on 2024-04-15" in d["deceased_disputed"][1]
    s = state(con, "DISPUTED")
    assert s[("address", "debtor")]["status"] == "new" and s[("address", "debtor")]["on_hold"]
    assert s[("phone", "debtor")]["reasons"].startswith("HOLD: death record contradicted")


def test_bankruptcy_holds_from_the_filing_date(pf: Portfolio, con) -> None:
    bk = {"source": "pacer", "kind": "bankruptcy", "bk_chapter": "13", "bk_case_number": "25-1"}
    pf.account("BK")
    pf.flag("BK", "bankruptcy", 0.95, bk_filing_date=dt.date(2025, 5, 1), **bk)
    pf.account("BK_FUTURE")
    pf.flag("BK_FUTURE", "bankruptcy", 0.95, bk_filing_date=dt.date(2025, 7, 1), **bk)
    pf.account("BK_DISMISSED")
    pf.flag("BK_DISMISSED", "bankruptcy", 0.95, bk_filing_date=dt.date(2024, 1, 1),
            bk_dismissal_date=dt.date(2024, 6, 1), **bk)  # fmt: skip
    pf.account("BK_FILE", bankruptcy=True)
    apply_suppressions(con, RUN, AS_OF)
    action, reason, reg = decisions(con, "BK")["bankruptcy_stay"]
    assert action == "hold" and "11 USC 362" in reg
    assert "chapter 13 case 25-1 filed 2025-05-01" in reason
    s = state(con, "BK")
    assert all(v["on_hold"] for v in s.values()) and s[("phone", "debtor")]["status"] == "new"
    assert s[("phone", "debtor")]["reasons"].startswith("HOLD: bankruptcy")
    assert "bankruptcy_stay" not in decisions(con, "BK_FUTURE")
    assert "bankruptcy_stay" not in decisions(con, "BK_DISMISSED")
    assert "bankruptcy_stay" in decisions(con, "BK_FILE")


def test_a_dismissal_that_contradicts_the_case_does_not_lift_the_stay(pf: Portfolio, con) -> None:
    """A case dismissed before it was filed, or both discharged and dismissed, is doubtful
    (resolve flags it bankruptcy_disputed for review). Its dismissal used to lift the stay all
    the same, while the doubtful note told the collector the case was held meanwhile."""
    bk = {"source": "pacer", "kind": "bankruptcy", "bk_chapter": "7", "bk_case_number": "25-2"}
    pf.account("BK_BEFORE")
    pf.flag("BK_BEFORE", "bankruptcy", 0.95, bk_filing_date=dt.date(2025, 5, 1),
            bk_dismissal_date=dt.date(2025, 2, 1), **bk)  # fmt: skip
    pf.account("BK_BOTH")
    pf.flag("BK_BOTH", "bankruptcy", 0.95, bk_filing_date=dt.date(2024, 3, 1),
            bk_discharge_date=dt.date(2024, 7, 1), bk_dismissal_date=dt.date(2024, 9, 1), **bk)  # fmt: skip
    pf.account("BK_LIFTED")
    pf.flag("BK_LIFTED", "bankruptcy", 0.95, bk_filing_date=dt.date(2024, 3, 1),
            bk_dismissal_date=dt.date(2024, 9, 1), **bk)  # fmt: skip
    apply_suppressions(con, RUN, AS_OF)
    for account in ("BK_BEFORE", "BK_BOTH"):
        assert decisions(con, account)["bankruptcy_stay"][0] == "hold", account
        assert all(v["on_hold"] for v in state(con, account).values()), account
    assert "bankruptcy_stay" not in decisions(con, "BK_LIFTED")
    assert not any(v["on_hold"] for v in state(con, "BK_LIFTED").values())


def test_a_case_whose_date_was_not_used_stays_held(pf: Portfolio, con) -> None:
    """A filing, discharge or dismissal date after the court record's report date is not used
    (ingest nulls it: `after_record_date`); the case must not look over for it. A dismissal
    next to a filing or a discharge not used cannot be checked against them (as delivered: a
    dismissal before the filing, a case discharged and dismissed), so it lifts nothing; a case
    whose dismissal was not used is not dismissed. Such a case is held while possible too, and
    the hold names it, its filing date unknown."""
    bk = {"source": "pacer", "kind": "bankruptcy", "bk_chapter": "7"}
    cases = {  # account: (dates loaded, column not used)
        "NO_FILING": ({"bk_dismissal_date": dt.date(2024, 9, 1)}, "bk_filing_date"),
        "NO_DISCHARGE": ({"bk_filing_date": dt.date(2024, 3, 1),
                          "bk_dismissal_date": dt.date(2024, 9, 1)}, "bk_discharge_date"),
        "NO_DISMISSAL": ({"bk_filing_date": dt.date(2024, 3, 1)}, "bk_dismissal_date"),
        "POSSIBLE": ({"bk_dismissal_date": dt.date(2024, 9, 1)}, "bk_filing_date"),
    }  # fmt: skip
    for account, (dates, column) in cases.items():
        pf.account(account)
        flag = "bankruptcy_possible" if account == "POSSIBLE" else "bankruptcy"
        rec = pf.flag(account, flag, 0.95, bk_case_number=f"24-{account}", **dates, **bk)
        unused_date(con, rec, column, "after_record_date", "03/01/2052")
    apply_suppressions(con, RUN, AS_OF)
    for account in cases:
        rule = "bankruptcy_possible" if account == "POSSIBLE" else "bankruptcy_stay"
        assert decisions(con, account)[rule][0] == "hold", account
        assert all(v["on_hold"] for v in state(con, account).values()), account
    _, reason, _ = decisions(con, "NO_FILING")["bankruptcy_stay"]
    assert reason.endswith(": chapter 7 case 24-NO_FILING, filing date unknown"), reason


def test_the_bankruptcy_hold_names_one_case_not_a_mix_of_two(pf: Portfolio, con) -> None:
    """Two open cases: every fact of the hold comes from the stronger one. Per-field arg_max
    skipped NULLs, so the stronger case's missing discharge date was filled from the other
    case, and two cases of equal confidence were mixed in scan order."""
    pf.account("BK2")
    pf.flag("BK2", "bankruptcy", 0.95, source="pacer", kind="bankruptcy", bk_chapter="13",
            bk_case_number="25-1", bk_filing_date=dt.date(2025, 5, 1))  # fmt: skip
    pf.flag("BK2", "bankruptcy", 0.80, source="pacer", kind="bankruptcy", bk_chapter="7",
            bk_case_number="24-9", bk_filing_date=dt.date(2024, 2, 1),
            bk_discharge_date=dt.date(2024, 6, 1))  # fmt: skip
    apply_suppressions(con, RUN, AS_OF)
    _, reason, _ = decisions(con, "BK2")["bankruptcy_stay"]
    assert "chapter 13 case 25-1 filed 2025-05-01" in reason
    # the weaker case's discharge date is not the stronger case's
    assert "discharged" not in reason and "24-9" not in reason


def test_attorney_represented_routes_to_the_attorney(pf: Portfolio, con) -> None:
    pf.account("ATT", attorney_represented=True, attorney_name="Saul Goodman")
    apply_suppressions(con, RUN, AS_OF)
    action, reason, reg = decisions(con, "ATT")["attorney_represented"]
    assert action == "route_to_attorney" and "1006.6(b)(2)" in reg and "Saul Goodman" in reason
    # 1692b(6): no third-party location contacts once an attorney is known either
    assert {v["status"] for v in state(con, "ATT").values()} == {"suppressed"}


def test_dispute_holds(pf: Portfolio, con) -> None:
    pf.account("DSP", dispute=True)
    apply_suppressions(con, RUN, AS_OF)
    assert decisions(con, "DSP")["dispute"][0] == "hold"
    assert all(v["on_hold"] and v["status"] == "new" for v in state(con, "DSP").values())


def test_phone_consent_do_not_call_and_line_type(pf: Portfolio, con) -> None:
    pf.account("DNC", do_not_call=True)
    pf.contact("DNC", "phone", "+14045550111", phone_type="landline", consent_autodialer=True)
    pf.account("C")
    pf.contact("C", "phone", "+14045550122", phone_type="mobile", consent_autodialer=True)
    pf.contact("C", "phone", "+14045550133", phone_type="landline", consent_autodialer=False)
    pf.contact("C", "phone", "+14045550144", phone_type="unknown", consent_autodialer=False)
    apply_suppressions(con, RUN, AS_OF)
    modes = dict(
        con.execute(
            "SELECT contact_key, dial_mode FROM contact_points WHERE run_id = ? AND role = 'debtor'"
            " AND contact_type = 'phone' AND account_id IN ('DNC', 'C')",
            [RUN],
        ).fetchall()
    )
    assert modes["+14045550111"] == "manual"  # do-not-call beats consent
    assert modes["+14045550122"] == "autodialer"  # mobile with consent
    assert modes["+14045550133"] == "autodialer"  # known landline
    assert modes["+14045550144"] == "manual"  # line type unknown: treated as mobile
    rules = con.execute(
        "SELECT contact_key, rule FROM suppressions WHERE run_id = ? AND contact_key = '+14045550111'",
        [RUN],
    ).fetchall()
    assert ("+14045550111", "do_not_call_manual") in rules


def test_time_zone_conflict_massachusetts_and_moved_address(pf: Portfolio, con) -> None:
    pf.account("TZ", state="MA")
    pf.contact("TZ", "phone", "+13105550100", phone_type="landline", tz_conflict=True,
               tz_area_code="America/Los_Angeles")  # fmt: skip
    pf.contact("TZ", "address", "9 ELM ST|02108", state="MA", rank=1)
    pf.contact("TZ", "address", "4 OLD RD|02109", state="MA", rank=3, status="on_file",
               factors={"moved_from": True})  # fmt: skip
    con.execute("UPDATE contact_points SET rank = 2 WHERE contact_key = '1 MAIN ST|30161'")
    apply_suppressions(con, RUN, AS_OF)
    rows = con.execute(
        "SELECT contact_key, rule, reason FROM suppressions WHERE run_id = ? AND account_id = 'TZ'"
        " AND contact_key IS NOT NULL",
        [RUN],
    ).fetchall()
    by = {(k, r): reason for k, r, reason in rows}
    assert (
        "America/New_York vs area code America/Los_Angeles"
        in by[("+13105550100", "calling_window_time_zone")]
    )
    assert ("+13105550100", "massachusetts_call_frequency") in by
    assert ("4 OLD RD|02109", "known_not_at_address") in by
    assert ("9 ELM ST|02108", "known_not_at_address") not in by


def test_reapply_is_idempotent_and_rules_are_data(pf: Portfolio, con, tmp_path: Path) -> None:
    pf.account("DNC", do_not_call=True)
    first = apply_suppressions(con, RUN, AS_OF)
    assert apply_suppressions(con, RUN, AS_OF) == first
    reasons = state(con, "DNC")[("phone", "debtor")]["reasons"]
    assert reasons.count("MANUAL DIAL ONLY") == 2 and reasons.endswith("resolved")

    # A deployment that reads do_not_call as the consumer's own request (Reg F 1006.14(h))
    # changes one rule's action in its own rules file; no code changes.
    custom = tmp_path / "rules.yml"
    custom.write_text(
        DEFAULT_RULES.read_text().replace(
            "when: \"contact_type = 'phone' AND role = 'debtor' AND do_not_call\"\n    action: manual_dial_only",
            "when: \"contact_type = 'phone' AND role = 'debtor' AND do_not_call\"\n    action: suppress",
        )
    )
    apply_suppressions(con, RUN, AS_OF, custom)
    assert state(con, "DNC")[("phone", "debtor")]["status"] == "suppressed"
    assert decisions(con, "DNC")["do_not_call_manual"][0] == "suppress"


def test_rules_file_is_validated(tmp_path: Path) -> None:
    rules = load_rules()
    assert len(rules.rules) >= 12 and all(r.regulation for r in rules.rules)
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "rules:\n  - {id: x, regulation: 'FDCPA', scope: account, when: 'true; DROP TABLE runs',"
        " action: suppress, reason: 'no'}\n"
    )
    with pytest.raises(ValidationError):
        load_rules(bad)
    bad.write_text(
        "rules:\n  - {id: x, regulation: 'FDCPA', scope: account, when: 'true', action: explode,"
        " reason: 'no'}\n"
    )
    with pytest.raises(ValidationError):
        load_rules(bad)


def test_every_shipped_rule_is_exercised(pf: Portfolio, con) -> None:
    """A new rule in the shipped file must come with a constructed account that fires it."""
    pf.account("PIF", paid_in_full=True)
    pf.account("CD", cease_desist=True)
    pf.account("DEAD", deceased=True)
    pf.account("MAYBE")
    pf.flag("MAYBE", "deceased", 0.6)
    pf.account("DISPUTED")
    pf.flag("DISPUTED", "deceased_disputed", 0.9)
    pf.account("BK", bankruptcy=True)
    pf.flag("BK", "bankruptcy_disputed", 0.9)
    pf.account("BK_MAYBE")  # a case held for review at the debtor's address (10_flags.sql)
    pf.flag("BK_MAYBE", "bankruptcy_possible", 0.66)
    pf.account("DEAD_MAYBE")
    pf.flag("DEAD_MAYBE", "deceased_possible", 0.3)
    pf.account("ATT", attorney_represented=True)
    pf.account("DSP", dispute=True)
    pf.account("DNC", do_not_call=True)
    for acct, flag in (("SCRA", "scra_active_duty"), ("SCRA_DOUBT", "scra_disputed"),
                       ("SCRA_OLD", "scra_status_stale")):  # fmt: skip
        pf.account(acct)  # SCRA military status (10b_scra.sql)
        pf.flag(acct, flag, 0.99)
    pf.account("MA", state="MA")
    pf.contact("MA", "phone", "+13105550100", tz_conflict=True, tz_area_code="America/Los_Angeles")
    pf.contact("MA", "address", "4 OLD RD|02109", rank=2, factors={"moved_from": True})
    con.execute("UPDATE contact_points SET state = 'MA' WHERE account_id = 'MA'")
    # collectors' outcomes (issue 21): account facts and per-contact dispositions
    pf.account("OUT")
    pf.contact("OUT", "phone", "+14045550111")
    pf.contact("OUT", "address", "9 ELM ST|30301")
    add_outcomes(con, [
        ("OUT", "phone", "+14045550111", "wrong_number"),
        ("OUT", "address", "9 ELM ST|30301", "returned_mail"),
        ("OUT", None, "x", "cease_and_desist"), ("OUT", None, "x", "attorney"),
        ("OUT", None, "x", "dispute"), ("OUT", None, "x", "deceased_confirmed"),
        ("OUT", "phone", "+14045550111", "opted_out"),
    ])  # fmt: skip
    apply_suppressions(con, RUN, AS_OF)
    fired = {r[0] for r in con.execute("SELECT DISTINCT rule FROM suppressions").fetchall()}
    assert fired == {r.id for r in load_rules().rules}


def add_outcomes(con: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> None:
    """Collectors' outcomes dated the day before AS_OF."""
    for account_id, ctype, key, outcome in rows:
        con.execute(
            "INSERT INTO contact_outcomes (origin, account_id, contact_type, contact, contact_key,"
            " outcome, outcome_date, agent) VALUES ('t', ?, ?, ?, ?, ?, ?, 'ag')",
            [account_id, ctype, key, key, outcome, AS_OF - dt.timedelta(days=1)],
        )


def test_outcomes_suppress_the_reported_contact_and_a_later_right_party_restores_it(
    pf: Portfolio, con
) -> None:
    pf.account("W")
    pf.contact("W", "phone", "+14045550112")
    pf.contact("W", "phone", "+14045550113", rank=2)
    pf.account("OTHER")
    pf.contact("OTHER", "phone", "+14045550112")  # same number, another account: not suppressed
    add_outcomes(con, [("W", "phone", "+14045550112", "wrong_number"),
                       ("W", "phone", "+14045550113", "wrong_number")])  # fmt: skip
    con.execute(
        "INSERT INTO contact_outcomes (origin, account_id, contact_type, contact_key, outcome,"
        " outcome_date) VALUES ('t', 'W', 'phone', '+14045550113', 'right_party', ?)",
        [AS_OF],
    )
    con.execute(  # an outcome dated after the run's as_of is not known to it
        "INSERT INTO contact_outcomes (origin, account_id, contact_type, contact_key, outcome,"
        " outcome_date) VALUES ('t', 'OTHER', NULL, 'x', 'cease_and_desist', ?)",
        [AS_OF + dt.timedelta(days=1)],
    )
    apply_suppressions(con, RUN, AS_OF)
    got = {
        (r[0], r[1]): (r[2], r[3])
        for r in con.execute(
            "SELECT account_id, contact_key, status, reasons FROM contact_points WHERE run_id = ?",
            [RUN],
        ).fetchall()
    }
    status, reasons = got[("W", "+14045550112")]
    assert status == "suppressed" and "wrong number" in reasons
    assert got[("W", "+14045550113")][0] != "suppressed"
    assert got[("OTHER", "+14045550112")][0] != "suppressed"


def test_only_a_verdict_replaces_a_wrong_number(pf: Portfolio, con) -> None:
    """A no-answer, a dispute or a cease-and-desist logged on a number after a wrong number says
    nothing about whose number it is: the number stays suppressed. The latest outcome of any
    kind used to decide, so a later no-answer put a wrong number back in use with autodialer
    consent. A right-party contact still restores it."""
    pf.account("N")
    pf.contact("N", "phone", "+14045550114")
    pf.contact("N", "phone", "+14045550115", rank=2)
    pf.contact("N", "phone", "+14045550116", rank=3)
    two_days, one_day = AS_OF - dt.timedelta(days=2), AS_OF - dt.timedelta(days=1)
    for key, later in (("+14045550114", "no_answer"), ("+14045550115", "dispute"),
                       ("+14045550116", "right_party")):  # fmt: skip
        for outcome, day in (("wrong_number", two_days), (later, one_day)):
            con.execute(
                "INSERT INTO contact_outcomes (origin, account_id, contact_type, contact_key,"
                " outcome, outcome_date) VALUES ('t', 'N', 'phone', ?, ?, ?)",
                [key, outcome, day],
            )
    apply_suppressions(con, RUN, AS_OF)
    status = dict(
        con.execute(
            "SELECT contact_key, status FROM contact_points WHERE run_id = ? AND account_id = 'N'"
            " AND contact_type = 'phone' AND role = 'debtor'",
            [RUN],
        ).fetchall()
    )
    assert status["+14045550114"] == "suppressed"
    assert status["+14045550115"] == "suppressed"
    assert status["+14045550116"] != "suppressed"


def test_a_relatives_number_reported_wrong_is_not_given_out_for_location(
    pf: Portfolio, con
) -> None:
    """A wrong number or returned mail reported on a third party's contact suppresses it too:
    the location call would reach a stranger (the rules used to cover the debtor's contacts
    only, so location_info kept offering it)."""
    pf.account("R")  # a relative's landline +14045550199 comes with every account
    pf.contact("R", "address", "7 OAK ST|30161", role="third_party", state="GA")
    for key, ctype, outcome in (("+14045550199", "phone", "wrong_number"),
                                ("7 OAK ST|30161", "address", "returned_mail")):  # fmt: skip
        con.execute(
            "INSERT INTO contact_outcomes (origin, account_id, contact_type, contact_key,"
            " outcome, outcome_date) VALUES ('t', 'R', ?, ?, ?, ?)",
            [ctype, key, outcome, AS_OF - dt.timedelta(days=1)],
        )
    apply_suppressions(con, RUN, AS_OF)
    got = dict(
        con.execute(
            "SELECT contact_key, status FROM contact_points WHERE run_id = ? AND account_id = 'R'"
            " AND role = 'third_party'",
            [RUN],
        ).fetchall()
    )
    assert got == {"+14045550199": "suppressed", "7 OAK ST|30161": "suppressed"}


def test_the_consumers_state_is_the_best_ranked_address_even_when_only_on_file(
    pf: Portfolio, con
) -> None:
    """The on-file Boston address ranks first; a stale Wyoming address from another source ranks
    second at 0.005. The consumer is in Massachusetts. Addresses only on file used to be skipped,
    so the Wyoming address set the state and the two-calls-in-seven-days note never fired."""
    pf.account("MA1", state="MA")
    con.execute("DELETE FROM contact_points WHERE account_id = 'MA1' AND contact_type = 'address'")
    pf.contact("MA1", "address", "9 ELM ST|02108", state="MA", rank=1, status="on_file",
               factors={"on_file": True})  # fmt: skip
    pf.contact("MA1", "address", "4 SAGE RD|82001", state="WY", rank=2, confidence=0.005)
    pf.account("MA2", state="MA")  # the consumer left the on-file address: the new one counts
    con.execute("DELETE FROM contact_points WHERE account_id = 'MA2' AND contact_type = 'address'")
    pf.contact("MA2", "address", "9 ELM ST|02108", state="MA", rank=1, status="on_file",
               factors={"on_file": True, "moved_from": True})  # fmt: skip
    pf.contact("MA2", "address", "4 SAGE RD|82001", state="WY", rank=2)
    pf.account("MA3", state="MA")  # the Boston address came back as returned mail
    con.execute("DELETE FROM contact_points WHERE account_id = 'MA3' AND contact_type = 'address'")
    pf.contact("MA3", "address", "9 ELM ST|02108", state="MA", rank=1, status="on_file",
               factors={"on_file": True})  # fmt: skip
    pf.contact("MA3", "address", "4 SAGE RD|82001", state="WY", rank=2)
    con.execute(
        "INSERT INTO contact_outcomes (origin, account_id, contact_type, contact_key, outcome,"
        " outcome_date) VALUES ('t', 'MA3', 'address', '9 ELM ST|02108', 'returned_mail', ?)",
        [AS_OF - dt.timedelta(days=1)],
    )
    apply_suppressions(con, RUN, AS_OF)
    assert "massachusetts_call_frequency" in decisions(con, "MA1")
    assert "massachusetts_call_frequency" not in decisions(con, "MA2")
    assert "massachusetts_call_frequency" not in decisions(con, "MA3")


def test_a_hold_comes_first_in_the_reasons_whatever_the_rules_order(pf: Portfolio, con) -> None:
    """A collector's dispute is an outcome rule, late in the rules file; the debtor's mobile has
    no consent, an earlier rule. The hold is what the collector must see first ('HOLD: ...')."""
    pf.account("DQ")
    con.execute(
        "INSERT INTO contact_outcomes (origin, account_id, contact_type, contact_key, outcome,"
        " outcome_date) VALUES ('t', 'DQ', 'phone', '+14045550100', 'dispute', ?)",
        [AS_OF - dt.timedelta(days=1)],
    )
    apply_suppressions(con, RUN, AS_OF)
    phone = state(con, "DQ")[("phone", "debtor")]
    assert phone["on_hold"] and "MANUAL DIAL ONLY" in phone["reasons"]
    assert phone["reasons"].startswith("HOLD: ")


def test_a_cease_and_desist_without_a_readable_date_applies_from_the_run_that_stored_it(
    pf: Portfolio, con
) -> None:
    """The dialer garbled the date of a cease-and-desist: it used to be left unstored (a run
    warning, exit 7) and the consumer was called again. Stored undated, it counts from the
    as-of date of the run that stored it: that run and every later one suppress, a run as of an
    earlier date does not; the reason says the date could not be read."""
    import polars as pl

    from skiptrace.sources.outcomes import store_outcomes

    pf.account("CDX")
    pf.account("CDLATE")
    con.execute("INSERT INTO runs (run_id, as_of, status) VALUES ('store', ?, 'running')", [AS_OF])
    rows = [
        {"origin_id": "d.csv:2", "origin_seq": 2, "account_id": "CDX", "contact": "4045550100",
         "outcome": "cease_and_desist", "outcome_date": "the 14th, 2:05"},
        {"origin_id": "d.csv:3", "origin_seq": 3, "account_id": "CDLATE",
         "contact": "4045550100", "outcome": "cease_and_desist", "outcome_date": None},
    ]  # fmt: skip
    assert store_outcomes(con, pl.DataFrame(rows), "dialer", run_id="store") == 2
    apply_suppressions(con, RUN, AS_OF)
    for account in ("CDX", "CDLATE"):
        action, reason, _ = decisions(con, account)["outcome_cease_and_desist"]
        assert action == "suppress" and "reported without a readable date" in reason, account
        assert {v["status"] for k, v in state(con, account).items() if k[1] == "debtor"} == {
            "suppressed"
        }
    apply_suppressions(con, RUN, AS_OF - dt.timedelta(days=1))  # a run as of the day before
    assert "outcome_cease_and_desist" not in decisions(con, "CDX")


def test_an_opt_out_suppresses_that_contact_whatever_comes_after(pf: Portfolio, con) -> None:
    """Reg F 1006.14(h): a consumer may ask that one phone number (or email, or address) not be
    used. Collectors had no outcome for it; the only way to stop calling one number was the
    account-level do-not-call flag, which forces manual dialling of every number. `opted_out`
    suppresses that contact of that account: a later right party or no answer is a verdict or
    nothing, not consent, so it does not lift it; another number of the account, and the same
    number on another account, stay in use. One stored without a readable date counts from the
    run that stored it."""
    import polars as pl

    from skiptrace.sources.outcomes import store_outcomes

    pf.account("OPT")
    pf.contact("OPT", "phone", "+14045550121")
    pf.contact("OPT", "phone", "+14045550122", rank=2)
    pf.contact("OPT", "email", "jo@example.com", rank=1)
    pf.account("OPT2")
    pf.contact("OPT2", "phone", "+14045550121")
    add_outcomes(con, [("OPT", "phone", "+14045550121", "opted_out")])
    con.execute(
        "INSERT INTO contact_outcomes (origin, account_id, contact_type, contact_key, outcome,"
        " outcome_date) VALUES ('t', 'OPT', 'phone', '+14045550121', 'right_party', ?)",
        [AS_OF],
    )
    con.execute("INSERT INTO runs (run_id, as_of, status) VALUES ('store', ?, 'running')", [AS_OF])
    rows = [
        {"origin_id": "d.csv:2", "origin_seq": 2, "account_id": "OPT", "contact": "jo@example.com",
         "outcome": "opted_out", "outcome_date": "garbled"},
        {"origin_id": "d.csv:3", "origin_seq": 3, "account_id": "OPT", "contact": None,
         "outcome": "opted_out", "outcome_date": "2025-01-01"},  # no contact: not stored
    ]  # fmt: skip
    assert store_outcomes(con, pl.DataFrame(rows), "dialer", run_id="store") == 1
    apply_suppressions(con, RUN, AS_OF)
    status = {
        (r[0], r[1]): r[2]
        for r in con.execute(
            "SELECT account_id, contact_key, status FROM contact_points WHERE run_id = ?"
            " AND role = 'debtor'",
            [RUN],
        ).fetchall()
    }
    assert status[("OPT", "+14045550121")] == "suppressed"
    assert status[("OPT", "+14045550122")] != "suppressed"
    assert status[("OPT", "jo@example.com")] == "suppressed"
    assert status[("OPT2", "+14045550121")] != "suppressed"
    action, reason, _ = decisions(con, "OPT")["outcome_opted_out"]
    assert action == "suppress" and "consumer asked not to be contacted" in reason
    reasons = {
        r[0]: r[1]
        for r in con.execute(
            "SELECT contact_key, reason FROM suppressions WHERE account_id = 'OPT'"
            " AND rule = 'outcome_opted_out'"
        ).fetchall()
    }
    assert "requested " + str(AS_OF - dt.timedelta(days=1)) in reasons["+14045550121"]
    assert "requested without a readable date" in reasons["jo@example.com"]
