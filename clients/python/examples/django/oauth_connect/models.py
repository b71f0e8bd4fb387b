"""Which of the app's users owns which integration, and whether it needs its user: the app's side of the loop."""

from django.conf import settings
from django.db import models


class OAuthIntegration(models.Model):
    """One integration at oauth-refresher. No token is kept here: workers ask the service for one when they need it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oauth_integrations")
    integration_id = models.CharField(max_length=64, unique=True)
    provider_group = models.CharField(max_length=63)
    external_account = models.CharField(max_length=320)
    # set by integration.expired / integration.error webhooks and by ReconnectRequired in workers; shown as a banner
    needs_reconnect = models.BooleanField(default=False)
    # webhooks can arrive late (retries, replays): apply only events above the last statusVersion applied
    status_version = models.BigIntegerField(default=0)
