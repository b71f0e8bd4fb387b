"""A background job calling the provider's API with a token from oauth-refresher (Celery, RQ, a management command)."""

import urllib.error
import urllib.request

from django.conf import settings

from oauth_refresher import AccessToken, Client, RateLimited, ReconnectRequired, RetryPolicy, Unavailable

from .models import OAuthIntegration

# workers can afford to wait a little for a 429 or 503; a web request should not (no retry there)
client = Client(settings.OAUTH_REFRESHER_URL, settings.OAUTH_REFRESHER_KEY, timeout=30,
                retry=RetryPolicy(max_attempts=3, max_wait=30))


class TryLater(Exception):
    """Re-queue the job after ``delay`` seconds."""

    def __init__(self, delay: float) -> None:
        super().__init__("try again in %.0f s" % delay)
        self.delay = delay


def fetch(integration_id: str, url: str) -> bytes:
    """GET ``url`` at the provider as the integration's user."""
    try:
        return _get(url, _token(integration_id, force=False))
    except urllib.error.HTTPError as refused:
        if refused.code != 401:
            raise
    # the provider refused a token that should still be valid (revoked, replaced): once more with a forced refresh
    return _get(url, _token(integration_id, force=True))


def _token(integration_id: str, force: bool) -> AccessToken:
    try:
        return client.access_token(integration_id, min_valid_seconds=300, force_refresh=force)
    except ReconnectRequired:
        # only the user can fix it: show the reconnect banner, do not retry the job
        OAuthIntegration.objects.filter(integration_id=integration_id).update(needs_reconnect=True)
        raise
    except (RateLimited, Unavailable) as busy:
        raise TryLater(busy.retry_after or 60) from None


def _get(url: str, token: AccessToken) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": token.authorization})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.read()
