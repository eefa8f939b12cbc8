"""Read a delivered file into DuckDB as numbered physical lines plus a parsed field list.

Why not DuckDB's `read_csv` directly: quarantine needs, for every rejected row, its physical line
number and the raw line, and `read_csv` gives neither for the rows it accepts. So a text file is
read once into memory (checksum, gunzip, decode), split into lines with Arrow (vectorised, no
Python loop over rows), numbered, and registered with DuckDB as an in-memory table
`(line_no, raw)`. Fields are then split in SQL:

* lines without a quote character: `string_split` (the common case, fast);
* lines with quotes: split on the quote character, so segments alternate outside / inside
  quotes; separators are only honoured outside (see `delimited_fields_sql`);
* lines that are not well-formed that way get a last chance through an RE2 RFC 4180 pattern
  (lenient about a stray quote inside an unquoted field), else they are quarantined as
  `malformed_quotes`.

A quoted field containing a line break therefore spans two physical lines and both are
quarantined; real collections exports essentially never do this, and the loss is visible.

Nothing read here is persisted: the registered Arrow table lives in process memory only, which
matters because raw lines carry raw SSNs.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import hashlib
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from skiptrace import sql
from skiptrace.masking import mask_shape
from skiptrace.sources.errors import DuplicateColumnsError, UnreadableFileError
from skiptrace.sources.registry import ReadOptions

_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_BATCH_ROWS = 200_000  # Arrow batch size: lets DuckDB scan the lines on every thread
_HASH_CHUNK = 1 << 22
_PAD_CHUNK = 1 << 16  # lines per step of `_pads_records`
#: Containers a delivery sometimes arrives in instead of its text file, by their first bytes.
#: Read as text, a zip is one line of binary garbage: a CSV "missing every column", a
#: fixed-width file a dozen garbage rows (one of them a death record). An xlsx workbook is a zip.
_CONTAINERS: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive (or Excel workbook): deliver the extracted text file"),
    (b"PK\x05\x06", "a zip archive (or Excel workbook): deliver the extracted text file"),
    (b"PK\x07\x08", "a zip archive (or Excel workbook): deliver the extracted text file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive: deliver the extracted text file"),
    (b"Rar!\x1a\x07", "a RAR archive: deliver the extracted text file"),
    (b"\xfd7zXZ\x00", "an xz archive: deliver the text file, plain or gzipped"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an Excel 97-2003 workbook (or another Office document): deliver it saved as CSV",
    ),
    (b"%PDF-", "a PDF document: deliver the data as a text file"),
)


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    """Decode the five bytes cp1252 leaves undefined as Latin-1 instead of failing."""
    assert isinstance(err, UnicodeDecodeError)
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("skiptrace-latin1", _latin1_fallback)


@dataclass
class FileInfo:
    """What is known about a delivered file before parsing it (enough for idempotency checks)."""

    path: Path
    sha256: str
    size_bytes: int
    mtime: dt.datetime
    data: bytes | None = field(default=None, repr=False)  # raw bytes, kept for text formats


@dataclass
class ParsedFile:
    """A file exposed to SQL: `source_sql` yields (line_no, raw, fields, shape_err)."""

    info: FileInfo
    columns: list[str]
    source_sql: str
    raw_sql: str  # SELECT line_no, raw (for re-reading a few rejected lines)
    encoding: str
    registered: str | None = None
    notes: list[str] = field(default_factory=list)
    lines_fallback_decoded: int = 0
    lines_control_stripped: int = 0

    def release(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop the in-memory line table (it holds raw lines, so do not keep it around)."""
        if self.registered:
            con.unregister(self.registered)
            self.registered = None


def refuse_container(path: Path, head: bytes) -> None:
    """UnreadableFileError when `head` (a file's first bytes) starts like an archive, a
    workbook or a PDF (`_CONTAINERS`): one line saying what the file is, before anything is
    stored, instead of a load of binary garbage."""
    for magic, what in _CONTAINERS:
        if head.startswith(magic):
            raise UnreadableFileError(path, what)


