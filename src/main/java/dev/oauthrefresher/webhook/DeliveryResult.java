package dev.oauthrefresher.webhook;

import java.util.Optional;

/** How one attempt ended, as the dispatcher acts on it. */
sealed interface DeliveryResult {

    /** A short label for the delivery's {@code last_error} and the log, never holding a secret. */
    String describe();

    /** The receiver answered with this HTTP status. */
    record Answered(int status, Optional<String> retryAfter) implements DeliveryResult {
        boolean succeeded() {
            return status >= 200 && status < 300;
        }

        boolean gone() {
            return status == 410;
        }

        /** Only 429 and 503 carry a {@code Retry-After} we honour. */
        Optional<String> honouredRetryAfter() {
            return status == 429 || status == 503 ? retryAfter : Optional.empty();
        }

        @Override
        public String describe() {
            return "HTTP " + status;
        }
    }

    /** No answer: refused by the URL guard, connection failure, TLS failure, timeout. */
    record NoAnswer(String reason) implements DeliveryResult {
        @Override
        public String describe() {
            return reason;
        }
    }
}
