"""Reg F calling windows end to end (stages without Prefect, real DuckDB): accounts whose
location is ambiguous, resolved and exported, and the window import_phones.csv hands the dialer.

Reg F 12 CFR 1006.6(b)(1): calls before 8 a.m. or after 9 p.m. at the consumer's location are
presumed inconvenient; with conflicting or ambiguous information the collector complies only by
calling at hours convenient in every location it indicates. The cases are an audit's: zones more
than 13 hours apart (Guam, Saipan, American Samoa against the mainland) wrapped the window past
midnight; an address without a ZIP took its state's most common zone; no zone at all left the
window blank on a callable phone; and only the best-ranked address set the zone when a second
current address was nearly as likely. The as-of date is in July (daylight time on the mainland).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from skiptrace import sql
from skiptrace.flows.orchestration.params import RefreshParams
from tests.pipeline import run_stages

RUN = "20260715T000000Z-tz"
AS_OF = dt.date(2026, 7, 15)
COLUMNS = (
    "account_id,first_name,middle_name,last_name,suffix,full_name,ssn,dob,address_line1,"
    "address_line2,city,state,zip,phone,phone_2,phone_3,phone_consent,email,balance,placed_date,"
    "cease_desist,bankruptcy,deceased,attorney_represented,attorney_name,attorney_phone,dispute,"
    "do_not_call"
)
#: account -> (first, last, ssn, address line, city, state, zip, phones)
ACCOUNTS = {
    "9000000001": ("Anna", "Guam", "", "123 Marine Corps Dr", "Hagatna", "GU", "96910",
                   ["(210) 555-3123", "(671) 472-3123"]),
    "9000000002": ("Bert", "Samoa", "", "12 Main Rd", "Pago Pago", "AS", "96799",
                   ["(671) 472-3188"]),
    "9000000004": ("Dana", "Nyc", "", "350 5th Ave", "New York", "NY", "10118",
                   ["(671) 472-3111"]),
    "9000000005": ("Ed", "Knox", "", "800 Market St", "Knoxville", "TN", "", ["(615) 254-3111"]),
    "9000000010": ("Jon", "Military", "", "Unit 2050 Box 4190", "APO", "AP", "96278",
                   ["(808) 522-3112"]),
    "9000000011": ("Kim", "Elpaso", "", "1 Mesa St", "El Paso", "TX", "", ["(214) 555-3111"]),
    "9000000012": ("Lou", "Pensacola", "", "1 Palafox St", "Pensacola", "FL", "",
                   ["(305) 555-3111"]),
    "9000000015": ("Oz", "Saipan", "", "1 Beach Rd", "Saipan", "MP", "96950", ["(213) 555-3111"]),
    "9300000001": ("Al", "Armyeur", "", "Unit 3050 Box 12", "APO", "AE", "09021",
                   ["(800) 642-7676"]),
    "9300000002": ("Bo", "Noaddr", "", "", "", "", "", ["(888) 642-7677"]),
    "9300000003": ("Cy", "Noaddrak", "", "", "", "", "", ["(907) 592-2300"]),
    # a New York address on file; a credit header reports Los Angeles since, as current
    "9400000001": ("Rita", "Twocoast", "521550001", "350 W 42nd St", "New York", "NY", "10036",
                   ["(213) 974-1234"]),
}  # fmt: skip
HEADER = [
    "REC_ID\tSURNAME\tGIVEN\tMID\tSFX\tSSN\tBIRTH_DT\tSTREET\tUNIT\tCITY\tST\tZIP5\tPHONE\tRPT_DT",
    "CH1\tTWOCOAST\tRITA\tQ\t\t521550001\t19790506\t350 W 42ND ST\t\tNEW YORK\tNY\t10036\t\t20260601",
    "CH2\tTWOCOAST\tRITA\tQ\t\t521550001\t19790506\t500 S GRAND AVE\t\tLOS ANGELES\tCA\t90071"
    "\t2139741234\t20260620",
    "CH3\tTWOCOAST\tRITA\tQ\t\t521550001\t19790506\t500 S GRAND AVE\t\tLOS ANGELES\tCA\t90071"
    "\t\t20260701",
]
SOURCES = """sources:
- name: credit_header
  kind: person_records
  path: ch.tsv
  format: tsv
  reliability: 0.7
  permissible_purpose: 'FCRA'
  record_date: RPT_DT
  date_formats: ['%Y%m%d']
  columns: {record_id: REC_ID, last_name: SURNAME, first_name: GIVEN, middle_name: MID,
            suffix: SFX, ssn: SSN, dob: BIRTH_DT, address_line1: STREET, address_line2: UNIT,
            city: CITY, state: ST, zip: ZIP5, phone: PHONE}
