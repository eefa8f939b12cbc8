"""The demo's truth labels (skiptrace.flows.demo.evaluate.label_contacts): what counts as reaching the debtor.

The labels are what the confidence model is fitted on and what the demo's precision is
measured with, so their edge cases are pinned here: PO boxes, units, street-name slips,
numbered streets, and agreement with the resolver's own street-name rule (SQL twin).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from skiptrace import sql
from skiptrace.flows.demo.evaluate import label_contacts, same_street_name
from skiptrace.matchers.compare import register_unit_macro
from skiptrace.matchers.resolve import ResolveSettings

TRUTH_HEADER = (
    "account_id,person_id,cur_address_line1,cur_city,cur_state,cur_zip,cur_phones,cur_emails,"
    "moved,deceased,bankrupt,findable_address\n"
)


@pytest.fixture
def truth_dir(tmp_path: Path) -> Path:
    rows = [
        "A1,P1,PO BOX 17863,HAPPY CAMP,CA,96039,,,N,N,N,Y",
        "A2,P2,734 RIDGE ST UNIT 31,CANAL WINCHESTER,OH,43110,,,Y,N,N,Y",
        "A3,P3,85 JOHNSON ST APT 11,TYGH VALLEY,OR,97063,4582072735,,N,N,N,Y",
        "A4,P4,50 14TH ST,ROME,GA,30161,,,N,N,N,Y",
    ]
    (tmp_path / "accounts.csv").write_text(TRUTH_HEADER + "\n".join(rows) + "\n")
    return tmp_path


def _contacts(rows: list[dict[str, str | None]]) -> pl.DataFrame:
    cols = ("account_id", "contact_type", "address_line1", "zip", "street_number", "street_name",
            "unit", "phone", "email")  # fmt: skip
    return pl.DataFrame(
        {c: [r.get(c) for r in rows] for c in cols}, schema={c: pl.String for c in cols}
    )


def _addr(acct: str, line1: str, zip_: str, number: str | None, street: str | None,
          unit: str | None = None) -> dict[str, str | None]:  # fmt: skip
    return {"account_id": acct, "contact_type": "address", "address_line1": line1, "zip": zip_,
            "street_number": number, "street_name": street, "unit": unit}  # fmt: skip


def test_labels_po_boxes_units_typos_and_numbered_streets(truth_dir: Path) -> None:
    frame = _contacts([
        _addr("A1", "PO BOX 17863", "96039-1234", None, None),  # the true box
        _addr("A1", "PO BOX 17864", "96039", None, None),  # another box
        _addr("A2", "734 RIDGE ST UNIT 31", "43110", "734", "RIDGE", "31"),
        _addr("A2", "734 RIDGE ST # 031", "43110", "734", "RIDGE", "031"),  # same unit
        _addr("A2", "734 RIDGE ST", "43110", "734", "RIDGE", None),  # unit dropped: compatible
        _addr("A2", "734 RIDGE ST APT 32", "43110", "734", "RIDGE", "32"),  # another apartment
        _addr("A3", "85 JOOHNSON ST APT 11", "97063", "85", "JOOHNSON", "11"),  # one-letter slip
        _addr("A4", "50 15TH ST", "30161", "50", "15TH"),  # another numbered street
        {"account_id": "A3", "contact_type": "phone", "phone": "(458) 207-2735"},
    ])  # fmt: skip
    got = label_contacts(frame, truth_dir)["correct"].to_list()
    assert got == [True, False, True, True, True, False, True, False, True]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("MAIN", "MAIN", True), ("JOOHNSON", "JOHNSON", True), ("PTNE", "PINE", True),
        ("OKA", "OAK", True), ("EM", "ELM", True), ("7H", "7TH", True), ("1QTH", "16TH", True),
        ("MAIG", "MAIN", True), ("OAK", "ELM", False), ("14TH", "15TH", False),
        ("14TH", "4TH", False), ("114TH", "115TH", False), ("A", "B", False),
        ("MAIN", None, False),
    ],
)  # fmt: skip
def test_street_name_rule_matches_the_resolvers_sql(
    con: duckdb.DuckDBPyConnection, a: str, b: str | None, same: bool
) -> None:
    """One rule for 'same street name' in the labels and in consolidation (rs_same_name)."""
    register_unit_macro(con)  # rs_unit is the shared unit_key
    sql.run(con, "resolve/00_macros.sql")
    sql_same = sql.scalar(
        con,
        "SELECT coalesce(rs_same_name($a, $b, $street_jw), false)",
        a=a,
        b=b,
        street_jw=ResolveSettings().street_jw,
    )
    assert same_street_name(a, b) is same
    assert sql_same is same