def _empty(path: Path, gunzipped: bool) -> UnreadableFileError:
    """The error for a file with a header line expected and no byte at all (a failed transfer
    leaves one): said as such, not as a header missing every column."""
    where = " once gunzipped" if gunzipped else ""
    return UnreadableFileError(
        path, f"the file is empty (0 bytes{where}), not even a header line: ask for it again"
    )


def fingerprint(path: Path, *, keep_bytes: bool) -> FileInfo:
    """Checksum, size and mtime of the file as delivered (compressed bytes, if gzipped)."""
    stat = path.stat()
    mtime = dt.datetime.fromtimestamp(stat.st_mtime)
    if keep_bytes:
        data = path.read_bytes()
        return FileInfo(path, hashlib.sha256(data).hexdigest(), len(data), mtime, data)
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return FileInfo(path, digest.hexdigest(), stat.st_size, mtime)


def _sql_lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _re_escape(ch: str) -> str:
    """Escape one character for RE2 (used inside and outside character classes)."""
    if ch == "\t":
        return r"\t"
    return ch if ch.isalnum() else "\\" + ch


def _norm_encoding(name: str | None) -> str | None:
    if not name:
        return None
    key = codecs.lookup(name).name  # canonical codec name; raises LookupError if unknown
    if key in ("latin-1", "iso8859-1", "cp1252"):
        # "Latin-1" files from Windows systems are cp1252 in practice (smart quotes, euro sign);
        # cp1252 decodes every Latin-1 letter identically, and its undefined bytes fall back.
        return "cp1252"
    return key


def _split_lines(data: bytes) -> pa.Array:
    """Physical lines of a byte string as a large_binary Arrow array (terminators removed).

    A file with CR-only line ends (classic Mac, some mainframe transfers) has no LF at all: its
    lines are split on CR instead, so it loads like any other file rather than as one huge line.
    """
    sep = b"\r" if b"\n" not in data and b"\r" in data else b"\n"
    buf = pa.py_buffer(data)
    offsets = pa.array([0, len(data)], pa.int64()).buffers()[1]
    whole = pa.LargeBinaryArray.from_buffers(pa.large_binary(), 1, [None, offsets, buf])
    lines = pc.split_pattern(whole, sep).flatten()
    if len(lines) and len(data) and data.endswith(sep):
        lines = lines.slice(0, len(lines) - 1)  # the terminator of the last line is not a line
    return lines


@dataclass
class Decoded:
    """Text lines of a file and how they were decoded (recorded in `input_files`)."""

    lines: pa.Array  # large_string, one element per physical line
    encoding: str  # utf-8, utf-8-sig, utf-16, cp1252, or 'utf-8+cp1252' for a mixed file
    replaced: bool  # a declared UTF-8 file held invalid bytes (replaced; rows quarantined)
    fallback_lines: int = 0  # lines of an undeclared file decoded as cp1252, not UTF-8
    control_lines: int = 0  # lines that had NUL / control characters stripped
    cr_only: bool = False
    #: the last line is not blank and has no line terminator: often a transfer cut short
    unterminated: bool = False


