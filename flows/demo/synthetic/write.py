"""Serialization: delimited / fixed-width bytes, deliberate malformed rows, truth CSVs.

Lines are assembled as strings by polars and written in one pass, which gives byte-level
control (quote only when needed, corrupt a chosen line's field count) while staying fast:
the writer never loops over rows in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from skiptrace.flows.demo.synthetic.build import FileSpec

DELIMS: dict[str, str] = {"csv": ",", "psv": "|", "tsv": "\t"}
MALFORMED_RATE = 0.002

_BAD_DATE: dict[str, str] = {
    "%Y-%m-%d": "{y}-02-30",
    "%m/%d/%Y": "13/32/{y}",
    "%Y%m%d": "{y}1340",
    "%m%d%Y": "1340{y}",
    "%Y%m": "{y}13",
}


@dataclass
class WrittenFile:
    """One file on disk and where each of its rows landed."""

    path: Path
    source: str
    fmt: str
    rows: int
    first_row: int  # index into the FileSpec's rows
    data_line_offset: int  # physical line number of its first data row (2 with header, 1 without)


@dataclass
class Malformed:
    rows: np.ndarray  # row indices into the FileSpec
    reasons: list[str]


def choose_malformed(spec: FileSpec, rng: np.random.Generator) -> Malformed:
    """~0.2% of rows (at least one once a file has 100 rows), each with one defect."""
    n = spec.frame.height
    k = round(n * MALFORMED_RATE) if n >= 500 else (1 if n >= 100 else 0)
    if k == 0:
        return Malformed(np.empty(0, np.int64), [])
    rows = np.sort(rng.choice(n, size=k, replace=False)).astype(np.int64)
    kinds = ["field_count"]
    if spec.ssn_col:
        kinds.append("bad_ssn")
    if spec.date_cols:
        kinds.append("bad_date")
    pick = rng.integers(0, len(kinds), k)
    return Malformed(rows, [kinds[i] for i in pick])


def _corrupt_cells(spec: FileSpec, bad: Malformed, rng: np.random.Generator) -> pl.DataFrame:
    frame = spec.frame
    reasons = np.array(bad.reasons, dtype=object)
    ssn_rows = bad.rows[reasons == "bad_ssn"] if len(bad.rows) else bad.rows
    if len(ssn_rows) and spec.ssn_col:
        k = len(ssn_rows)
        digits = [f"{x:09d}" for x in rng.integers(100_000_000, 899_999_999, k)]
        variants = rng.integers(0, 3, k)
        vals = [
            d[:8] if v == 0 else (f"{d[:3]}-{d[3:5]}-{d[5:8]}" if v == 1 else d[:4] + "O" + d[5:])
            for d, v in zip(digits, variants, strict=True)
        ]
        col = frame[spec.ssn_col].scatter(ssn_rows, vals)
        frame = frame.with_columns(col)
    date_rows = bad.rows[reasons == "bad_date"] if len(bad.rows) else bad.rows
    if len(date_rows):
        cols = list(spec.date_cols)
        which = rng.integers(0, len(cols), len(date_rows))
        years = rng.integers(1950, 2001, len(date_rows))
        for ci, c in enumerate(cols):
            sel = which == ci
            if sel.any():
                tmpl = _BAD_DATE[spec.date_cols[c]]
                vals = [tmpl.format(y=int(y)) for y in years[sel]]
                frame = frame.with_columns(frame[c].scatter(date_rows[sel], vals))
    return frame


def _field(frame: pl.DataFrame, col: str, delim: str) -> pl.Expr:
    """The column as written: quoted only when a value holds the delimiter or a quote.

    The check runs once per column, so columns that never need quoting (most of them) cost a
    plain fill_null instead of a per-value conditional.
    """
    c = pl.col(col).fill_null("")
    pattern = "[" + re.escape(delim) + '"]'
    if not frame[col].str.contains(pattern).any():
        return c
    needs = c.str.contains(pattern)
    return pl.when(needs).then('"' + c.str.replace_all('"', '""', literal=True) + '"').otherwise(c)


def render_lines(spec: FileSpec, bad: Malformed, rng: np.random.Generator) -> pl.Series:
    """Every data line of the file (no header), malformed rows included."""
    frame = _corrupt_cells(spec, bad, rng)
    if spec.fmt == "fixed_width":
        assert spec.widths is not None
        parts = [pl.col(c).fill_null("").str.slice(0, w).str.pad_end(w) for c, w in spec.widths]
        lines = frame.select(pl.concat_str(parts).alias("line"))["line"]
    else:
        d = DELIMS[spec.fmt]
        fields = [_field(frame, c, d) for c in frame.columns]
        lines = frame.select(pl.concat_str(fields, separator=d).alias("line"))["line"]
    reasons = np.array(bad.reasons, dtype=object)
    fc = bad.rows[reasons == "field_count"] if len(bad.rows) else bad.rows
    if len(fc):
        sub = lines.gather(fc)
        drop = rng.random(len(fc)) < 0.5
        if spec.fmt == "fixed_width":
            short = sub.str.slice(0, pl.Series(sub.str.len_chars() - 9))
            long = sub + "   X     "
        else:
            d = re.escape(DELIMS[spec.fmt])
            short = sub.str.replace(f"{d}[^{d}]*$", "")
            long = sub + DELIMS[spec.fmt] + "EXTRA"
        fixed = pl.select(pl.when(pl.lit(pl.Series(drop))).then(short).otherwise(long)).to_series()
        lines = lines.scatter(fc, fixed)
    return lines


def header_line(spec: FileSpec) -> str:
    if spec.fmt == "fixed_width":
        return ""
    return DELIMS[spec.fmt].join(spec.frame.columns)


def write_spec(
    spec: FileSpec, outdir: Path, bad: Malformed, rng: np.random.Generator
) -> list[WrittenFile]:
    """Write one FileSpec, split into numbered parts when it exceeds max_rows_per_file."""
    lines = render_lines(spec, bad, rng)
    n = len(lines)
    cap = spec.max_rows_per_file or max(n, 1)
    parts = max(1, -(-n // cap))
    out: list[WrittenFile] = []
    stem, dot, ext = spec.file_name.rpartition(".")
    for i in range(parts):
        name = spec.file_name if parts == 1 else f"{stem}_{i + 1:03d}{dot}{ext}"
        path = outdir / name
        chunk = lines.slice(i * cap, cap)
        with path.open("wb") as fh:
            if spec.header:
                fh.write((header_line(spec) + "\n").encode("utf-8"))
            if len(chunk):
                chunk.to_frame("line").write_csv(fh, include_header=False, quote_style="never")
        out.append(
            WrittenFile(path, spec.source, spec.fmt, len(chunk), i * cap, 2 if spec.header else 1)
        )
    return out
