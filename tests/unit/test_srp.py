"""The local pool's SRP server side: its constants, encodings and timestamp, checked against
pycognito's client side and the RFC's group."""

from __future__ import annotations

import sqlite3

import pytest
from pycognito import aws_srp

from app.localpool import srp
from app.localpool.db import SCHEMA, Database


def test_the_group_is_cognitos():
    assert srp.N == aws_srp.hex_to_long(aws_srp.N_HEX) and srp.G == 2
    assert srp.N.bit_length() == 3072
    client = aws_srp.AWSSRP("u", "p", "us-east-1_x", "c", client=object())
    assert srp.K == client.val_k


def test_n_is_a_safe_prime():
    """Fermat checks of N and (N - 1) / 2: a mistyped digit would fail them."""
    q = (srp.N - 1) // 2
    for base in (2, 3, 5, 7):
        assert pow(base, srp.N - 1, srp.N) == 1
        assert pow(base, q - 1, q) == 1


@pytest.mark.parametrize("number", [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x8000, 2**255, srp.N])
def test_pad_is_the_sdks_pad_hex(number):
    assert srp.pad(number).hex() == aws_srp.pad_hex(number)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Tue Dec 1 17:49:54 UTC 2026", "Tue Dec 1 17:49:54 UTC 2026"),
        ("Sun Apr 05 09:08:07 UTC 2026", "Sun Apr 5 09:08:07 UTC 2026"),
        ("Mon Apr 5 09:08:07 UTC 2026", "Sun Apr 5 09:08:07 UTC 2026"),
    ],
)
def test_a_timestamp_is_read_as_cognito_reads_it(text, canonical):
    assert srp.canonical_timestamp(text) == canonical


@pytest.mark.parametrize(
    "text",
    ["", "2026-12-01T17:49:54Z", "Tue Dec 1 17:49:54 CET 2026", "Tue Dez 1 17:49:54 UTC 2026",
     "Tue Dec 32 17:49:54 UTC 2026", "Tue Dec 1 7:49:54 UTC 2026", "Tue  Dec 1 17:49:54 UTC 2026"],
)  # fmt: skip
def test_another_timestamp_format_is_refused(text):
    with pytest.raises(srp.BadTimestamp):
        srp.canonical_timestamp(text)


def test_a_decoy_is_the_same_for_a_name_and_different_for_another():
    assert srp.decoy(b"k", "Nobody@Example.com") == srp.decoy(b"k", "nobody@example.com")
    assert srp.decoy(b"k", "a@example.com")[0] != srp.decoy(b"k", "b@example.com")[0]
    assert srp.decoy(b"k", "a@example.com") != srp.decoy(b"other", "a@example.com")
    salt, verifier, user_id = srp.decoy(b"k", "a@example.com")
    assert 0 < verifier < srp.N and len(user_id) == 36 and int(salt, 16)


def test_the_server_and_pycognito_agree_on_the_password_claim():
    salt, verifier = srp.new_verifier("pool", "user-id", "Corr3ct-horse")
    client = aws_srp.AWSSRP("u", "Corr3ct-horse", "us-east-1_pool", "c", client=object())
    public, state = srp.challenge(client.large_a_value, salt, int(verifier, 16), "user-id")
    answer = client.process_challenge(public, {"USERNAME": "u"})
    timestamp = srp.canonical_timestamp(answer["TIMESTAMP"])
    signature = answer["PASSWORD_CLAIM_SIGNATURE"]
    assert srp.proves_password(state, int(verifier, 16), "pool", "user-id", timestamp, signature)
    assert not srp.proves_password(state, int(verifier, 16) + 1, "pool", "user-id", timestamp,
                                   signature)  # fmt: skip
    assert srp.session_key(0, 1, 2, 3) is None and srp.session_key(srp.N, 1, 2, 3) is None


def test_an_older_database_gets_the_srp_columns(tmp_path):
    path = tmp_path / "old.sqlite3"
    old_schema = SCHEMA.replace(",\n    srp_salt TEXT,\n    srp_verifier TEXT\n", "\n")
    assert "srp_" not in old_schema
    with sqlite3.connect(path) as conn:
        conn.executescript(old_schema)
        conn.execute(
            "INSERT INTO users (sub, username, attributes, status, created, modified)"
            " VALUES ('s', 'u', '{}', 'CONFIRMED', 0, 0)"
        )
    Database(path).close()
    Database(path).close()  # a second start finds nothing to add
    with sqlite3.connect(path) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(users)")]
        assert conn.execute("SELECT srp_verifier FROM users").fetchone() == (None,)
    assert columns[-2:] == ["srp_salt", "srp_verifier"]
