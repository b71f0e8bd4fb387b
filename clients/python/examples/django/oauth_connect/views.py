"""Connect, the return from it, and the status webhook receiver.

Settings: OAUTH_REFRESHER_URL, OAUTH_REFRESHER_KEY (a tenant key with integrations:read, integrations:write,
tokens:read), OAUTH_REFRESHER_PROVIDER_GROUP (e.g. "google-default"), OAUTH_REFRESHER_RETURN_URL (exactly as the
operator put it on the tenant's redirect-URI list; never built from the request's Host header) and
OAUTH_REFRESHER_WEBHOOK_SECRETS (a list: the endpoint's whsec_ secret, and the previous one during a rotation).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from oauth_refresher import (
    Client, OAuthRefresherError, WebhookVerificationError, parse_connect_return, verify_webhook)

from .models import OAuthIntegration

# one client per process; it is thread-safe and holds no connection
client = Client(settings.OAUTH_REFRESHER_URL, settings.OAUTH_REFRESHER_KEY, timeout=10)

SESSION_KEY = "oauth_refresher_connect"


@login_required
@require_POST
def connect_start(request: HttpRequest) -> HttpResponse:
    """Starts a consent: a new connection, or a reconnect of one of this user's integrations (POST integration_id)."""
    reconnecting = request.POST.get("integration_id")
    if reconnecting:
        # only the user's own integration: the service would accept any of the tenant's
        mine = get_object_or_404(OAuthIntegration, user=request.user, integration_id=reconnecting)
        session = client.reconnect_session(mine.integration_id, settings.OAUTH_REFRESHER_RETURN_URL,
                                           provider_group=mine.provider_group)
    else:
        session = client.create_connect_session(settings.OAUTH_REFRESHER_PROVIDER_GROUP,
                                                settings.OAUTH_REFRESHER_RETURN_URL,
                                                login_hint=request.user.email or None)
    # remember which consent this browser started: the return URL alone proves nothing
    request.session[SESSION_KEY] = {"integration_id": reconnecting or None}
    # session.url is a one-time capability: redirect to it, never log it
    return HttpResponseRedirect(session.url)


@login_required
@require_GET
def connect_return(request: HttpRequest) -> HttpResponse:
    """Where the service sends the browser back: ?integration_id=…&outcome=connected|reconnected, or ?error=…."""
    started = request.session.pop(SESSION_KEY, None)
    if started is None:
        return HttpResponseBadRequest("No connection was started from this browser.")
    try:
        back = parse_connect_return(request.META.get("QUERY_STRING", ""))
    except ValueError:
        return HttpResponseBadRequest("Unreadable connection result.")
    if not back.ok:
        # e.g. access_denied (the user said no), no_refresh_token, wrong_account, session_expired: offer to retry
        return HttpResponseRedirect(reverse("oauth-integrations") + "?" + urlencode({"error": back.error}))
    if started["integration_id"] and back.integration_id != started["integration_id"]:
        return HttpResponseBadRequest("This is not the connection you started.")
    try:
        # the key sees only this tenant's integrations: an id typed into the URL by someone else is a NotFound
        integration = client.get_integration(back.integration_id)
    except OAuthRefresherError:
        return HttpResponseBadRequest("The connection could not be confirmed.")
    OAuthIntegration.objects.update_or_create(
        integration_id=integration.id,
        defaults={"user": request.user, "provider_group": integration.provider_group,
                  "external_account": integration.external_account, "needs_reconnect": False})
    return HttpResponseRedirect(reverse("oauth-integrations"))


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Status webhooks: verified on the raw body, applied in order, answered at once (slow work goes to a queue)."""
    try:
        event = verify_webhook(settings.OAUTH_REFRESHER_WEBHOOK_SECRETS, request.headers, request.body)
    except WebhookVerificationError:
        return HttpResponse(status=400)
    data = event.data
    if event.type.startswith("integration."):
        # retries reuse the webhook-id and replays can come late: the guarded update applies each change once, in order
        newer = OAuthIntegration.objects.filter(integration_id=data["integrationId"],
                                                status_version__lt=data["statusVersion"])
        if event.type in ("integration.expired", "integration.error"):
            newer.update(needs_reconnect=True, status_version=data["statusVersion"])
        elif event.type in ("integration.reconnected", "integration.recovered", "integration.connected"):
            newer.update(needs_reconnect=False, status_version=data["statusVersion"])
        elif event.type == "integration.deleted":
            newer.delete()
    return HttpResponse(status=204)
