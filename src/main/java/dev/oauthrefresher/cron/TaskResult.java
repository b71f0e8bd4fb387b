package dev.oauthrefresher.cron;

import java.util.Map;

/**
 * What a run did, in the counts every task reports. {@code details} holds task-specific figures (for the
 * refresh task: open circuits, token-store failures); it must never hold a secret.
 */
public record TaskResult(int selected, int refreshed, int expired, int errored, int deferred, int skipped,
        long remaining, Map<String, Object> details) {

    public TaskResult {
        details = Map.copyOf(details);
    }

    public static TaskResult empty() {
        return new TaskResult(0, 0, 0, 0, 0, 0, 0, Map.of());
    }
}