def _decode_per_line(data: bytes, lines: pa.Array) -> tuple[pa.Array, int]:
    """Decode undeclared bytes line by line: UTF-8 where valid, else cp1252 (Latin-1 fallback).

    A file assembled from several systems can hold UTF-8 and cp1252 lines side by side; deciding
    for the whole file turns one kind into mojibake ('JOSÃ‰'). Both readings are computed for
    the whole file without a Python loop over lines: DuckDB validates every line as UTF-8
    (`try(decode(...))`, in a private in-memory database: the lines hold raw SSNs) and the
    cp1252 decode of the whole file splits into the same lines (cp1252 maps every byte, LF and
    CR included, to one character); each line takes its UTF-8 reading when there is one.
    """
    table = pa.table({"i": pa.array(range(len(lines)), pa.int64()), "raw": lines})
    con = duckdb.connect()
    try:
        con.register("_lines", table)
        utf8 = con.sql("SELECT try(decode(raw)) AS t FROM _lines ORDER BY i").to_arrow_table()
    finally:
        con.close()
    as_utf8 = utf8.column(0).combine_chunks().cast(pa.large_string())
    cp1252 = data.decode("cp1252", errors="skiptrace-latin1").encode("utf-8")
    as_cp1252 = _split_lines(cp1252).cast(pa.large_string())
    if len(as_cp1252) != len(as_utf8):  # cannot happen (see above); never guess silently
        raise ValueError("line split differs between UTF-8 and cp1252 readings")
    bad = pc.is_null(as_utf8)
    return pc.if_else(bad, as_cp1252, as_utf8), int(pc.sum(bad).as_py() or 0)


#: NUL and the other C0 control characters except tab (a delimiter), and DEL. CR is handled as
#: a line end. They carry no data and break matching and exports (a NUL inside a name).
_CONTROL_RE = "[\\x00-\\x08\\x0b-\\x0c\\x0e-\\x1f\\x7f]"


def _strip_control(text: pa.Array, keep_width: bool) -> tuple[pa.Array, int]:
    """Remove control characters (a space in fixed-width files, to keep field positions)."""
    hit = pc.match_substring_regex(text, _CONTROL_RE)
    n = int(pc.sum(hit).as_py() or 0)
    if n:
        text = pc.replace_substring_regex(text, _CONTROL_RE, " " if keep_width else "")
    return text, n


def decode_lines(data: bytes, declared: str | None, *, fixed_width: bool = False) -> Decoded:
    """Text lines for text bytes (gzip already removed), control characters stripped.

    Detection when no encoding is declared: a BOM decides; otherwise UTF-8 if the bytes are
    valid UTF-8 (checked by Arrow, no Python decode), else line by line (`_decode_per_line`).
    A declared UTF-8 file with invalid bytes has them replaced and those rows quarantined.
    """
    enc = _norm_encoding(declared)
    label = enc or "utf-8"
    replaced = False
    fallback = 0
    if data.startswith(_UTF8_BOM) and enc in (None, "utf-8", "utf-8-sig"):
        data, label, enc = data[len(_UTF8_BOM) :], "utf-8-sig", "utf-8"
    elif data.startswith(_UTF16_BOMS) and enc in (None, "utf-16"):
        data, label, enc = data.decode("utf-16").encode("utf-8"), "utf-16", "utf-8"
    cr_only = b"\n" not in data and b"\r" in data
    if enc in (None, "utf-8"):
        lines = _split_lines(data)
        try:
            text = lines.cast(pa.large_string())
        except pa.ArrowInvalid:
            if enc == "utf-8" and declared:
                data, replaced = data.decode("utf-8", errors="replace").encode("utf-8"), True
                text = _split_lines(data).cast(pa.large_string())
            else:
                text, fallback = _decode_per_line(data, lines)
                label = "cp1252" if fallback == len(text) else f"{label}+cp1252"
    else:
        errors = "skiptrace-latin1" if enc == "cp1252" else "replace"
        decoded = data.decode(enc, errors=errors)
        replaced = errors == "replace" and "\ufffd" in decoded
        data = decoded.encode("utf-8")
        text = _split_lines(data).cast(pa.large_string())
    text = pc.utf8_rtrim(text, characters="\r")  # CRLF line ends
    text, control = _strip_control(text, fixed_width)
    last = text[len(text) - 1].as_py() if len(text) else None
    unterminated = not data.endswith((b"\n", b"\r")) and last is not None and not is_blank(last)
    return Decoded(text, label, replaced, fallback, control, cr_only, unterminated)


