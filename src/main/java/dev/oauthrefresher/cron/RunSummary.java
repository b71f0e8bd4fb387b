package dev.oauthrefresher.cron;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.Map;
import java.util.UUID;

/** The answer to a trigger: what the run did. Stored with the run, so a repeated QStash delivery gets it back. */
@RegisterForReflection
public record RunSummary(UUID runId, String task, String trigger, String outcome, int selected, int refreshed,
        int expired, int errored, int deferred, int skipped, long remaining, long durationMs,
        Map<String, Object> details) {

    /** {@code outcome}: {@code completed}, or {@code interrupted} when a graceful shutdown stopped the run early. */
    static RunSummary of(UUID runId, String task, TriggerKind trigger, String outcome, TaskResult result, long durationMs) {
        return new RunSummary(runId, task, trigger.code(), outcome, result.selected(), result.refreshed(),
                result.expired(), result.errored(), result.deferred(), result.skipped(), result.remaining(), durationMs,
                result.details());
    }
}
