"""The ZIP reference: the `zipcodes` package's ZIPs, kept in the user's cache folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import zipcodes

from skiptrace.matchers import zip_reference as zr
from skiptrace.matchers.address_finish import zip_table
from skiptrace.matchers.time_zones import state_time_zones, zip_time_zones


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty XDG cache folder, and the per-process copy forgotten before and after."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    zr.zip_reference.cache_clear()
    yield tmp_path / "xdg" / "skiptrace"
    zr.zip_reference.cache_clear()


def test_the_reference_is_the_package_data_and_is_written_once(cache_home: Path) -> None:
    first = zr.zip_reference()
    (path,) = cache_home.iterdir()
    assert path.name == f"zip-reference-zipcodes-{zipcodes.__version__}.parquet"
    assert path.stat().st_mode & 0o077 == 0  # written as a private temporary file, renamed
    rows = zipcodes.list_all()
    assert first.height == len(rows) == first["zip5"].n_unique()
    by_zip = {r["zip_code"]: r for r in rows}
    for zip5, state, city, zone in first.sample(500, seed=1).iter_rows():
        r = by_zip[zip5]
        assert (state, city, zone) == (r["state"], r["city"].upper(), r["timezone"] or None)
    # a second process reads the file: the same frame, without asking the package
    zr.zip_reference.cache_clear()
    written = path.stat().st_mtime_ns
    assert zr.zip_reference().equals(first)
    assert path.stat().st_mtime_ns == written


def test_an_unreadable_or_foreign_file_is_rebuilt(cache_home: Path) -> None:
    expected = zr._from_package()
    path = cache_home / f"zip-reference-zipcodes-{zipcodes.__version__}.parquet"
    cache_home.mkdir(parents=True)
    path.write_bytes(b"not parquet")
    assert zr.zip_reference().equals(expected)
    zr.zip_reference.cache_clear()
    pl.DataFrame({"zip5": ["12345"]}).write_parquet(path)  # another shape
    assert zr.zip_reference().equals(expected)
    zr.zip_reference.cache_clear()
    assert pl.read_parquet(path).equals(expected)  # replaced by the right one


def test_a_cache_folder_that_cannot_be_made_only_costs_the_rebuild(cache_home: Path) -> None:
    cache_home.parent.mkdir(parents=True)
    cache_home.write_text("a file where the folder would go")
    assert zr.zip_reference().equals(zr._from_package())


def test_standardization_and_resolve_read_their_views_of_it(cache_home: Path) -> None:
    zips = zip_table()
    assert zips.columns == ["zip5", "zip_state", "zip_city"]
    assert zips.filter(pl.col("zip5") == "10001").row(0) == ("10001", "NY", "NEW YORK")
    zip_zone = dict(zip_time_zones().iter_rows())
    state_zone = dict(state_time_zones().iter_rows())
    assert zip_zone["85001"] == "America/Phoenix"
    assert "00501" in zip_zone  # the IRS's unique ZIP in Holtsville
    assert state_zone["AZ"] == "America/Phoenix"
    assert state_zone["NY"] == "America/New_York"