def _header_names(line: str, delimiter: str, quote: str | None) -> list[str]:
    if quote:
        row = next(csv.reader([line], delimiter=delimiter, quotechar=quote))
    else:
        row = line.split(delimiter)
    return [name.strip() for name in row]


def delimited_fields_sql(delimiter: str, quote: str | None) -> str:
    """SQL over `raw` giving its fields as VARCHAR[] (NULL when the quoting is malformed).

    Lines without a quote character are split directly. A quoted line is split on the quote
    character instead: segments then alternate outside / inside quotes. Outside segments
    carry the field separators (turned into a record-separator control character and split on
    that), inside segments are kept verbatim, and an empty outside segment between two inside
    ones is an escaped quote (`""`). The line is well formed when the quotes balance and every
    quoted field is delimited by separators or the line ends. Lines failing that (a stray quote
    inside an unquoted field: `5'10"`) get one last chance through an RE2 RFC 4180 parser.
    """
    d = _sql_lit(delimiter)
    if not quote:
        return f"string_split(raw, {d})"
    q = _sql_lit(quote)
    qq = _sql_lit(quote * 2)
    rd, rq = _re_escape(delimiter), _re_escape(quote)
    one = f"{rq}(?:[^{rq}]|{rq}{rq})*{rq}|[^{rd}{rq}][^{rd}]*|"
    well_formed = _sql_lit(f"(?:{rd}(?:{one}))+")
    field_re = _sql_lit(f"{rd}({one})")
    # `segs`/`nsegs` are computed once per quoted line in an inner projection (see
    # _text_source_sql), so the lambdas below see plain columns.
    balanced = (
        f"nsegs % 2 = 1 AND NOT contains(raw, chr(30)) AND list_bool_and(list_transform("
        f"segs, lambda s, i: i % 2 = 0 OR s = '' OR ((i = 1 OR starts_with(s, {d})) "
        f"AND (i = nsegs OR ends_with(s, {d})))))"
    )
    by_segments = (
        f"string_split(array_to_string(list_transform(segs, lambda s, i: CASE "
        f"WHEN i % 2 = 0 THEN s WHEN s = '' AND i > 1 AND i < nsegs THEN {q} "
        f"ELSE replace(s, {d}, chr(30)) END), ''), chr(30))"
    )
    by_regex = (
        f"list_transform(regexp_extract_all({d} || raw, {field_re}, 1), lambda x: "
        f"CASE WHEN starts_with(x, {q}) THEN replace(x[2:-2], {qq}, {q}) ELSE x END)"
    )
    return (
        f"CASE WHEN segs IS NULL THEN string_split(raw, {d}) "
        f"WHEN {balanced} THEN {by_segments} "
        f"WHEN regexp_full_match({d} || raw, {well_formed}) THEN {by_regex} END"
    )


def _segments_sql(quote: str | None) -> str:
    """Inner projection for delimited_fields_sql: the line split on its quote character."""
    if not quote:
        return "NULL::VARCHAR[] AS segs, NULL::BIGINT AS nsegs"
    q = _sql_lit(quote)
    return (
        f"CASE WHEN contains(raw, {q}) THEN string_split(raw, {q}) END AS segs, "
        f"CASE WHEN contains(raw, {q}) THEN length(raw) - length(replace(raw, {q}, '')) + 1 "
        "END AS nsegs"
    )


#: What a blank line may hold besides nothing: any whitespace (spaces, tabs, no-break and
#: other Unicode spaces) and the invisible zero-width space and byte order mark. Control
#: characters are gone by then (`_strip_control`). RE2 for SQL, `re` for Python: one set.
_BLANK_SQL_RE = "[\\s\\x{85}\\p{Z}\\x{200B}\\x{FEFF}]*"
_BLANK_RE = re.compile("[\\s\u200b\ufeff]*")
#: A line is blank when empty or whitespace only, whatever the whitespace (DuckDB's trim takes
#: spaces only, so a line holding a tab used to be a row). A line starting with a printable
#: ASCII character is not blank: only the others pay for the regex.
_NOT_BLANK = (
    f"raw <> '' AND (ascii(raw) BETWEEN 33 AND 126 OR NOT regexp_full_match(raw, "
    f"'{_BLANK_SQL_RE}'))"
)


