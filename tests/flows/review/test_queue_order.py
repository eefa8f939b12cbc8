"""The review queue puts bankruptcy and death records first: an undecided one may be a stay or a
death, and a possible one holds its account until it is decided (sql/review/queue.sql)."""

from __future__ import annotations

import duckdb

from skiptrace.flows.review import pages
from tests.ingested import unused_date

RUN = "r1"


def test_bankruptcy_and_death_records_lead_the_queue(con: duckdb.DuckDBPyConnection) -> None:
    rows = [  # rec_id, kind, probability, role
        (1, "person_records", 0.89, "rejected"),
        (2, "bankruptcy", 0.34, "rejected"),
        (3, "deceased", 0.25, "rejected"),
        (4, "vendor_batch", 0.60, "rejected"),
        (5, "bankruptcy", 0.68, "associate"),  # holds its account: named by a possible flag
        (6, "bankruptcy", 0.0004, "associate"),  # a spouse's own case: not in the queue
    ]
    for rec_id, kind, p, role in rows:
        con.execute(
            "INSERT INTO source_records (rec_id, source, kind, record_id) VALUES (?, ?, ?, ?)",
            [rec_id, kind, kind, f"R{rec_id}"],
        )
        con.execute(
            "INSERT INTO match_pairs (run_id, account_id, rec_id, source, match_probability,"
            " role) VALUES (?, ?, ?, ?, ?, ?)",
            [RUN, f"A{rec_id}", rec_id, kind, p, role],
        )
    con.execute(
        "INSERT INTO account_flags (run_id, account_id, flag, confidence, rec_id, records)"
        " VALUES (?, 'A5', 'bankruptcy_possible', 0.66, 5, 'bankruptcy:R5')",
        [RUN],
    )
    items, total = pages.queue(con, RUN, [])
    assert [it["rec_id"] for it in items] == [5, 2, 3, 1, 4]
    assert total == 5
    assert [it["holds"] for it in items] == [True, False, False, False, False]
    assert pages.neighbours(con, RUN, [], "A2", 2) == ("A5|5", "A3|3")


def test_a_death_claim_whose_date_was_not_used_is_urgent(con: duckdb.DuckDBPyConnection) -> None:
    """A vendor row whose date of death ingest nulled as after the row's own report date is
    still a death claim for resolve (sql/resolve/10_flags.sql), so it leads the queue too."""
    for rec_id, p in ((1, 0.89), (2, 0.30)):
        con.execute(
            "INSERT INTO source_records (rec_id, file_no, line_no, source, kind, record_id)"
            " VALUES (?, 7, ?, 'vendor', 'vendor_batch', ?)",
            [rec_id, rec_id + 1, f"R{rec_id}"],
        )
        con.execute(
            "INSERT INTO match_pairs (run_id, account_id, rec_id, source, match_probability,"
            " role) VALUES (?, ?, ?, 'vendor', ?, 'rejected')",
            [RUN, f"A{rec_id}", rec_id, p],
        )
    unused_date(con, 2, "date_of_death", "after_record_date", "2052-01-01")
    items, _ = pages.queue(con, RUN, [])
    assert [it["rec_id"] for it in items] == [2, 1]
