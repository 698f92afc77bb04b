"""Passkeys: StartWebAuthnRegistration, CompleteWebAuthnRegistration, ListWebAuthnCredentials,
DeleteWebAuthnCredential, and USER_AUTH's WEB_AUTHN sign-in, with the tests' software
authenticator (ES256 and RS256). Every answer is checked against botocore's model."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json

import pytest
from botocore.exceptions import ClientError

from app.localpool.passkeys import MAX_PASSKEYS, RelyingParty
from tests.passkeys import SoftAuthenticator

from .conftest import PASSWORD, error_code
from .test_user_auth import local_target, respond, user_auth


def origin_of(target) -> str:
    """The origin the local pool lets passkeys be used on (its base URL's)."""
    return RelyingParty.of(target.need_local()).origin


def access_for(target, email: str, client_id: str = "demo") -> str:
    """A fresh access token of the user, from a password sign-in through ``client_id`` (with
    its SECRET_HASH when it has a secret)."""
    auth = {"USERNAME": email, "PASSWORD": PASSWORD}
    if client_id != target.client_id:
        secret = target.need_local().clients[client_id].secret
        digest = hmac.new(secret.encode(), (email + client_id).encode(), hashlib.sha256).digest()
        auth["SECRET_HASH"] = base64.b64encode(digest).decode()
    out = target.idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=auth
    )
    return out["AuthenticationResult"]["AccessToken"]


def register(target, authenticator: SoftAuthenticator, access: str, **variant) -> dict:
    """Start, make the passkey, complete; returns the credential the authenticator made."""
    options = target.idp.start_web_authn_registration(AccessToken=access)[
        "CredentialCreationOptions"
    ]
    made = authenticator.register(options, variant.pop("origin", origin_of(target)), **variant)
    target.idp.complete_web_authn_registration(AccessToken=access, Credential=made)
    return made


def passkey_challenge(target, email: str) -> dict:
    """InitiateAuth USER_AUTH preferring WEB_AUTHN; asserts the challenge came."""
    started = user_auth(target, email, PREFERRED_CHALLENGE="WEB_AUTHN")
    assert started["ChallengeName"] == "WEB_AUTHN", started
    return started


def answer(target, started: dict, email: str, credential: dict) -> dict:
    """RespondToAuthChallenge WEB_AUTHN with an AuthenticationResponseJSON."""
    return respond(target, started, "WEB_AUTHN", USERNAME=email, CREDENTIAL=json.dumps(credential))