def is_blank(line: str) -> bool:
    """`_NOT_BLANK`'s negation in Python (the trailer is found from the end of a file)."""
    return _BLANK_RE.fullmatch(line) is not None


def _text_source_sql(
    table: str, fields_sql: str, shape_sql: str, skip_lines: int, replaced: bool, inner: str
) -> str:
    if replaced:
        shape_sql = (
            f"CASE WHEN contains(raw, chr(65533)) THEN 'invalid_encoding' ELSE {shape_sql} END"
        )
    return sql.render(
        "ingest/text_source.sql",
        shape_sql=shape_sql,
        fields_sql=fields_sql,
        inner=inner,
        table=table,
        skip_lines=str(int(skip_lines)),
        not_blank=_NOT_BLANK,
    )


def open_file(
    con: duckdb.DuckDBPyConnection, info: FileInfo, opts: ReadOptions, name: str
) -> ParsedFile:
    """Expose a fingerprinted file to SQL under the registered name `name`.

    Refused before anything is stored (UnreadableFileError): an archive, workbook or PDF
    (`refuse_container`), an empty file where a header line is expected, and a trailer whose
    stated row count (`trailer_count`) differs from the rows the file holds.
    """
    if opts.format == "parquet":
        with info.path.open("rb") as fh:
            refuse_container(info.path, fh.read(8))
        return _open_parquet(con, info)
    data = info.data if info.data is not None else info.path.read_bytes()
    refuse_container(info.path, data[:8])
    gunzipped = data.startswith(_GZIP_MAGIC)
    if gunzipped:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise UnreadableFileError(info.path, f"not a valid gzip stream ({exc})") from exc
        refuse_container(info.path, data[:8])
    if not data and opts.header:
        raise _empty(info.path, gunzipped)
    try:
        decoded = decode_lines(data, opts.encoding, fixed_width=opts.format == "fixed_width")
    except LookupError as exc:
        raise UnreadableFileError(info.path, f"unknown encoding {opts.encoding!r}") from exc
    del data
    lines, encoding, replaced = decoded.lines, decoded.encoding, decoded.replaced
    skip = 1 if opts.header else 0
    trailer = _trailer(lines, opts.trailer_lines, skip)
    lines = lines.slice(0, trailer.first_line - 1)  # the trailer is no row: not registered
    n = len(lines)
    table = pa.Table.from_arrays(
        [pl.int_range(1, n + 1, dtype=pl.Int64, eager=True).to_arrow(), lines],
        names=["line_no", "raw"],
    )
    table = pa.Table.from_batches(table.to_batches(max_chunksize=_BATCH_ROWS), table.schema)
    notes = [f"encoding {encoding}"]
    if not info.size_bytes:
        notes.append("empty file (0 bytes)")
    if decoded.fallback_lines and encoding != "cp1252":
        notes.append(f"{decoded.fallback_lines} line(s) not UTF-8, decoded as cp1252")
    if decoded.control_lines:
        notes.append(f"control characters stripped from {decoded.control_lines} line(s)")
    if decoded.cr_only:
        notes.append("CR-only line ends")
    if replaced:
        notes.append("invalid bytes replaced; affected rows quarantined")
    if decoded.unterminated:
        notes.append("the last line has no line terminator (a transfer cut short?)")
    first_line = lines[0].as_py() if n else None
    # the last line, unterminated, is a data row (not the trailer): a fixed-width cut checks it
    open_line = n if decoded.unterminated and not trailer.lines else 0

    if opts.format == "fixed_width":
        assert opts.widths is not None
        columns = [col for col, _ in opts.widths]
        parts, start = [], 1
        for _, width in opts.widths:
            parts.append(f"substr(raw, {start}, {width})")
            start += width
        fields_sql, inner = "[" + ", ".join(parts) + "]", "NULL AS segs"
        padded = _pads_records(lines, start - 1)
        if padded:
            notes.append(f"records padded to {start - 1} characters")
        shape_sql = _fixed_width_shape_sql(opts.widths, opts.required_columns(), open_line, padded)
    else:
        delimiter = opts.default_delimiter() or ","
        repeated = "NULL"
        if opts.header:
            if first_line is None or not first_line.strip():
                columns = []
            else:
                columns = _header_names(first_line, delimiter, opts.quote)
                _refuse_duplicate_names(info.path, columns)
                repeated = _repeated_header_sql(columns)
        else:
            columns = list(opts.column_names or [])
        fields_sql, inner = delimited_fields_sql(delimiter, opts.quote), _segments_sql(opts.quote)
        ncols = len(columns)
        shape_sql = (
            "CASE WHEN fields IS NULL THEN 'malformed_quotes' "
            f"WHEN len(fields) <> {ncols} THEN 'wrong_field_count: ' || len(fields) "
            f"|| ' fields, expected {ncols}' ELSE {repeated} END"
        )
    con.register(name, table)
    if trailer.lines:
        notes.append(_check_trailer(con, info.path, opts, name, trailer, skip))
    return ParsedFile(
        info=info,
        columns=columns,
        source_sql=_text_source_sql(name, fields_sql, shape_sql, skip, replaced, inner),
        raw_sql=f"SELECT line_no, raw FROM {name}",
        encoding=encoding,
        registered=name,
        notes=notes,
        lines_fallback_decoded=decoded.fallback_lines,
        lines_control_stripped=decoded.control_lines,
    )


