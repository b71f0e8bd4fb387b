package dev.oauthrefresher.retention;

import dev.oauthrefresher.common.OwnedGauges;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Retention metrics. The counters are this replica's (only the replica holding the lock purges: aggregate with
 * {@code sum}); the oldest-row gauges are read from the database by every replica after every pass and are table-wide
 * (aggregate with {@code max}). Every meter exists from startup, so an alert never waits for a first event.
 */
class RetentionMetrics {

    static final String PURGED = "purged";
    static final String BUSY = "busy";
    static final String FAILED = "failed";

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> oldest = new TreeMap<>();
    private final AtomicLong lastPurge = new AtomicLong();

    RetentionMetrics(MeterRegistry registry, Map<String, Duration> allowedByTable) {
        this.registry = registry;
        for (String result : new String[] {PURGED, BUSY, FAILED}) {
            pass(result, 0);
        }
        allowedByTable.forEach((table, allowed) -> {
            rows(table).increment(0);
            partitions(table, "created").increment(0);
            partitions(table, "dropped").increment(0);
            AtomicLong age = new AtomicLong();
            oldest.put(table, age);
            OwnedGauges.register(registry, "refresher.retention.oldest", "Age of the oldest row the purge would delete once "
                    + "old enough (table-wide; 0 when there is none)", "seconds", age, Tags.of("table", table));
            OwnedGauges.register(registry, "refresher.retention.allowed", "The oldest age a row of the table should reach: "
                    + "its retention, plus the period between passes, plus a day for a table purged by the day",
                    "seconds", new AtomicLong(allowed.toSeconds()), Tags.of("table", table));
        });
        OwnedGauges.register(registry, "refresher.retention.last.purge.timestamp", "When this replica last completed a "
                + "purge pass without a failure (epoch seconds; 0 before its first)", "seconds", lastPurge, Tags.empty());
    }

    void pass(String result, double amount) {
        Counter.builder("refresher.retention.passes").description("Purge passes by result: purged, busy (another replica "
                + "held the lock, this one purged nothing), failed").tag("result", result).register(registry).increment(amount);
    }

    void purged(String table, long rows) {
        rows(table).increment(rows);
    }

    void partition(String table, String action) {
        partitions(table, action).increment();
    }

    void oldest(String table, Instant oldestRow, Instant now) {
        AtomicLong age = oldest.get(table);
        if (age != null) {
            age.set(oldestRow == null ? 0 : Math.max(0, Duration.between(oldestRow, now).toSeconds()));
        }
    }

    void purgeCompleted(Instant at) {
        lastPurge.set(at.getEpochSecond());
    }

    private Counter rows(String table) {
        return Counter.builder("refresher.retention.purged.rows").description("Rows the purge deleted (a dropped "
                + "partition counts the planner's estimate of its rows)").tag("table", table).register(registry);
    }

    private Counter partitions(String table, String action) {
        return Counter.builder("refresher.retention.partitions").description("Partitions the retention job created "
                + "ahead or dropped behind").tags("table", table, "action", action).register(registry);
    }
}