"""


def _account_line(account_id: str, spec: tuple[Any, ...]) -> str:
    first, last, ssn, line1, city, state, zip5, phones = spec
    dob = "1979-05-06" if ssn else "1980-01-05"
    middle = "Q" if ssn else ""
    p = [*phones, "", ""][:3]
    return ",".join([
        account_id, first, middle, last, "", "", ssn, dob, line1, "", city, state, zip5,
        *[f'"{x}"' for x in p], "N", "", "100.00", "2024-01-01", "N", "N", "N", "N", "", "",
        "N", "N",
    ])  # fmt: skip


@pytest.fixture(scope="module")
def phones(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    root = tmp_path_factory.mktemp("tz")
    lines = [COLUMNS, *(_account_line(a, s) for a, s in ACCOUNTS.items())]
    (root / "accounts.csv").write_text("\n".join(lines) + "\n")
    (root / "ch.tsv").write_text("\n".join(HEADER) + "\n")
    (root / "sources.yml").write_text(SOURCES)
    params = RefreshParams(
        accounts=root / "accounts.csv", sources=root / "sources.yml", db=root / "tz.duckdb",
        out=root / "out", as_of=AS_OF,
    )  # fmt: skip
    con = sql.connect(params.db)
    try:
        run_stages(con, params, RUN)
    finally:
        con.close()
    rows = pl.read_csv(params.out / RUN / "import_phones.csv", infer_schema=False).to_dicts()
    out = {r["phone"]: {k: v or "" for k, v in r.items()} for r in rows}
    contacts = pl.read_csv(params.out / RUN / "contacts.csv", infer_schema=False)
    for r in contacts.filter(pl.col("contact_type") == "phone").iter_rows(named=True):
        out[r["phone"]]["reasons"] = r["reasons"]  # what contacts.csv tells the collector
    return out


def window(row: dict[str, str]) -> tuple[str, str, str]:
    return row["call_window_tz"], row["call_window_start"], row["call_window_end"]


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        # Guam address, Central (San Antonio) number: 8 a.m.-noon Guam is 5-9 p.m. Central
        ("2105553123", ("Pacific/Guam", "08:00", "12:00")),
        # Saipan address, Los Angeles number: 8 a.m.-2 p.m. Saipan is 3-9 p.m. Pacific
        ("2135553111", ("Pacific/Saipan", "08:00", "14:00")),
        # New York address, Guam number: 6-9 p.m. New York is 8-11 a.m. Guam, the next day
        ("6714723111", ("America/New_York", "18:00", "21:00")),
        # Pago Pago address, Guam number (21 hours apart): 11 a.m.-9 p.m. Samoa
        ("6714723188", ("Pacific/Pago_Pago", "11:00", "21:00")),
    ],
)
def test_zones_13_or_more_hours_apart_give_a_real_window(
    phones: dict[str, dict[str, str]], phone: str, expected: tuple[str, str, str]
) -> None:
    """The two 08:00-21:00 windows intersected as intervals of the day: it used to add the
    offset difference to 08:00 and 21:00 and print 23:00-21:00, 25:00-21:00, 08:00-07:00."""
    row = phones[phone]
    assert window(row) == expected
    assert (row["tz_conflict"], row["on_hold"]) == ("Y", "N")


@pytest.mark.parametrize(
    ("phone", "zone", "expected"),
    [
        # Knoxville is Eastern (the state's most common zone, Central, was taken)
        ("6152543111", "America/New_York", ("America/New_York", "09:00", "21:00")),
        # Pensacola is Central (Florida's most common zone, Eastern, was taken)
        ("3055553111", "America/Chicago", ("America/Chicago", "08:00", "20:00")),
        # El Paso's ZIPs span two clocks: Texas's zones both, stated in El Paso's own
        ("2145553111", "America/Denver", ("America/Denver", "08:00", "20:00")),
    ],
)
def test_an_address_without_a_zip_is_located_by_its_city(
    phones: dict[str, dict[str, str]], phone: str, zone: str, expected: tuple[str, str, str]
) -> None:
    row = phones[phone]
    assert row["time_zone"] == zone
    assert window(row) == expected and row["tz_conflict"] == "Y"


def test_nothing_locating_the_consumer_gives_the_window_of_every_us_zone(
    phones: dict[str, dict[str, str]],
) -> None:
    """No address and a toll-free number, or an overseas military address: every US clock
    (American Samoa to Palau) is possible. It used to be callable with a blank window."""
    for phone in ("8886427677", "8006427676"):
        row = phones[phone]
        assert (row["time_zone"], row["tz_area_code"]) == ("", "")
        assert window(row) == ("America/New_York", "19:00", "21:00")
        assert (row["tz_conflict"], row["on_hold"]) == ("Y", "N")
    # APO AP with a Honolulu number: not silently Honolulu's window
    assert window(phones["8085223112"]) == ("Pacific/Honolulu", "13:00", "15:00")
    assert phones["8085223112"]["tz_conflict"] == "Y"


def test_an_area_code_spanning_zones_gives_all_of_them(phones: dict[str, dict[str, str]]) -> None:
    """Alaska's 907-592 is Anchorage or Adak time; with no address, both."""
    row = phones["9075922300"]
    assert (row["time_zone"], row["tz_area_code"]) == ("", "")
    assert window(row) == ("America/Anchorage", "09:00", "21:00")
    assert row["tz_conflict"] == "Y"


def test_a_second_current_address_counts(phones: dict[str, dict[str, str]]) -> None:
    """Los Angeles ranks first, New York (on file, confirmed) is nearly as likely: calls end
    at 6 p.m. Pacific, not at midnight New York time."""
    row = phones["2139741234"]
    assert row["time_zone"] == "America/Los_Angeles"
    assert window(row) == ("America/Los_Angeles", "08:00", "18:00")
    assert row["tz_conflict"] == "Y"
    assert (
        "CALLING WINDOW: the consumer may be in more than one time zone: call only 8 a.m.-9 p.m."
        " in all of them: possible zones America/New_York, America/Los_Angeles"
    ) in row["reasons"]


def test_single_zone_phones_keep_the_full_window(phones: dict[str, dict[str, str]]) -> None:
    row = phones["6714723123"]  # Guam address, Guam number
    assert window(row) == ("Pacific/Guam", "08:00", "21:00")
    assert (row["tz_conflict"], row["on_hold"]) == ("N", "N")
