"""Standard Webhooks verification: a fixed vector, one computed here with hmac, and every way a delivery is wrong."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unittest
from datetime import datetime, timezone

from oauth_refresher import Secret, WebhookVerificationError, verify_webhook, verify_webhook_signature

# the example of the Standard Webhooks specification's reference libraries
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode("ascii")
OLD_SECRET = "whsec_" + base64.b64encode(bytes(range(100, 132))).decode("ascii")
ID = "evt_5b0c6a1c11114222833394444555566"
NOW = 1764626918
BODY = json.dumps({"id": ID, "type": "webhook.test", "timestamp": "2026-12-01T22:08:38.223Z",
                   "data": {"tenant": "acme", "endpointId": "e1"}}).encode("utf-8")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Written from the specification, apart from the client: HMAC-SHA256 of id.timestamp.body, base64."""
    key = base64.b64decode(secret[len("whsec_"):])
    digest = hmac.new(key, b"%s.%d.%s" % (msg_id.encode(), timestamp, body), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(signature: str, msg_id: str = ID, timestamp: int = NOW) -> dict:
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}


class WebhookVerificationTest(unittest.TestCase):

    def assertRefused(self, secret: object, hdrs: object, body: bytes, now: float = NOW) -> None:
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(secret, hdrs, body, now=now)  # type: ignore[arg-type]

    def test_should_verify_the_specifications_example(self) -> None:
        self.assertEqual(SPEC_SIGNATURE, sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY))

        verified = verify_webhook_signature(SPEC_SECRET, headers(SPEC_SIGNATURE, SPEC_ID, SPEC_TIMESTAMP), SPEC_BODY,
                                            now=SPEC_TIMESTAMP)

        self.assertEqual(SPEC_ID, verified)
        with self.assertRaises(WebhookVerificationError):
            verify_webhook_signature(SPEC_SECRET, headers(SPEC_SIGNATURE, SPEC_ID, SPEC_TIMESTAMP), SPEC_BODY + b" ",
                                     now=SPEC_TIMESTAMP)

    def test_should_verify_a_delivery_signed_independently_and_return_its_event(self) -> None:
        event = verify_webhook(SECRET, headers(sign(SECRET, ID, NOW, BODY)), BODY, now=NOW)

        self.assertEqual((ID, "webhook.test", {"tenant": "acme", "endpointId": "e1"}), (event.id, event.type, event.data))
        self.assertEqual(datetime(2026, 12, 1, 22, 8, 38, 223000, tzinfo=timezone.utc), event.timestamp)

    def test_should_refuse_a_body_altered_by_one_byte(self) -> None:
        altered = BODY.replace(b"acme", b"acmf")

        self.assertRefused(SECRET, headers(sign(SECRET, ID, NOW, BODY)), altered)

    def test_should_refuse_a_signature_altered_by_one_byte(self) -> None:
        good = sign(SECRET, ID, NOW, BODY)
        altered = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]

        self.assertRefused(SECRET, headers(altered), BODY)

    def test_should_refuse_another_timestamp(self) -> None:
        self.assertRefused(SECRET, headers(sign(SECRET, ID, NOW, BODY), timestamp=NOW + 1), BODY)

    def test_should_refuse_another_id(self) -> None:
        self.assertRefused(SECRET, headers(sign(SECRET, ID, NOW, BODY), msg_id=ID + "0"), BODY)

    def test_should_refuse_the_wrong_secret(self) -> None:
        self.assertRefused(OLD_SECRET, headers(sign(SECRET, ID, NOW, BODY)), BODY)

    def test_should_refuse_a_timestamp_outside_the_tolerance_either_way(self) -> None:
        signed = headers(sign(SECRET, ID, NOW, BODY))

        self.assertRefused(SECRET, signed, BODY, now=NOW + 301)
        self.assertRefused(SECRET, signed, BODY, now=NOW - 301)
        verify_webhook(SECRET, signed, BODY, now=NOW + 300)
        verify_webhook(SECRET, signed, BODY, now=NOW - 300)
        verify_webhook(SECRET, signed, BODY, now=NOW + 3000, tolerance=3600)

    def test_should_take_now_as_a_datetime(self) -> None:
        signed = headers(sign(SECRET, ID, NOW, BODY))

        verify_webhook(SECRET, signed, BODY, now=datetime.fromtimestamp(NOW + 10, timezone.utc))
        self.assertRefused(SECRET, signed, BODY, now=datetime.fromtimestamp(NOW + 400, timezone.utc).timestamp())

    def test_should_refuse_a_stale_delivery_against_the_clock(self) -> None:
        self.assertRefused(SECRET, headers(sign(SECRET, ID, NOW, BODY)), BODY, now=None)  # type: ignore[arg-type]

    def test_should_accept_any_of_several_signatures_during_a_rotation(self) -> None:
        both = sign(SECRET, ID, NOW, BODY) + " " + sign(OLD_SECRET, ID, NOW, BODY)

        verify_webhook(SECRET, headers(both), BODY, now=NOW)
        verify_webhook(OLD_SECRET, headers(both), BODY, now=NOW)
        verify_webhook([SECRET, OLD_SECRET], headers(sign(OLD_SECRET, ID, NOW, BODY)), BODY, now=NOW)
        verify_webhook([Secret(OLD_SECRET), SECRET], headers(sign(SECRET, ID, NOW, BODY)), BODY, now=NOW)
        self.assertRefused([OLD_SECRET], headers(sign(SECRET, ID, NOW, BODY)), BODY)

    def test_should_accept_a_good_signature_after_a_bad_one(self) -> None:
        verify_webhook(SECRET, headers("v1,AAAA " + sign(SECRET, ID, NOW, BODY)), BODY, now=NOW)

    def test_should_ignore_signatures_of_other_versions(self) -> None:
        value = sign(SECRET, ID, NOW, BODY).split(",", 1)[1]

        self.assertRefused(SECRET, headers("v1a," + value), BODY)
        self.assertRefused(SECRET, headers(value), BODY)

    def test_should_take_the_secret_with_or_without_its_prefix(self) -> None:
        verify_webhook(SECRET[len("whsec_"):], headers(sign(SECRET, ID, NOW, BODY)), BODY, now=NOW)

    def test_should_read_header_names_in_any_case_from_a_mapping_or_pairs(self) -> None:
        signature = sign(SECRET, ID, NOW, BODY)

        verify_webhook(SECRET, {"Webhook-Id": ID, "WEBHOOK-TIMESTAMP": str(NOW), "Webhook-Signature": signature},
                       BODY, now=NOW)
        verify_webhook(SECRET, [("webhook-ID", ID), ("Webhook-Timestamp", str(NOW)), ("webhook-signature", signature)],
                       BODY, now=NOW)

    def test_should_refuse_a_missing_header(self) -> None:
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            with self.subTest(name):
                hdrs = headers(sign(SECRET, ID, NOW, BODY))
                del hdrs[name]
                self.assertRefused(SECRET, hdrs, BODY)

    def test_should_refuse_a_timestamp_that_is_not_unix_seconds(self) -> None:
        hdrs = headers(sign(SECRET, ID, NOW, BODY))
        hdrs["webhook-timestamp"] = "2026-12-01T22:08:38Z"

        self.assertRefused(SECRET, hdrs, BODY)

    def test_should_refuse_a_signed_body_that_is_not_an_event(self) -> None:
        self.assertRefused(SECRET, headers(sign(SECRET, ID, NOW, b"[1]")), b"[1]")

    def test_should_insist_on_the_raw_body(self) -> None:
        with self.assertRaises(TypeError):
            verify_webhook(SECRET, headers(sign(SECRET, ID, NOW, BODY)), BODY.decode("utf-8"), now=NOW)  # type: ignore[arg-type]

    def test_should_say_when_the_secret_is_not_base64_without_showing_it(self) -> None:
        with self.assertRaises(ValueError) as raised:
            verify_webhook("whsec_not*base64!", headers(sign(SECRET, ID, NOW, BODY)), BODY, now=NOW)

        self.assertNotIn("not*base64", str(raised.exception))
        self.assertNotIsInstance(raised.exception, WebhookVerificationError)


if __name__ == "__main__":
    unittest.main()
