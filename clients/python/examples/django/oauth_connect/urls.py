"""Mount with path("oauth/", include("oauth_connect.urls")); the return URL goes on the tenant's redirect-URI list,
the webhook URL into POST /v1/webhook-endpoints."""

from django.urls import path

from . import views

urlpatterns = [
    path("connect/", views.connect_start, name="oauth-connect-start"),
    path("connect/done/", views.connect_return, name="oauth-connect-return"),
    path("webhooks/", views.webhook, name="oauth-webhook"),
]
