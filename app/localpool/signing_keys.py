"""The pool's RSA signing keys, kept in SQLite, and their rotation.

A rotation adds a key that signs from then on; the keys before it stay in the JWKS, so tokens
they signed still verify, until they are retired. Every process serving the pool reads the
key list again when it changes (one small query of the kids per use), so a rotation made by
one process (or by ``flask localpool rotate-key``) holds for all of them at once.
"""

from __future__ import annotations

import json
import secrets
import time

from joserfc.jwk import KeySet, RSAKey

from .db import Database

DERIVE = "derive"  # the pool_secrets row that Signer.derive starts from


class KeyRing:
    """The pool's signing keys: the newest signs, every kept key verifies."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._kids: tuple[str, ...] = ()
        self._keys: list[RSAKey] = []
        with db.transaction() as conn:
            first = conn.execute(
                "SELECT jwk FROM signing_keys ORDER BY created, rowid LIMIT 1"
            ).fetchone()
            key = RSAKey.import_key(json.loads(first["jwk"])) if first else self._add(conn)
            # Derived secrets come from the pool's first key, as they did before keys rotated;
            # kept apart, so neither a rotation nor a retirement changes them.
            conn.execute(
                "INSERT OR IGNORE INTO pool_secrets VALUES (?, ?)",
                (DERIVE, key.as_dict(private=True)["d"].encode()),
            )
            self._secret = conn.execute(
                "SELECT secret FROM pool_secrets WHERE name = ?", (DERIVE,)
            ).fetchone()["secret"]

    @staticmethod
    def _add(conn) -> RSAKey:
        """Make a new RS256 key and store it; it is the newest, so it signs."""
        kid = secrets.token_urlsafe(16)
        key = RSAKey.generate_key(
            2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"}, private=True
        )
        conn.execute(
            "INSERT INTO signing_keys VALUES (?, ?, ?)",
            (kid, json.dumps(key.as_dict(private=True)), time.time()),
        )
        return key

    @property
    def secret(self) -> bytes:
        """The secret derived keys start from (see ``Signer.derive``)."""
        return bytes(self._secret)

    def keys(self) -> list[RSAKey]:
        """The kept keys, oldest first, read again when another process changed them."""
        with self._db.reading() as conn:
            # A key never changes under its kid: the kids say whether the keys are the same,
            # so the keys themselves (private JWKs) are read only when they are not.
            kids = tuple(
                row["kid"]
                for row in conn.execute("SELECT kid FROM signing_keys ORDER BY created, rowid")
            )
            if kids != self._kids:
                rows = conn.execute(
                    "SELECT kid, jwk FROM signing_keys ORDER BY created, rowid"
                ).fetchall()
                self._keys = [RSAKey.import_key(json.loads(row["jwk"])) for row in rows]
                self._kids = tuple(row["kid"] for row in rows)
        return self._keys

    def active(self) -> RSAKey:
        """The key that signs: the newest."""
        return self.keys()[-1]

    def key_set(self) -> KeySet:
        """Every kept key, the signing one first (the JWKS and verification use it)."""
        return KeySet(list(reversed(self.keys())))

    def rotate(self) -> str:
        """Add a key that signs from now on; returns its kid (the old keys still verify)."""
        with self._db.transaction() as conn:
            return self._add(conn).kid

    def retire(self) -> list[str]:
        """Drop every key but the newest (tokens they signed stop verifying); returns their
        kids."""
        with self._db.transaction() as conn:
            rows = conn.execute("SELECT kid FROM signing_keys ORDER BY created, rowid").fetchall()
            old = [row["kid"] for row in rows[:-1]]
            conn.executemany("DELETE FROM signing_keys WHERE kid = ?", [(kid,) for kid in old])
        return old
