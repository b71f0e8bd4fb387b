package dev.oauthrefresher.revocation;

import dev.oauthrefresher.common.OwnedGauges;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Revocation metrics. The outcome counter is this replica's; the queue gauges are read from the database after every
 * pass of the worker and are table-wide (aggregate with {@code max}, not {@code sum}). A singleton, made with the
 * worker at startup, so every meter exists (at zero) before its first event.
 */
@Singleton
class RevocationMetrics {

    static final String REVOKED = "revoked";
    static final String ALREADY_INVALID = "already-invalid";
    static final String RETRIED = "retried";
    static final String GAVE_UP = "gave-up";

    private static final String OUTCOMES = "refresher.revocations";

    private final MeterRegistry registry;
    private final AtomicLong depth = new AtomicLong();
    private final AtomicLong oldestSeconds = new AtomicLong();

    RevocationMetrics(MeterRegistry registry) {
        this.registry = registry;
        // every outcome exists at zero from startup, so an alert on one never waits for its first event
        for (String outcome : List.of(REVOKED, ALREADY_INVALID, RETRIED, GAVE_UP)) {
            counter(outcome);
        }
        OwnedGauges.register(registry, "refresher.revocation.queue.depth",
                "Disconnected grants waiting to be revoked at their provider (table-wide)", null, depth, Tags.empty());
        OwnedGauges.register(registry, "refresher.revocation.queue.oldest.seconds",
                "Age of the oldest revocation still waiting (table-wide)", null, oldestSeconds, Tags.empty());
    }

    void outcome(String outcome) {
        counter(outcome).increment();
    }

    void queue(RevocationRepository.Depth read, Instant now) {
        depth.set(read.rows());
        oldestSeconds.set(read.oldest().map(oldest -> Duration.between(oldest, now).toSeconds()).orElse(0L));
    }

    private Counter counter(String outcome) {
        return Counter.builder(OUTCOMES).description("Revocation attempts of disconnected grants, by outcome")
                .tag("outcome", outcome).register(registry);
    }
}
