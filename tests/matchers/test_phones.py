"""Phone standardization: hand-checked table, line-type codes, fast path, the cache builder."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import duckdb
import phonenumbers
import pytest
from phonenumbers import PhoneNumberType

from skiptrace.matchers import phones
from skiptrace.matchers.phones import line_type, normalize_line_type, standardize_phone

DATA = Path(__file__).parent / "data"


def _cases() -> list[dict[str, str]]:
    with (DATA / "phone_cases.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


CASES = _cases()


def test_enough_hand_checked_cases() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_phone_table(case: dict[str, str]) -> None:
    p = standardize_phone(case["raw"], case["phone_type"] or None)
    got = {
        "e164": p.e164,
        "valid": p.valid,
        "extension": p.extension,
        "area_code": p.area_code,
        "number_type": p.number_type,
        "time_zone": p.time_zone,
    }
    want: dict[str, object] = {k: (case[k] or None) for k in got}
    want["valid"] = case["valid"] == "true"
    assert got == want


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("M", "mobile"),
        (" cell ", "mobile"),
        ("Wireless", "mobile"),
        ("L", "landline"),
        ("Land Line", "landline"),
        ("VOIP", "voip"),
        ("v", "voip"),
        ("Toll-Free", "toll_free"),
        ("TOLLFREE", "toll_free"),
        ("HOME", None),  # a use, not a line type: a "home" number may be a mobile (TCPA)
        ("WORK", None),
        ("W", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_line_type(code: str | None, expected: str | None) -> None:
    assert normalize_line_type(code) == expected


def test_line_type_prefers_the_source_code() -> None:
    assert line_type("M", "fixed_or_mobile") == "mobile"
    assert line_type("HOME", "fixed_or_mobile") == "fixed_or_mobile"
    assert line_type(None, None) == "unknown"


def test_fast_path_agrees_with_phonenumbers_parse() -> None:
    """The shortcut for plain NANP spellings must give what phonenumbers.parse gives."""
    rng = random.Random(7)
    shapes = ["({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "{a}{b}{c}", "1{a}{b}{c}",
              "+1 {a} {b} {c}", "1-{a}-{b}-{c}", " {a} {b} {c} "]  # fmt: skip
    for _ in range(300):
        raw = rng.choice(shapes).format(
            a=rng.randint(200, 999), b=f"{rng.randint(0, 999):03d}", c=f"{rng.randint(0, 9999):04d}"
        )
        ref = phonenumbers.parse(raw, "US")
        got = standardize_phone(raw)
        assert got.e164 == phonenumbers.format_number(ref, phonenumbers.PhoneNumberFormat.E164)
        # phonenumbers' validity, less the numbers no consumer answers (premium rate,
        # personal-communication codes, fictional 555-01XX)
        not_lines = (PhoneNumberType.PREMIUM_RATE, PhoneNumberType.PERSONAL_NUMBER)
        fictional = str(ref.national_number)[3:8] == "55501"
        dialable = phonenumbers.number_type(ref) not in not_lines and not fictional
        assert got.valid == (phonenumbers.is_valid_number(ref) and dialable), raw


def test_standardize_phones_fills_cache_incrementally(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "INSERT INTO input_files (file_no, source, kind, status) VALUES"
        " (1, 'accounts', 'accounts', 'loaded'), (2, 'vendor', 'vendor_batch', 'loaded'),"
        " (3, 'vendor', 'vendor_batch', 'superseded')"
    )
    con.execute(
        "INSERT INTO accounts (file_no, line_no, account_id, phone, phone_2, attorney_phone)"
        " VALUES (1, 2, 'A1', '(212) 736-5000', '212-736-5000', '1-800-555-1212')"
    )
    con.execute("INSERT INTO source_records (rec_id, file_no, line_no, phone) VALUES (2, 2, 2, '')")
    con.execute(
        "INSERT INTO source_contacts (rec_id, file_no, contact_type, phone) VALUES"
        " (2, 2, 'phone', '602 555 2123'), (2, 2, 'phone', '(212) 736-5000'),"
        " (3, 3, 'phone', '808 555 1234')"  # superseded file: not current
    )
    assert phones.standardize_phones(con) == 5
    assert phones.standardize_phones(con) == 0
    rows = con.execute(
        "SELECT phone_raw, e164, valid, number_type FROM std_phone_cache ORDER BY phone_raw"
    ).fetchall()
    assert rows == [
        ("", None, False, "unknown"),
        ("(212) 736-5000", "+12127365000", True, "fixed_or_mobile"),
        ("1-800-555-1212", "+18005551212", True, "toll_free"),
        ("212-736-5000", "+12127365000", True, "fixed_or_mobile"),
        ("602 555 2123", "+16025552123", True, "fixed_or_mobile"),
    ]


def test_line_type_sql_macros_agree_with_python(con: duckdb.DuckDBPyConnection) -> None:
    phones.register_line_type_macros(con)
    codes = [*phones.LINE_TYPE_CODES, "cell", " Toll-Free ", "toll_free", "Land-Line", "vo ip",
             "HOME", "WORK", "FAX", "W", "T", "", "CELL PHONE", "cellphone", "Fixed_Line",
             "fixedline", "Mobile-Phone", "internet", "inter net", "t f", None]  # fmt: skip
    for code in codes:
        got = con.execute("SELECT line_type_code(?), line_type(?, 'fixed_or_mobile')", [code, code])
        assert got.fetchone() == (
            normalize_line_type(code),
            line_type(code, "fixed_or_mobile"),
        ), code
