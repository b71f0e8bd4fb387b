package dev.oauthrefresher.cron;

import java.util.Map;

/**
 * What a run did, in the counts every task reports. {@code details} holds task-specific figures (for the
 * refresh task: open circuits, token-store failures); it must never hold a secret. {@code remaining} is
 * {@link #REMAINING_UNKNOWN} when it could not be counted.
 */
public record TaskResult(int selected, int refreshed, int expired, int errored, int deferred, int skipped,
        long remaining, Map<String, Object> details) {

    /** {@code remaining} when what is still due could not be counted (the database went away at the end). */
    public static final long REMAINING_UNKNOWN = -1;

    public TaskResult {
        details = Map.copyOf(details);
    }
}
