package dev.oauthrefresher.keyring;

import dev.oauthrefresher.common.OwnedGauges;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Key-ring metrics. {@code refresher.keyring.keys} is this replica's ring (one series per key id it holds, {@code current}
 * saying which one seals), so an operator sees every pod has a new key before making it current. The row gauges are read
 * from the database after every re-seal run and are table-wide (aggregate with {@code max}); the re-sealed counter is
 * this replica's. No series carries key material: key ids only.
 */
@Singleton
class KeyRingMetrics {

    private static final String KEYS = "refresher.keyring.keys";

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> oldKeyRows = new ConcurrentHashMap<>();

    KeyRingMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The ring this replica holds now: the series of keys it no longer holds go. */
    synchronized void ring(Ring ring) {
        registry.find(KEYS).meters().forEach(registry::remove);
        for (String id : ring.ids()) {
            OwnedGauges.register(registry, KEYS, "Keys of this replica's key ring (1 each); current=true seals new values",
                    null, new AtomicLong(1), Tags.of("key", id, "current", Boolean.toString(id.equals(ring.current().id()))));
        }
    }

    /** Rows of {@code table} sealed with a key other than the current one (table-wide). */
    void oldKeyRows(String table, long rows) {
        oldKeyRows.computeIfAbsent(table, t -> {
            AtomicLong value = new AtomicLong();
            OwnedGauges.register(registry, "refresher.keyring.rows.old.keys",
                    "Rows sealed with a key other than the current one, table-wide; 0 before a key is retired", null, value,
                    Tags.of("table", t));
            return value;
        }).set(rows);
    }

    void resealed(String table, long rows) {
        Counter.builder("refresher.keyring.resealed").description("Rows this replica re-sealed under the current key")
                .tag("table", table).register(registry).increment(rows);
    }
}