def _repeated_header_sql(columns: list[str]) -> str:
    """SQL (over `fields`, of the header's count) naming a data line that repeats the header
    `repeated_header`: two exports concatenated, whose second header would load as a row (an
    account `account_id` named "first_name last_name"). Fields compared trimmed (a byte order
    mark too: the second export's) and case-insensitively, so a re-quoted header counts. The
    first field is tested first with ILIKE (its pattern is the name within any text, `_` any
    one character: a superset), which costs next to nothing on the rows that are data."""
    keys = [c.strip().lower() for c in columns]
    if not keys[0]:
        return "NULL"
    prefilter = _sql_lit("%" + keys[0].replace("%", "_") + "%")
    names = "[" + ", ".join(_sql_lit(k) for k in keys) + "]"
    return (
        f"CASE WHEN fields[1] ILIKE {prefilter} THEN CASE WHEN list_transform(fields, "
        f"lambda x: lower(trim(x, ' ' || chr(65279)))) = {names} THEN 'repeated_header' END END"
    )


def _pads_records(lines: pa.Array, total: int) -> bool:
    """Whether a fixed-width file pads its records to their full length: one of its lines has
    the record's length and ends with a blank, which a writer trimming trailing blanks never
    leaves. Vectorised (Arrow) over chunks of lines, stopping at the first such line: counting
    characters costs a pass over every byte (0.4 s for 1M lines of 430 characters), so only
    lines ending with a blank and at least `total` bytes long are counted (a character is at
    least one byte), and a padded file is known from its first chunk."""
    for start in range(0, len(lines), _PAD_CHUNK):
        chunk = lines.slice(start, _PAD_CHUNK)
        maybe = pc.and_(pc.ends_with(chunk, " "), pc.greater_equal(pc.binary_length(chunk), total))
        if (
            pc.any(maybe).as_py()
            and pc.any(pc.equal(pc.utf8_length(chunk.filter(maybe)), total)).as_py()
        ):
            return True
    return False


