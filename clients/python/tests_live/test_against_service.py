"""The client against the packaged service (PythonClientIT starts it and seeds it, then runs this folder).

Skipped unless ``OAUTH_REFRESHER_URL`` is set; when ``OAUTH_REFRESHER_LIVE=1`` (the IT sets it) a missing setting is
a failure, never a skip. Settings: ``OAUTH_REFRESHER_URL``, ``OAUTH_REFRESHER_KEY`` (scopes tokens:read,
integrations:read, integrations:write, webhooks:write), ``OAUTH_REFRESHER_INTEGRATION`` (an active integration),
``OAUTH_REFRESHER_REVOKED_INTEGRATION`` (one whose grant the provider has revoked), ``OAUTH_REFRESHER_PROVIDER_GROUP``
(a group the tenant may register in). The service must admit http loopback webhook URLs
(``refresher.webhooks.allow-insecure-urls``) and honour ``forceRefresh`` on integrations registered moments ago
(``refresher.on-demand.force-refresh-min-interval=0s``)."""

from __future__ import annotations

import http.client
import os
import threading
import unittest
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Tuple
from urllib.parse import parse_qs, urlsplit

from oauth_refresher import (
    Client, InvalidRequest, NotFound, ReconnectRequired, RetryPolicy, WebhookVerificationError, verify_webhook)

SETTINGS = ("OAUTH_REFRESHER_URL", "OAUTH_REFRESHER_KEY", "OAUTH_REFRESHER_INTEGRATION",
            "OAUTH_REFRESHER_REVOKED_INTEGRATION", "OAUTH_REFRESHER_PROVIDER_GROUP")
REQUIRED = os.environ.get("OAUTH_REFRESHER_LIVE") == "1"
DELIVERY_WAIT_SECONDS = 30


def settings() -> Dict[str, str]:
    missing = [name for name in SETTINGS if not os.environ.get(name)]
    if missing:
        if REQUIRED:
            raise AssertionError("OAUTH_REFRESHER_LIVE=1 but %s not set" % ", ".join(missing))
        raise unittest.SkipTest("no service to test against (set %s)" % ", ".join(SETTINGS))
    return {name: os.environ[name] for name in SETTINGS}


