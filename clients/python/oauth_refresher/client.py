"""The tenant API (``/v1``) over ``urllib.request``: the standard library only."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any, Callable, Dict, List, Mapping, Optional, Union
from urllib.parse import quote, urlencode, urlsplit

from . import __version__
from ._secret import Secret, secret_value
from ._time import format_instant
from .errors import OAuthRefresherError, TransportError, error_for
from .models import AccessToken, ConnectSession, Integration, IntegrationPage, WebhookEndpoint
from .retry import RetryPolicy, call_with_retries, parse_retry_after

Token = Union[str, Secret]

# method, path and status only: never a header, a body or a query (connect URLs, tokens and keys live there)
log = logging.getLogger("oauth_refresher")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """The API never redirects; urllib would follow one and resend the ``Authorization`` header to wherever it
    points, so a redirect is an error instead."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None


class Client:
    """One tenant API key's view of the service. Thread-safe: it holds no per-call state.

    ``retry``: opt in to bounded retries of 429 and 503 (``RetryPolicy``); off by default, so a web request is
    never held longer than the caller chose. ``timeout`` is urllib's socket timeout in seconds (connect, and each
    read), not a deadline for the whole call."""

    def __init__(self, base_url: str, api_key: Token, timeout: float = 30.0,
                 retry: Optional[RetryPolicy] = None, sleep: Callable[[float], None] = time.sleep) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("base_url must be an http(s) URL, e.g. https://refresher.example.com")
        self._base = base_url.rstrip("/")
        self._key = api_key if isinstance(api_key, Secret) else Secret(api_key)
        self._timeout = timeout
        self._retry = retry
        self._sleep = sleep
        self._opener = urllib.request.build_opener(_NoRedirects())

    def __repr__(self) -> str:
        return "Client(base_url=%r, api_key='[redacted]')" % self._base

    # access tokens

    def access_token(self, integration_id: str, min_valid_seconds: Optional[int] = None,
                     force_refresh: bool = False) -> AccessToken:
        """A token valid at least ``min_valid_seconds`` (the service's default: 300), refreshed first if needed.
        ``force_refresh=True`` after the provider refused the token you had. Raises ``ReconnectRequired`` (424)
        when the user must consent again, ``RateLimited`` (429) or ``Unavailable`` (503) with ``retry_after``."""
        body: Dict[str, Any] = {"forceRefresh": bool(force_refresh)}
        if min_valid_seconds is not None:
            body["minValidSeconds"] = int(min_valid_seconds)
        answer = self._call("POST", "/v1/integrations/%s/access-token" % _segment(integration_id), body,
                            integration_id=integration_id)
        return AccessToken.from_json(answer)

    # integrations

    def register_integration(self, provider: str, provider_group: str, external_account: str, access_token: Token,
                             refresh_token: Token, access_token_expires_at: datetime, scope: Optional[str] = None,
                             token_type: Optional[str] = None) -> Integration:
        """Registers the tokens of a user's consent (``POST /v1/integrations``). With connect sessions the service
        runs the consent itself and the app never holds a refresh token: prefer ``create_connect_session``."""
        body = {"provider": provider, "providerGroup": provider_group, "externalAccount": external_account,
                "accessToken": secret_value(access_token), "refreshToken": secret_value(refresh_token),
                "accessTokenExpiresAt": format_instant(access_token_expires_at), "scope": scope,
                "tokenType": token_type}
        return Integration.from_json(self._call("POST", "/v1/integrations", _without_none(body)))

    def get_integration(self, integration_id: str) -> Integration:
        return Integration.from_json(self._call("GET", "/v1/integrations/%s" % _segment(integration_id)))

    def list_integrations(self, status: Optional[str] = None, provider: Optional[str] = None, offset: int = 0,
                          limit: int = 100) -> IntegrationPage:
        """A page of the tenant's integrations; ``status`` one of active, expired, error."""
        query = urlencode(_without_none({"status": status, "provider": provider, "offset": offset, "limit": limit}))
        return IntegrationPage.from_json(self._call("GET", "/v1/integrations?" + query))

    def reconnect(self, integration_id: str, access_token: Token, refresh_token: Token,
                  access_token_expires_at: datetime, scope: Optional[str] = None,
                  token_type: Optional[str] = None) -> Integration:
        """Replaces the tokens with a new consent's (``PUT /v1/integrations/{id}/tokens``): active again."""
        body = {"accessToken": secret_value(access_token), "refreshToken": secret_value(refresh_token),
                "accessTokenExpiresAt": format_instant(access_token_expires_at), "scope": scope,
                "tokenType": token_type}
        return Integration.from_json(self._call("PUT", "/v1/integrations/%s/tokens" % _segment(integration_id),
                                                _without_none(body)))

    def disconnect(self, integration_id: str) -> None:
        """Deletes the integration and its tokens (``DELETE /v1/integrations/{id}``); idempotent."""
        self._call("DELETE", "/v1/integrations/%s" % _segment(integration_id))

    # connect sessions

    def create_connect_session(self, provider_group: str, redirect_uri: str, scopes: Optional[List[str]] = None,
                               integration_id: Optional[str] = None,
                               login_hint: Optional[str] = None) -> ConnectSession:
        """A single-use session (``POST /v1/connect-sessions``): redirect the user's browser to its ``url``. The
        service runs the consent and comes back to ``redirect_uri`` (it must be on the tenant's allow-list) with
        the outcome: read it with ``parse_connect_return``. ``scopes`` default to the provider group's;
        ``integration_id`` reconnects that integration."""
        body = {"providerGroup": provider_group, "redirectUri": redirect_uri, "scopes": scopes,
                "integrationId": integration_id, "loginHint": login_hint}
        return ConnectSession.from_json(self._call("POST", "/v1/connect-sessions", _without_none(body)))

    def reconnect_session(self, integration_id: str, redirect_uri: str,
                          provider_group: Optional[str] = None) -> ConnectSession:
        """A connect session that reconnects ``integration_id``: what a ``ReconnectRequired`` or an
        ``integration.expired`` webhook calls for. The session names the integration's provider group; without
        ``provider_group`` it is read first (``get_integration``: the key then needs ``integrations:read`` too)."""
        group = provider_group if provider_group is not None else self.get_integration(integration_id).provider_group
        return self.create_connect_session(group, redirect_uri, integration_id=integration_id)

    # webhook endpoints

    def create_webhook_endpoint(self, url: str, events: List[str]) -> WebhookEndpoint:
        """Registers a receiver for ``events``; the answer holds its ``whsec_`` secret, shown this once."""
        return WebhookEndpoint.from_json(self._call("POST", "/v1/webhook-endpoints", {"url": url, "events": events}))

    def send_test_webhook(self, endpoint_id: str) -> str:
        """Sends a ``webhook.test`` event to the endpoint; returns the ``webhook-id`` it will carry."""
        answer = self._call("POST", "/v1/webhook-endpoints/%s/test" % _segment(endpoint_id), {})
        return str(answer["webhookId"])

    # transport

    def _call(self, method: str, path: str, body: Optional[Mapping[str, Any]] = None,
              integration_id: Optional[str] = None) -> Dict[str, Any]:
        if self._retry is None:
            return self._send(method, path, body, integration_id)
        return call_with_retries(lambda: self._send(method, path, body, integration_id), self._retry, self._sleep)

    def _send(self, method: str, path: str, body: Optional[Mapping[str, Any]],
              integration_id: Optional[str]) -> Dict[str, Any]:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self._base + path, data=data, method=method)
        request.add_header("Authorization", "Bearer " + self._key.reveal())
        request.add_header("Accept", "application/json, application/problem+json")
        request.add_header("User-Agent", "oauth-refresher-python/" + __version__)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        started = time.monotonic()
        logged_path = path.split("?", 1)[0]
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as answer:
            with answer:
                raw = answer.read()
            log.debug("%s %s -> %s in %.0f ms", method, logged_path, answer.code, _ms(started))
            problem = _json_object(raw)
            raise error_for(answer.code, problem, parse_retry_after(answer.headers.get("Retry-After")),
                            integration_id) from None
        except (urllib.error.URLError, http.client.HTTPException, socket.timeout, ConnectionError) as failure:
            log.debug("%s %s -> no answer in %.0f ms", method, logged_path, _ms(started))
            reason = getattr(failure, "reason", failure)
            raise TransportError(None, detail="%s %s: %s" % (method, logged_path, type(reason).__name__)) from None
        log.debug("%s %s -> %s in %.0f ms", method, logged_path, status, _ms(started))
        if status == 204 or not raw:
            return {}
        answer_body = _json_object(raw)
        if not answer_body:
            raise OAuthRefresherError(status, detail="the answer is not a JSON object")
        return answer_body


def _segment(value: str) -> str:
    return quote(str(value), safe="")


def _without_none(values: Mapping[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _json_object(raw: bytes) -> Dict[str, Any]:
    try:
        parsed = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
