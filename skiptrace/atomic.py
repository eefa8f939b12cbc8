"""Atomic file writes: a reader (or a crash) never sees half an export.

Collections systems pick files up by polling a folder; if they see `contacts.csv` while it is
still being written they import a truncated file, and a crash mid-write would otherwise leave
such a file behind in place of yesterday's good one. Every export is therefore written to a
temporary name *in the same directory* (so the final rename cannot cross file systems),
flushed and fsynced, then renamed over the target with `os.replace` (atomic on POSIX and
Windows), and the directory entry is fsynced so the rename itself survives a power cut. On any
exception the temporary file is removed and the previous file stays untouched.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

#: Prefix of temporary files, so a sweeper (or a human) can recognise leftovers of a hard kill.
TMP_PREFIX = ".tmp-"


def _tmp_name(path: Path) -> Path:
    return path.with_name(f"{TMP_PREFIX}{path.name}.{os.getpid()}.{secrets.token_hex(4)}")


def fsync_path(path: Path) -> None:
    """fsync a file's contents (data must be on disk before the rename makes it visible)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(directory: Path) -> None:
    """fsync a directory so a rename in it is durable; a no-op where unsupported (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success it replaces `path` atomically.

    Use it with writers that want a file name (polars `write_csv`/`write_parquet`, DuckDB
    `COPY`): write everything to the yielded path, and only when the block exits normally is the
    file fsynced and renamed over the target. An exception removes the temporary file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(target)
    try:
        yield tmp
        fsync_path(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(target.parent)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `path` atomically; returns the final path."""
    target = Path(path)
    with atomic_path(target) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` atomically; returns the final path."""
    return atomic_write_bytes(path, text.encode(encoding))


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, streamed (exports can be large)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def leftover_temp_files(directory: str | os.PathLike[str]) -> list[Path]:
    """Temporary files left by a process that was killed hard (SIGKILL, power loss)."""
    d = Path(directory)
    return sorted(p for p in d.glob(f"{TMP_PREFIX}*") if p.is_file()) if d.is_dir() else []
