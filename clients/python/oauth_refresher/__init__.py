"""Client for oauth-refresher: access tokens, integrations, connect sessions, webhook verification.

Standard library only. Tokens, API keys and webhook secrets are ``Secret`` values whose ``repr`` and ``str`` redact;
the package logs (logger ``oauth_refresher``, DEBUG) method, path and status only."""

__version__ = "0.1.0"

from ._secret import Secret  # noqa: E402
from .client import Client  # noqa: E402
from .connect import ConnectReturn, parse_connect_return  # noqa: E402
from .errors import (  # noqa: E402
    Conflict, Forbidden, InvalidRequest, NotFound, OAuthRefresherError, RateLimited, ReconnectRequired,
    TransportError, Unauthorized, Unavailable, Violation)
from .models import AccessToken, ConnectSession, Integration, IntegrationPage, WebhookEndpoint  # noqa: E402
from .retry import RetryPolicy, call_with_retries, parse_retry_after  # noqa: E402
from .webhooks import (  # noqa: E402
    WebhookEvent, WebhookVerificationError, verify_webhook, verify_webhook_signature)

__all__ = [
    "AccessToken", "Client", "Conflict", "ConnectReturn", "ConnectSession", "Forbidden", "Integration",
    "IntegrationPage", "InvalidRequest", "NotFound", "OAuthRefresherError", "RateLimited", "ReconnectRequired",
    "RetryPolicy", "Secret", "TransportError", "Unauthorized", "Unavailable", "Violation", "WebhookEndpoint",
    "WebhookEvent", "WebhookVerificationError", "__version__", "call_with_retries", "parse_connect_return",
    "parse_retry_after", "verify_webhook", "verify_webhook_signature",
]
