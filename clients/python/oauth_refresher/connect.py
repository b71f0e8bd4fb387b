"""Where the user's browser comes back to after a connect session: the app's ``redirectUri`` with a query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional
from urllib.parse import parse_qs

OUTCOMES = ("connected", "reconnected")


@dataclass(frozen=True)
class ConnectReturn:
    """``?integration_id=…&outcome=connected|reconnected`` on success, ``?error=…`` (and perhaps the integration id
    of a reconnect) otherwise. Anyone can type such a URL: it is a hint, not a proof. Confirm with
    ``Client.get_integration(integration_id)`` (your key only sees your tenant's integrations), and compare it with
    the integration the session you started was for."""

    integration_id: Optional[str]
    outcome: Optional[str]
    error: Optional[str]

    @property
    def ok(self) -> bool:
        return self.error is None


def parse_connect_return(query_string: str) -> ConnectReturn:
    """Reads the return query (with or without its leading ``?``; Django: ``request.META["QUERY_STRING"]``).
    Raises ``ValueError`` when it is neither a success nor an error (a repeated parameter, an unknown outcome)."""
    params: Dict[str, List[str]] = parse_qs(query_string.lstrip("?"), keep_blank_values=True)
    for name, values in params.items():
        if len(values) > 1:
            raise ValueError("the connect return repeats %r" % name)
    integration_id = _one(params, "integration_id")
    outcome = _one(params, "outcome")
    error = _one(params, "error")
    if error is not None:
        if not error:
            raise ValueError("the connect return has an empty error")
        return ConnectReturn(integration_id=integration_id, outcome=None, error=error)
    if outcome not in OUTCOMES:
        raise ValueError("the connect return has no error and no known outcome")
    if not integration_id:
        raise ValueError("the connect return has an outcome but no integration_id")
    return ConnectReturn(integration_id=integration_id, outcome=outcome, error=None)


def _one(params: Dict[str, List[str]], name: str) -> Optional[str]:
    values = params.get(name)
    return values[0] if values else None
