"""Passwords, sessions and CSRF tokens of the workbench.

Passwords are argon2id hashes (argon2-cffi: a maintained library, memory-hard, salted, with
its parameters in the hash so they can be raised later). Sessions live in the server's memory
only: a restart logs everybody out, which is the safe failure for a tool that shows personal
data. Each session carries its own CSRF token, compared in constant time on every POST.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from skiptrace.flows.review.store import User

SESSION_COOKIE = "skiptrace_review"
LOGIN_CSRF_COOKIE = "skiptrace_review_login"
SESSION_SECONDS = 8 * 3600  # one working day; idle or not

_hasher = PasswordHasher()
#: Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """True when `password` is `user`'s; constant work whether or not the user exists."""
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and bool(user)
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
