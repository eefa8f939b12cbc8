"""Passwords, sessions, CSRF tokens and the sign-in back-off of the workbench.

Passwords are argon2id hashes (argon2-cffi: a maintained library, memory-hard, salted, with
its parameters in the hash so they can be raised later). Sessions live in the server's memory
only: a restart logs everybody out, which is the safe failure for a tool that shows personal
data. Each session carries its own CSRF token, compared in constant time on every POST. Failed
sign-ins are counted per user name and per client address (LoginThrottle), in memory too.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from skiptrace.flows.review.store import User

SESSION_COOKIE = "skiptrace_review"
LOGIN_CSRF_COOKIE = "skiptrace_review_login"
SESSION_SECONDS = 8 * 3600  # one working day; idle or not

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so a wrong name costs as long as a wrong
    password. Made on first use, not at import: one argon2 hash is 0.3-1 s of CPU, and every
    process that imports this module (test workers, `skiptrace review` and its tools) paid it.
    Only a process's first sign-in with an unknown name pays it, once."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """True when `password` is `user`'s; constant work whether or not the user exists."""
    stored = user.password_hash if user else _dummy_hash()
    try:
        return _hasher.verify(stored, password) and bool(user)
    except (VerificationError, InvalidHashError):
        return False


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


@dataclass
class Session:
    user: User
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    expires: float = field(default_factory=lambda: time.time() + SESSION_SECONDS)


class Sessions:
    """Session id (the cookie value) -> Session, in memory."""

    def __init__(self) -> None:
        self._by_id: dict[str, Session] = {}

    def start(self, user: User) -> tuple[str, Session]:
        sid = secrets.token_urlsafe(32)
        self._by_id[sid] = session = Session(user)
        return sid, session

    def get(self, sid: str | None) -> Session | None:
        session = self._by_id.get(sid or "")
        if session is None:
            return None
        if session.expires < time.time():
            self._by_id.pop(sid or "", None)
            return None
        return session

    def end(self, sid: str | None) -> None:
        self._by_id.pop(sid or "", None)


#: Failed sign-ins for one user name within FAILURE_WINDOW_SECONDS that lock it out.
MAX_USER_FAILURES = 5
#: The same for one client address: higher, as colleagues behind one address (an office's
#: proxy, the workbench's own 127.0.0.1 reached over SSH tunnels) share it.
MAX_ADDRESS_FAILURES = 20
#: How far back failures count, and how long a lock-out lasts.
FAILURE_WINDOW_SECONDS = 15 * 60
LOCKOUT_SECONDS = 15 * 60


class LoginThrottle:
    """Failed sign-ins per user name and per client address; a key with too many recent
    failures is locked out for LOCKOUT_SECONDS.

    Why: the workbench shows personal data behind a password alone, and nothing slowed a guesser
    but argon2's cost. Why both keys: per user stops guessing one account's password from many
    addresses, per address stops one client trying many names. A locked-out attempt is still
    checked against a hash (the caller does), so it costs as long as any other and its answer
    is the same whether or not the password was right: a guesser learns nothing during the
    lock-out, and a locked-out name is not told apart from a missing one (names that do not
    exist are counted too). Attempts during a lock-out are not counted, so the lock-out ends on
    time. In memory only: a restart clears it, which needs the shell the server runs from.
    """

    def __init__(
        self,
        *,
        max_user_failures: int = MAX_USER_FAILURES,
        max_address_failures: int = MAX_ADDRESS_FAILURES,
        window: float = FAILURE_WINDOW_SECONDS,
        lockout: float = LOCKOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {"user": max_user_failures, "address": max_address_failures}
        self.window, self.lockout, self.clock = window, lockout, clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._locked_until: dict[tuple[str, str], float] = {}

    @staticmethod
    def _keys(user: str, address: str) -> list[tuple[str, str]]:
        return [("user", user.strip().lower()), ("address", address)]

    def locked_for(self, user: str, address: str) -> float:
        """Seconds left of the lock-out on this user name or this address (0: none)."""
        now = self.clock()
        left = 0.0
        for key in self._keys(user, address):
            until = self._locked_until.get(key)
            if until is not None and until <= now:
                self._locked_until.pop(key, None)
            elif until is not None:
                left = max(left, until - now)
        return left

    def failed(self, user: str, address: str) -> None:
        """Count a failed sign-in; lock the keys that reached their limit."""
        now = self.clock()
        for key in self._keys(user, address):
            times = self._failures.setdefault(key, deque())
            times.append(now)
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limits[key[0]]:
                self._locked_until[key] = now + self.lockout
                del self._failures[key]
        self._forget_old(now)

    def succeeded(self, user: str) -> None:
        """A correct password: the name's failures are forgotten (the address's stay, so a user
        with one good password cannot reset the count while trying other names)."""
        self._failures.pop(self._keys(user, "")[0], None)

    def _forget_old(self, now: float) -> None:
        """Drop keys whose failures are all outside the window (memory stays bounded by the
        failures of the last window)."""
        for key in [k for k, t in self._failures.items() if not t or t[-1] <= now - self.window]:
            del self._failures[key]
