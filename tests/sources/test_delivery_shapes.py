"""How a delivery is shaped around its rows (audit F5-F9): archives and empty files refused,
headers repeated mid-file and fixed-width lines cut short quarantined, trailers read as such,
blank lines skipped whatever their whitespace."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pytest

from skiptrace import errors
from skiptrace.sources.errors import RegistryError, UnreadableFileError
from skiptrace.sources.ingest import (
    check_account_columns,
    check_source_columns,
    ingest_accounts,
    ingest_source,
)
from skiptrace.sources.registry import AccountProfile, Source, load_registry

HEADER = "record_id,first_name,last_name,dob"
ROWS = [f"R{i},ANN{i},LEE,1980-01-0{i}" for i in range(1, 10)]


def _source(path: Path, **opts: Any) -> Source:
    return Source(
        name="s", kind="person_records", path=str(path), reliability=0.5,
        permissible_purpose="collection", **opts,
    )  # fmt: skip


def _quarantine(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str]]:
    return con.execute("SELECT line_no, reason FROM quarantine ORDER BY 1").fetchall()


def _stored(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    found = con.execute(
        "SELECT (SELECT count(*) FROM input_files), (SELECT count(*) FROM source_records), "
        "(SELECT count(*) FROM quarantine)"
    ).fetchone()
    assert found is not None
    return found


# --- F8: archives -------------------------------------------------------------------------


def _zipped(name: str, text: str, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        z.writestr(name, text)
    return buf.getvalue()


FIXED = {
    "format": "fixed_width", "header": False, "widths": [("ID", 4), ("LAST", 10), ("DOB", 8)],
    "columns": {"record_id": "ID", "last_name": "LAST", "dob": "DOB"},
}  # fmt: skip


@pytest.mark.parametrize(
    ("content", "opts", "said"),
    [
        (_zipped("f.csv", HEADER + "\n" + "\n".join(ROWS) + "\n"), {}, "a zip archive"),
        # a stored (uncompressed) zip of a fixed-width file used to load garbage rows
        (_zipped("f.dat", "R1  LEE       19800102\n" * 12, zipfile.ZIP_STORED), FIXED, "a zip"),
        (gzip.compress(_zipped("f.csv", HEADER + "\n")), {}, "a zip archive"),
        (b"PK\x05\x06" + b"\x00" * 18, {}, "a zip archive"),  # an empty zip
        (b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 40, {}, "a 7z archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, {}, "an Excel 97-2003 workbook"),
        (b"%PDF-1.7\n%\xe2\xe3\n", {}, "a PDF document"),
    ],
    ids=["zip", "stored-zip-fixed-width", "gzipped-zip", "empty-zip", "7z", "xls", "pdf"],
)
def test_an_archive_is_refused_in_one_line_before_anything_is_stored(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, content: bytes, opts: dict, said: str
) -> None:
    path = tmp_path / "delivery.csv"
    path.write_bytes(content)
    source = _source(path, **opts)
    with pytest.raises(UnreadableFileError) as exc:
        ingest_source(con, source, "r1")
    message = str(exc.value)
    assert message.startswith(f"{path}: {said}") and "\n" not in message
    assert exc.value.exit_code == errors.INPUT
    assert _stored(con) == (0, 0, 0)
    with pytest.raises(UnreadableFileError) as checked:  # the preflight says the same
        check_source_columns(source)
    assert str(checked.value) == message


def test_a_zipped_account_export_names_the_archive_not_missing_columns(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "accounts.csv"
    path.write_bytes(_zipped("accounts.csv", "account_id,first_name,last_name\nA1,ANN,LEE\n"))
    for check in (
        lambda: check_account_columns(path, AccountProfile()),
        lambda: ingest_accounts(con, path, AccountProfile(), "r1"),
    ):
        with pytest.raises(UnreadableFileError, match=r"zip archive \(or Excel workbook\): "
                           "deliver the extracted text file"):  # fmt: skip
            check()
    assert con.execute("SELECT count(*) FROM accounts").fetchone() == (0,)


# --- F9: empty files, blank lines -----------------------------------------------------------


@pytest.mark.parametrize("gzipped", [False, True])
def test_an_empty_file_is_said_to_be_empty(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, gzipped: bool
) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(gzip.compress(b"") if gzipped else b"")
    source = _source(path, columns={"last_name": "SURNAME"})
    for check in (lambda: ingest_source(con, source, "r1"), lambda: check_source_columns(source)):
        with pytest.raises(UnreadableFileError) as exc:
            check()
        assert "is empty (0 bytes" in str(exc.value), exc.value
        assert "missing required column" not in str(exc.value)
        assert exc.value.exit_code == errors.INPUT
    assert _stored(con) == (0, 0, 0)


def test_an_empty_file_without_a_header_loads_nothing_and_says_so(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """A header-less file may be a night without records: it loads, with a note."""
    path = tmp_path / "none.dat"
    path.write_bytes(b"")
    (res,) = ingest_source(con, _source(path, **FIXED), "r1")
    assert (res.status, res.rows_read) == ("loaded", 0)
    assert "empty file (0 bytes)" in res.message


def test_blank_lines_are_skipped_whatever_the_whitespace(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "blanks.csv"
    blanks = ["", "   ", "\t", " \t ", "\u00a0", "\u3000 ", "\u200b", "\t\r"]
    lines = [HEADER, ROWS[0], *blanks, ROWS[1], "  \t", ",,,"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (res,) = ingest_source(con, _source(path), "r1")
    # the two rows and the line of empty fields (nothing to identify it: quarantined)
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (3, 2, 1), res.message
    assert _quarantine(con) == [(len(lines), "no_identifying_field")]


def test_a_missing_final_line_terminator_is_noted(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "open.csv"
    path.write_text(HEADER + "\n" + "\n".join(ROWS))
    (res,) = ingest_source(con, _source(path), "r1")
    assert res.rows_loaded == 9
    assert "the last line has no line terminator" in res.message
    path2 = tmp_path / "closed.csv"
    path2.write_text(HEADER + "\n" + "\n".join(ROWS) + "\n\n")
    (res2,) = ingest_source(con, _source(path2), "r1")
    assert "line terminator" not in res2.message


# --- F5: a header repeated mid-file ---------------------------------------------------------


def test_a_header_repeated_mid_file_is_quarantined_not_loaded(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """Two exports concatenated: the second header, however spelled, is no account."""
    path = tmp_path / "accounts.csv"
    header = "account_id,first_name,last_name"
    lines = [
        header, "A1,ANN,LEE", "A2,BOB,ROE",
        header,  # 4: the second export's header
        " ACCOUNT_ID , First_Name,LAST_NAME ",  # 5: spaced and cased
        '"account_id","first_name","last_name"',  # 6: quoted
        "\ufeffaccount_id,first_name,last_name",  # 7: with the second file's byte order mark
        "account_id_2,first_name,last_name",  # 8: not the header: an odd account, loaded
        "A3,CAL,DOE",
    ]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = ingest_accounts(con, path, AccountProfile(), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (8, 4, 4), res.message
    assert _quarantine(con) == [(n, "repeated_header") for n in (4, 5, 6, 7)]
    accounts = con.execute("SELECT account_id FROM accounts ORDER BY line_no").fetchall()
    assert accounts == [("A1",), ("A2",), ("account_id_2",), ("A3",)]


@pytest.mark.parametrize("fmt", ["tsv", "psv"])
def test_a_repeated_header_in_other_delimiters(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, fmt: str
) -> None:
    sep = {"tsv": "\t", "psv": "|"}[fmt]
    path = tmp_path / f"f.{fmt}"
    lines = [HEADER.replace(",", sep), *(r.replace(",", sep) for r in ROWS[:4])]
    lines.insert(3, lines[0])
    path.write_text("\n".join(lines) + "\n")
    (res,) = ingest_source(con, _source(path, format=fmt), "r1")
    assert (res.rows_loaded, res.rows_rejected) == (4, 1)
    assert _quarantine(con) == [(4, "repeated_header")]


# --- F6: fixed-width lines cut short --------------------------------------------------------

#: A record: ID 4, LAST 10, FIRST 8, DOD 8 (30 characters).
WIDTHS = [("ID", 4), ("LAST", 10), ("FIRST", 8), ("DOD", 8)]
FW = {
    "format": "fixed_width", "header": False, "widths": WIDTHS, "date_formats": ["%Y%m%d"],
    "columns": {"record_id": "ID", "last_name": "LAST", "first_name": "FIRST",
                "date_of_death": "DOD"},
}  # fmt: skip


def _fw(*values: tuple[str, str, str, str]) -> list[str]:
    return ["".join(v.ljust(w) for v, (_, w) in zip(row, WIDTHS, strict=True)) for row in values]


def test_fixed_width_trimmed_lines_load_and_cut_ones_are_quarantined(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """A file whose writer trims trailing blanks: a line ending on a value loads (the fields it
    does not reach are empty); a line ending in the padding inside a field was cut."""
    full = _fw(("R1", "SMITH", "ANN", "20250102"))[0]
    lines = [
        full,  # 1: the whole record
        "R2  LEE       BOB",  # 2: no date of death, trailing blanks trimmed: loads
        "R3  MILLER",  # 3: only a surname, trimmed: loads
        "R4  HERNANDEZ CARLOS  20240305",  # 4: full length
        "R5  JONES   ",  # 5: cut in the padding of LAST: quarantined
        "R6  DOE       AL   ",  # 6: cut in the padding of FIRST: quarantined
        "R7  ROE       AL      ",  # 7: written field by field, DOD left out: loads
    ]
    path = tmp_path / "dmf.dat"
    path.write_text("\n".join(lines) + "\n")
    (res,) = ingest_source(con, _source(path, **FW), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (7, 5, 2), res.message
    assert _quarantine(con) == [
        (5, "truncated_line: 12 of 30 characters, ends inside LAST"),
        (6, "truncated_line: 19 of 30 characters, ends inside FIRST"),
    ]
    loaded = con.execute(
        "SELECT line_no, last_name, first_name, date_of_death FROM source_records ORDER BY 1"
    ).fetchall()
    assert [r[:3] for r in loaded] == [
        (1, "SMITH", "ANN"), (2, "LEE", "BOB"), (3, "MILLER", None), (4, "HERNANDEZ", "CARLOS"),
        (7, "ROE", "AL"),
    ]  # fmt: skip
    assert "records padded" not in res.message


def test_in_a_file_that_pads_its_records_every_short_line_is_cut(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """A line at full length ending in a blank shows the writer pads: a shorter line there was
    cut, even through a value (a date of death with its year half gone loaded as year 20)."""
    lines = _fw(("R1", "SMITH", "ANN", "20250102"), ("R2", "LEE", "BOB", ""))
    lines.append(_fw(("R3", "MILLER", "CAL", "20240305"))[0][:26])  # 3: DOD '2024' cut
    lines.append(_fw(("R4", "DOE", "DAN", "20240305"))[0])
    path = tmp_path / "dmf.dat"
    path.write_text("\n".join(lines) + "\n")
    (res,) = ingest_source(con, _source(path, **FW), "r1")
    assert (res.rows_loaded, res.rows_rejected) == (3, 1), res.message
    assert _quarantine(con) == [(3, "truncated_line: 26 of 30 characters, ends inside DOD")]
    assert "records padded to 30 characters" in res.message


def test_a_fixed_width_line_ending_before_a_required_column_is_cut(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    lines = ["R1  SMITH     ANN", "R2  LEE", "R3"]
    path = tmp_path / "dmf.dat"
    path.write_text("\n".join(lines) + "\n")
    (res,) = ingest_source(con, _source(path, **FW, required=["last_name"]), "r1")
    assert (res.rows_loaded, res.rows_rejected) == (2, 1), res.message
    assert _quarantine(con) == [(3, "truncated_line: 2 of 30 characters, ends inside ID")]


def test_an_unterminated_last_fixed_width_line_ending_inside_a_field_is_cut(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """The transfer stopped mid-record: the file ends without a line terminator, inside the
    date of death. The same line with its terminator is a trimmed line and loads."""
    lines = ["R1  SMITH     ANN", "R2  LEE       BOB     202401"]
    path = tmp_path / "dmf.dat"
    path.write_text("\n".join(lines))
    (res,) = ingest_source(con, _source(path, **FW), "r1")
    assert (res.rows_loaded, res.rows_rejected) == (1, 1), res.message
    assert _quarantine(con) == [(2, "truncated_line: 28 of 30 characters, ends inside DOD")]
    assert "the last line has no line terminator" in res.message
    path2 = tmp_path / "dmf2.dat"
    path2.write_text("\n".join(lines).replace("R2  LEE ", "R9  ROE ") + "\n")
    (res2,) = ingest_source(con, _source(path2, **FW), "r1")
    assert (res2.rows_loaded, res2.rows_rejected) == (2, 0), res2.message


# --- F7: trailers ---------------------------------------------------------------------------


def test_a_trailer_is_no_row(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A count line at the end of a small file was one rejected row in nine (11%: the run
    failed its reject rate); declared as a trailer it is neither loaded nor quarantined."""
    path = tmp_path / "bk.csv"
    path.write_text(HEADER + "\n" + "\n".join(ROWS[:8]) + "\nTRAILER,8\n\n \n")
    (res,) = ingest_source(con, _source(path, trailer_lines=1), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (8, 8, 0), res.message
    assert "trailer of 1 line(s) from line 10, not data: shaped '*******,#'" in res.message
    assert _quarantine(con) == []
    assert con.execute("SELECT rows_read, rows_rejected FROM input_files").fetchall() == [(8, 0)]


def test_a_trailer_count_is_checked(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "bk.csv"
    opts = {"trailer_lines": 1, "trailer_count": r"^TRAILER,(\d+)"}
    path.write_text(HEADER + "\n" + "\n".join(ROWS[:8]) + "\nTRAILER,8\n")
    (res,) = ingest_source(con, _source(path, **opts), "r1")
    assert (res.rows_read, res.rows_rejected) == (8, 0)
    assert "states 8 row(s), as read" in res.message


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # the transfer stopped after six of the eight rows the trailer counts
        (HEADER + "\n" + "\n".join(ROWS[:6]) + "\nTRAILER,8\n", "states 8 row(s)"),
        # no trailer at all: the last line is a row, and its count is not found
        (HEADER + "\n" + "\n".join(ROWS[:6]) + "\n", "states no row count"),
    ],
)
def test_a_trailer_count_that_differs_refuses_the_file(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, text: str, said: str
) -> None:
    path = tmp_path / "bk.csv"
    path.write_text(text)
    source = _source(path, trailer_lines=1, trailer_count=r"^TRAILER,(\d+)")
    with pytest.raises(UnreadableFileError) as exc:
        ingest_source(con, source, "r1")
    message = str(exc.value)
    assert said in message and "the file holds" in message and "\n" not in message
    assert "ANN" not in message and "1980" not in message  # a row taken for the trailer: shape
    assert exc.value.exit_code == errors.INPUT
    assert _stored(con) == (0, 0, 0)


