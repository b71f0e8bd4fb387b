"""Verifying status webhooks as the Standard Webhooks specification says (https://www.standardwebhooks.com/)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from ._secret import Secret
from ._time import parse_optional_instant

SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE = 300

SecretLike = Union[str, Secret]
Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]


class WebhookVerificationError(Exception):
    """The delivery is not one the service signed with your secret, now: answer it with a 4xx and act on nothing."""


@dataclass(frozen=True)
class WebhookEvent:
    """A verified delivery. ``id`` (the ``webhook-id``) is the same on every retry and replay: your idempotency key.
    ``data`` is the event's body (WEBHOOKS.md); for integration events keep only those whose ``statusVersion`` is
    above the last you applied."""

    id: str
    type: str
    timestamp: Optional[datetime]
    data: Dict[str, Any]
    payload: Dict[str, Any] = field(repr=False)


def verify_webhook(secret_or_secrets: Union[SecretLike, Sequence[SecretLike]], headers: Headers, body: bytes,
                   tolerance: int = DEFAULT_TOLERANCE, now: Union[None, float, datetime] = None) -> WebhookEvent:
    """Verifies one delivery and returns its event, or raises ``WebhookVerificationError``.

    ``secret_or_secrets``: the endpoint's ``whsec_…`` secret (the prefix is optional), or several during a
    rotation (new and old). ``headers``: any mapping or list of pairs, names in any case. ``body``: the raw bytes as
    received (Django: ``request.body``), never a re-serialised copy. A timestamp further than ``tolerance`` seconds
    from ``now`` (either way) is refused, so a captured delivery cannot be replayed later. A secret that is not
    base64 raises ``ValueError``: a configuration error, not a bad delivery."""
    msg_id = verify_webhook_signature(secret_or_secrets, headers, body, tolerance, now)
    return _event(msg_id, body)


def verify_webhook_signature(secret_or_secrets: Union[SecretLike, Sequence[SecretLike]], headers: Headers,
                             body: bytes, tolerance: int = DEFAULT_TOLERANCE,
                             now: Union[None, float, datetime] = None) -> str:
    """The signature and timestamp checks of ``verify_webhook`` alone, for any body; returns the ``webhook-id``."""
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError("body must be the raw bytes of the request, not a decoded or re-serialised copy")
    keys = _keys(secret_or_secrets)
    named = _lower(headers)
    msg_id = _required(named, "webhook-id")
    timestamp = _required(named, "webhook-timestamp")
    signature_header = _required(named, "webhook-signature")

    if not timestamp.isdigit() or len(timestamp) > 12:
        raise WebhookVerificationError("webhook-timestamp is not a Unix time in seconds")
    current = now.timestamp() if isinstance(now, datetime) else (time.time() if now is None else float(now))
    if abs(current - int(timestamp)) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is outside the tolerance")

    signed = msg_id.encode("utf-8") + b"." + timestamp.encode("ascii") + b"." + bytes(body)
    expected = [base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()) for key in keys]
    if not any(_matches(given, expected) for given in signature_header.split(" ")):
        raise WebhookVerificationError("no signature matches")
    return msg_id


def _matches(given: str, expected: List[bytes]) -> bool:
    version, _, value = given.partition(",")
    if version != "v1" or not value:
        # other schemes (v1a, …) are not ours to check; one of the list must be a v1 that matches
        return False
    candidate = value.encode("utf-8")
    # every expected signature is compared, each in constant time: no early exit that times which secret matched
    found = False
    for signature in expected:
        found = hmac.compare_digest(candidate, signature) or found
    return found


def _keys(secret_or_secrets: Union[SecretLike, Sequence[SecretLike]]) -> List[bytes]:
    secrets = [secret_or_secrets] if isinstance(secret_or_secrets, (str, Secret)) else list(secret_or_secrets)
    if not secrets:
        raise ValueError("no webhook secret given")
    keys = []
    for secret in secrets:
        text = secret.reveal() if isinstance(secret, Secret) else secret
        if text.startswith(SECRET_PREFIX):
            text = text[len(SECRET_PREFIX):]
        try:
            key = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            # the message names no part of the secret
            raise ValueError("a webhook secret is not base64 (expected whsec_<base64>)") from None
        if not key:
            raise ValueError("a webhook secret is empty")
        keys.append(key)
    return keys


def _lower(headers: Headers) -> Dict[str, str]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    named: Dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        if key in named and named[key] != value:
            raise WebhookVerificationError("%s appears twice with different values" % key)
        named[key] = value
    return named


def _required(named: Mapping[str, str], name: str) -> str:
    value = named.get(name)
    if value is None or not value.strip():
        raise WebhookVerificationError("%s header missing" % name)
    return value.strip()


def _event(msg_id: str, body: Union[bytes, bytearray, memoryview]) -> WebhookEvent:
    try:
        payload = json.loads(bytes(body).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise WebhookVerificationError("the signed body is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise WebhookVerificationError("the signed body is not an event")
    data = payload.get("data")
    try:
        timestamp = parse_optional_instant(payload.get("timestamp"))
    except (TypeError, ValueError):
        timestamp = None
    return WebhookEvent(id=msg_id, type=payload["type"], timestamp=timestamp,
                        data=data if isinstance(data, dict) else {}, payload=payload)
