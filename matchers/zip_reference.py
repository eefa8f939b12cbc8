"""The ZIP reference: every ZIP5 with its state, preferred city and IANA time zone.

Why a module of its own: standardization (a missing state or city, the ZIP-state check) and
resolve (the consumer's time zone for Reg F calling windows) read the same 42,789 ZIPs of the
offline `zipcodes` package. That package hands them out as one Python dict per ZIP, which took
0.8-1.5 s to build in every process that standardized or resolved: each `skiptrace run`, and
each test process. The four columns skiptrace reads are kept as a small Parquet file in the
user's cache folder (``$XDG_CACHE_HOME/skiptrace``, else ``~/.cache/skiptrace``), named after
the package's version (another version reads and writes its own file), and read in a few
milliseconds. The file holds public reference data only. A missing, unreadable or differently
shaped file is rebuilt from the package; a cache folder that cannot be written only costs the
rebuild, in every process.
"""

from __future__ import annotations

import logging
import os
import tempfile
from functools import cache
from pathlib import Path

import polars as pl

log = logging.getLogger(__name__)

#: the reference's columns, in order; `zipcodes` has no ZIP without a state, 823 without a zone
SCHEMA = {"zip5": pl.String, "state": pl.String, "city": pl.String, "time_zone": pl.String}


def cache_folder() -> Path:
    """Where the reference file lives: the XDG cache folder's skiptrace folder."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "skiptrace"


def _from_package() -> pl.DataFrame:
    """The reference built from `zipcodes` itself (the slow path: one dict per ZIP)."""
    import zipcodes

    rows = zipcodes.list_all()
    return pl.DataFrame(
        {
            "zip5": [r["zip_code"] for r in rows],
            "state": [r["state"] for r in rows],
            "city": [str(r["city"]).upper() for r in rows],
            "time_zone": [r.get("timezone") or None for r in rows],
        },
        schema=SCHEMA,
    )


def _write(frame: pl.DataFrame, path: Path) -> None:
    """Write the file whole or not at all (a temporary file renamed over it): two processes
    building it at once each write their own, and a reader never sees half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        frame.write_parquet(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@cache
def zip_reference() -> pl.DataFrame:
    """ZIP5 -> state, preferred city (upper case), IANA time zone (NULL for 823 ZIPs), in the
    package's order; loaded once per process."""
    import zipcodes

    path = cache_folder() / f"zip-reference-zipcodes-{zipcodes.__version__}.parquet"
    try:
        frame = pl.read_parquet(path)
        if dict(frame.schema) == SCHEMA and frame.height > 0:
            return frame
    except (OSError, pl.exceptions.PolarsError):
        pass  # not written yet, or unreadable: rebuilt below
    frame = _from_package()
    try:
        _write(frame, path)
    except OSError as e:
        log.debug("ZIP reference not cached at %s: %s", path, e)
    return frame
