"""ISO-8601 instants as the service writes them (Jackson: ``2026-12-01T22:08:38.223456789Z``), on Python 3.9+."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Optional

_INSTANT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$")


def parse_instant(text: str) -> datetime:
    """A timezone-aware UTC datetime. Python 3.9's ``fromisoformat`` takes neither ``Z`` nor nanoseconds, hence this."""
    match = _INSTANT.match(text)
    if match is None:
        raise ValueError("not an ISO-8601 instant: %r" % text)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micros = int((fraction or "0").ljust(6, "0")[:6])
    if zone == "Z":
        tz = timezone.utc
    else:
        sign = 1 if zone[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    value = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micros, tzinfo=tz)
    return value.astimezone(timezone.utc)


def parse_optional_instant(text: Optional[str]) -> Optional[datetime]:
    return None if text is None else parse_instant(text)


def format_instant(value: datetime) -> str:
    """``2026-12-01T12:00:00Z``; a naive datetime is refused, as its zone would be a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("the datetime must be timezone-aware (e.g. datetime.now(timezone.utc))")
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
