"""The same data delivered twice loads once (duplicate-delivery audit F2).

A file is skipped when its content is loaded, whatever bytes carry it (gzipped, recompressed,
CRLF line ends, a BOM); a record a later file of its source delivers again supersedes its
earlier row, so it counts once as evidence; a line repeated in a file without record ids is
quarantined as `duplicate_row`. Before, each of these loaded every record a second time.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb

from skiptrace.sources.ingest import ingest_source, revert_run_loads
from skiptrace.sources.registry import Source

HEADER = "REC_ID,FNAME,LNAME,ADDR,CITY,ST,ZIP,PHONE"
LINES = [
    "R1,Ann,Lee,1 Main St,Albany,NY,12203,5185550101",
    "R2,Bo,Ng,2 Oak Ave,Troy,NY,12180,5185550102",
    "R3,Cy,Diaz,3 Elm St,Delmar,NY,12054,5185550103",
]
COLUMNS = {
    "record_id": "REC_ID", "first_name": "FNAME", "last_name": "LNAME",
    "address_line1": "ADDR", "city": "CITY", "state": "ST", "zip": "ZIP", "phone": "PHONE",
}  # fmt: skip


def text(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def source(folder: Path, pattern: str = "extract_*.csv", **kw: object) -> Source:
    return Source(
        name="header", kind="person_records", path=str(folder / pattern), reliability=0.7,
        permissible_purpose="FCRA 604(a)(3)(A) collection", columns=COLUMNS, **kw,
    )  # fmt: skip


def current(con: duckdb.DuckDBPyConnection, table: str = "current_source_records") -> list[tuple]:
    query = f"SELECT record_id, phone FROM {table} ORDER BY 1"
    if table == "current_source_contacts":
        query = (
            "SELECT r.record_id, c.phone FROM current_source_contacts c JOIN source_records r"
            " USING (rec_id) WHERE c.contact_type = 'phone' ORDER BY 1"
        )
    return con.execute(query).fetchall()


def test_a_copy_of_a_loaded_file_in_other_bytes_is_skipped(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """gzipped, gzipped again at another level, CRLF, a UTF-8 BOM and no final line end: the
    same three records each time, so each copy is a skipped duplicate naming the loaded file,
    not three more records (which made every contact's evidence count twice)."""
    folder = tmp_path / "in"
    folder.mkdir()
    plain = text(*LINES)
    (folder / "extract_1.csv").write_bytes(plain)
    (first,) = ingest_source(con, source(folder), "r1")
    copies = {
        "extract_2.csv.gz": gzip.compress(plain, 9, mtime=1),
        "extract_3.csv.gz": gzip.compress(plain, 1, mtime=2),
        "extract_4.csv": plain.replace(b"\n", b"\r\n"),
        "extract_5.csv": b"\xef\xbb\xbf" + plain.rstrip(b"\n"),
    }
    for name, data in copies.items():
        (folder / name).write_bytes(data)
    results = ingest_source(con, source(folder), "r2")
    assert [r.status for r in results] == ["skipped_duplicate"] * 5
    for r in results[1:]:
        assert r.same_as == first.file_no and r.rows_loaded == 0
        assert f"same content (other compression or line ends) already loaded as file_no {first.file_no}" in r.message  # fmt: skip
    assert con.execute("SELECT count(*) FROM source_records").fetchall() == [(3,)]
    stored = con.execute("SELECT sha256, content_sha256 FROM input_files").fetchall()
    assert len(stored) == 1 and stored[0][1] and stored[0][0] != stored[0][1]


def test_a_glob_finds_its_files_gzipped_too(tmp_path: Path) -> None:
    """`extract_*.csv` also finds `extract_2.csv.gz`, and `extract.csv` finds `extract.csv.gz`
    when it is absent: a sender who starts gzipping is read, not left unread behind a glob that
    missed it."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("extract.csv.gz", "extract_1.csv", "extract_2.csv.gz", "other.csv.gz"):
        (folder / name).write_bytes(b"")
    assert [p.name for p in source(folder, "extract.csv").files()] == ["extract.csv.gz"]
    found = [p.name for p in source(folder).files()]
    assert found == ["extract_1.csv", "extract_2.csv.gz"]
    # a file name names one file: the plain one when both are there
    (folder / "extract.csv").write_bytes(b"")
    assert [p.name for p in source(folder, "extract.csv").files()] == ["extract.csv"]


def test_a_record_delivered_again_supersedes_its_earlier_row(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """Overlapping weekly extracts: R2 and R3 come again, R3 with a new phone. The later
    delivery is the record: the earlier rows stop being current (records and contacts), each
    record counts once, and the file says so. A quarantined row supersedes nothing, and a
    refused run's file supersedes nothing either."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "extract_1.csv").write_bytes(text(*LINES))
    (folder / "extract_2.csv").write_bytes(
        text(LINES[1], "R3,Cy,Diaz,3 Elm St,Delmar,NY,12054,5185550199", "R4,Di,Fox,,,,,")
    )
    first, second = ingest_source(con, source(folder), "r1")
    assert (second.status, second.rows_loaded) == ("loaded", 3)
    assert "2 record(s) re-delivered: the earlier rows superseded (file_no " in second.message
    want = [
        ("R1", "5185550101"), ("R2", "5185550102"), ("R3", "5185550199"), ("R4", None),
    ]  # fmt: skip
    assert current(con) == want
    assert current(con, "current_source_contacts") == [w for w in want if w[1]]
    files = dict(con.execute("SELECT record_id, file_no FROM current_source_records").fetchall())
    assert files == {"R1": first.file_no, "R2": second.file_no, "R3": second.file_no,
                     "R4": second.file_no}  # fmt: skip
    assert con.execute("SELECT count(*) FROM source_records").fetchall() == [(6,)]  # kept

    # R1 again, its row quarantined (no identifying field): R1's earlier row stays current
    (folder / "extract_3.csv").write_bytes(text("R1,,,,,,,"))
    (third,) = ingest_source(con, source(folder, "extract_3.csv"), "r2")
    assert third.rows_rejected == 1 and "re-delivered" not in third.message
    assert current(con)[0] == ("R1", "5185550101")

    # a refused run: its file supersedes nothing any more
    (folder / "extract_4.csv").write_bytes(text("R1,Ann,Lee,1 Main St,Albany,NY,12203,5185550177"))
    ingest_source(con, source(folder, "extract_4.csv"), "r3")
    assert current(con)[0] == ("R1", "5185550177")
    assert revert_run_loads(con, "r3") == 1
    assert current(con)[0] == ("R1", "5185550101")


def test_a_line_repeated_in_a_file_without_record_ids_is_quarantined(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """Without a record id a record is its line: the same line twice is one record sent twice.
    The repeat is quarantined `duplicate_row` naming the first, and rows still reconcile; a
    line that differs by one character is another record and loads."""
    folder = tmp_path / "in"
    folder.mkdir()
    lines = [line.split(",", 1)[1] for line in LINES]
    (folder / "people.csv").write_text(
        "\n".join([HEADER.split(",", 1)[1], *lines, lines[1], lines[1] + "9"]) + "\n"
    )
    columns = {k: v for k, v in COLUMNS.items() if k != "record_id"}
    src = source(folder, "people.csv").model_copy(update={"columns": columns})
    (res,) = ingest_source(con, src, "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (5, 4, 1)
    assert con.execute("SELECT line_no, reason FROM quarantine").fetchall() == [
        (5, "duplicate_row: first at line 3")
    ]