def _fixed_width_shape_sql(
    widths: list[tuple[str, int]], required: list[str], open_line: int, padded: bool
) -> str:
    """The row-shape check of a fixed-width line: too long (`wrong_length`), or cut short
    (`truncated_line`).

    A line shorter than the record is normal: exports and transfers often trim trailing
    blanks, and the fields it does not reach read as empty. It is a cut, quarantined, when
    * the file pads its records (`_pads_records`): then no line of it is short but a cut one;
    * it ends inside a field with a blank: a line trimmed of its trailing blanks ends with a
      character of a value, one written field by field ends on a field's end; a line that
      stops in the padding inside a field was cut there (the 30 of 90 characters of a death
      record, its surname half there and no dates);
    * it ends before a required column starts (the source's `required`, an account's key):
      the value that must be there is not;
    * it is the file's last line, has no line terminator and ends inside a field: a transfer
      cut short (`open_line`, 0 when the file ends with a terminator).
    A line cut through a value that ends with a character of it, elsewhere, looks like a
    trimmed line and loads; its dates are then unparseable (field issues).
    """
    ends, start = [], 0
    starts: dict[str, int] = {}
    for col, width in widths:
        starts.setdefault(col.strip().lower(), start + 1)
        start += width
        ends.append(start)
    total = start
    inside = f"length(raw) NOT IN ({', '.join(str(e) for e in ends)})"
    cut = ["true"] if padded else [f"({inside} AND ends_with(raw, ' '))"]
    need = max((starts.get(c.strip().lower(), 0) for c in required), default=0)
    if need > 1:
        cut.append(f"length(raw) < {need}")
    if open_line:
        cut.append(f"(line_no = {open_line} AND {inside})")
    where, begin = [], 0
    for (col, _), end in zip(widths, ends, strict=True):
        where.append(f"WHEN length(raw) = {begin} THEN {_sql_lit('before ' + col)}")
        where.append(f"WHEN length(raw) < {end} THEN {_sql_lit('inside ' + col)}")
        begin = end
    return (
        f"CASE WHEN length(raw) > {total} THEN 'wrong_length: ' || length(raw) "
        f"|| ' characters, expected at most {total}' "
        f"WHEN length(raw) < {total} AND ({' OR '.join(cut)}) THEN 'truncated_line: ' "
        f"|| length(raw) || ' of {total} characters, ends ' || CASE {' '.join(where)} END END"
    )


@dataclass
class _Trailer:
    """The last `trailer_lines` non-blank lines of a file (ReadOptions.trailer_lines)."""

    lines: list[str]
    first_line: int  # line number of the trailer's first line (past the end: none)


def _trailer(lines: pa.Array, count: int, skip: int) -> _Trailer:
    """The trailer: walked back from the end over the last lines only (blank ones skipped,
    never into the header), so the cost does not grow with the file."""
    found: list[str] = []
    first = len(lines) + 1
    i = len(lines) - 1
    while count and i >= skip and len(found) < count:
        line = lines[i].as_py()
        if not is_blank(line):
            found.append(line)
            first = i + 1
        i -= 1
    return _Trailer(found[::-1], first)


def _check_trailer(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    opts: ReadOptions,
    name: str,
    trailer: _Trailer,
    skip: int,
) -> str:
    """The file's note about its trailer; with `trailer_count`, the count it states must be
    the rows the file holds (its non-blank lines between header and trailer, as loading counts
    them), else the file is refused: rows are missing (a transfer cut short, the trailer's
    count a line of data) or were added. The trailer is shown by its shape only: when the
    setting is wrong, the "trailer" is a debtor's row."""
    shape = mask_shape(trailer.lines[-1])[:60]
    note = f"trailer of {len(trailer.lines)} line(s) from line {trailer.first_line}, not data: "
    note += f"shaped {shape!r}"
    if opts.trailer_count is None:
        return note
    rows = int(
        sql.scalar(con, f"SELECT count(*) FROM {name} WHERE line_no > {skip} AND {_NOT_BLANK}") or 0
    )
    found = re.search(opts.trailer_count, "\n".join(trailer.lines))
    stated = found.group(1) if found else None
    if stated is None or not stated.strip().isdigit() or int(stated) != rows:
        con.unregister(name)
        said = "states no row count" if stated is None else f"states {stated.strip()} row(s)"
        raise UnreadableFileError(
            path,
            f"the trailer (shaped {shape!r}) {said} by trailer_count {opts.trailer_count!r}; "
            f"the file holds {rows}: rows are missing or were added, the file was not loaded: "
            "ask for it again",
        )
    return f"{note}; states {rows} row(s), as read"


