package dev.oauthrefresher.cron;

import dev.oauthrefresher.common.OwnedGauges;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When each task's runs last completed, so an alert can tell that runs stopped (against the refresh pipeline's
 * expected trigger interval). {@link TriggerService} reports every completion and, at startup,
 * the latest one in {@code trigger_run}; until a run ever completed the gauge holds the time this process
 * started, so a deployment that is never triggered alerts too. Aggregate replicas with {@code max}.
 */
@Startup
@ApplicationScoped
public class TriggerMetrics {

    private final Map<String, AtomicLong> lastCompleted = new TreeMap<>();

    TriggerMetrics(MeterRegistry registry, TaskRegistry tasks) {
        long now = Instant.now().getEpochSecond();
        for (String task : tasks.names()) {
            AtomicLong value = new AtomicLong(now);
            lastCompleted.put(task, value);
            OwnedGauges.register(registry, "refresher.run.last.completed.timestamp",
                    "When a run of the task last completed (epoch seconds), by any replica; the process start before any did",
                    "seconds", value, Tags.of("task", task));
        }
    }

    /** A run of {@code task} completed at {@code at}; an earlier time than the one known changes nothing. */
    void completed(String task, Instant at) {
        AtomicLong value = lastCompleted.get(task);
        if (value != null) {
            value.accumulateAndGet(at.getEpochSecond(), Math::max);
        }
    }
}