def request_options(started: dict) -> dict:
    """The challenge's CREDENTIAL_REQUEST_OPTIONS, parsed."""
    return json.loads(started["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])


def refused(call, code: str = "NotAuthorizedException") -> None:
    """The call fails with this Cognito error."""
    with pytest.raises(ClientError) as exc:
        call()
    assert error_code(exc) == code


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_a_registered_passkey_is_listed_and_signs_in(target, alg):
    email = target.signed_up()
    access = access_for(target, email)
    authenticator = SoftAuthenticator(alg)
    options = target.idp.start_web_authn_registration(AccessToken=access)[
        "CredentialCreationOptions"
    ]
    rp = RelyingParty.of(target.need_local())
    assert options["rp"]["id"] == rp.id and options["user"]["name"] == email
    assert {p["alg"] for p in options["pubKeyCredParams"]} == {-7, -257}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    made = authenticator.register(options, rp.origin)
    assert target.idp.complete_web_authn_registration(AccessToken=access, Credential=made)
    listed = target.idp.list_web_authn_credentials(AccessToken=access)["Credentials"]
    assert [c["CredentialId"] for c in listed] == [made["id"]]
    assert listed[0]["RelyingPartyId"] == rp.id
    assert listed[0]["AuthenticatorAttachment"] == "platform"
    assert listed[0]["AuthenticatorTransports"] == ["internal"]
    assert listed[0]["FriendlyCredentialName"] and listed[0]["CreatedAt"]

    assert "WEB_AUTHN" in user_auth(target, email)["AvailableChallenges"]
    started = passkey_challenge(target, email)
    asked = request_options(started)
    assert asked["rpId"] == rp.id and asked["timeout"] > 0
    assert asked["userVerification"] == "preferred"
    assert [c["id"] for c in asked["allowCredentials"]] == [made["id"]]
    done = answer(target, started, email, authenticator.sign_in(asked, rp.origin))
    assert done["AuthenticationResult"]["IdToken"]
    with pytest.raises(LookupError):  # another authenticator has no passkey to offer
        SoftAuthenticator(alg).sign_in(asked, rp.origin)


def test_a_sign_in_assertion_is_accepted_once(target):
    email = target.signed_up()
    authenticator = SoftAuthenticator()
    register(target, authenticator, access_for(target, email))
    started = passkey_challenge(target, email)
    assertion = authenticator.sign_in(request_options(started), origin_of(target))
    assert answer(target, started, email, assertion)["AuthenticationResult"]
    refused(lambda: answer(target, started, email, assertion))  # its session is spent
    again = passkey_challenge(target, email)
    refused(lambda: answer(target, again, email, assertion))  # another session's challenge


def test_another_users_passkey_is_refused(target):
    alice, bob = target.signed_up(), target.signed_up()
    alices, bobs = SoftAuthenticator(), SoftAuthenticator()
    alice_passkey = register(target, alices, access_for(target, alice))
    register(target, bobs, access_for(target, bob))
    started = passkey_challenge(target, bob)
    signed = alices.sign_in(
        request_options(started), origin_of(target), credential_id=alice_passkey["id"]
    )
    refused(lambda: answer(target, started, bob, signed))


@pytest.mark.parametrize(
    "variant",
    [
        {"tamper_signature": True},
        {"origin": "https://evil.example"},
        {"rp_id": "evil.example"},
    ],
)
def test_a_forged_or_misdirected_assertion_is_refused(target, variant):
    email = target.signed_up()
    authenticator = SoftAuthenticator()
    register(target, authenticator, access_for(target, email))
    started = passkey_challenge(target, email)
    where = variant.pop("origin", origin_of(target))
    signed = authenticator.sign_in(request_options(started), where, **variant)
    refused(lambda: answer(target, started, email, signed))


def test_a_cloned_authenticator_behind_on_its_counter_is_refused(target):
    email = target.signed_up()
    authenticator = SoftAuthenticator()
    register(target, authenticator, access_for(target, email))
    clone = copy.deepcopy(authenticator)
    for _ in range(2):
        started = passkey_challenge(target, email)
        signed = authenticator.sign_in(request_options(started), origin_of(target))
        assert answer(target, started, email, signed)["AuthenticationResult"]
    started = passkey_challenge(target, email)
    signed = clone.sign_in(request_options(started), origin_of(target))
    refused(lambda: answer(target, started, email, signed))


def test_a_credential_that_is_not_json_is_refused(target):
    email = target.signed_up()
    register(target, SoftAuthenticator(), access_for(target, email))
    started = passkey_challenge(target, email)
    refused(lambda: respond(target, started, "WEB_AUTHN", USERNAME=email, CREDENTIAL="{not json"))


def test_a_pool_requiring_user_verification_refuses_passkeys_without_it(make_app):
    target = local_target(make_app, webauthn_user_verification="required")
    email = target.signed_up()
    access = access_for(target, email)
    authenticator = SoftAuthenticator()
    refused(
        lambda: register(target, authenticator, access, user_verified=False),
        "WebAuthnCredentialNotSupportedException",
    )
    register(target, authenticator, access)
    started = passkey_challenge(target, email)
    asked = request_options(started)
    assert asked["userVerification"] == "required"
    signed = authenticator.sign_in(asked, origin_of(target), user_verified=False)
    refused(lambda: answer(target, started, email, signed))
    started = passkey_challenge(target, email)
    signed = authenticator.sign_in(request_options(started), origin_of(target))
    assert answer(target, started, email, signed)["AuthenticationResult"]


@pytest.mark.parametrize(
    ("variant", "code"),
    [
        ({"origin": "https://evil.example"}, "WebAuthnOriginNotAllowedException"),
        ({"rp_id": "evil.example"}, "WebAuthnRelyingPartyMismatchException"),
    ],
)
def test_a_registration_for_another_site_is_refused(target, variant, code):
    access = access_for(target, target.signed_up())
    refused(lambda: register(target, SoftAuthenticator(), access, **variant), code)
    assert target.idp.list_web_authn_credentials(AccessToken=access)["Credentials"] == []


def test_a_registration_needs_its_live_challenge_from_the_same_client(target, clock):
    email = target.signed_up()
    access = access_for(target, email)
    authenticator = SoftAuthenticator()
    options = target.idp.start_web_authn_registration(AccessToken=access)[
        "CredentialCreationOptions"
    ]
    made = authenticator.register(options, origin_of(target))
    other_client = access_for(target, email, client_id="gatehouse")
    refused(
        lambda: target.idp.complete_web_authn_registration(
            AccessToken=other_client, Credential=made
        ),
        "WebAuthnClientMismatchException",
    )
    # The attempt used the challenge up; so does the clock.
    complete = target.idp.complete_web_authn_registration
    refused(
        lambda: complete(AccessToken=access, Credential=made), "WebAuthnChallengeNotFoundException"
    )
    options = target.idp.start_web_authn_registration(AccessToken=access)[
        "CredentialCreationOptions"
    ]
    late = SoftAuthenticator().register(options, origin_of(target))
    clock.advance(options["timeout"] / 1000 + 1)
    refused(
        lambda: complete(AccessToken=access, Credential=late), "WebAuthnChallengeNotFoundException"
    )


def test_a_registration_answering_another_challenge_is_refused(target):
    access = access_for(target, target.signed_up())
    authenticator = SoftAuthenticator()
    first = target.idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
    target.idp.start_web_authn_registration(AccessToken=access)  # replaces the first challenge
    made = authenticator.register(first, origin_of(target))
    refused(
        lambda: target.idp.complete_web_authn_registration(AccessToken=access, Credential=made),
        "WebAuthnChallengeNotFoundException",
    )


def test_a_malformed_credential_is_invalid_parameter(target):
    access = access_for(target, target.signed_up())
    target.idp.start_web_authn_registration(AccessToken=access)
    refused(
        lambda: target.idp.complete_web_authn_registration(
            AccessToken=access, Credential={"id": "x", "response": {"clientDataJSON": "!!"}}
        ),
        "InvalidParameterException",
    )


def test_a_user_keeps_at_most_twenty_passkeys(target):
    email = target.signed_up()
    access = access_for(target, email)
    for _ in range(MAX_PASSKEYS):  # one device each: a device holds one passkey per account
        register(target, SoftAuthenticator(), access)
    refused(
        lambda: target.idp.start_web_authn_registration(AccessToken=access),
        "LimitExceededException",
    )
    listed = target.idp.list_web_authn_credentials(AccessToken=access, MaxResults=20)
    assert len(listed["Credentials"]) == MAX_PASSKEYS and "NextToken" not in listed


def test_passkeys_already_held_are_excluded_and_listed_page_by_page(target):
    access = access_for(target, target.signed_up())
    devices = [SoftAuthenticator() for _ in range(3)]
    made = [register(target, device, access)["id"] for device in devices]
    options = target.idp.start_web_authn_registration(AccessToken=access)[
        "CredentialCreationOptions"
    ]
    assert [c["id"] for c in options["excludeCredentials"]] == made
    with pytest.raises(ValueError):  # the device refuses a second one, as a browser's does
        devices[0].register(options, origin_of(target))
    first = target.idp.list_web_authn_credentials(AccessToken=access, MaxResults=2)
    second = target.idp.list_web_authn_credentials(
        AccessToken=access, MaxResults=2, NextToken=first["NextToken"]
    )
    assert [c["CredentialId"] for c in first["Credentials"] + second["Credentials"]] == made
    assert "NextToken" not in second
    refused(
        lambda: target.idp.list_web_authn_credentials(AccessToken=access, NextToken="x-1"),
        "InvalidParameterException",
    )


def test_a_passkey_is_deleted_only_by_its_owner(target):
    alice, bob = target.signed_up(), target.signed_up()
    alice_access, bob_access = access_for(target, alice), access_for(target, bob)
    authenticator = SoftAuthenticator()
    passkey = register(target, authenticator, alice_access)
    for who, credential_id in ((bob_access, passkey["id"]), (alice_access, "no-such-passkey")):
        refused(
            lambda who=who, credential_id=credential_id: target.idp.delete_web_authn_credential(
                AccessToken=who, CredentialId=credential_id
            ),
            "ResourceNotFoundException",
        )
    target.idp.delete_web_authn_credential(AccessToken=alice_access, CredentialId=passkey["id"])
    assert target.idp.list_web_authn_credentials(AccessToken=alice_access)["Credentials"] == []
    assert user_auth(target, alice, PREFERRED_CHALLENGE="WEB_AUTHN")["ChallengeName"] == (
        "SELECT_CHALLENGE"
    )


def test_deleting_the_user_deletes_their_passkeys(target):
    email = target.signed_up()
    access = access_for(target, email)
    register(target, SoftAuthenticator(), access)
    target.idp.delete_user(AccessToken=access)
    with target.need_local().db.reading() as conn:
        assert conn.execute("SELECT COUNT(*) FROM passkeys").fetchone()[0] == 0


def test_the_passkey_operations_need_the_admin_scope(target):
    local = target.need_local()
    email = target.signed_up()
    with local.db.transaction() as conn:
        user = local.find_user(conn, email)
        narrow = local.issue_tokens(
            conn, user, local.clients["demo"], "TokenGeneration_HostedAuth", scopes=["openid"]
        )["AccessToken"]
    calls = [
        lambda: target.idp.start_web_authn_registration(AccessToken=narrow),
        lambda: target.idp.complete_web_authn_registration(AccessToken=narrow, Credential={}),
        lambda: target.idp.list_web_authn_credentials(AccessToken=narrow),
        lambda: target.idp.delete_web_authn_credential(AccessToken=narrow, CredentialId="x"),
    ]
    for call in calls:
        refused(call)


def test_a_pool_without_passkeys_refuses_to_register_one(make_app):
    target = local_target(make_app, allowed_first_auth_factors=["PASSWORD", "EMAIL_OTP"])
    access = access_for(target, target.signed_up())
    refused(
        lambda: target.idp.start_web_authn_registration(AccessToken=access),
        "WebAuthnNotEnabledException",
    )


def test_the_relying_party_may_be_set_by_the_pool(make_app):
    target = local_target(make_app, webauthn_relying_party_id="example.test")
    access = access_for(target, target.signed_up())
    options = target.idp.start_web_authn_registration(AccessToken=access)[
        "CredentialCreationOptions"
    ]
    assert options["rp"]["id"] == "example.test"


@pytest.mark.parametrize("response", [[1], "x", 5, None])
def test_a_real_passkeys_id_with_a_response_of_the_wrong_type_is_refused(target, response):
    email = target.signed_up()
    made = register(target, SoftAuthenticator(), access_for(target, email))
    started = passkey_challenge(target, email)
    credential = json.dumps({"id": made["id"], "rawId": made["id"], "response": response})
    refused(lambda: respond(target, started, "WEB_AUTHN", USERNAME=email, CREDENTIAL=credential))


@pytest.mark.parametrize("transports", [5, [{}], ["usb", 7, "carrier-pigeon"]])
def test_transports_of_the_wrong_type_are_dropped(target, transports):
    email = target.signed_up()
    access = access_for(target, email)
    options = target.idp.start_web_authn_registration(AccessToken=access)
    credential = SoftAuthenticator().register(
        options["CredentialCreationOptions"], origin_of(target)
    )
    credential["response"]["transports"] = transports
    target.idp.complete_web_authn_registration(AccessToken=access, Credential=credential)
    (listed,) = target.idp.list_web_authn_credentials(AccessToken=access)["Credentials"]
    assert listed["AuthenticatorTransports"] == (
        ["usb"] if isinstance(transports, list) and "usb" in transports else []
    )
