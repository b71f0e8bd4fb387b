"""Bounded, opt-in retries of 429 and 503 answers, honouring ``Retry-After``. The one ``Retry-After`` parser."""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Optional, TypeVar

from .errors import RateLimited, Unavailable

T = TypeVar("T")


def parse_retry_after(value: Optional[str], now: Optional[datetime] = None) -> Optional[float]:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds (``"5"``) or an HTTP-date
    (``"Wed, 21 Oct 2026 07:28:00 GMT"``); a date in the past is 0; ``None`` when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are GMT; "-0000" parses as naive
        when = when.replace(tzinfo=timezone.utc)
    reference = now if now is not None else datetime.now(timezone.utc)
    return max(0.0, (when - reference).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """How long a caller may be held: at most ``max_attempts`` calls in all, and no single wait above ``max_wait``
    seconds. A ``Retry-After`` longer than ``max_wait`` ends the retries at once with the error (waiting less than
    the service asked would only be refused again): a web request should then fail fast, a worker may re-queue its
    job for later. Only ``RateLimited`` (429) and ``Unavailable`` (503) are retried: never ``ReconnectRequired``
    (424, only the user can fix it) nor any other error."""

    max_attempts: int = 3
    max_wait: float = 30.0
    # the service always sends Retry-After with 429 and 503; this is for a proxy in between that drops it
    default_wait: float = 1.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.max_wait < 0 or self.default_wait < 0:
            raise ValueError("waits cannot be negative")


def call_with_retries(call: Callable[[], T], policy: RetryPolicy,
                      sleep: Callable[[float], None] = time.sleep) -> T:
    """``call()``, again after the wait each 429 or 503 asks for, within ``policy``; the last error is raised."""
    attempt = 1
    while True:
        try:
            return call()
        except (RateLimited, Unavailable) as error:
            wait = error.retry_after if error.retry_after is not None else policy.default_wait
            if attempt >= policy.max_attempts or wait > policy.max_wait:
                raise
            sleep(wait)
            attempt += 1
