"""The workbench's own files, kept next to the database in `<database>.review/` (owner-only).

Why files and not the database: the nightly run holds the DuckDB file for writing, and DuckDB
allows one writer process, so anything the workbench must write while a run goes on has to live
elsewhere. Three files:

* `users.json`: user name -> role and argon2 hash (rewritten atomically by the CLI);
* `decisions.jsonl`: the decision queue, one JSON object per line, appended under an exclusive
  lock and fsynced before the reviewer sees "recorded" (the match stage imports it); a decision
  on a pair whose latest pending decision is someone else's is refused unless it names that
  decision as the one it replaces (`replaces`), checked under the same lock;
* `access.jsonl`: who looked at a full date of birth, when, for which account and record.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import secrets
from collections.abc import Container, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skiptrace.atomic import atomic_path
from skiptrace.errors import UsageError
from skiptrace.matchers.review_decisions import queue_path, sidecar_dir

USERS_FILE = "users.json"
ACCESS_FILE = "access.jsonl"
ROLES = ("reviewer", "viewer")
ACTIONS = ("approve", "reject")


class StoreError(UsageError):
    """A user-caused problem with the workbench files (unknown user, bad role ...): a value
    given that the workbench cannot take (exit code 2; a ValueError too, as the web form reads
    it)."""


class DecisionConflict(StoreError):
    """The pair already has a pending decision by another reviewer, and the new one does not say
    it replaces it. Why refuse: the latest decision wins at the next run, so without this a
    second reviewer silently overruled the first without ever seeing their decision."""

    def __init__(self, earlier: dict[str, Any]) -> None:
        self.earlier = earlier
        super().__init__(
            f"{earlier.get('decided_by')} already decided this pair at {earlier.get('decided_at')}"
            f" ({earlier.get('action')}: {earlier.get('reason')}), not applied yet; replace"
            " that decision explicitly to record yours"
        )


def same_pair(d: dict[str, Any], account_id: str, source: str, record_id: str) -> bool:
    """Whether queued decision `d` is on this pair: the key the match stage applies it by."""
    return (d.get("account_id"), d.get("source"), d.get("record_id")) == (
        account_id, source, record_id,
    )  # fmt: skip


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str

    @property
    def can_decide(self) -> bool:
        return self.role == "reviewer"


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


class Store:
    """The sidecar files of one database."""

    def __init__(self, db_path: str | os.PathLike[str]) -> None:
        self.db_path = Path(db_path)
        self.dir = sidecar_dir(self.db_path)

    # ------------------------------------------------------------------ files

    def _ensure_dir(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)

    @property
    def users_path(self) -> Path:
        return self.dir / USERS_FILE

    @property
    def queue_path(self) -> Path:
        return queue_path(self.db_path)

    @property
    def access_path(self) -> Path:
        return self.dir / ACCESS_FILE

    @contextmanager
    def _locked_append(self, path: Path) -> Iterator[Any]:
        """Open `path` for appending (0600) under an exclusive lock; fsync on the way out.

        A line left torn by a crash (no newline at the end of the file) is ended first: the
        new line appended to it would be part of the torn one, unreadable, and lost with it."""
        self._ensure_dir()
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    fh.write("\n")
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # ------------------------------------------------------------------ users

    def users(self) -> dict[str, User]:
        if not self.users_path.is_file():
            return {}
        data = json.loads(self.users_path.read_text(encoding="utf-8"))
        return {n: User(n, u["role"], u["password_hash"]) for n, u in data.get("users", {}).items()}

    def user(self, name: str) -> User | None:
        return self.users().get(name)

    def save_user(self, name: str, role: str, password_hash: str) -> None:
        """Add or replace a user (the CLI hashes the password first)."""
        if role not in ROLES:
            raise StoreError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        if not name or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise StoreError("a user name is letters, digits, '.', '-' or '_'")
        self._ensure_dir()
        users = {
            n: {"role": u.role, "password_hash": u.password_hash} for n, u in self.users().items()
        }
        users[name] = {"role": role, "password_hash": password_hash}
        with atomic_path(self.users_path) as tmp:
            tmp.write_text(json.dumps({"users": users}, indent=2), encoding="utf-8")
            os.chmod(tmp, 0o600)

    def remove_user(self, name: str) -> None:
        users = self.users()
        if name not in users:
            raise StoreError(f"no user {name!r}")
        rest = {
            n: {"role": u.role, "password_hash": u.password_hash}
            for n, u in users.items()
            if n != name
        }
        with atomic_path(self.users_path) as tmp:
            tmp.write_text(json.dumps({"users": rest}, indent=2), encoding="utf-8")
            os.chmod(tmp, 0o600)

    # ------------------------------------------------------------------ decisions

    def record_decision(
        self,
        *,
        user: User,
        account_id: str,
        rec_id: int,
        source: str,
        record_id: str,
        action: str,
        reason: str,
        seen_run_id: str,
        applied: Container[str] | None = None,
        replaces: str | None = None,
    ) -> str:
        """Append one decision to the queue (durable when this returns); its id.

        `applied`: ids of decisions a completed run has already taken in (None when unknown, e.g.
        while a run holds the database: every queued decision then counts as pending). When the
        pair's latest pending decision is another reviewer's, the new one is refused
        (DecisionConflict) unless `replaces` names exactly that decision; it is then recorded
        with `replaces`. The check and the append run under one lock, so of two reviewers
        submitting at once the second is refused.
        """
        if not user.can_decide:
            raise StoreError(f"user {user.name!r} ({user.role}) cannot decide")
        if action not in ACTIONS:
            raise StoreError(f"unknown action {action!r}")
        if not reason.strip():
            raise StoreError("a decision needs a reason")
        # Microseconds in both the time and the id: the latest decision per pair wins, and two
        # decisions in the same second (a reviewer correcting a click) must still be ordered.
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        decision_id = f"d-{now:%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}"
        line = {
            "decision_id": decision_id,
            "kind": "pair",
            "account_id": account_id,
            "rec_id": int(rec_id),
            "source": source,
            "record_id": record_id,
            "action": action,
            "reason": reason.strip(),
            "decided_by": user.name,
            "decided_at": now.isoformat(timespec="microseconds"),
            "seen_run_id": seen_run_id,
        }
        with self._locked_append(self.queue_path) as fh:
            earlier = self.pending(account_id, source, record_id, applied)
            if earlier is not None and earlier.get("decided_by") != user.name:
                if replaces != earlier.get("decision_id"):
                    raise DecisionConflict(earlier)
                line["replaces"] = replaces
            fh.write(json.dumps(line) + "\n")
        return decision_id

    def pending(
        self, account_id: str, source: str, record_id: str, applied: Container[str] | None
    ) -> dict[str, Any] | None:
        """The latest queued decision on a pair that no completed run has taken in yet, if any.

        Only the latest counts: it is the one the next run applies, and an earlier one it
        replaced was seen by whoever replaced it.
        """
        mine = [d for d in self.queued() if same_pair(d, account_id, source, record_id)]
        if not mine:
            return None
        latest = max(mine, key=lambda d: (str(d.get("decided_at")), str(d.get("decision_id"))))
        if applied is not None and latest.get("decision_id") in applied:
            return None
        return latest

    def queued(self) -> list[dict[str, Any]]:
        """Every decision in the queue file (imported or not), oldest first; torn lines skipped."""
        if not self.queue_path.is_file():
            return []
        out = []
        for line in self.queue_path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out

    # ------------------------------------------------------------------ access log

    def log_access(self, *, user: User, what: str, account_id: str, rec_id: int | None) -> None:
        """Record that `user` viewed `what` (e.g. 'dob') of an account / record."""
        entry = {"at": _now(), "user": user.name, "role": user.role, "what": what,
                 "account_id": account_id, "rec_id": rec_id}  # fmt: skip
        with self._locked_append(self.access_path) as fh:
            fh.write(json.dumps(entry) + "\n")

    def access_log(self) -> list[dict[str, Any]]:
        if not self.access_path.is_file():
            return []
        return [
            json.loads(x) for x in self.access_path.read_text(encoding="utf-8").splitlines() if x
        ]
