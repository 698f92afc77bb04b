"""The tests' software authenticator against py_webauthn, which the local pool verifies with."""

from __future__ import annotations

import json

import pytest
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import PublicKeyCredentialDescriptor

from tests.passkeys import SoftAuthenticator, unb64url

ORIGIN = "https://auth.example.test"
RP_ID = "auth.example.test"


def creation_options() -> dict:
    """Registration options in their JSON form, as a relying party sends them."""
    return json.loads(
        options_to_json(
            generate_registration_options(
                rp_id=RP_ID, rp_name="Example", user_name="ada@example.test", user_id=b"user-1"
            )
        )
    )


def registered(alg: str) -> tuple[SoftAuthenticator, dict, object]:
    """An authenticator with one passkey, the options and the verified registration."""
    authenticator = SoftAuthenticator(alg)
    options = creation_options()
    response = authenticator.register(options, ORIGIN)
    verified = verify_registration_response(
        credential=response,
        expected_challenge=unb64url(options["challenge"]),
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        require_user_verification=True,
    )
    return authenticator, response, verified


def request_options(allow: list[bytes] | None = None) -> dict:
    """Authentication options in their JSON form."""
    descriptors = [PublicKeyCredentialDescriptor(id=item) for item in allow or []]
    return json.loads(
        options_to_json(generate_authentication_options(rp_id=RP_ID, allow_credentials=descriptors))
    )


def verify(response: dict, options: dict, verified, sign_count: int = 0):
    """py_webauthn's verdict on an assertion."""
    return verify_authentication_response(
        credential=response,
        expected_challenge=unb64url(options["challenge"]),
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        credential_public_key=verified.credential_public_key,
        credential_current_sign_count=sign_count,
        require_user_verification=True,
    )


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_a_registered_passkey_signs_in_with_and_without_allow_credentials(alg):
    """Both algorithms register and sign in; the user handle is the options' user.id."""
    authenticator, response, verified = registered(alg)
    assert response["response"]["transports"] == ["internal"]
    for allow in (None, [verified.credential_id]):
        options = request_options(allow)
        answer = authenticator.sign_in(options, ORIGIN)
        assert unb64url(answer["response"]["userHandle"]) == b"user-1"
        assert verify(answer, options, verified).new_sign_count >= 1


def test_hostile_variants_fail_verification():
    """Wrong origin, wrong rpId, a tampered signature and no UV are each refused."""
    authenticator, _, verified = registered("ES256")
    options = request_options()
    with pytest.raises(InvalidAuthenticationResponse):
        verify(authenticator.sign_in(options, "https://evil.test"), options, verified)
    with pytest.raises(InvalidAuthenticationResponse):
        verify(authenticator.sign_in(options, ORIGIN, tamper_signature=True), options, verified)
    with pytest.raises(InvalidAuthenticationResponse):
        verify(authenticator.sign_in(options, ORIGIN, user_verified=False), options, verified)
    options = creation_options()
    with pytest.raises(InvalidRegistrationResponse):
        verify_registration_response(
            credential=authenticator.register(options, ORIGIN, rp_id="evil.test"),
            expected_challenge=unb64url(options["challenge"]),
            expected_rp_id=RP_ID,
            expected_origin=ORIGIN,
        )


def test_an_authenticator_without_a_fitting_passkey_raises():
    """No credential for the rpId, or none of the allowed ones: LookupError, as a browser fails."""
    authenticator, _, _ = registered("ES256")
    with pytest.raises(LookupError):
        SoftAuthenticator().sign_in(request_options(), ORIGIN)
    with pytest.raises(LookupError):
        authenticator.sign_in(request_options([b"someone-else"]), ORIGIN)
