"""What tools read about the pool: ListUserPools, DescribeUserPoolDomain, GetSigningCertificate."""

from __future__ import annotations

import base64

import pytest
from botocore.exceptions import ClientError
from cryptography import x509

from .conftest import error_code


def test_list_user_pools_names_the_pool(target):
    pools = target.idp.list_user_pools(MaxResults=60)["UserPools"]
    (ours,) = [p for p in pools if p["Id"] == target.pool_id]
    assert ours["Name"] and "LambdaConfig" in ours


def test_describe_user_pool_domain(target):
    local = target.need_local()  # the local pool's domain prefix is its own
    described = target.idp.describe_user_pool_domain(Domain=local.settings.domain)
    domain = described["DomainDescription"]
    assert domain["UserPoolId"] == local.id and domain["Status"] == "ACTIVE"
    assert domain["Domain"] == local.settings.domain


def test_an_unknown_domain_is_an_empty_description(target):
    described = target.idp.describe_user_pool_domain(Domain="no-such-domain-gatehouse-test")
    assert described["DomainDescription"] == {}


def test_get_signing_certificate_is_an_x509_certificate(target):
    answer = target.idp.get_signing_certificate(UserPoolId=target.pool_id)
    certificate = x509.load_der_x509_certificate(base64.b64decode(answer["Certificate"]))
    again = target.idp.get_signing_certificate(UserPoolId=target.pool_id)["Certificate"]
    assert again == answer["Certificate"]  # the same certificate every time
    if target.local is not None:
        key = target.local.signer.keys.active().public_key
        assert certificate.public_key().public_numbers() == key.public_numbers()


def test_get_signing_certificate_of_an_unknown_pool(target):
    with pytest.raises(ClientError) as exc:
        target.idp.get_signing_certificate(UserPoolId="us-east-1_nothere")
    assert error_code(exc) == "ResourceNotFoundException"
