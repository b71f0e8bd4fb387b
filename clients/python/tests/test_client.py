"""The client against a local stand-in of the service: requests as sent, answers and problems as typed values."""

from __future__ import annotations

import email.utils
import logging
import socket
import threading
import unittest
from datetime import datetime, timedelta, timezone

from oauth_refresher import (
    Client, Conflict, InvalidRequest, NotFound, OAuthRefresherError, RateLimited, ReconnectRequired, RetryPolicy,
    TransportError, Unavailable, Violation)

from .stub import Answer, StubServer, ok, problem

KEY = "orf_live_k3yThatMustNeverShowUpAnywhere0000000000000"
TOKEN = "at-fixture-that-must-never-show-up"
IID = "8f0e6a1c-1111-4222-8333-944445555666"
TOKEN_ANSWER = {"accessToken": TOKEN, "tokenType": "Bearer", "expiresAt": "2026-12-01T12:00:00.123456789Z",
                "scope": "email", "refreshed": True, "minValidSatisfied": True}
INTEGRATION = {"id": IID, "tenantId": "acme", "provider": "google", "providerGroup": "google-default",
               "externalAccount": "ann@example.com", "status": "active",
               "accessTokenExpiresAt": "2026-12-01T12:00:00Z", "lastRefreshedAt": None, "lastAttemptAt": None,
               "nextAttemptAt": "2026-12-01T11:55:00.5Z", "consecutiveFailures": 0, "lastErrorCode": None,
               "lastErrorMessage": None, "createdAt": "2026-12-01T11:00:00Z", "updatedAt": "2026-12-01T11:00:00Z"}