#: How far `header_columns` reads for the first line of a delimited file.
_HEADER_BYTES = 1 << 20


def header_columns(path: Path, opts: ReadOptions) -> list[str] | None:
    """The column names a load of `path` would see, read from its first line only (Parquet: its
    schema), the way `open_file` reads them: for checking a delivery's columns before loading it.
    None when the first line cannot be cut out of the bytes alone (UTF-16 / UTF-32 text, whose
    line ends are two or four bytes): the load checks those. An archive, a workbook and an
    empty file where a header is expected are refused as the load refuses them.
    """
    with path.open("rb") as fh:
        head = fh.read(8)
    refuse_container(path, head)
    if opts.format == "parquet":
        import pyarrow.parquet as pq

        try:
            return list(pq.read_schema(path).names)
        except (OSError, pa.ArrowException) as exc:
            raise UnreadableFileError(path, f"cannot read as Parquet ({exc})") from exc
    if opts.format == "fixed_width":
        assert opts.widths is not None
        return [col for col, _ in opts.widths]
    if not opts.header:
        return list(opts.column_names or [])
    declared = _norm_encoding(opts.encoding) or ""
    if not head:
        raise _empty(path, False)
    if declared.startswith(("utf-16", "utf-32")):
        return None
    gunzipped = head.startswith(_GZIP_MAGIC)
    opener = gzip.open if gunzipped else open
    try:
        with opener(path, "rb") as fh:
            data = fh.readline(_HEADER_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise UnreadableFileError(path, f"not a valid gzip stream ({exc})") from exc
    refuse_container(path, data[:8])
    if not data:
        raise _empty(path, gunzipped)
    if data.startswith(_UTF16_BOMS):
        return None
    try:
        lines = decode_lines(data, opts.encoding).lines
    except LookupError as exc:
        raise UnreadableFileError(path, f"unknown encoding {opts.encoding!r}") from exc
    first = lines[0].as_py() if len(lines) else None
    if first is None or not first.strip():
        return []
    columns = _header_names(first, opts.default_delimiter() or ",", opts.quote)
    _refuse_duplicate_names(path, columns)
    return columns


def _refuse_duplicate_names(path: Path, columns: list[str]) -> None:
    """Two header columns with one name (case and spaces ignored): which one a mapping means is
    a guess, and guessing silently loads the wrong data, so the file is refused."""
    seen: dict[str, str] = {}
    dupes = []
    for name in columns:
        key = name.strip().lower()
        if key and key in seen:
            dupes.append(name)
        seen.setdefault(key, name)
    if dupes:
        raise DuplicateColumnsError(path, dupes)


def _open_parquet(con: duckdb.DuckDBPyConnection, info: FileInfo) -> ParsedFile:
    """Parquet: every column cast to text; line_no = row ordinal + 2 (as if a header were line 1)."""
    src = f"read_parquet({_sql_lit(str(info.path))}, file_row_number = true)"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
    except duckdb.Error as exc:
        raise UnreadableFileError(info.path, f"cannot read as Parquet ({exc})") from exc
    columns = [row[0] for row in described if row[0] != "file_row_number"]
    casts = ", ".join(f'CAST("{c.replace(chr(34), chr(34) * 2)}" AS VARCHAR)' for c in columns)
    source_sql = sql.render("ingest/parquet_source.sql", casts=casts, src=src)
    return ParsedFile(
        info=info, columns=columns, source_sql=source_sql, raw_sql=source_sql, encoding="parquet"
    )
