"""Typed errors built from the service's ``application/problem+json`` answers (RFC 9457)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple, Type

PROBLEM_PREFIX = "urn:oauth-refresher:problem:"


@dataclass(frozen=True)
class Violation:
    """One invalid field of a request, as a 400 names it."""

    field: str
    message: str


class OAuthRefresherError(Exception):
    """An answer that is not a success, or no answer at all (``status`` is ``None``).

    ``type`` is the problem's URI (``urn:oauth-refresher:problem:reconnect-required``), ``code`` its stable slug to
    switch on (``reconnect-required``); ``detail`` is written for people and never carries a token or a key.
    ``retry_after`` is the seconds ``Retry-After`` asked for, when the answer had one."""

    def __init__(self, status: Optional[int], type: Optional[str] = None, title: Optional[str] = None,
                 detail: Optional[str] = None, retry_after: Optional[float] = None,
                 problem: Optional[Mapping[str, Any]] = None) -> None:
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.retry_after = retry_after
        self.problem: Dict[str, Any] = dict(problem or {})
        super().__init__(self._message())

    @property
    def code(self) -> Optional[str]:
        if self.type is not None and self.type.startswith(PROBLEM_PREFIX):
            return self.type[len(PROBLEM_PREFIX):]
        return self.type

    def _message(self) -> str:
        head = "HTTP %s" % self.status if self.status is not None else "no answer"
        parts = [head]
        if self.code:
            parts.append(self.code)
        if self.detail:
            parts.append(self.detail)
        elif self.title:
            parts.append(self.title)
        return ": ".join(parts)

    def __repr__(self) -> str:
        return "%s(status=%r, type=%r, detail=%r)" % (type(self).__name__, self.status, self.type, self.detail)


class TransportError(OAuthRefresherError):
    """The service could not be reached or did not answer in time (``status`` is ``None``)."""


class InvalidRequest(OAuthRefresherError):
    """400: ``violations`` names each invalid field."""

    def __init__(self, *args: Any, violations: Tuple[Violation, ...] = (), **kwargs: Any) -> None:
        self.violations = violations
        super().__init__(*args, **kwargs)


class Unauthorized(OAuthRefresherError):
    """401: no valid, unrevoked API key."""


class Forbidden(OAuthRefresherError):
    """403: the key lacks the scope the detail names."""


class NotFound(OAuthRefresherError):
    """404: no such resource for this key's tenant (another tenant's integration is a 404 too)."""


class Conflict(OAuthRefresherError):
    """409: e.g. ``conflict`` (the account is already registered) or ``rotation-pending`` (see ``retry_after``)."""


class ReconnectRequired(OAuthRefresherError):
    """424: the integration cannot give tokens until its user consents again. ``code`` is ``reconnect-required``
    (the grant was revoked or expired) or ``integration-error`` (the integration is in ``error``). Send the user to a
    reconnect session (``Client.reconnect_session``); never retried."""

    def __init__(self, *args: Any, integration_id: Optional[str] = None, **kwargs: Any) -> None:
        self.integration_id = integration_id
        super().__init__(*args, **kwargs)


class RateLimited(OAuthRefresherError):
    """429: the key's rate or the tenant's refresh budget; wait ``retry_after`` seconds."""


class Unavailable(OAuthRefresherError):
    """503: no token now (backing off, provider or token store failing, refresh elsewhere); wait ``retry_after``."""


_BY_STATUS: Dict[int, Type[OAuthRefresherError]] = {
    400: InvalidRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict,
    424: ReconnectRequired, 429: RateLimited, 503: Unavailable,
}


def error_for(status: int, problem: Mapping[str, Any], retry_after: Optional[float],
              integration_id: Optional[str] = None) -> OAuthRefresherError:
    """The typed error for one answer; ``problem`` is its parsed body (empty when it was not problem+json)."""
    cls = _BY_STATUS.get(status, OAuthRefresherError)
    fields: Dict[str, Any] = dict(
        type=_text(problem.get("type")), title=_text(problem.get("title")), detail=_text(problem.get("detail")),
        retry_after=retry_after, problem=problem)
    if cls is InvalidRequest:
        fields["violations"] = _violations(problem.get("violations"))
    if cls is ReconnectRequired:
        fields["integration_id"] = integration_id
    return cls(status, **fields)


def _text(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _violations(raw: Any) -> Tuple[Violation, ...]:
    found: List[Violation] = []
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict):
                found.append(Violation(str(item.get("field", "")), str(item.get("message", ""))))
    return tuple(found)
