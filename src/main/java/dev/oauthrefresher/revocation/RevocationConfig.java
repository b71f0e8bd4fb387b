package dev.oauthrefresher.revocation;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;

/**
 * Revocation on disconnect: {@code refresher.revocation.*}. Checked at startup by {@link RevocationWorker}, which
 * names the offending key.
 */
@ConfigMapping(prefix = "refresher.revocation")
public interface RevocationConfig {

    /**
     * Whether a disconnect queues the grant's refresh token for revocation at its provider group's revocation endpoint,
     * and whether this replica sends what is queued. Off, disconnects only delete (as before) and queued rows wait. Key
     * {@code refresher.revocation.enabled}, default {@code true}.
     */
    @WithDefault("true")
    boolean enabled();

    /** Queued revocations one claim takes and sends at once. Key {@code refresher.revocation.batch-size}, default {@code 50}. */
    @WithDefault("50")
    @Min(1)
    @Max(1000)
    int batchSize();

    /**
     * How often each replica looks for due revocations; a disconnect on the replica wakes it at once. Key
     * {@code refresher.revocation.poll-interval}, default {@code 10s}.
     */
    @WithDefault("10s")
    Duration pollInterval();

    /**
     * How long a claimed revocation is held by the replica sending it; if that replica dies, another sends it after
     * this. At least the slowest provider group's worst case (twice its connect timeout plus its request timeout),
     * checked at startup. Key {@code refresher.revocation.lease}, default {@code 1m}.
     */
    @WithDefault("1m")
    Duration lease();

    /**
     * A revocation still failing this long after its disconnect is given up: its row is deleted, counted
     * ({@code outcome="gave-up"}) and logged without the token. Key {@code refresher.revocation.max-age}, default
     * {@code 7d}.
     */
    @WithDefault("7d")
    Duration maxAge();

    /** Retry delays after a failed revocation. */
    Backoff backoff();

    interface Backoff {

        /** First retry delay. Key {@code refresher.revocation.backoff.initial}, default {@code 30s}. */
        @WithDefault("30s")
        Duration initial();

        /** Longest retry delay. Key {@code refresher.revocation.backoff.max}, default {@code 1h}. */
        @WithDefault("1h")
        Duration max();

        /** Growth per failure. Key {@code refresher.revocation.backoff.multiplier}, default {@code 2.0}. */
        @WithDefault("2.0")
        double multiplier();

        /** Random spread, as a fraction of the delay. Key {@code refresher.revocation.backoff.jitter}, default {@code 0.2}. */
        @WithDefault("0.2")
        double jitter();
    }
}