class ClientTest(unittest.TestCase):

    def setUp(self) -> None:
        self.stub = StubServer()
        self.addCleanup(self.stub.close)
        self.sleeps: list = []
        self.client = Client(self.stub.url, KEY, timeout=5)

    def retrying(self, **policy: float) -> Client:
        return Client(self.stub.url, KEY, timeout=5, retry=RetryPolicy(**policy), sleep=self.sleeps.append)

    def test_should_send_the_access_token_request_and_read_the_token(self) -> None:
        self.stub.answer(ok(TOKEN_ANSWER))

        token = self.client.access_token(IID, min_valid_seconds=600, force_refresh=True)

        sent = self.stub.requests[0]
        self.assertEqual(("POST", "/v1/integrations/%s/access-token" % IID), (sent.method, sent.path))
        self.assertEqual({"minValidSeconds": 600, "forceRefresh": True}, sent.json())
        self.assertEqual("Bearer " + KEY, sent.headers["authorization"])
        self.assertEqual("application/json", sent.headers["content-type"])
        self.assertEqual(TOKEN, token.access_token.reveal())
        self.assertEqual("Bearer " + TOKEN, token.authorization)
        self.assertEqual(datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=timezone.utc), token.expires_at)
        self.assertEqual(("Bearer", "email", True, True),
                         (token.token_type, token.scope, token.refreshed, token.min_valid_satisfied))

    def test_should_leave_min_valid_seconds_to_the_service_when_not_given(self) -> None:
        self.stub.answer(ok(TOKEN_ANSWER))

        self.client.access_token(IID)

        self.assertEqual({"forceRefresh": False}, self.stub.requests[0].json())

    def test_should_never_show_the_token_or_the_key_in_repr_str_or_logs(self) -> None:
        self.stub.answer(ok(TOKEN_ANSWER))
        with self.assertLogs("oauth_refresher", level=logging.DEBUG) as logs:
            token = self.client.access_token(IID)

        shown = " ".join([repr(token), str(token), "%s %r" % (token.access_token, token.access_token),
                          "{}".format(token.access_token), repr(self.client), str(self.client)] + logs.output)
        self.assertNotIn(TOKEN, shown)
        self.assertNotIn(KEY, shown)
        self.assertIn("[redacted]", repr(token))
        self.assertIn("POST /v1/integrations/%s/access-token -> 200" % IID, logs.output[0])

    def test_should_raise_reconnect_required_with_the_integration_and_the_detail_on_424(self) -> None:
        self.stub.answer(problem(424, "reconnect-required", "The grant was revoked: the user must reconnect"))

        with self.assertRaises(ReconnectRequired) as raised:
            self.client.access_token(IID, force_refresh=True)

        error = raised.exception
        self.assertEqual((424, "reconnect-required", IID), (error.status, error.code, error.integration_id))
        self.assertEqual("urn:oauth-refresher:problem:reconnect-required", error.type)
        self.assertEqual("The grant was revoked: the user must reconnect", error.detail)
        self.assertEqual("Title", error.title)
        self.assertIsInstance(error, OAuthRefresherError)

    def test_should_read_retry_after_in_delta_seconds_on_429(self) -> None:
        self.stub.answer(problem(429, "tenant-refresh-budget", "Too many refreshes", retry_after="7"))

        with self.assertRaises(RateLimited) as raised:
            self.client.access_token(IID)

        self.assertEqual((429, 7.0), (raised.exception.status, raised.exception.retry_after))
        self.assertEqual("tenant-refresh-budget", raised.exception.code)

    def test_should_read_retry_after_as_an_http_date_on_429(self) -> None:
        later = datetime.now(timezone.utc) + timedelta(seconds=120)
        self.stub.answer(problem(429, "rate-limited", "Slow down", retry_after=email.utils.format_datetime(later, usegmt=True)))

        with self.assertRaises(RateLimited) as raised:
            self.client.access_token(IID)

        self.assertTrue(100 <= raised.exception.retry_after <= 120, raised.exception.retry_after)

    def test_should_raise_unavailable_with_retry_after_on_503(self) -> None:
        self.stub.answer(problem(503, "token-unavailable", "The provider failed", retry_after="5"))

        with self.assertRaises(Unavailable) as raised:
            self.client.access_token(IID)

        self.assertEqual((503, 5.0, "token-unavailable"),
                         (raised.exception.status, raised.exception.retry_after, raised.exception.code))

    def test_should_name_the_violations_of_a_400(self) -> None:
        self.stub.answer(problem(400, "invalid-request", "Invalid request", violations=[
            {"field": "minValidSeconds", "message": "must be less than or equal to 86400"}]))

        with self.assertRaises(InvalidRequest) as raised:
            self.client.access_token(IID, min_valid_seconds=100000)

        self.assertEqual((Violation("minValidSeconds", "must be less than or equal to 86400"),),
                         raised.exception.violations)

    def test_should_raise_not_found_on_404_and_conflict_on_409(self) -> None:
        self.stub.answer(problem(404, "not-found", "No such integration"),
                         problem(409, "rotation-pending", "Pending", retry_after="5"))

        with self.assertRaises(NotFound):
            self.client.get_integration(IID)
        with self.assertRaises(Conflict) as raised:
            self.client.disconnect(IID)
        self.assertEqual(5.0, raised.exception.retry_after)

    def test_should_keep_the_status_of_an_answer_that_is_not_a_problem(self) -> None:
        self.stub.answer(Answer(502, b"<html>bad gateway</html>", (("Content-Type", "text/html"),)))

        with self.assertRaises(OAuthRefresherError) as raised:
            self.client.access_token(IID)

        self.assertEqual((502, None), (raised.exception.status, raised.exception.type))

    def test_should_not_follow_a_redirect_with_the_key(self) -> None:
        elsewhere = StubServer()
        self.addCleanup(elsewhere.close)
        elsewhere.answer(ok(TOKEN_ANSWER))
        self.stub.answer(Answer(307, b"", (("Location", elsewhere.url + "/steal"),)))

        with self.assertRaises(OAuthRefresherError) as raised:
            self.client.access_token(IID)

        self.assertEqual(307, raised.exception.status)
        self.assertEqual([], elsewhere.requests)

    def test_should_raise_a_transport_error_when_nothing_answers(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        client = Client("http://127.0.0.1:%d" % port, KEY, timeout=2)

        with self.assertRaises(TransportError) as raised:
            client.access_token(IID)

        self.assertIsNone(raised.exception.status)
        self.assertNotIn(KEY, str(raised.exception))

    def test_should_raise_a_transport_error_when_the_connection_drops_unanswered(self) -> None:
        listener = socket.socket()
        self.addCleanup(listener.close)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def drop() -> None:
            connection, _ = listener.accept()
            connection.recv(65536)
            connection.close()

        dropper = threading.Thread(target=drop, daemon=True)
        dropper.start()
        client = Client("http://127.0.0.1:%d" % listener.getsockname()[1], KEY, timeout=5)

        with self.assertRaises(TransportError):
            client.access_token(IID)
        dropper.join(5)

    def test_should_retry_429_and_503_after_their_retry_after_when_asked_to(self) -> None:
        self.stub.answer(problem(503, "integration-busy", "Busy", retry_after="2"),
                         problem(429, "rate-limited", "Slow", retry_after="1"), ok(TOKEN_ANSWER))

        token = self.retrying(max_attempts=3, max_wait=10).access_token(IID)

        self.assertEqual(TOKEN, token.access_token.reveal())
        self.assertEqual([2.0, 1.0], self.sleeps)
        self.assertEqual(3, len(self.stub.requests))

    def test_should_never_retry_a_424(self) -> None:
        self.stub.answer(problem(424, "reconnect-required", "Reconnect"), ok(TOKEN_ANSWER))

        with self.assertRaises(ReconnectRequired):
            self.retrying(max_attempts=5, max_wait=10).access_token(IID)

        self.assertEqual(1, len(self.stub.requests))
        self.assertEqual([], self.sleeps)

    def test_should_stop_retrying_after_max_attempts(self) -> None:
        self.stub.answer(problem(503, "token-unavailable", "Down", retry_after="1"))

        with self.assertRaises(Unavailable):
            self.retrying(max_attempts=3, max_wait=10).access_token(IID)

        self.assertEqual(3, len(self.stub.requests))
        self.assertEqual([1.0, 1.0], self.sleeps)

    def test_should_not_wait_longer_than_max_wait(self) -> None:
        self.stub.answer(problem(429, "rate-limited", "Slow", retry_after="120"), ok(TOKEN_ANSWER))

        with self.assertRaises(RateLimited):
            self.retrying(max_attempts=3, max_wait=30).access_token(IID)

        self.assertEqual(1, len(self.stub.requests))
        self.assertEqual([], self.sleeps)

    def test_should_not_retry_unless_asked_to(self) -> None:
        self.stub.answer(problem(503, "token-unavailable", "Down", retry_after="1"), ok(TOKEN_ANSWER))

        with self.assertRaises(Unavailable):
            self.client.access_token(IID)

        self.assertEqual(1, len(self.stub.requests))

    def test_should_register_an_integration_with_the_resource_field_names(self) -> None:
        self.stub.answer(ok(INTEGRATION, status=201))
        expires = datetime(2026, 12, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))

        created = self.client.register_integration("google", "google-default", "ann@example.com", TOKEN, "rt-fixture",
                                                   expires, scope="email")

        sent = self.stub.requests[0]
        self.assertEqual(("POST", "/v1/integrations"), (sent.method, sent.path))
        self.assertEqual({"provider": "google", "providerGroup": "google-default", "externalAccount": "ann@example.com",
                          "accessToken": TOKEN, "refreshToken": "rt-fixture", "accessTokenExpiresAt": "2026-12-01T12:00:00Z",
                          "scope": "email"}, sent.json())
        self.assertEqual((IID, "acme", "active", 0), (created.id, created.tenant_id, created.status,
                                                      created.consecutive_failures))
        self.assertEqual(datetime(2026, 12, 1, 11, 55, 0, 500000, tzinfo=timezone.utc), created.next_attempt_at)
        self.assertIsNone(created.last_refreshed_at)

    def test_should_refuse_a_naive_expiry(self) -> None:
        with self.assertRaises(ValueError):
            self.client.register_integration("google", "g", "a@b.c", TOKEN, "rt", datetime(2026, 12, 1, 12, 0))
        self.assertEqual([], self.stub.requests)

    def test_should_list_with_filters_and_paging(self) -> None:
        self.stub.answer(ok({"items": [INTEGRATION], "offset": 10, "limit": 5, "total": 11}))

        page = self.client.list_integrations(status="expired", provider="google", offset=10, limit=5)

        self.assertEqual("/v1/integrations?status=expired&provider=google&offset=10&limit=5", self.stub.requests[0].path)
        self.assertEqual((10, 5, 11, IID), (page.offset, page.limit, page.total, page.items[0].id))

    def test_should_reconnect_with_put_tokens_and_disconnect_with_delete(self) -> None:
        self.stub.answer(ok(INTEGRATION), Answer(204))

        self.client.reconnect(IID, TOKEN, "rt-fixture-new", datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc))
        self.client.disconnect(IID)

        put, delete = self.stub.requests
        self.assertEqual(("PUT", "/v1/integrations/%s/tokens" % IID), (put.method, put.path))
        self.assertEqual({"accessToken": TOKEN, "refreshToken": "rt-fixture-new", "accessTokenExpiresAt": "2026-12-01T12:00:00Z"},
                         put.json())
        self.assertEqual(("DELETE", "/v1/integrations/%s" % IID), (delete.method, delete.path))

    def test_should_escape_an_id_into_one_path_segment(self) -> None:
        self.stub.answer(problem(404, "not-found", "No such integration"))

        with self.assertRaises(NotFound):
            self.client.get_integration("../admin/tenants")

        self.assertEqual("/v1/integrations/..%2Fadmin%2Ftenants", self.stub.requests[0].path)

    def test_should_create_a_webhook_endpoint_and_send_a_test(self) -> None:
        self.stub.answer(ok({"id": "e1", "url": "https://app/hooks", "events": ["integration.expired"],
                             "secret": "whsec_c2VjcmV0", "enabled": True}, status=201),
                         ok({"endpointId": "e1", "webhookId": "evt_abc"}, status=202))

        endpoint = self.client.create_webhook_endpoint("https://app/hooks", ["integration.expired"])
        webhook_id = self.client.send_test_webhook(endpoint.id)

        self.assertEqual({"url": "https://app/hooks", "events": ["integration.expired"]}, self.stub.requests[0].json())
        self.assertEqual("whsec_c2VjcmV0", endpoint.secret.reveal())
        self.assertNotIn("whsec_c2VjcmV0", repr(endpoint))
        self.assertEqual(("/v1/webhook-endpoints/e1/test", "evt_abc"), (self.stub.requests[1].path, webhook_id))

    def test_should_refuse_a_base_url_that_is_not_http(self) -> None:
        with self.assertRaises(ValueError):
            Client("file:///etc/passwd", KEY)


if __name__ == "__main__":
    unittest.main()
