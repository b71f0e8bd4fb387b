"""The small values: secrets that redact, Retry-After in both forms, the service's instants."""

from __future__ import annotations

import pickle
import unittest
from datetime import datetime, timedelta, timezone

from oauth_refresher import Secret, parse_retry_after
from oauth_refresher._time import format_instant, parse_instant


class SecretTest(unittest.TestCase):

    def test_should_redact_in_every_text_form(self) -> None:
        secret = Secret("s3cr3t")

        self.assertEqual(["[redacted]"] * 3, [str(secret), "%s" % secret, f"{secret}"])
        self.assertNotIn("s3cr3t", repr(secret) + repr([secret]) + repr({"k": secret}))
        self.assertEqual("s3cr3t", secret.reveal())

    def test_should_refuse_pickling_and_hashing(self) -> None:
        with self.assertRaises(TypeError):
            pickle.dumps(Secret("s3cr3t"))
        with self.assertRaises(TypeError):
            hash(Secret("s3cr3t"))

    def test_should_compare_by_value(self) -> None:
        self.assertEqual(Secret("a"), Secret("a"))
        self.assertNotEqual(Secret("a"), Secret("b"))


class RetryAfterTest(unittest.TestCase):

    NOW = datetime(2026, 12, 5, 9, 0, 0, tzinfo=timezone.utc)

    def test_should_read_delta_seconds(self) -> None:
        self.assertEqual(5.0, parse_retry_after("5"))
        self.assertEqual(0.0, parse_retry_after(" 0 "))

    def test_should_read_an_http_date(self) -> None:
        self.assertEqual(90.0, parse_retry_after("Sat, 05 Dec 2026 09:01:30 GMT", now=self.NOW))

    def test_should_read_a_past_date_as_no_wait(self) -> None:
        self.assertEqual(0.0, parse_retry_after("Sat, 05 Dec 2026 08:00:00 GMT", now=self.NOW))

    def test_should_ignore_what_it_cannot_read(self) -> None:
        for value in (None, "", "soon", "-5", "1.5"):
            with self.subTest(value):
                self.assertIsNone(parse_retry_after(value, now=self.NOW))


class InstantTest(unittest.TestCase):

    def test_should_read_the_services_instants(self) -> None:
        self.assertEqual(datetime(2026, 12, 1, 22, 8, 38, 123456, tzinfo=timezone.utc),
                         parse_instant("2026-12-01T22:08:38.123456789Z"))
        self.assertEqual(datetime(2026, 12, 1, 22, 8, tzinfo=timezone.utc), parse_instant("2026-12-01T22:08Z"))
        self.assertEqual(datetime(2026, 12, 1, 20, 8, 38, tzinfo=timezone.utc), parse_instant("2026-12-01T22:08:38+02:00"))

    def test_should_refuse_what_is_not_an_instant(self) -> None:
        for text in ("2026-12-01", "2026-12-01T22:08:38", "yesterday"):
            with self.subTest(text):
                with self.assertRaises(ValueError):
                    parse_instant(text)

    def test_should_write_utc_with_z(self) -> None:
        self.assertEqual("2026-12-01T12:00:00Z", format_instant(datetime(2026, 12, 1, 13, 0,
                                                                         tzinfo=timezone(timedelta(hours=1)))))


if __name__ == "__main__":
    unittest.main()
