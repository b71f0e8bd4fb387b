package dev.oauthrefresher.refresh.attempt;

import dev.oauthrefresher.tokenstore.AccessToken;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;

/**
 * How one claimed integration leaves a run; decides the guarded update that is written for it. A closed
 * set, so the writer and the run's counters handle every case.
 */
public sealed interface Outcome {

    String REFRESHED = "refreshed";
    String EXPIRED = "expired";
    String ERROR = "error";
    String TRANSIENT_FAILURE = "transient_failure";
    String DEFERRED = "deferred";
    String ROTATION_PENDING = "rotation_pending";

    /** Every {@link #kind()}, so the attempt counters exist from startup. */
    List<String> KINDS = List.of(REFRESHED, EXPIRED, ERROR, TRANSIENT_FAILURE, DEFERRED, ROTATION_PENDING);

    /**
     * The new tokens are in the token store (a kept refresh token is not written again with
     * {@code refresher.token-store.write-access-tokens=false}); the row gets the new expiry and {@code issued} sealed
     * beside it. {@code oddities} names what was odd
     * about the provider's answer (recorded in {@code refresh_attempt.note}). {@code issued} is the new access
     * token, so an on-demand caller is served what was just written without reading it back.
     */
    record Refreshed(Instant newExpiry, boolean rotated, List<String> oddities, AccessToken issued) implements Outcome {

        public Refreshed {
            oddities = List.copyOf(oddities);
        }

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

    /** Released untouched, not the integration's fault; {@code cause} says why. */
    record Deferred(Cause cause) implements Outcome {
        @Override
        public String kind() {
            return DEFERRED;
        }

        /** Whether anything was called for the row, which decides whether a {@code refresh_attempt} row is written. */
        public boolean attempted() {
            return cause.attempted;
        }
    }

    /** Why a row was deferred: what the run summary counts and {@code refresh_attempt.error_code} records. */
    enum Cause {
        /** The provider's or the group's circuit is open for this run: nothing was called. */
        CIRCUIT_OPEN("circuit_open", false, false),
        /** The token endpoint refused the group's client credentials. */
        CLIENT_REJECTED("client_rejected", true, false),
        /** The token store could not be read. */
        TOKEN_STORE_UNAVAILABLE("token_store_unavailable", true, true),
        /** The store refused for good (a 403, a disabled secret): not retried, left for an operator. */
        TOKEN_STORE_REFUSED("token_store_refused", true, true),
        /** Refreshed, but the token store refused the new access token; the old refresh token still works. */
        TOKEN_STORE_WRITE_FAILED("token_store_write_failed", true, true),
        /**
         * This replica's budget for the row's vault had no permit for the token read within its bound: nothing was
         * called, the row keeps its status and is claimed again later, as after a throttled read.
         */
        VAULT_BUDGET("vault_budget", false, true),
        /**
         * The row's vault is not configured on this replica (removed from the list, or this replica's configuration
         * lags): nothing was called, the tokens stay where they are, the row keeps its status.
         */
        VAULT_NOT_CONFIGURED("vault_not_configured", false, false),
        /**
         * Refreshed, but the fence before the token-store write refused (the lease is gone: another owner, a reconnect
         * or a disconnect holds or removed the row) or could not be asked (the database did not answer): nothing was
         * written. A kept refresh token still works; a rotated one is sealed for whoever holds the row, or kept by this
         * process while the database is away ({@link Outcome.RotationPending}).
         */
        UNFENCED("lease_not_proven", true, false),
        /** Something unexpected; logged where it happened. */
        INTERNAL_ERROR("internal_error", true, false);

        private final String code;
        private final boolean attempted;
        private final boolean tokenStore;

        Cause(String code, boolean attempted, boolean tokenStore) {
            this.code = code;
            this.attempted = attempted;
            this.tokenStore = tokenStore;
        }

        public String code() {
            return code;
        }

        /** Whether the token store is to blame: counted as a token-store failure in the run summary. */
        public boolean tokenStore() {
            return tokenStore;
        }
    }

    /**
     * The provider rotated the refresh token and the token store has not taken the new one yet: the row
     * stays leased while {@link PendingRotations} keeps trying, so no run can use the now-dead old token.
     */
    record RotationPending() implements Outcome {
        /** What {@code refresh_attempt.error_code} records: the token store refused the rotated token's write. */
        public static final String REASON = "token_store_write_failed";

        @Override
        public String kind() {
            return ROTATION_PENDING;
        }
    }

    /** The short code recorded in {@code refresh_attempt.outcome}. */
    String kind();
}
