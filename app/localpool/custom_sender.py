"""The CustomEmailSender trigger, as Cognito runs it: instead of sending an email itself, the
pool encrypts the code with the pool's KMS key (the AWS Encryption SDK's message format,
base64) and hands it to the Lambda, which decrypts it and sends the email.

The local pool has no KMS: its key is a raw AES-256 key derived from the pool's secret, wrapped
the way the Encryption SDK's raw keyrings wrap data keys, so a handler decrypts with the same
SDK call it makes on AWS, given a raw master key instead of a KMS one (``LocalKms.master_key``).
"""

from __future__ import annotations

import base64
from typing import Any

import aws_encryption_sdk
from aws_encryption_sdk import CommitmentPolicy
from aws_encryption_sdk.identifiers import EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey

from .triggers import TriggerRunner

PROVIDER_ID = "gatehouse-localpool"
REQUEST_TYPE = "customEmailSenderRequestV1"
# The KMSKeyID a local pool names when its seed file names none.
LOCAL_KEY_ARN = "arn:aws:kms:us-east-1:000000000000:key/gatehouse-localpool"


def encryption_client() -> aws_encryption_sdk.EncryptionSDKClient:
    """The Encryption SDK client, with the commitment policy Cognito's examples decrypt with."""
    return aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT
    )


class LocalKms:
    """The local pool's stand-in for its KMS key: a raw AES key with a KMS-like key id."""

    def __init__(self, key: bytes, key_id: str = LOCAL_KEY_ARN) -> None:
        self.key_id = key_id
        self._key = key

    def master_key(self) -> RawMasterKey:
        """The Encryption SDK master key that encrypts and decrypts with this key."""
        return RawMasterKey(
            provider_id=PROVIDER_ID,
            key_id=self.key_id.encode(),
            wrapping_key=WrappingKey(
                wrapping_algorithm=WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
                wrapping_key=self._key,
                wrapping_key_type=EncryptionKeyType.SYMMETRIC,
            ),
        )

    def encrypt(self, plaintext: str) -> str:
        """An Encryption SDK message of ``plaintext``, base64, as Cognito puts it in
        ``request.code``."""
        ciphertext, _header = encryption_client().encrypt(
            source=plaintext.encode(), key_provider=self.master_key()
        )
        return base64.b64encode(ciphertext).decode()


def sender_source(source: str) -> str:
    """The CustomEmailSender trigger source for a message's CustomMessage source."""
    return source.replace("CustomMessage_", "CustomEmailSender_", 1)


def run(
    triggers: TriggerRunner,
    kms: LocalKms,
    source: str,
    *,
    to: str,
    user_name: str,
    attributes: dict[str, str],
    client_id: str | None,
    code: str,
    client_metadata: dict[str, str] | None = None,
) -> None:
    """Invoke CustomEmailSender for one message (``source`` as CustomMessage names it); the
    trigger sends the email. ``userAttributes.email`` is the address the code goes to (the new
    one, for a change of email)."""
    request: dict[str, Any] = {
        "type": REQUEST_TYPE,
        "code": kms.encrypt(code),
        "userAttributes": {**attributes, "email": to},
    }
    if client_metadata:
        request["clientMetadata"] = dict(client_metadata)
    event = triggers.event(sender_source(source), user_name, client_id, request, {})
    triggers.invoke("CustomEmailSender", event)
