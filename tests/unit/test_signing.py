"""The serializers of app/web/signing.py: compatible with itsdangerous's own, never compressing,
each key derived once."""

from __future__ import annotations

from unittest import mock

import pytest
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.web.signing import KeptKeySigner, serializer

SECRET = "a-secret-key-long-enough-for-the-tests"


def test_values_signed_by_itsdangerous_load_and_the_other_way_round():
    """A deploy keeps every value in flight: the stock serializer's values (compressed or
    not) load, and the stock serializer reads ours."""
    ours = serializer(SECRET, "purpose")
    stock = URLSafeTimedSerializer(SECRET, salt="purpose")
    for value in ("abc", {"csrf_token": "f" * 40}, {"long": "y" * 500}):
        assert ours.loads(stock.dumps(value)) == value
        assert stock.loads(ours.dumps(value)) == value
    assert stock.dumps({"long": "y" * 500}).startswith(".")  # the stock one compressed it


def test_a_value_is_never_compressed():
    """Compressing a secret beside text an attacker chooses leaks it through the length."""
    assert not serializer(SECRET, "purpose").dumps({"long": "y" * 500}).startswith(".")


def test_the_salt_and_the_secret_still_separate_purposes_and_time_still_counts():
    """Keeping the signer changes nothing that signing protects."""
    value = serializer(SECRET, "one").dumps("x")
    with pytest.raises(BadSignature):
        serializer(SECRET, "two").loads(value)
    with pytest.raises(BadSignature):
        serializer(SECRET + "!", "one").loads(value)
    with pytest.raises(BadSignature):
        serializer(SECRET, "one").loads(value[:-2] + "AA")
    with mock.patch("time.time", return_value=10**10):
        with pytest.raises(SignatureExpired):
            serializer(SECRET, "one").loads(value, max_age=60)


def test_each_key_is_derived_once():
    """Signing and checking many values derives the key once, not once per value."""
    calls = []
    real = KeptKeySigner.__mro__[1].derive_key

    def counted(self, secret_key=None):
        """itsdangerous's derivation, counted."""
        calls.append(secret_key)
        return real(self, secret_key)

    fresh = serializer(SECRET, "counted-purpose")
    with mock.patch.object(KeptKeySigner.__mro__[1], "derive_key", counted):
        for n in range(20):
            assert fresh.loads(fresh.dumps(n)) == n
    assert len(calls) == 1
