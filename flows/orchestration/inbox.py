"""Inbox processing: drop files in, the nightly run picks them up and files them away.

Layout under an inbox root (created on first use):

    inbox/accounts/            account exports (any name; loaded in name order)
    inbox/<source name>/       extracts for each source in sources.yml (matched by its glob,
                               or its glob + `.gz`; a file matching neither stays, and every
                               run names it in a warning: `unmatched_files`)
    processed/<run_id>/<source>/   files a run loaded (or recognised as already loaded); a run
                                   a safety check refused puts them back into inbox/
    quarantine/<source>/       files that failed validation, each with <file>.reason.txt
                               (a file whose name holds an SSN-shaped number is set aside
                               before it is read, renamed with the number masked)

Moving files only after their load committed means a crash leaves them in the inbox, and the
next run either loads them or recognises them by checksum: nothing is lost or loaded twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from skiptrace.atomic import atomic_write_text, make_private, private_dir
from skiptrace.sources.registry import Registry, Source
from skiptrace.ssn_shapes import mask_ssn_shapes, ssn_shaped

ACCOUNTS = "accounts"


@dataclass(frozen=True)
class InboxFile:
    source: str  # 'accounts' or a source name
    path: Path


def ensure_layout(root: Path, registry: Registry) -> None:
    """Create inbox/, processed/ and quarantine/ folders for the accounts and every source."""
    for name in [ACCOUNTS, *(s.name for s in registry.sources)]:
        (root / "inbox" / name).mkdir(parents=True, exist_ok=True)
        (root / "quarantine" / name).mkdir(parents=True, exist_ok=True)
    (root / "processed").mkdir(parents=True, exist_ok=True)


def pending_accounts(root: Path) -> list[Path]:
    """Account exports waiting in the inbox, oldest name first (deltas apply in order)."""
    folder = root / "inbox" / ACCOUNTS
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def pending_for_source(root: Path, source: Source) -> list[Path]:
    """Files in the source's inbox folder that match the file-name part of its `path` glob, or
    that name with `.gz` appended (registry.Source.name_patterns)."""
    folder = root / "inbox" / source.name
    return sorted(
        {
            p
            for pattern in source.name_patterns()
            for p in folder.glob(pattern)
            if p.is_file() and not p.name.startswith(".")
        }
    )


def unmatched_files(root: Path, registry: Registry) -> list[str]:
    """One line per inbox folder holding files no run will read: in a source's folder, those
    its glob does not match (`credit_header_1102.tsv` where the glob is `credit_header.tsv`);
    in a folder named after no source, all of them. Such files stay in the inbox night after
    night, so each run names them (a run warning) rather than call the night one that
    delivered nothing. Names only, relative to inbox/, an SSN-shaped number in one masked;
    hidden files are ignored."""
    inbox = root / "inbox"
    sources = {s.name: s for s in registry.sources if s.kind != "outcomes"}
    lines: list[str] = []
    for folder in sorted(p for p in inbox.iterdir() if p.is_dir()) if inbox.is_dir() else []:
        if folder.name == ACCOUNTS:
            continue
        files = {p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}
        source = sources.get(folder.name)
        left = sorted(files - set(pending_for_source(root, source)) if source else files)
        if not left:
            continue
        names = ", ".join(f"inbox/{folder.name}/{mask_ssn_shapes(p.name)}" for p in left)
        if source is None:
            lines.append(f"left in the inbox, in a folder no source reads: {names}")
        else:
            globs = " or ".join(source.name_patterns())
            lines.append(f"left in the inbox, not matching {globs}: {names}")
    return lines


def source_for_file(source: Source, path: Path) -> Source:
    """The same source, pointed at one inbox file (so each file succeeds or fails alone)."""
    return source.model_copy(update={"path": str(path.resolve()), "base_dir": path.parent})


def move_processed(root: Path, item: InboxFile, run_id: str) -> Path:
    """File a loaded file under processed/<run_id>/<source>/."""
    dest = root / "processed" / run_id / item.source / item.path.name
    private_dir(dest.parent)
    moved = Path(shutil.move(str(item.path), _free_name(dest)))
    make_private(moved)  # a move keeps the delivered mode; the file holds personal data
    return moved


def move_quarantined(
    root: Path, item: InboxFile, reason: str, run_id: str, name: str | None = None
) -> Path:
    """Set a rejected file aside with a reason file beside it; it is never half-loaded.
    `name`: the name it gets there (default: its own)."""
    name = name or item.path.name
    dest = _free_name(root / "quarantine" / item.source / name)
    private_dir(dest.parent)
    moved = Path(shutil.move(str(item.path), dest))
    make_private(moved)  # a move keeps the delivered mode; the file holds personal data
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    atomic_write_text(
        moved.with_name(moved.name + ".reason.txt"),
        f"file: {name}\nsource: {item.source}\nrun: {run_id}\nat: {stamp}\nreason: {reason}\n",
    )
    return moved


def ssn_shaped_name(item: InboxFile) -> bool:
    """The file's name holds an SSN-shaped number (skiptrace/ssn_shapes.py)."""
    return ssn_shaped(item.path.name)


def quarantine_ssn_named(root: Path, item: InboxFile, run_id: str) -> tuple[Path, str]:
    """Set aside a file whose name holds an SSN-shaped number, before anything reads it: loaded,
    its name would be stored with every row's lineage and shown in reports. It is renamed in
    quarantine (the number's first five digits as 'x'), so no message, summary or reason file
    names it. Returns the quarantined path and the reason."""
    name = mask_ssn_shapes(item.path.name, hidden="x")
    reason = (
        f"the file name ({mask_ssn_shapes(item.path.name)}) holds an SSN-shaped number, which "
        f"would be stored and shown with the run; not loaded, renamed {name}: give it a name "
        f"without the number and put it back in inbox/{item.source}/"
    )
    return move_quarantined(root, item, reason, run_id, name=name), reason


def return_to_inbox(root: Path, run_id: str) -> list[Path]:
    """Put the files a refused run filed under processed/<run_id>/ back into the inbox.

    A refused run changes nothing (sources/ingest.py `revert_run_loads`): its files are waiting
    again, for the next run, or for `--allow-shrink` when the shrink was meant. Returns the
    files' new paths."""
    done = root / "processed" / run_id
    if not done.is_dir():
        return []
    back: list[Path] = []
    for folder in sorted(p for p in done.iterdir() if p.is_dir()):
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            dest = _free_name(private_dir(root / "inbox" / folder.name) / path.name)
            back.append(Path(shutil.move(str(path), dest)))
        with contextlib.suppress(OSError):
            folder.rmdir()
    with contextlib.suppress(OSError):
        done.rmdir()
    return back


def _free_name(dest: Path) -> Path:
    """dest, or dest with a numeric suffix when a file of that name is already there."""
    if not dest.exists():
        return dest
    for i in range(1, 10_000):
        candidate = dest.with_name(f"{dest.stem}.{i}{dest.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(dest)
