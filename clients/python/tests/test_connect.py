"""Connect sessions as sent to the service, and the browser's return as the app reads it."""

from __future__ import annotations

import unittest
from datetime import datetime, timezone

from oauth_refresher import Client, ConnectReturn, InvalidRequest, parse_connect_return

from .stub import StubServer, ok, problem
from .test_client import IID, INTEGRATION, KEY

SESSION = {"id": "Xq3sessionCapability", "url": "https://refresher.example.com/connect/Xq3sessionCapability",
           "expiresAt": "2026-12-01T12:10:00Z"}


class ConnectSessionTest(unittest.TestCase):

    def setUp(self) -> None:
        self.stub = StubServer()
        self.addCleanup(self.stub.close)
        self.client = Client(self.stub.url, KEY, timeout=5)

    def test_should_send_every_field_of_a_connect_session(self) -> None:
        self.stub.answer(ok(SESSION, status=201))

        session = self.client.create_connect_session("google-default", "https://app.example.com/oauth/done",
                                                     scopes=["openid", "email"], integration_id=IID,
                                                     login_hint="ann@example.com")

        sent = self.stub.requests[0]
        self.assertEqual(("POST", "/v1/connect-sessions"), (sent.method, sent.path))
        self.assertEqual({"providerGroup": "google-default", "redirectUri": "https://app.example.com/oauth/done",
                          "scopes": ["openid", "email"], "integrationId": IID, "loginHint": "ann@example.com"},
                         sent.json())
        self.assertEqual((SESSION["id"], SESSION["url"]), (session.id, session.url))
        self.assertEqual(datetime(2026, 12, 1, 12, 10, tzinfo=timezone.utc), session.expires_at)

    def test_should_leave_out_what_is_not_given(self) -> None:
        self.stub.answer(ok(SESSION, status=201))

        self.client.create_connect_session("google-default", "https://app.example.com/oauth/done")

        self.assertEqual({"providerGroup": "google-default", "redirectUri": "https://app.example.com/oauth/done"},
                         self.stub.requests[0].json())

    def test_should_keep_the_session_link_out_of_repr(self) -> None:
        self.stub.answer(ok(SESSION, status=201))

        session = self.client.create_connect_session("google-default", "https://app.example.com/oauth/done")

        self.assertNotIn("Xq3sessionCapability", repr(session))

    def test_should_create_a_reconnect_session_for_the_integrations_group(self) -> None:
        self.stub.answer(ok(INTEGRATION), ok(SESSION, status=201))

        self.client.reconnect_session(IID, "https://app.example.com/oauth/done")

        read, created = self.stub.requests
        self.assertEqual(("GET", "/v1/integrations/" + IID), (read.method, read.path))
        self.assertEqual({"providerGroup": "google-default", "redirectUri": "https://app.example.com/oauth/done",
                          "integrationId": IID}, created.json())

    def test_should_not_read_the_integration_when_the_group_is_given(self) -> None:
        self.stub.answer(ok(SESSION, status=201))

        self.client.reconnect_session(IID, "https://app.example.com/oauth/done", provider_group="google-default")

        self.assertEqual(1, len(self.stub.requests))
        self.assertEqual({"providerGroup": "google-default", "redirectUri": "https://app.example.com/oauth/done",
                          "integrationId": IID}, self.stub.requests[0].json())

    def test_should_raise_the_400_that_names_the_redirect_uri(self) -> None:
        self.stub.answer(problem(400, "invalid-request", "Invalid request",
                                 violations=[{"field": "redirectUri", "message": "is not in the tenant's list"}]))

        with self.assertRaises(InvalidRequest) as raised:
            self.client.create_connect_session("google-default", "https://evil.example.com/")

        self.assertEqual("redirectUri", raised.exception.violations[0].field)


class ConnectReturnTest(unittest.TestCase):

    def test_should_read_a_success(self) -> None:
        self.assertEqual(ConnectReturn(IID, "connected", None),
                         parse_connect_return("integration_id=%s&outcome=connected" % IID))
        back = parse_connect_return("?outcome=reconnected&integration_id=%s" % IID)
        self.assertEqual((IID, "reconnected", True), (back.integration_id, back.outcome, back.ok))

    def test_should_read_an_error_with_or_without_the_integration(self) -> None:
        self.assertEqual(ConnectReturn(None, None, "access_denied"), parse_connect_return("error=access_denied"))
        wrong = parse_connect_return("integration_id=%s&error=wrong_account" % IID)
        self.assertEqual((IID, "wrong_account", False), (wrong.integration_id, wrong.error, wrong.ok))

    def test_should_refuse_what_is_neither(self) -> None:
        for query in ("", "integration_id=%s" % IID, "integration_id=%s&outcome=hacked" % IID, "outcome=connected",
                      "error=", "integration_id=a&integration_id=b&outcome=connected",
                      "error=access_denied&error=server_error"):
            with self.subTest(query):
                with self.assertRaises(ValueError):
                    parse_connect_return(query)


if __name__ == "__main__":
    unittest.main()
