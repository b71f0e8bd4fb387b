package dev.oauthrefresher.refresh;

import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;

/**
 * How one claimed integration leaves a run; decides the guarded update that is written for it. A closed
 * set, so the writer and the run's counters handle every case.
 */
sealed interface Outcome {

    String REFRESHED = "refreshed";
    String EXPIRED = "expired";
    String ERROR = "error";
    String TRANSIENT_FAILURE = "transient_failure";
    String DEFERRED = "deferred";
    String ROTATION_PENDING = "rotation_pending";

    /** Every {@link #kind()}, so the attempt counters exist from startup. */
    List<String> KINDS = List.of(REFRESHED, EXPIRED, ERROR, TRANSIENT_FAILURE, DEFERRED, ROTATION_PENDING);

    /** The new tokens are in the token store; the row gets the new expiry. */
    record Refreshed(Instant newExpiry, boolean rotated) implements Outcome {
        @Override
        public String kind() {
            return REFRESHED;
        }
    }

    /** The grant is dead: {@code active → expired}. */
    record Expired(String code, String message, int httpStatus) implements Outcome {
        @Override
        public String kind() {
            return EXPIRED;
        }
    }

    /** Cannot be refreshed without an operator (unknown provider group, no stored tokens): {@code active → error}. */
    record Errored(String code, String message) implements Outcome {
        @Override
        public String kind() {
            return ERROR;
        }
    }

    /**
     * A transient failure: backoff until {@code nextAttemptAt}; becomes {@code error} only past both error
     * thresholds.
     */
    record Failed(String code, String message, OptionalInt httpStatus, Instant nextAttemptAt) implements Outcome {
        @Override
        public String kind() {
            return TRANSIENT_FAILURE;
        }
    }

    /**
     * Released untouched, not the integration's fault (open circuit, token store unavailable). {@code attempted}
     * says whether anything was called for it, which decides whether a {@code refresh_attempt} row is written.
     */
    record Deferred(String reason, boolean attempted) implements Outcome {
        @Override
        public String kind() {
            return DEFERRED;
        }
    }

    /**
     * The provider rotated the refresh token and the token store has not taken the new one yet: the row
     * stays leased while {@link PendingRotations} keeps trying, so no run can use the now-dead old token.
     */
    record RotationPending(String reason) implements Outcome {
        @Override
        public String kind() {
            return ROTATION_PENDING;
        }
    }

    /** The short code recorded in {@code refresh_attempt.outcome}. */
    String kind();
}