class Receiver:
    """A webhook receiver on 127.0.0.1 that keeps each delivery's headers and raw body and answers 204."""

    def __init__(self) -> None:
        self.deliveries: List[Tuple[Dict[str, str], bytes]] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(204)
                self.end_headers()
                with receiver.arrived:
                    receiver.deliveries.append(({k: v for k, v in self.headers.items()}, body))
                    receiver.arrived.notify_all()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d/hooks/oauth" % self._server.server_address[1]

    def await_delivery(self, webhook_id: str) -> Tuple[Dict[str, str], bytes]:
        """The delivery with ``webhook_id``, waiting for it at most DELIVERY_WAIT_SECONDS."""
        def find() -> Any:
            return next((d for d in self.deliveries
                         if {k.lower(): v for k, v in d[0].items()}.get("webhook-id") == webhook_id), None)

        with self.arrived:
            if not self.arrived.wait_for(find, timeout=DELIVERY_WAIT_SECONDS):
                raise AssertionError("no delivery of %s within %d s" % (webhook_id, DELIVERY_WAIT_SECONDS))
            return find()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class AgainstServiceTest(unittest.TestCase):

    def setUp(self) -> None:
        self.env = settings()
        # setup calls draw on the tenant's operation budget: a client that honours Retry-After rides it out
        self.client = Client(self.env["OAUTH_REFRESHER_URL"], self.env["OAUTH_REFRESHER_KEY"], timeout=30,
                             retry=RetryPolicy(max_attempts=5, max_wait=10))

    def test_should_serve_an_access_token_and_refresh_it_when_forced(self) -> None:
        iid = self.env["OAUTH_REFRESHER_INTEGRATION"]

        token = self.client.access_token(iid, min_valid_seconds=60)
        forced = self.client.access_token(iid, force_refresh=True)

        self.assertTrue(token.access_token.reveal())
        self.assertGreater(token.expires_at, datetime.now(timezone.utc))
        self.assertTrue(forced.refreshed)
        self.assertNotEqual(token.access_token, forced.access_token)
        self.assertNotIn(forced.access_token.reveal(), repr(forced))

    def test_should_raise_reconnect_required_for_a_revoked_grant_until_reconnected(self) -> None:
        iid = self.env["OAUTH_REFRESHER_REVOKED_INTEGRATION"]

        with self.assertRaises(ReconnectRequired) as raised:
            self.client.access_token(iid, force_refresh=True)

        self.assertEqual((424, "reconnect-required", iid),
                         (raised.exception.status, raised.exception.code, raised.exception.integration_id))
        self.assertTrue(raised.exception.detail)
        self.assertEqual("expired", self.client.get_integration(iid).status)
        new_token = "at-reconnected-%s" % uuid.uuid4()
        reconnected = self.client.reconnect(iid, new_token, "rt-reconnected-%s" % uuid.uuid4(),
                                            datetime.now(timezone.utc) + timedelta(hours=1))
        self.assertEqual("active", reconnected.status)
        self.assertEqual(new_token, self.client.access_token(iid).access_token.reveal())

    def test_should_name_the_invalid_field_of_a_400(self) -> None:
        with self.assertRaises(InvalidRequest) as raised:
            self.client.access_token(self.env["OAUTH_REFRESHER_INTEGRATION"], min_valid_seconds=100000)

        self.assertEqual(["minValidSeconds"], [v.field for v in raised.exception.violations])

    def test_should_register_list_read_and_disconnect_an_integration(self) -> None:
        account = "py-%s@example.com" % uuid.uuid4().hex[:12]
        created = self.client.register_integration(
            "oauth2", self.env["OAUTH_REFRESHER_PROVIDER_GROUP"], account, "at-py-%s" % uuid.uuid4(),
            "rt-py-%s" % uuid.uuid4(), datetime.now(timezone.utc) + timedelta(hours=1))

        listed = self.client.list_integrations(status="active", limit=1000)
        read = self.client.get_integration(created.id)
        self.client.disconnect(created.id)

        self.assertEqual((account, "active"), (created.external_account, created.status))
        self.assertIn(created.id, [i.id for i in listed.items])
        self.assertEqual(created.id, read.id)
        with self.assertRaises(NotFound):
            self.client.get_integration(created.id)

    def test_should_verify_a_webhook_the_service_signed_and_refuse_it_altered(self) -> None:
        receiver = Receiver()
        self.addCleanup(receiver.close)
        endpoint = self.client.create_webhook_endpoint(receiver.url, ["integration.expired"])

        webhook_id = self.client.send_test_webhook(endpoint.id)
        headers, body = receiver.await_delivery(webhook_id)

        event = verify_webhook(endpoint.secret, headers, body)
        self.assertEqual((webhook_id, "webhook.test", endpoint.id),
                         (event.id, event.type, event.data.get("endpointId")))
        altered_body = body[:-2] + bytes([body[-2] ^ 0x01]) + body[-1:]
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(endpoint.secret, headers, altered_body)
        signature_name = next(k for k in headers if k.lower() == "webhook-signature")
        signature = headers[signature_name]
        altered_signature = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1:]
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(endpoint.secret, dict(headers, **{signature_name: altered_signature}), body)

    def test_should_create_a_connect_session_whose_link_starts_the_consent_with_pkce(self) -> None:
        connect = connect_settings()
        group = self.env["OAUTH_REFRESHER_PROVIDER_GROUP"]

        session = self.client.create_connect_session(group, connect["OAUTH_REFRESHER_REDIRECT_URI"],
                                                     login_hint="user@example.test")
        reconnect = self.client.reconnect_session(self.env["OAUTH_REFRESHER_INTEGRATION"],
                                                  connect["OAUTH_REFRESHER_REDIRECT_URI"])

        self.assertTrue(session.url.startswith(connect["OAUTH_REFRESHER_PUBLIC_URL"] + "/connect/"))
        self.assertNotEqual(session.url, reconnect.url)
        self.assertGreater(session.expires_at, datetime.now(timezone.utc))
        self.assertNotIn(session.id, repr(session))
        # the link as the browser follows it, through the public URL's ingress (here: straight to the service)
        status, location = first_hop(self.env["OAUTH_REFRESHER_URL"], urlsplit(session.url).path)
        self.assertIn(status, (302, 303))
        self.assertTrue(location.startswith(connect["OAUTH_REFRESHER_AUTHORIZATION_ENDPOINT"] + "?"), location)
        query = parse_qs(urlsplit(location).query)
        self.assertEqual(["code"], query["response_type"])
        self.assertEqual(["S256"], query["code_challenge_method"])
        self.assertEqual([connect["OAUTH_REFRESHER_PUBLIC_URL"] + "/connect/callback"], query["redirect_uri"])
        self.assertEqual(["user@example.test"], query["login_hint"])
        self.assertTrue(query["state"][0] and query["code_challenge"][0])
        with self.assertRaises(InvalidRequest) as raised:
            self.client.create_connect_session(group, "https://elsewhere.example.test/return")
        self.assertEqual(["redirectUri"], [v.field for v in raised.exception.violations])


CONNECT_SETTINGS = ("OAUTH_REFRESHER_PUBLIC_URL", "OAUTH_REFRESHER_REDIRECT_URI", "OAUTH_REFRESHER_AUTHORIZATION_ENDPOINT")


def connect_settings() -> Dict[str, str]:
    """The connect settings PythonClientIT passes; missing ones fail like the others when OAUTH_REFRESHER_LIVE=1."""
    missing = [name for name in CONNECT_SETTINGS if not os.environ.get(name)]
    if missing:
        if REQUIRED:
            raise AssertionError("OAUTH_REFRESHER_LIVE=1 but %s not set" % ", ".join(missing))
        raise unittest.SkipTest("no connect settings (set %s)" % ", ".join(CONNECT_SETTINGS))
    return {name: os.environ[name] for name in CONNECT_SETTINGS}


def first_hop(base_url: str, path: str) -> Tuple[int, str]:
    """GET ``path`` without following the redirect: its status and Location."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    finally:
        connection.close()


if __name__ == "__main__":
    unittest.main()
