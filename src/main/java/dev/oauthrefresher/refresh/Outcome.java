package dev.oauthrefresher.refresh;

import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;

/**
 * How one claimed integration leaves a run; decides the guarded update that is written for it. A closed
 * set, so the writer and the run's counters handle every case.
 */
sealed interface Outcome {

    /**
     * The new tokens are in the token store; the row gets the new expiry. {@code oddities} names what was odd
     * about the provider's answer (recorded in {@code refresh_attempt.note}).
     */
    record Refreshed(Instant newExpiry, boolean rotated, List<String> oddities) implements Outcome {

        public Refreshed {
            oddities = List.copyOf(oddities);
        }

        @Override
        public String kind() {
            return "refreshed";
        }
    }

    /** The grant is dead: {@code active → expired}. */
    record Expired(String code, String message, int httpStatus) implements Outcome {
        @Override
        public String kind() {
            return "expired";
        }
    }

    /** Cannot be refreshed without an operator (unknown provider group, no stored tokens): {@code active → error}. */
    record Errored(String code, String message) implements Outcome {
        @Override
        public String kind() {
            return "error";
        }
    }

    /**
     * A transient failure: backoff until {@code nextAttemptAt}; becomes {@code error} only past both error
     * thresholds.
     */
    record Failed(String code, String message, OptionalInt httpStatus, Instant nextAttemptAt) implements Outcome {
        @Override
        public String kind() {
            return "transient_failure";
        }
    }

    /**
     * Released untouched, not the integration's fault (open circuit, token store unavailable). {@code attempted}
     * says whether anything was called for it, which decides whether a {@code refresh_attempt} row is written.
     */
    record Deferred(String reason, boolean attempted) implements Outcome {
        @Override
        public String kind() {
            return "deferred";
        }
    }

    /**
     * The provider rotated the refresh token and the token store has not taken the new one yet: the row
     * stays leased while {@link PendingRotations} keeps trying, so no run can use the now-dead old token.
     */
    record RotationPending(String reason) implements Outcome {
        @Override
        public String kind() {
            return "rotation_pending";
        }
    }

    /** The short code recorded in {@code refresh_attempt.outcome}. */
    String kind();
}
