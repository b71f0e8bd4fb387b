"""A value that is passed on, never printed: tokens, keys and signing secrets."""

from __future__ import annotations

import hmac
from typing import Union


class Secret:
    """Holds a secret string; ``str()``, ``repr()`` and formatting show ``[redacted]``, ``reveal()`` the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a Secret holds a str")
        self._value = value

    def reveal(self) -> str:
        """The value itself: call this only where it leaves for its destination (a header, a request body)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('[redacted]')"

    def __str__(self) -> str:
        return "[redacted]"

    def __format__(self, spec: str) -> str:
        return format("[redacted]", spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        # constant time, so that comparing secrets in application code leaks nothing through timing
        return hmac.compare_digest(self._value.encode("utf-8"), other._value.encode("utf-8"))

    def __hash__(self) -> int:
        # hashing would make the value reachable through dict internals and timing; a secret is not a key
        raise TypeError("a Secret is not hashable")

    def __reduce__(self) -> object:
        # pickling would write the value into caches and task queues in clear
        raise TypeError("a Secret cannot be pickled")


def secret_value(value: Union[str, Secret]) -> str:
    """The plain value of a str or a Secret, for request bodies."""
    return value.reveal() if isinstance(value, Secret) else value
