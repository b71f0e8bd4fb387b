"""What the service answers, as typed values. Nothing here prints a token, a secret or a connect URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, List, Mapping, Optional, Tuple

from ._secret import Secret
from ._time import parse_instant, parse_optional_instant


@dataclass(frozen=True)
class AccessToken:
    """A usable access token (``POST /v1/integrations/{id}/access-token``); never the refresh token.

    ``min_valid_satisfied`` is False when this is the freshest token there is but it expires sooner than asked
    (the provider issues shorter-lived tokens, or it was refreshed moments ago); ``expires_at`` is always real."""

    access_token: Secret
    token_type: str
    expires_at: datetime
    scope: Optional[str]
    refreshed: bool = False
    min_valid_satisfied: bool = True

    @property
    def authorization(self) -> str:
        """The ``Authorization`` header value for the provider's API, e.g. ``Bearer ya29…``."""
        return "%s %s" % (self.token_type or "Bearer", self.access_token.reveal())

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> "AccessToken":
        return cls(access_token=Secret(body["accessToken"]), token_type=body.get("tokenType") or "Bearer",
                   expires_at=parse_instant(body["expiresAt"]), scope=body.get("scope"),
                   refreshed=bool(body.get("refreshed", False)),
                   min_valid_satisfied=bool(body.get("minValidSatisfied", True)))


@dataclass(frozen=True)
class Integration:
    """An integration as the API shows it (``IntegrationView``): status and bookkeeping, never a token."""

    id: str
    tenant_id: str
    provider: str
    provider_group: str
    external_account: str
    status: str
    access_token_expires_at: Optional[datetime]
    last_refreshed_at: Optional[datetime]
    last_attempt_at: Optional[datetime]
    next_attempt_at: Optional[datetime]
    consecutive_failures: int
    last_error_code: Optional[str]
    last_error_message: Optional[str]
    created_at: Optional[datetime]
    updated_at: Optional[datetime]

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> "Integration":
        return cls(id=body["id"], tenant_id=body["tenantId"], provider=body["provider"],
                   provider_group=body["providerGroup"], external_account=body["externalAccount"],
                   status=body["status"],
                   access_token_expires_at=parse_optional_instant(body.get("accessTokenExpiresAt")),
                   last_refreshed_at=parse_optional_instant(body.get("lastRefreshedAt")),
                   last_attempt_at=parse_optional_instant(body.get("lastAttemptAt")),
                   next_attempt_at=parse_optional_instant(body.get("nextAttemptAt")),
                   consecutive_failures=int(body.get("consecutiveFailures") or 0),
                   last_error_code=body.get("lastErrorCode"), last_error_message=body.get("lastErrorMessage"),
                   created_at=parse_optional_instant(body.get("createdAt")),
                   updated_at=parse_optional_instant(body.get("updatedAt")))


@dataclass(frozen=True)
class IntegrationPage:
    """One page of ``GET /v1/integrations``: the items and how many match in all."""

    items: Tuple[Integration, ...]
    offset: int
    limit: int
    total: int

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> "IntegrationPage":
        return cls(items=tuple(Integration.from_json(i) for i in body.get("items", [])),
                   offset=int(body["offset"]), limit=int(body["limit"]), total=int(body["total"]))


@dataclass(frozen=True)
class ConnectSession:
    """A single-use connect session: send the user's browser to ``url`` before ``expires_at``. The session is the
    capability to finish a consent, so ``id`` and ``url`` stay out of ``repr()`` (and out of logs)."""

    id: str = field(repr=False)
    url: str = field(repr=False)
    expires_at: datetime

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> "ConnectSession":
        return cls(id=body["id"], url=body["url"], expires_at=parse_instant(body["expiresAt"]))


@dataclass(frozen=True)
class WebhookEndpoint:
    """The answer to creating a webhook endpoint: its ``whsec_`` secret is shown this once; keep it in your secrets."""

    id: str
    url: str
    events: List[str]
    secret: Secret
    enabled: bool

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> "WebhookEndpoint":
        return cls(id=body["id"], url=body["url"], events=list(body.get("events", [])),
                   secret=Secret(body["secret"]), enabled=bool(body.get("enabled", True)))
