"""What tools read about the pool itself: ListUserPools, DescribeUserPoolDomain and
GetSigningCertificate, answered as Cognito answers them."""

from __future__ import annotations

import base64
import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from . import operation
from .admin import check_pool, describe_user_pool

ACCOUNT = "000000000000"  # the local pool's stand-in AWS account
CERTIFICATE_YEARS = 10


@operation("ListUserPools", "UserPoolRead", admin=True)
def list_user_pools(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """The account's user pools in this region: the local pool is the only one."""
    described = describe_user_pool(pool, conn, {"UserPoolId": pool.id})["UserPool"]
    (created,) = conn.execute("SELECT MIN(created) FROM app_clients").fetchone()
    if params.get("NextToken"):
        return {"UserPools": []}  # one pool fits on the first page, whatever MaxResults is
    return {
        "UserPools": [
            {
                "Id": pool.id,
                "Name": described["Name"],
                "LambdaConfig": described["LambdaConfig"],
                "CreationDate": created or 0,
                "LastModifiedDate": created or 0,
            }
        ]
    }


@operation("DescribeUserPoolDomain", "UserResourceRead", admin=True)
def describe_user_pool_domain(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """The pool's OAuth2 domain; as Cognito, an unknown domain is an empty description."""
    if params["Domain"] != pool.settings.domain:
        return {"DomainDescription": {}}
    host = pool.base_url.split("://", 1)[-1].split("/", 1)[0]
    return {
        "DomainDescription": {
            "UserPoolId": pool.id,
            "AWSAccountId": ACCOUNT,
            "Domain": pool.settings.domain,
            # Where the domain is really served: this server, under /_localpool/.
            "CloudFrontDistribution": host,
            "Version": "1",
            "Status": "ACTIVE",
            "ManagedLoginVersion": 1,
        }
    }


@operation("GetSigningCertificate", "UserResourceRead", admin=True)
def get_signing_certificate(pool, conn, params: dict[str, Any]) -> dict[str, Any]:
    """A self-signed X.509 certificate (base64 DER, as Cognito's) for the pool's signing key,
    the one signing now; made once per key and kept."""
    check_pool(pool, params)
    key = pool.signer.keys.active()
    name = f"certificate:{key.kid}"
    row = conn.execute("SELECT secret FROM pool_secrets WHERE name = ?", (name,)).fetchone()
    if row is None:
        der = _self_signed(pool, key.private_key)
        conn.execute("INSERT INTO pool_secrets VALUES (?, ?)", (name, der))
    else:
        der = bytes(row["secret"])
    return {"Certificate": base64.b64encode(der).decode()}


def _self_signed(pool, private_key) -> bytes:
    """A certificate for the key, named for the pool, valid from now for ten years."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, pool.id)])
    now = datetime.datetime.fromtimestamp(pool.clock(), datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365 * CERTIFICATE_YEARS))
        .sign(private_key, hashes.SHA256())
    )
    return certificate.public_bytes(Encoding.DER)
