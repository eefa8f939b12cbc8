"""Atomic file writes: a reader (or a crash) never sees half an export.

Collections systems pick files up by polling a folder; if they see `contacts.csv` while it is
still being written they import a truncated file, and a crash mid-write would otherwise leave
such a file behind in place of yesterday's good one. Every export is therefore written to a
temporary name *in the same directory* (so the final rename cannot cross file systems),
flushed and fsynced, then renamed over the target with `os.replace` (atomic on POSIX and
Windows), and the directory entry is fsynced so the rename itself survives a power cut. On any
exception the temporary file is removed and the previous file stays untouched.

Every file written here holds personal data (contacts, matches, reports, summaries), so it is
made private before it becomes visible: mode 0600 and folders 0700 whatever the umask, or the
mode set in `SKIPTRACE_FILE_MODE` (e.g. `0640` to share a run's outputs with a group; folders
then get the matching execute bits, 0750). `private_umask()` applies the same rule to files
that other libraries create (DuckDB's database and WAL, Parquet partitions, inbox copies).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: Environment variable with the octal mode of files holding personal data (default 0600).
FILE_MODE_ENV = "SKIPTRACE_FILE_MODE"
DEFAULT_FILE_MODE = 0o600

#: Prefix of temporary files, so a sweeper (or a human) can recognise leftovers of a hard kill.
TMP_PREFIX = ".tmp-"


def file_mode() -> int:
    """Mode of files holding personal data: $SKIPTRACE_FILE_MODE (octal) or 0600.

    Read and write bits only (an export is never executable); an invalid value raises
    ValueError, which the run's preflight reports before any stage starts.
    """
    return check_file_mode(os.environ.get(FILE_MODE_ENV))


def check_file_mode(value: str | None) -> int:
    """Parse an octal file mode ('0640', '640', '0o640'); ValueError with the reason if invalid."""
    if not value:
        return DEFAULT_FILE_MODE
    try:
        mode = int(value.strip().lower().removeprefix("0o"), 8)
    except ValueError:
        raise ValueError(
            f"{FILE_MODE_ENV}={value!r} is not an octal file mode such as 0600 or 0640"
        ) from None
    if mode & ~0o666 or mode & 0o600 != 0o600:
        raise ValueError(
            f"{FILE_MODE_ENV}={value!r}: give read/write bits only, owner read+write included "
            "(e.g. 0600, 0640, 0660)"
        )
    return mode


def dir_mode(mode: int | None = None) -> int:
    """Folder mode matching a file mode: whoever may read the files may enter the folder."""
    mode = file_mode() if mode is None else mode
    return mode | ((mode & 0o444) >> 2)


def make_private(path: str | os.PathLike[str]) -> None:
    """chmod a file (or folder) to the personal-data mode; missing paths are ignored."""
    p = Path(path)
    with contextlib.suppress(FileNotFoundError):
        os.chmod(p, dir_mode() if p.is_dir() else file_mode())


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Create `path` (and missing parents) with the private folder mode; return it.

    Only folders created here are chmodded: an existing output root such as /data/out may be a
    share whose mode the operator chose.
    """
    p = Path(path)
    missing = [q for q in (p, *p.parents) if not q.exists()]
    p.mkdir(parents=True, exist_ok=True)
    for q in missing:
        with contextlib.suppress(OSError):
            os.chmod(q, dir_mode())
    return p


def writable_dir(path: str | os.PathLike[str]) -> Path:
    """`private_dir(path)`, then prove a file can be created in it (a probe, removed); OSError
    otherwise. Checked by doing it, not by permission bits, which say nothing about read-only
    mounts or ACLs."""
    folder = private_dir(path)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".skiptrace-probe-"):
        pass
    return folder


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Run a block with a umask that makes new files private (files 0600, folders 0700, or as
    $SKIPTRACE_FILE_MODE says), restoring the previous umask after.

    For files created by code that takes no mode (DuckDB, Parquet writers, shutil): the umask
    only removes bits, so the result is never wider than the configured mode.
    """
    previous = os.umask(0o777 & ~dir_mode())
    try:
        yield
    finally:
        os.umask(previous)


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
    private_dir(target.parent)
    tmp = _tmp_name(target)
    try:
        yield tmp
        os.chmod(tmp, file_mode())  # before the rename: the file is never visible wider
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