def test_a_fixed_width_trailer_padded_to_the_record(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """A fixed-width trailer was quarantined as `no_identifying_field`."""
    lines = _fw(("R1", "SMITH", "ANN", "20250102"), ("R2", "LEE", "BOB", "20240101"))
    lines.append("TRL0000002".ljust(30))
    path = tmp_path / "dmf.dat"
    path.write_text("\n".join(lines) + "\n")
    (res,) = ingest_source(
        con, _source(path, **FW, trailer_lines=1, trailer_count=r"TRL(\d{7})"), "r1"
    )
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (2, 2, 0), res.message


def test_an_account_profile_reads_a_trailer_too(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,first_name,last_name\nA1,ANN,LEE\nA2,BOB,ROE\nEOF 2 RECORDS\n")
    profile = AccountProfile(trailer_lines=1, trailer_count=r"EOF (\d+)")
    res = ingest_accounts(con, path, profile, "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (2, 2, 0), res.message


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ("trailer_count: 'TRL(\\d+)'", "`trailer_count` needs `trailer_lines`"),
        ("trailer_lines: 1\n  trailer_count: 'TRL\\d+'", "needs a group around the count"),
        ("trailer_lines: 1\n  trailer_count: 'TRL(\\d+'", "not a regular expression"),
        ("trailer_lines: 1\n  format: parquet", "`trailer_lines` is for text files"),
        ("trailer_lines: -1", "trailer_lines"),
    ],
)
def test_trailer_settings_are_checked_with_the_registry(
    tmp_path: Path, entry: str, said: str
) -> None:
    (tmp_path / "sources.yml").write_text(
        "- name: bk\n  kind: bankruptcy\n  path: bk.csv\n  reliability: 0.9\n"
        f"  permissible_purpose: collection\n  {entry}\n"
    )
    with pytest.raises(RegistryError) as exc:
        load_registry(tmp_path / "sources.yml")
    assert said in str(exc.value) and "source 'bk'" in str(exc.value)
