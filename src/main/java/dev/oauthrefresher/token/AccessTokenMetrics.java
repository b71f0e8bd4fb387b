package dev.oauthrefresher.token;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Metrics of the access-token endpoint: reads by outcome, on-demand refreshes, single-flight joins, store reads. */
@ApplicationScoped
class AccessTokenMetrics {

    private final MeterRegistry registry;
    // a read is counted on every request (hundreds a second): each outcome's counter is looked up once
    private final Map<String, Counter> reads = new ConcurrentHashMap<>();
    private final Counter storeReads;

    AccessTokenMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.storeReads = Counter.builder("refresher.access.token.store.reads")
                .description("Token-store reads made to answer access-token requests").register(registry);
    }

    /**
     * One answered token read. {@code outcome}: {@code served} (stored token), {@code refreshed} (a new one),
     * {@code reconnect_required} (424), {@code unavailable} (503), {@code tenant_budget} (429: the tenant's
     * on-demand refresh budget), {@code not_found}, {@code audit_failed}.
     */
    void read(String outcome) {
        reads.computeIfAbsent(outcome, o -> Counter.builder("refresher.access.token.reads").description("Access-token reads by outcome")
                .tag("outcome", o).register(registry)).increment();
        if (outcome.equals("reconnect_required")) {
            Counter.builder("refresher.access.token.reconnect.required")
                    .description("Access-token reads answered 424: the integration needs the user to reconnect")
                    .register(registry).increment();
        }
    }

    /** A refresh this endpoint started (not joined), by the outcome kind a run would record. */
    void onDemandRefresh(String outcome) {
        Counter.builder("refresher.access.refreshes").description("Refreshes started by access-token reads, by outcome")
                .tag("outcome", outcome).register(registry).increment();
    }

    /** A caller that joined a refresh or a token-store read already in flight in this process. */
    void joined(String what) {
        Counter.builder("refresher.access.singleflight.joins")
                .description("Access-token callers that joined work already in flight instead of starting their own")
                .tag("what", what).register(registry).increment();
    }

    /** A token-store read on behalf of this endpoint: what the cache saves. */
    void storeRead() {
        storeReads.increment();
    }
}
