"""One-time codes: six digits, single use, expiring, locked after wrong tries, limited per hour."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable

from ..web.signing import same_secret
from .errors import PoolError
from .seed import PoolSettings

MISMATCH = "Invalid verification code provided, please try again."


class Codes:
    """Issues and checks the codes the pool emails (sign-up, reset, email verification)."""

    def __init__(self, settings: PoolSettings, clock: Callable[[], float]) -> None:
        self.settings = settings
        self.clock = clock

    def issue(self, conn: sqlite3.Connection, sub: str, purpose: str, lifetime: int) -> str:
        """Make a code (replacing any earlier one for the purpose), within the hourly limit."""
        now = self.clock()
        conn.execute("DELETE FROM sends WHERE at < ?", (now - 3600,))
        sent = conn.execute(
            "SELECT COUNT(*) FROM sends WHERE sub = ? AND purpose = ?", (sub, purpose)
        ).fetchone()[0]
        if sent >= self.settings.codes_per_hour:
            raise PoolError(
                "LimitExceededException", "Attempt limit exceeded, please try after some time."
            )
        code = f"{secrets.randbelow(10**6):06d}"
        conn.execute("INSERT INTO sends VALUES (?, ?, ?)", (sub, purpose, now))
        conn.execute(
            "INSERT OR REPLACE INTO codes VALUES (?, ?, ?, ?, 0)",
            (sub, purpose, code, now + lifetime),
        )
        return code

    def would_accept(self, conn: sqlite3.Connection, sub: str, purpose: str, given: str) -> bool:
        """Whether ``consume`` would accept the code now (it changes nothing)."""
        row = conn.execute(
            "SELECT * FROM codes WHERE sub = ? AND purpose = ?", (sub, purpose)
        ).fetchone()
        return (
            row is not None
            and row["failures"] < self.settings.code_max_failures
            and isinstance(given, str)
            and same_secret(row["code"], given.strip())
            and row["expires"] > self.clock()
        )

    def consume(self, conn: sqlite3.Connection, sub: str, purpose: str, given: str) -> None:
        """Use up a code; a wrong one counts, and too many wrong ones lock it until a new one."""
        row = conn.execute(
            "SELECT * FROM codes WHERE sub = ? AND purpose = ?", (sub, purpose)
        ).fetchone()
        if row is None:
            raise PoolError("CodeMismatchException", MISMATCH)
        if row["failures"] >= self.settings.code_max_failures:
            raise PoolError(
                "TooManyFailedAttemptsException",
                "Too many failed attempts. Request a new code and try again.",
            )
        if not same_secret(row["code"], (given or "").strip()):
            conn.execute(
                "UPDATE codes SET failures = failures + 1 WHERE sub = ? AND purpose = ?",
                (sub, purpose),
            )
            raise PoolError("CodeMismatchException", MISMATCH)
        if row["expires"] <= self.clock():
            raise PoolError(
                "ExpiredCodeException", "Invalid code provided, please request a code again."
            )
        conn.execute("DELETE FROM codes WHERE sub = ? AND purpose = ?", (sub, purpose))
