"""Every benchmark writes its copies, portfolios and exports private to their owner.

The benchmarks copy run databases (`--db` can name a real one) and write portfolios laid out like
real personal data, through shutil, DuckDB and Parquet writers that take no file mode. They are
private because each script's entry point runs under `bench/_private.run_private`.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _scripts() -> list[Path]:
    return sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_"))


def test_every_bench_script_enters_through_run_private() -> None:
    scripts = _scripts()
    assert len(scripts) > 20
    for script in scripts:
        text = script.read_text(encoding="utf-8")
        tail = text[text.rindex('if __name__ == "__main__":') :]
        assert "run_private(main)" in tail, f"{script.name}: entry point not under run_private"


def test_a_copy_made_under_run_private_is_private_under_an_open_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SKIPTRACE_FILE_MODE", raising=False)
    spec = importlib.util.spec_from_file_location("bench_private", BENCH / "_private.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    source = tmp_path / "run.duckdb"
    source.write_bytes(b"personal data")
    copy = tmp_path / "copies" / "run.duckdb"

    def main() -> None:
        copy.parent.mkdir()
        shutil.copyfile(source, copy)

    previous = os.umask(0o000)
    try:
        assert module.run_private(main) == 0
        after = os.umask(0o000)
    finally:
        os.umask(previous)
    assert after == 0o000, "the caller's umask is restored"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
